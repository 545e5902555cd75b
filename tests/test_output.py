"""Integration tests for urlfan's output: every format and template
variable on a known set of responses, --headers and --no-body, the option
lists of --help, the man page and the bash completion, terminal behaviour
under a pseudo-terminal, --order input's bounded window, -O with hostile
names, --stats and -v/-vv.

Expectations come from the man page (man/urlfan.1.scd) and the contract
(SPEC.md). Nothing here judges correctness by wall-clock time; timeouts are
generous and only stop a hung run."""
import base64
import collections
import json
import math
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import MEM_SCALE, ROOT, SANITIZED, URLFAN, records, run
from server import CTRL_BODY, JSON_BODY, TEXT_BODY

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(TESTS_DIR)
MAN_PAGE = os.path.join(SOURCE_ROOT, "man", "urlfan.1.scd")
COMPLETION = os.path.join(SOURCE_ROOT, "completions", "urlfan.bash")

# /json's body as ndjson, json and body must carry it: minified, with the
# server's number literals and escapes untouched.
JSON_MIN = (b'{"name":"urlfan","big":12345678901234567890,"precise":9007199254740993,'
            b'"huge":1e400,"float":1.50,"esc":"a\\u00e9\\n\\"q\\"","list":[1,2,3],'
            b'"nested":{"k":null,"t":true}}')
# ... and as the text format pretty-prints it (two-space indent).
JSON_PRETTY = b"""{
  "name": "urlfan",
  "big": 12345678901234567890,
  "precise": 9007199254740993,
  "huge": 1e400,
  "float": 1.50,
  "esc": "a\\u00e9\\n\\"q\\"",
  "list": [
    1,
    2,
    3
  ],
  "nested": {
    "k": null,
    "t": true
  }
}"""
BINARY = bytes(range(256))
STATUS_404 = b"status 404\n"
SPEC_ID = {"k": [1, "two", 12345678901234567890, 1.50]}
SPEC_ID_RAW = '{"k":[1,"two",12345678901234567890,1.50]}'

TIME_KEYS = {"total", "dns", "connect", "tls", "ttfb"}
BASE_KEYS = {"index", "url", "method", "status", "ok", "effective_url", "redirects",
             "http_version", "remote_ip", "content_type", "size", "time", "attempts"}

# Every variable the man page's TEMPLATES section lists.
TEMPLATE_VARS = ["index", "id", "url", "effective_url", "method", "status", "ok", "size",
                 "time_total", "time_ttfb", "http_version", "content_type", "error_kind",
                 "error", "attempts", "body", "file", "json", "host", "path", "redirects",
                 "remote_ip", "file_state",
                 # curl's names
                 "http_code", "response_code", "url_effective", "num_redirects", "remote_port",
                 "time_namelookup", "time_connect", "time_appconnect", "time_starttransfer",
                 "size_download", "errormsg", "filename_effective"]
# curl's time names and the record's time keys.
CURL_TIMES = {"time_total": "total", "time_ttfb": "ttfb", "time_namelookup": "dns",
              "time_connect": "connect", "time_appconnect": "tls",
              "time_starttransfer": "ttfb"}


def refused_url(path="/x"):
    """A URL on a port nobody listens on: bind one, note it, close it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d%s" % (port, path)


class Known:
    """A fixed list of requests with known answers, one of each kind."""

    def __init__(self, srv):
        self.json = srv.url("/json")
        self.text = srv.url("/text")
        self.binary = srv.url("/binary")
        self.missing = srv.url("/status/404")
        self.refused = refused_url()
        self.invalid = "not a url"
        self.spec_url = srv.url("/json?spec=1")
        self.spec = '{"url": "%s", "id": {"k": [1, "two", 12345678901234567890, 1.50]}}' % self.spec_url
        self.lines = [self.json, self.text, self.binary, self.missing, self.refused,
                      self.invalid, self.spec]
        self.input = ("# known responses\n\n" + "\n".join(self.lines) + "\n").encode()
        # Raw body bytes per index; None: no response.
        self.bodies = [JSON_BODY, TEXT_BODY, BINARY, STATUS_404, None, None, JSON_BODY]


@pytest.fixture
def known(srv):
    return Known(srv)


def without_time(rec):
    """A record without what may differ between two runs: times, also
    inside libcurl's error messages ("after 0 ms")."""
    out = {k: v for k, v in rec.items() if k != "time"}
    if "error" in out:
        out["error"] = dict(out["error"], message=re.sub(r"after \d+ ms", "after N ms",
                                                         out["error"]["message"]))
    return out


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------
# 1. formats, templates, --headers, --no-body
# ---------------------------------------------------------------------------


def check_common(rec):
    assert isinstance(rec["index"], int) and not isinstance(rec["index"], bool)
    assert isinstance(rec["url"], str)
    assert isinstance(rec["method"], str)
    assert isinstance(rec["ok"], bool)
    assert isinstance(rec["size"], int) and not isinstance(rec["size"], bool) and rec["size"] >= 0
    assert isinstance(rec["attempts"], int) and not isinstance(rec["attempts"], bool)
    assert set(rec["time"]) == TIME_KEYS, rec["time"]
    assert all(is_number(v) and v >= 0 for v in rec["time"].values()), rec["time"]


def check_response(rec, url, status, ctype, size):
    check_common(rec)
    assert rec["url"] == url and rec["effective_url"] == url
    assert rec["method"] == "GET"
    assert rec["status"] == status and isinstance(rec["status"], int)
    assert rec["ok"] is (200 <= status <= 399)
    assert rec["http_version"] == "1.1"
    assert rec["content_type"] == ctype
    assert rec["size"] == size
    assert rec["attempts"] == 1
    assert rec["redirects"] == 0 and rec["remote_ip"] == "127.0.0.1"
    assert "error" not in rec
    t = rec["time"]
    assert t["total"] > 0
    assert t["ttfb"] <= t["total"] and t["connect"] <= t["total"] and t["dns"] <= t["total"]
    assert t["tls"] == 0  # plain http: no TLS step


def test_ndjson_fields_on_known_responses(known):
    p = run(["-J", "--order", "input"], input=known.input)
    assert p.returncode == 3, p.stderr  # a refused connection and an invalid line
    lines = p.stdout.decode().splitlines()
    recs = [json.loads(line) for line in lines]
    assert [r["index"] for r in recs] == list(range(7))
    j, t, b, nf, ref, inv, spec = recs

    check_response(j, known.json, 200, "application/json", len(JSON_BODY))
    assert set(j) == BASE_KEYS | {"body"}
    assert j["body"] == json.loads(JSON_BODY)
    assert '"body":%s,' % JSON_MIN.decode() in lines[0]  # byte-faithful

    check_response(t, known.text, 200, "text/plain; charset=utf-8", len(TEXT_BODY))
    assert set(t) == BASE_KEYS | {"body"}
    assert t["body"] == TEXT_BODY.decode()

    check_response(b, known.binary, 200, "application/octet-stream", 256)
    assert set(b) == BASE_KEYS | {"body", "body_encoding"}
    assert b["body_encoding"] == "base64" and base64.b64decode(b["body"]) == BINARY

    check_response(nf, known.missing, 404, "text/plain; charset=utf-8", len(STATUS_404))
    assert set(nf) == BASE_KEYS | {"body"}
    assert nf["ok"] is False and nf["body"] == STATUS_404.decode()

    check_common(ref)
    assert set(ref) == BASE_KEYS | {"error"}
    assert ref["url"] == known.refused and ref["method"] == "GET"
    assert ref["status"] is None and ref["ok"] is False
    assert ref["effective_url"] is None and ref["http_version"] is None
    assert ref["content_type"] is None and ref["size"] == 0 and ref["attempts"] == 1
    assert ref["remote_ip"] is None and ref["redirects"] == 0  # never connected
    assert set(ref["error"]) == {"kind", "message"}
    assert ref["error"]["kind"] == "connect"
    assert isinstance(ref["error"]["message"], str) and ref["error"]["message"]

    check_common(inv)
    assert set(inv) == BASE_KEYS | {"error"}
    assert inv["url"] == known.invalid
    assert inv["status"] is None and inv["ok"] is False and inv["effective_url"] is None
    assert inv["http_version"] is None and inv["content_type"] is None
    assert inv["size"] == 0 and inv["attempts"] == 0
    assert inv["remote_ip"] is None and inv["redirects"] == 0
    assert inv["error"]["kind"] == "invalid_input" and inv["error"]["message"]

    check_response(spec, known.spec_url, 200, "application/json", len(JSON_BODY))
    assert set(spec) == BASE_KEYS | {"body", "id"}
    assert spec["id"] == SPEC_ID
    # The id is echoed byte-faithfully too (the big number survives).
    assert '"id":%s,' % SPEC_ID_RAW in lines[6]


def test_json_format_is_one_array_of_the_ndjson_records(known):
    nd = run(["-J", "--order", "input"], input=known.input)
    js = run(["--format", "json", "--order", "input"], input=known.input)
    assert js.returncode == nd.returncode == 3
    text = js.stdout.decode()
    assert text.startswith("[") and text.rstrip().endswith("]")
    arr = json.loads(text)  # one valid JSON document
    assert isinstance(arr, list) and len(arr) == 7
    assert [without_time(r) for r in arr] == [without_time(r) for r in records(nd.stdout)]
    assert JSON_MIN in js.stdout  # byte-faithful in json too
    for r in arr:
        assert set(r["time"]) == TIME_KEYS


def test_json_format_of_an_empty_run_is_an_empty_array(srv):
    p = run(["--format", "json"], input=b"# only comments\n\n   \n# and blanks\n")
    # Nothing to do is no success (issue 21), but the output stays JSON.
    assert p.returncode == 2, p.stderr
    assert b"no request" in p.stderr
    assert p.stdout.strip() == b"[]"
    assert json.loads(p.stdout) == []
    assert srv.stats()["total"] == 0


def test_body_format_writes_only_bodies(known):
    p = run(["--format", "body", "--order", "input"], input=known.input)
    assert p.returncode == 3, p.stderr
    # The bodies of ok responses, JSON too, byte for byte, nothing added
    # (issue 21). The 404, the refused connection and the invalid line
    # write nothing to stdout...
    expect = JSON_BODY + TEXT_BODY + BINARY + JSON_BODY
    assert p.stdout == expect
    # ... and one line each on stderr, as curl's (as they finish, which
    # --order input does not change).
    lines = sorted(p.stderr.decode().splitlines())
    assert len(lines) == 3, lines
    assert lines[0] == "urlfan: 404 " + known.missing, lines
    assert lines[1].startswith("urlfan: ERR %s  connect: " % known.refused), lines
    assert lines[2].startswith("urlfan: ERR not a url  invalid_input: "), lines
    # --all-bodies: the 404's body too; -s: no lines, -sS: the lines again.
    p = run(["--format", "body", "--order", "input", "--all-bodies"], input=known.input)
    assert p.stdout == JSON_BODY + TEXT_BODY + BINARY + STATUS_404 + JSON_BODY
    p = run(["--format", "body", "--order", "input", "-s"], input=known.input)
    assert p.stdout == expect and p.stderr == b""
    p = run(["--format", "body", "--order", "input", "-sS"], input=known.input)
    assert p.stdout == expect and len(p.stderr.splitlines()) == 3


def test_body_format_is_byte_exact_like_curl(srv, tmp_path):
    """urlfan --format body URL > FILE gives the bytes curl URL > FILE does,
    for anything that is not JSON."""
    for path in ("/binary", "/text", "/bytes/70000", "/ctrl"):
        p = run(["--format", "body", srv.url(path)])
        assert p.returncode == 0, p.stderr
        if shutil.which("curl"):
            c = subprocess.run(["curl", "-s", srv.url(path)], capture_output=True, timeout=60)
            assert p.stdout == c.stdout, path
        with urllib.request.urlopen(srv.url(path), timeout=10) as r:
            assert p.stdout == r.read(), path


def test_body_format_is_a_stream_of_json_documents(srv):
    urls = [srv.url("/json"), srv.url("/json?x=1"), srv.url("/bigjson/5000"),
            srv.url("/delay/0"), srv.url("/json?x=2")]
    p = run(["--format", "body", *urls])
    assert p.returncode == 0, p.stderr
    text = p.stdout.decode()
    dec = json.JSONDecoder()
    docs, pos = [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos == len(text):
            break
        doc, pos = dec.raw_decode(text, pos)
        docs.append(doc)
    assert len(docs) == 5
    assert sum(d == json.loads(JSON_BODY) for d in docs) == 3
    # The server's bytes, as curl writes them: nothing added or removed.
    assert p.stdout.count(JSON_BODY) == 3
    with urllib.request.urlopen(srv.url("/delay/0"), timeout=10) as r:
        delay_body = r.read()
    assert len(p.stdout) == 3 * len(JSON_BODY) + 5000 + len(delay_body)
    jq = shutil.which("jq")
    if jq:
        sh = subprocess.run(
            ["sh", "-c", '"$0" --format body "$@" | jq -c type', URLFAN, *urls],
            capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert sh.returncode == 0, sh.stderr
        # In completion order: which body comes when is the network's.
        assert sorted(sh.stdout.decode().split()) == sorted(
            ['"object"', '"object"', '"array"', '"object"', '"object"'])


# The time field of a text status line, "STATUS URL  TIME  SIZE": the only
# part of the text format that differs between two runs.
STATUS_TIME = re.compile(rb"^((?:\x1b\[3[1236]m)?\d{3}(?:\x1b\[0m)? http://[^ \n]+  )"
                         rb"\d+\.\d{3}s(  \d+B\n)", re.M)
# libcurl's own clock in its error messages ("... after 0 ms: ...").
CURL_MS = re.compile(rb"after \d+ ms")


@pytest.mark.parametrize("color", [None, "never", "always"])
def test_text_format_exact_bytes(known, color):
    p = run(["--format", "text", "--order", "input"] + (["--color", color] if color else []),
            input=known.input)
    assert p.returncode == 3, p.stderr
    # The error messages come from libcurl and urlfan; the ndjson records
    # carry the same text, and its exact rendering is the point here.
    errors = {r["index"]: r["error"] for r in records(run(["-J"], input=known.input).stdout)
              if "error" in r}
    on = (lambda code: b"\x1b[%dm" % code) if color == "always" else (lambda code: b"")
    off = b"\x1b[0m" if color == "always" else b""

    def status(code, hue, url, body):
        return (on(hue) + b"%d" % code + off + b" %s  TIME  %dB\n" % (url.encode(), len(body)))

    def err(index, url):
        e = errors[index]
        return (on(31) + b"ERR" + off
                + b" %s  %s: %s\n" % (url.encode(), e["kind"].encode(), e["message"].encode()))

    expect = (status(200, 32, known.json, JSON_BODY) + JSON_PRETTY + b"\n\n"
              + status(200, 32, known.text, TEXT_BODY) + TEXT_BODY + b"\n"
              + status(200, 32, known.binary, BINARY) + BINARY + b"\n\n"  # as it came
              + status(404, 33, known.missing, STATUS_404) + STATUS_404 + b"\n"
              + err(4, known.refused)
              + err(5, known.invalid)
              + status(200, 32, known.spec_url, JSON_BODY) + JSON_PRETTY + b"\n\n")
    out, n = STATUS_TIME.subn(rb"\1TIME\2", p.stdout)
    assert n == 5, p.stdout
    assert CURL_MS.sub(b"after N ms", out) == CURL_MS.sub(b"after N ms", expect)


def write_out(args, input_bytes, var):
    """Run -w with %{json} and %{var} side by side: (record, value) per line."""
    sep, end = b"@@SEP@@", b"@@END@@\n"
    p = run(["--order", "input", *args, "-w", "%%{json}@@SEP@@%%{%s}@@END@@\\n" % var],
            input=input_bytes)
    out = []
    assert p.stdout.endswith(end), p.stdout
    for chunk in p.stdout[:-len(end)].split(end):
        rec, value = chunk.split(sep)
        out.append((json.loads(rec), value))
    return p, out


def expected_var(var, rec, raw_body, host, port=None):
    err = rec.get("error") or {}
    s = lambda v: b"" if v is None else str(v).encode()
    if var == "index":
        return s(rec["index"])
    if var == "id":
        if "id" not in rec:
            return b""
        return rec["id"].encode() if isinstance(rec["id"], str) else SPEC_ID_RAW.encode()
    if var in ("url", "effective_url", "method", "status", "size", "attempts",
               "http_version", "content_type", "redirects", "remote_ip"):
        return s(rec[var])
    alias = {"url_effective": "effective_url", "num_redirects": "redirects",
             "size_download": "size"}
    if var in alias:
        return s(rec[alias[var]])
    if var in ("http_code", "response_code"):
        return b"%03d" % (rec["status"] or 0)  # curl's 000 for no response
    if var == "remote_port":
        return s(port) if rec["remote_ip"] else b""
    if var == "errormsg":
        return s(err.get("message"))
    if var in ("filename_effective", "file_state"):  # no -O (-N) here
        return b""
    if var == "ok":
        return b"true" if rec["ok"] else b"false"
    if var == "error_kind":
        return s(err.get("kind"))
    if var == "error":
        return s(err.get("message"))
    if var == "body":
        return raw_body or b""
    if var == "file":
        return b""
    if var == "host":
        return host.encode()
    raise AssertionError(var)


@pytest.mark.parametrize("var", TEMPLATE_VARS)
def test_write_out_variable(known, var):
    p, out = write_out([], known.input, var)
    assert p.returncode == 3, p.stderr
    assert [rec["index"] for rec, _ in out] == list(range(7))
    for (rec, value), raw_body in zip(out, known.bodies):
        where = (var, rec["index"], value[:200])
        if var in CURL_TIMES:
            assert re.fullmatch(rb"\d+(\.\d+)?", value), where
            assert abs(float(value) - rec["time"][CURL_TIMES[var]]) <= 1e-6, where
        elif var == "json":
            nd = json.loads(value)
            assert nd == rec and b"\n" not in value, where
        elif var == "path":
            expect = {0: b"/json", 1: b"/text", 2: b"/binary", 3: b"/status/404",
                      4: b"/x", 5: b"", 6: b"/json"}[rec["index"]]  # no query
            assert value == expect, where
        else:
            # The port is part of %{host} when it is not the scheme's.
            port = int(known.json.split(":")[2].split("/")[0])
            host = "" if rec["index"] == 5 else "127.0.0.1:%d" % port
            if rec["index"] == 4:
                host = "127.0.0.1:%s" % known.refused.split(":")[2].split("/")[0]
            assert value == expected_var(var, rec, raw_body, host, port), where
    # %{json} is the ndjson record.
    if var == "json":
        nd = run(["-J", "--order", "input"], input=known.input)
        assert [without_time(r) for r, _ in out] == [without_time(r) for r in records(nd.stdout)]


def test_write_out_id_string_host_lower_case_and_file(srv, tmp_path):
    spec = json.dumps({"url": "http://MiXeD.TeSt:%d/text?q=1" % srv.port, "id": "job 7"})
    p = run(["-O", str(tmp_path / "o"), *srv.resolve("mixed.test"),
             "-w", "%{id}|%{host}|%{path}|%{file}|%{size}\\n"], input=spec.encode())
    assert p.returncode == 0, p.stderr
    ident, host, path, fname, size = p.stdout.decode().rstrip("\n").split("|")
    assert ident == "job 7"  # a string id prints without quotes
    assert host == "mixed.test:%d" % srv.port and path == "/text"
    assert fname == str(tmp_path / "o" / "0")  # default name %{index}
    with open(fname, "rb") as f:
        assert f.read() == TEXT_BODY
    assert size == str(len(TEXT_BODY))


def test_write_out_escapes(srv):
    p = run(["-w", "a\\tb\\\\c%%d%{status}\\r\\n", srv.url("/text"), srv.url("/json")])
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"a\tb\\c%d200\r\n" * 2


@pytest.mark.parametrize("opt", ["-w", "--write-out", "--name"])
def test_unknown_template_variable_is_a_usage_error(srv, tmp_path, opt):
    extra = ["-O", str(tmp_path / "o")] if opt == "--name" else []
    p = run([*extra, opt, "%{status} %{bogusvar}", srv.url("/json")])
    assert p.returncode == 2
    assert b"bogusvar" in p.stderr
    assert p.stdout == b""
    assert srv.stats()["total"] == 0
    assert not (tmp_path / "o").exists() or not os.listdir(tmp_path / "o")


class RepeatedHeaderServer:
    """The test server never repeats a response header, so this tiny one
    does: /final answers with Set-Cookie and X-Multi repeated (X-Multi in
    three spellings); /redir redirects to /final with a header of its own."""

    FINAL = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\n"
             b"X-Single: One\r\nSet-Cookie: b=2; Path=/\r\nX-Multi: x\r\nx-MULTI: y\r\n"
             b"X-Multi: z\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    REDIR = (b"HTTP/1.1 302 Found\r\nLocation: /final\r\nX-Redirect-Only: 1\r\n"
             b"Content-Length: 0\r\nConnection: close\r\n\r\n")

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                data = b""
                while b"\r\n\r\n" not in data:
                    d = c.recv(4096)
                    if not d:
                        break
                    data += d
                c.sendall(self.REDIR if data.startswith(b"GET /redir ") else self.FINAL)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=10)


@pytest.fixture
def rhs():
    s = RepeatedHeaderServer()
    yield s
    s.close()


def test_headers_lower_cased_and_repeated_as_arrays(rhs):
    p = run(["-J", "--headers", rhs.url("/final"), rhs.url("/redir")])
    assert p.returncode == 0, p.stderr
    recs = sorted(records(p.stdout), key=lambda r: r["index"])
    for rec in recs:
        h = rec["headers"]
        assert all(k == k.lower() for k in h), h
        assert h["set-cookie"] == ["a=1", "b=2; Path=/"]
        assert h["x-multi"] == ["x", "y", "z"]
        assert h["x-single"] == "One"
        assert h["content-type"] == "text/plain" and h["content-length"] == "3"
        assert rec["body"] == "ok\n"
    # Only the final response's headers.
    assert recs[1]["effective_url"] == rhs.url("/final")
    assert "x-redirect-only" not in recs[1]["headers"] and "location" not in recs[1]["headers"]
    # json has them too; without --headers, no headers key.
    p = run(["--format", "json", "--headers", rhs.url("/final")])
    assert json.loads(p.stdout)[0]["headers"]["set-cookie"] == ["a=1", "b=2; Path=/"]
    p = run(["-J", rhs.url("/final")])
    assert "headers" not in records(p.stdout)[0]


def test_headers_in_text_format(rhs, srv):
    p = run(["--format", "text", "--headers", "--color", "never", rhs.url("/final")])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().split("\n")
    assert re.fullmatch(r"200 %s  \d+\.\d{3}s  3B" % re.escape(rhs.url("/final")), lines[0])
    # The headers come after the status line, before the body.
    body_at = lines.index("ok")
    head = lines[1:body_at]
    assert "set-cookie: a=1" in head and "set-cookie: b=2; Path=/" in head
    assert "x-single: One" in head and "content-length: 3" in head
    # A single header from the bundled server: lower-cased name, plain string.
    p = run(["-J", "--headers", "--no-body", srv.url("/status/429?retry_after=5")])
    (rec,) = records(p.stdout)
    assert rec["headers"]["retry-after"] == "5"
    assert rec["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert "Content-Type" not in rec["headers"]


def test_no_body(known):
    p = run(["-J", "--no-body", "--order", "input"], input=known.input)
    recs = records(p.stdout)
    assert len(recs) == 7
    for rec in recs:
        assert "body" not in rec and "body_encoding" not in rec
    assert [r["size"] for r in recs] == [184, 28, 256, 11, 0, 0, 184]
    p = run(["--no-body", "--order", "input", "--color", "never"], input=known.input)
    text = p.stdout.decode("latin-1")
    assert "urlfan" not in text and "hello" not in text and "status 404" not in text
    assert len(text.splitlines()) == 7  # one line per record, no blank lines
    p = run(["--format", "body", "--no-body"], input=known.input)
    assert p.stdout == b""


# ---------------------------------------------------------------------------
# 2. --help, the man page and the bash completion list the same options
# ---------------------------------------------------------------------------

LONG_OPT = re.compile(r"--[a-z0-9][a-z0-9.-]*[a-z0-9]")


def help_long_options():
    p = run(["--help"])
    assert p.returncode == 0
    opts = set()
    for line in p.stdout.decode().splitlines():
        m = re.match(r"^\s+(?:-\w, )?(--[a-z0-9][a-z0-9.-]*)", line)
        if m:
            opts.add(m.group(1))
    assert len(opts) >= 40, opts  # the parse found the option list
    return opts


def man_sections():
    with open(MAN_PAGE, encoding="utf-8") as f:
        text = f.read()
    sections, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^# (\S.*)$", line)
        if m:
            name = m.group(1)
            sections[name] = []
        elif name:
            sections[name].append(line)
    return sections


def test_help_and_man_page_list_the_same_long_options():
    helped = help_long_options()
    with open(MAN_PAGE, encoding="utf-8") as f:
        man = f.read()
    missing = sorted(o for o in helped if not re.search(r"\*[^*\n]*%s\b(?![.-])" % re.escape(o), man))
    assert not missing, "in --help but not in the man page: %s" % missing
    options = man_sections()["OPTIONS"]
    defined = set()
    for line in options:  # option definitions: bold lines starting with a dash
        if line.startswith("*-"):
            defined |= set(LONG_OPT.findall(line))
    assert len(defined) >= 40, defined
    assert not defined - helped, "in the man page OPTIONS but not in --help: %s" % sorted(defined - helped)
    assert not helped - defined, "in --help but not defined in OPTIONS: %s" % sorted(helped - defined)
    # Every *--option* the OPTIONS section mentions is one of urlfan's, except
    # the curl option it compares -d with.
    mentioned = set()
    for line in options:
        for m in re.finditer(r"\*(--[a-z0-9][a-z0-9.-]*)", line):
            mentioned.add(m.group(1))
    assert not mentioned - helped - {"--data-binary"}, sorted(mentioned - helped)


def test_help_and_man_page_pair_short_and_long_options_alike():
    p = run(["--help"])
    helped = dict((l, s) for s, l in re.findall(r"^\s+(-\w), (--[a-z0-9.-]+)", p.stdout.decode(), re.M))
    man = dict((l, s) for s, l in re.findall(r"^\*(-\w), (--[a-z0-9.-]+)\*", "\n".join(man_sections()["OPTIONS"]), re.M))
    assert len(helped) >= 15
    assert helped == man


def test_bash_completion_lists_every_long_option():
    helped = help_long_options()
    with open(COMPLETION, encoding="utf-8") as f:
        comp = f.read()
    m = re.search(r'compgen -W "(--[^"]*)"', comp)
    assert m, "no option word list in %s" % COMPLETION
    words = set(m.group(1).split())
    assert not helped - words, "missing from the completion: %s" % sorted(helped - words)
    stray = {w for w in words if w.split("=")[0] not in helped}
    assert not stray, "completed but not in --help: %s" % sorted(stray)


def test_man_page_template_variables_are_the_tested_ones():
    text = "\n".join(man_sections()["TEMPLATES"])
    listed = re.findall(r"%\{([a-z_]+)\}", text)
    assert listed and set(listed) - {"variable", "stdout", "stderr"} == set(TEMPLATE_VARS)


# ---------------------------------------------------------------------------
# 4. terminal behaviour
# ---------------------------------------------------------------------------


def run_pty(args, env=None, timeout=60):
    """Run urlfan with stdout and stderr each on its own pseudo-terminal;
    return (exit status, stdout bytes, stderr bytes) read until EOF."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    out_m, out_s = pty.openpty()
    err_m, err_s = pty.openpty()
    try:
        proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.DEVNULL, stdout=out_s,
                                stderr=err_s, env=full_env)
    except Exception:
        for fd in (out_m, out_s, err_m, err_s):
            os.close(fd)
        raise
    os.close(out_s)
    os.close(err_s)
    data = {out_m: b"", err_m: b""}
    live = [out_m, err_m]
    deadline = time.monotonic() + timeout
    try:
        while live:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("urlfan under a pty did not finish in %ss" % timeout)
            ready, _, _ = select.select(live, [], [], min(left, 1))
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the slave side is closed
                    chunk = b""
                if chunk:
                    data[fd] += chunk
                else:
                    live.remove(fd)
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(out_m)
        os.close(err_m)
    return proc.returncode, data[out_m], data[err_m]


COLOR = re.compile(rb"\x1b\[[0-9;]*m")


def test_terminal_colors_and_escaping(srv):
    urls = [srv.url("/json"), srv.url("/ctrl"), srv.url("/status/404")]
    rc, out, err = run_pty(urls)
    assert rc == 1
    assert b"\x1b[32m200" in out  # 2xx green
    assert b"\x1b[33m404" in out  # 4xx yellow
    # /ctrl's escape sequences are shown escaped, never sent raw.
    assert b"red \\x1b[31mRED\\x1b[0m bell \\x07 done" in out
    assert b"\x1b[31mRED" not in out and b"\x07" not in out
    assert not re.search(rb"\x1b(?!\[[0-9;]*m)", out), out  # no ESC but colors
    assert b"req/s" not in out  # the progress line is never on stdout
    # The pretty-printed JSON body is there as well.
    assert b'"big": 12345678901234567890,' in out


def test_progress_line_on_a_terminal(srv):
    urls = [srv.url("/delay/0.3?i=%d" % i) for i in range(20)]
    rc, out, err = run_pty(["--no-body", "-j", "2", *urls])
    assert rc == 0
    assert b"req/s" in err and b"in flight" in err and b"ETA" in err
    assert b"/20 (" in err  # done/total: the total is known from arguments
    draws = err.count(b"\r")
    assert draws >= 3, err  # redrawn during a run of several seconds
    assert b"\x1b[K" in err
    assert err.endswith(b"\r\x1b[K")  # erased at the end
    assert b"req/s" not in out and b"\r\x1b[K" not in out
    assert len(re.findall(rb"\x1b\[32m200", out)) == 20
    # -s and --no-progress hide it, even on a terminal.
    few = [srv.url("/delay/0.3?j=%d" % i) for i in range(4)]
    for opt in ("-s", "--no-progress"):
        rc, out, err = run_pty([opt, "--no-body", "-j", "1", *few])
        assert rc == 0 and err == b"", (opt, err)
        assert len(re.findall(rb"\x1b\[32m200", out)) == 4


def test_progress_forced_through_a_pipe(srv):
    """Into a log (issue 21): plain lines every few seconds, never a
    carriage return or an escape sequence."""
    urls = [srv.url("/delay/0.8?i=%d" % i) for i in range(6)]
    p = run(["--progress", "-J", "--no-body", "-j", "1", *urls])
    assert p.returncode == 0
    assert b"\r" not in p.stderr and b"\x1b" not in p.stderr, p.stderr
    lines = p.stderr.decode().splitlines()
    assert lines, "no progress line in a run of about 5 s"
    for line in lines:
        assert re.match(r"urlfan: progress \d/6 \(\d+\.\d%\)  .*req/s", line), line
    assert len(records(p.stdout)) == 6  # never on stdout


def test_pipes_get_no_escape_bytes(srv):
    urls = [srv.url("/json"), srv.url("/ctrl"), srv.url("/status/404")]
    p = run(["--format", "text", *urls])
    assert p.returncode == 1
    assert b"\x1b" not in p.stderr  # no progress line
    # Through a pipe the text is written as it came (man page, OUTPUT/text):
    # the only ESC bytes on stdout are /ctrl's own, unescaped; no colors.
    assert CTRL_BODY in p.stdout
    assert b"\\x1b" not in p.stdout
    assert b"\x1b" not in p.stdout.replace(CTRL_BODY, b"")
    long_run = run(["--no-body", "-j", "2", *[srv.url("/delay/0.2?i=%d" % i) for i in range(6)]])
    assert long_run.returncode == 0 and long_run.stderr == b""
    assert b"\x1b" not in long_run.stdout


def test_no_color_on_a_terminal_still_escapes(srv):
    urls = [srv.url("/json"), srv.url("/ctrl"), srv.url("/status/404")]
    rc, out, err = run_pty(urls, env={"NO_COLOR": "1"})
    assert rc == 1
    assert b"\x1b" not in out  # no colors, and /ctrl's ESC bytes escaped
    assert b"red \\x1b[31mRED\\x1b[0m bell \\x07 done" in out
    assert re.search(rb"^200 " + re.escape(srv.url("/json").encode()), out, re.M)
    assert re.search(rb"^404 " + re.escape(srv.url("/status/404").encode()), out, re.M)
    rc, out, err = run_pty(["--color", "never", *urls])
    assert b"\x1b" not in out


def test_color_always_through_a_pipe(srv):
    urls = [srv.url("/json"), srv.url("/redirect/1"), srv.url("/status/404"),
            srv.url("/status/500"), refused_url()]
    p = run(["--color", "always", "--no-body", "--max-redirs", "0", "--order", "input", *urls])
    lines = p.stdout.splitlines()
    assert len(lines) == 5, p.stdout
    assert lines[0].startswith(b"\x1b[32m200\x1b[0m ")  # green
    assert lines[1].startswith(b"\x1b[36m302\x1b[0m ")  # cyan
    assert lines[2].startswith(b"\x1b[33m404\x1b[0m ")  # yellow
    assert lines[3].startswith(b"\x1b[31m500\x1b[0m ")  # red
    assert lines[4].startswith(b"\x1b[31mERR\x1b[0m ")  # red
    # --color always wins over NO_COLOR (man page, ENVIRONMENT).
    p = run(["--color", "always", "--no-body", srv.url("/json")], env={"NO_COLOR": "1"})
    assert p.stdout.startswith(b"\x1b[32m200")


def test_terminal_escapes_headers_and_hides_binary_bodies(srv):
    rc, out, err = run_pty(["-g", "--headers", srv.url("/status/200?retry_after=%1b[31mX%07")])
    assert rc == 0
    assert b"retry-after: \\x1b[31mX\\x07" in out
    assert b"\x1b[31mX" not in out and b"\x07" not in out
    rc, out, err = run_pty([srv.url("/binary")])
    assert rc == 0
    status_line, rest = out.split(b"\n", 1)
    assert b"256B" in status_line
    # Not valid UTF-8: replaced by a note of its size.
    assert b"\x00" not in rest and b"\x01" not in rest and b"\xff" not in rest
    assert b"256" in rest


# ---------------------------------------------------------------------------
# 5. --order input: exact order, bounded window, bounded memory
# ---------------------------------------------------------------------------

N_FAST = 20000
PARALLEL = 50


def read_vmhwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])  # kB
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def ordered_run(srv, tmp_path, order):
    """One slow request (/delay/3 on slow.test) then N_FAST fast ones
    (fast.test). Returns (records, peak kB, most fast.test requests the
    server had seen while the slow one was in flight, samples taken)."""
    urls = tmp_path / "urls.txt"
    with open(urls, "w") as f:
        f.write(srv.url("/delay/3", "slow.test") + "\n")
        for i in range(1, N_FAST + 1):
            f.write(srv.url("/json?i=%d" % i, "fast.test") + "\n")
    out_path = tmp_path / ("out-%s.ndjson" % order)
    srv.reset()
    slow_key, fast_key = srv.key("slow.test"), srv.key("fast.test")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            [URLFAN, "-J", "--no-body", "-j", str(PARALLEL), "-p", str(PARALLEL),
             "--order", order, *srv.resolve("slow.test", "fast.test"), "-i", str(urls)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL)
    hwm = ahead = samples = 0
    reaped = False
    deadline = time.monotonic() + 180
    try:
        while True:
            hwm = max(hwm, read_vmhwm(proc.pid))
            st = srv.stats()
            if slow_key in st["inflight"]:
                samples += 1
                ahead = max(ahead, st["count"].get(fast_key, 0))
            # (Not rusage's ru_maxrss: it counts the forked Python parent's
            # pages from before the exec.) VmHWM vanishes at exit: reap here.
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                reaped = True
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            assert time.monotonic() < deadline, "urlfan --order %s took too long" % order
            time.sleep(0.02)
    finally:
        if not reaped:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    with open(out_path, "rb") as f:
        recs = records(f.read())
    return recs, hwm, ahead, samples


def test_order_input_is_exact_and_bounded(srv, tmp_path):
    recs, hwm_in, ahead_in, samples_in = ordered_run(srv, tmp_path, "input")
    assert [r["index"] for r in recs] == list(range(N_FAST + 1))
    assert all(r["ok"] for r in recs)
    assert srv.stats()["count"][srv.key("fast.test")] == N_FAST
    recs_c, hwm_c, ahead_c, samples_c = ordered_run(srv, tmp_path, "completion")
    assert sorted(r["index"] for r in recs_c) == list(range(N_FAST + 1))
    print("\npeak memory: --order input %.1f MiB, --order completion %.1f MiB"
          % (hwm_in / 1024, hwm_c / 1024))
    print("fast requests started while the slow one was in flight: input %d, completion %d"
          % (ahead_in, ahead_c))
    # The server saw the slow request in flight; meanwhile the reorder window
    # (5 x -j records) plus the requests in flight (-j) is all that may run.
    assert samples_in > 0
    assert ahead_in <= 5 * PARALLEL + PARALLEL, ahead_in
    # Memory: 20,000 records of ~300 bytes would be 6 MB held; urlfan holds
    # a window of 5 x -j records, so the peak stays near the completion-order
    # run's and well under 60 MB.
    assert hwm_in < 60 * 1024 * MEM_SCALE, hwm_in
    if not SANITIZED:
        assert hwm_in < hwm_c + 4 * 1024, (hwm_in, hwm_c)


# ---------------------------------------------------------------------------
# 6. -O DIR with hostile names
# ---------------------------------------------------------------------------


def inside(path, root):
    real, root = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, root]) == root and real != root


def snapshot_tree(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    out[p] = ("file", f.read())
            else:
                out[p] = ("dir",)
    return out


def check_dir_confined(d, recs, expect_files):
    files = [r["file"] for r in recs if "file" in r]
    assert len(files) == expect_files, recs
    assert len(set(files)) == len(files)  # no record shares a file
    for r in recs:
        f = r["file"]
        assert os.path.isfile(f) and not os.path.islink(f), f
        assert inside(f, d), f
        assert os.path.getsize(f) == r["size"]
        assert "body" not in r
    for dirpath, dirnames, filenames in os.walk(d, followlinks=False):
        rel = os.path.relpath(dirpath, d)
        depth = 0 if rel == "." else len(rel.split(os.sep))
        assert depth < 16, dirpath
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            # A part is cut to 200 bytes; a taken name's suffix (".1" ...
            # ".~PID-N") may follow, and NAME_MAX (255) still holds.
            base = re.sub(r"\.(\d+|~\d+-\d+)$", "", name)
            assert len(base.encode()) <= 200 and len(name.encode()) <= 255, name[:50]
            assert not re.search(r"[\x00-\x1f\x7f]", name), repr(name)
            assert not name.startswith(".urlfan-"), "temporary file left: %s" % p
            if os.path.isfile(p) and not os.path.islink(p):
                assert inside(p, d), p


def hostile_setup(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    outside_dir = tmp_path / "outside-target-dir"
    outside_dir.mkdir()
    (outside_dir / "keep").write_bytes(b"orig")
    outside_file = tmp_path / "outside-file"
    outside_file.write_bytes(b"orig2")
    os.symlink(str(outside_dir), str(d / "evil"))
    os.symlink(str(outside_file), str(d / "evilf"))
    os.symlink("../outside-target-dir", str(d / "rel"))
    return d, outside_dir, outside_file


def check_outside_untouched(tmp_path, d, outside_dir, outside_file):
    assert sorted(os.listdir(tmp_path)) == sorted(["out", "outside-target-dir", "outside-file"])
    assert os.listdir(outside_dir) == ["keep"]
    assert (outside_dir / "keep").read_bytes() == b"orig"
    assert outside_file.read_bytes() == b"orig2"


def test_output_dir_hostile_paths(srv, tmp_path):
    d, outside_dir, outside_file = hostile_setup(tmp_path)
    paths = ["/../../x", "/%2e%2e/%2e%2e/%2e%2e/y", "/%2E%2E/z", "/a/..%2f..%2fb",
             "/evil/x", "/evil", "/evil/", "/evilf", "/rel/x", "/rel/keep",
             "/outside-target-dir/keep", "/" + "L" * 5000, "/text?x=" + "q" * 5000,
             "/" + "/".join(["seg%d" % i for i in range(40)])]
    urls = [srv.url(p) for p in paths]
    p = run(["-J", "--no-body", "-O", str(d), "--name", "%{path}", *urls])
    assert p.returncode in (0, 1), p.stderr  # 404s for unknown paths, no failures
    recs = records(p.stdout)
    assert len(recs) == len(urls) and all("error" not in r for r in recs)
    check_dir_confined(d, recs, len(urls))
    check_outside_untouched(tmp_path, d, outside_dir, outside_file)
    # The planted links are still there, unchanged.
    assert os.readlink(d / "evil") == str(outside_dir)
    assert os.readlink(d / "evilf") == str(outside_file)
    assert os.readlink(d / "rel") == "../outside-target-dir"
    text = [r for r in recs if "/text?" in r["url"]][0]
    with open(text["file"], "rb") as f:
        assert f.read() == TEXT_BODY  # %{path} leaves the query out
    assert os.path.basename(text["file"]).startswith("text")


def test_output_dir_hostile_ids(srv, tmp_path):
    d, outside_dir, outside_file = hostile_setup(tmp_path)
    ids = ["a\u0001b/../../c", "..", "/abs/x", "../../outside-target-dir/pwn",
           "evil/pwn", "evilf", "rel/keep", "x\u001b[31m\u007fy", "tab\there", "dir/",
           "/".join(["p"] * 40) + "/end", "../" * 30 + "deep", "", "." * 300]
    lines = [json.dumps({"url": srv.url("/text?i=%d" % i), "id": ident})
             for i, ident in enumerate(ids)]
    p = run(["-J", "--no-body", "-O", str(d), "--name", "%{id}"],
            input=("\n".join(lines) + "\n").encode())
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == len(ids)
    check_dir_confined(d, recs, len(ids))
    for r in recs:
        with open(r["file"], "rb") as f:
            assert f.read() == TEXT_BODY
    check_outside_untouched(tmp_path, d, outside_dir, outside_file)
    assert os.readlink(d / "evil") == str(outside_dir)
    assert os.readlink(d / "evilf") == str(outside_file)
    # Control characters become "_".
    first = recs[[r["index"] for r in recs].index(0)]["file"]
    assert "a_b" in first


def test_output_dir_keeps_existing_files_unless_overwrite(srv, tmp_path):
    d, outside_dir, outside_file = hostile_setup(tmp_path)
    (d / "text").write_bytes(b"OLD")
    cmd = ["-J", "--no-body", "-O", str(d), "--name", "%{path}",
           srv.url("/text"), srv.url("/json")]
    first = {os.path.basename(r["file"]): r["file"] for r in records(run(cmd).stdout)}
    assert set(first) == {"text.1", "json"}
    assert (d / "text").read_bytes() == b"OLD"
    assert (d / "text.1").read_bytes() == TEXT_BODY
    assert (d / "json").read_bytes() == JSON_BODY
    second = {os.path.basename(r["file"]) for r in records(run(cmd).stdout)}
    assert second == {"text.2", "json.1"}
    assert (d / "text").read_bytes() == b"OLD" and (d / "json").read_bytes() == JSON_BODY
    # An existing symbolic link is never written through.
    p = run(["-J", "--no-body", "-O", str(d), "--name", "evilf", srv.url("/json")])
    (rec,) = records(p.stdout)
    assert rec["file"] != str(d / "evilf") and inside(rec["file"], d)
    assert outside_file.read_bytes() == b"orig2"
    # --overwrite: no suffix, the content replaced.
    p = run(["-J", "--no-body", "-O", str(d), "--name", "%{path}", "--overwrite",
             srv.url("/text")])
    (rec,) = records(p.stdout)
    assert rec["file"] == str(d / "text")
    assert (d / "text").read_bytes() == TEXT_BODY
    assert not (d / "text.3").exists()
    # --overwrite replaces a link itself at most, never its target.
    p = run(["-J", "--no-body", "-O", str(d), "--name", "evilf", "--overwrite", srv.url("/json")])
    (rec,) = records(p.stdout)
    assert inside(rec["file"], d) and not os.path.islink(rec["file"])
    with open(rec["file"], "rb") as f:
        assert f.read() == JSON_BODY
    p = run(["-J", "--no-body", "-O", str(d), "--name", "evil/x", "--overwrite", srv.url("/json")])
    (rec,) = records(p.stdout)
    assert inside(rec["file"], d)
    check_outside_untouched(tmp_path, d, outside_dir, outside_file)
    # A failed request leaves no file, and its record has no file field.
    before = snapshot_tree(d)
    p = run(["-J", "-O", str(d), "--name", "failed", refused_url()])
    (rec,) = records(p.stdout)
    assert p.returncode == 3 and "file" not in rec and rec["error"]["kind"] == "connect"
    assert snapshot_tree(d) == before


def test_output_dir_file_field_holds_the_body(srv, tmp_path):
    d = tmp_path / "o"
    urls = [srv.url("/json"), srv.url("/binary"), srv.url("/bytes/300000")]
    p = run(["-J", "-O", str(d), "--order", "input", *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    want = [JSON_BODY, BINARY, None]
    for r, body in zip(recs, want):
        assert r["file"] == str(d / str(r["index"]))  # default --name %{index}
        assert "body" not in r and "body_encoding" not in r
        with open(r["file"], "rb") as f:
            data = f.read()
        assert len(data) == r["size"]
        if body is not None:
            assert data == body
    assert recs[2]["size"] == 300000


# ---------------------------------------------------------------------------
# 7. --stats
# ---------------------------------------------------------------------------


def stats_mix(srv):
    urls = ([srv.url("/delay/0.1?i=%d" % i) for i in range(20)]
            + [srv.url("/delay/0.3?i=%d" % i) for i in range(10)]
            + [srv.url("/status/500?i=%d" % i) for i in range(5)]
            + [srv.url("/status/404?i=%d" % i) for i in range(2)]
            + [refused_url("/r%d" % i) for i in range(3)]
            + ["not a url"])
    return ("\n".join(urls) + "\n").encode()


def exact_percentile(values, q):
    """Nearest rank."""
    v = sorted(values)
    return v[max(1, math.ceil(q / 100 * len(v))) - 1]


def expected_stats(recs):
    return {
        "requests": len(recs),
        "ok": sum(r["ok"] for r in recs),
        "failed": sum(not r["ok"] for r in recs),
        "status": dict(collections.Counter(str(r["status"]) for r in recs
                                           if not r["ok"] and r["status"] is not None)),
        "errors": dict(collections.Counter(r["error"]["kind"] for r in recs if "error" in r)),
        "bytes": sum(r["size"] for r in recs),
    }


def check_latency(lat, recs, tol=0.10):
    times = [r["time"]["total"] for r in recs if r["status"] is not None]
    for q in (50, 90, 99):
        exact = exact_percentile(times, q)
        assert abs(lat["p%d" % q] - exact) <= tol * exact, (q, lat, exact)
    assert abs(lat["max"] - max(times)) <= 2e-6, (lat["max"], max(times))


def test_stats_json_matches_the_records(srv):
    p = run(["-J", "--no-body", "-j", "50", "-p", "50", "--stats=json"], input=stats_mix(srv))
    assert p.returncode == 3
    recs = records(p.stdout)
    assert len(recs) == 41
    st = json.loads(p.stderr.decode())  # stderr holds exactly one JSON object
    for key in ("requests", "ok", "failed", "status", "errors", "latency", "bytes",
                "wall", "rps", "hosts"):
        assert key in st, key
    exp = expected_stats(recs)
    assert exp["status"] == {"500": 5, "404": 2}
    assert exp["errors"] == {"connect": 3, "invalid_input": 1}
    for key, value in exp.items():
        assert st[key] == value, (key, st[key], value)
    assert set(st["latency"]) >= {"p50", "p90", "p99", "max"}
    check_latency(st["latency"], recs)
    assert is_number(st["wall"]) and st["wall"] > 0
    assert is_number(st["rps"]) and abs(st["rps"] - len(recs) / st["wall"]) <= 0.05 * st["rps"] + 0.1


UNITS = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def seconds(text):
    m = re.fullmatch(r"([\d.]+)(us|µs|ms|s)", text)
    assert m, text
    return float(m.group(1)) * {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1}[m.group(2)]


def test_stats_text_summary(srv):
    p = run(["-J", "--no-body", "-j", "50", "-p", "50", "--stats"], input=stats_mix(srv))
    recs = records(p.stdout)
    exp = expected_stats(recs)
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 5, lines  # requests, status, errors, latency, host
    m = re.fullmatch(r"requests (\d+)  ok (\d+)  failed (\d+)  bytes ([\d.]+)(B|KiB|MiB|GiB)"
                     r"  wall ([\d.]+)s  ([\d.]+) req/s", lines[0])
    assert m, lines[0]
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (exp["requests"], exp["ok"], exp["failed"])
    shown = float(m.group(4)) * UNITS[m.group(5)]
    assert abs(shown - exp["bytes"]) <= 0.05 * exp["bytes"] + 1
    assert lines[1].startswith("status ")
    assert dict(re.findall(r"(\d{3}): (\d+)", lines[1])) == {k: str(v) for k, v in exp["status"].items()}
    assert lines[2].startswith("errors ")
    assert dict(re.findall(r"([a-z_]+): (\d+)", lines[2])) == {k: str(v) for k, v in exp["errors"].items()}
    m = re.fullmatch(r"latency +p50 (\S+)  p90 (\S+)  p99 (\S+)  max (\S+)", lines[3])
    assert m, lines[3]
    lat = dict(zip(("p50", "p90", "p99", "max"), map(seconds, m.groups())))
    times = [r["time"]["total"] for r in recs if r["status"] is not None]
    for q in (50, 90, 99):
        exact = exact_percentile(times, q)
        assert abs(lat["p%d" % q] - exact) <= 0.10 * exact + 0.0005, (q, lat, exact)
    assert abs(lat["max"] - max(times)) <= 0.01 * max(times) + 0.0005
    assert re.match(r"host +", lines[4]), lines[4]
    assert "%s %d" % (srv.key("127.0.0.1"), 37) in lines[4]


def test_silent_stats_prints_only_the_summary(srv):
    """-s silences diagnostics, never a --stats asked for (issue 21)."""
    p = run(["-s", "--stats", "-J", "--no-body", srv.url("/json"), refused_url(), "bad"])
    assert p.returncode == 3
    assert b"urlfan:" not in p.stderr
    assert p.stderr.startswith(b"requests"), p.stderr
    assert len(records(p.stdout)) == 3
    p = run(["-s", "--stats=json", "-J", srv.url("/json")])
    assert json.loads(p.stderr)["requests"] == 1


# ---------------------------------------------------------------------------
# -v and -vv
# ---------------------------------------------------------------------------

PREFIX = re.compile(r"^(?:urlfan: )?\[(\d+)\] ")


def test_verbose_lines_are_prefixed_by_index(srv):
    urls = [srv.url("/json"), srv.url("/text"), "bad input"]
    quiet = run(["-J", "--order", "input", *urls])
    p = run(["-J", "-v", "--order", "input", *urls])
    assert p.returncode == quiet.returncode == 3
    lines = p.stderr.decode().splitlines()
    assert lines
    seen = set()
    for line in lines:
        m = PREFIX.match(line)
        assert m, line
        seen.add(int(m.group(1)))
    assert seen == {0, 1, 2}
    # Nothing extra on stdout.
    assert [without_time(r) for r in records(p.stdout)] == [without_time(r) for r in records(quiet.stdout)]
    assert b"> GET" not in p.stderr  # the libcurl trace needs -vv


def test_very_verbose_has_the_libcurl_trace_prefixed(srv):
    urls = [srv.url("/json"), srv.url("/text")]
    p = run(["-J", "-vv", "--order", "input", *urls])
    assert p.returncode == 0
    lines = p.stderr.decode().splitlines()
    for line in lines:
        assert PREFIX.match(line), line
    text = "\n".join(lines)
    assert re.search(r"^(urlfan: )?\[0\] > GET /json HTTP/1\.1$", text, re.M), text
    assert re.search(r"^(urlfan: )?\[1\] > GET /text HTTP/1\.1$", text, re.M), text
    assert re.search(r"^(urlfan: )?\[0\] < HTTP/1\.1 200", text, re.M), text
    assert "hello, world" not in text  # no bodies in the trace
    recs = records(p.stdout)
    assert len(recs) == 2 and len(p.stdout.splitlines()) == 2
