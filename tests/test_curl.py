"""urlfan for a curl user: curl's flags with curl's meaning, curl's -w
names, URLs typed without a scheme, conflicts and option errors that say
what to do, and the output details a curl user meets (--format body, -f,
--headers, -v retry lines, --stats=json, --name with ports).

Each test checks what the test server saw (/echo, /headers, /seen, /stats)
or the bytes urlfan wrote; nothing waits on a clock."""
import base64
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import uuid

import pytest

from conftest import Server, URLFAN, records, run


def one(p):
    (rec,) = records(p.stdout)
    return rec


# ---------------------------------------------------------------------------
# curl's flags
# ---------------------------------------------------------------------------


def test_location_and_show_error_are_accepted(srv):
    p = run(["-L", "-sS", "-J", srv.url("/redirect/2")])
    assert p.returncode == 0 and p.stderr == b""
    rec = one(p)
    assert rec["status"] == 200 and rec["redirects"] == 2
    assert rec["effective_url"] == srv.url("/redirect/0")


def test_fail_leaves_out_bodies_of_failed_responses(srv, tmp_path):
    urls = [srv.url("/json"), srv.url("/status/404")]
    p = run(["-f", "-J", "--order", "input", *urls])
    assert p.returncode == 1  # a status outside --ok, as without -f
    ok, nf = records(p.stdout)
    assert ok["body"]["name"] == "urlfan"
    assert nf["status"] == 404 and not nf["ok"] and "body" not in nf and nf["size"] == 11
    p = run(["-f", "--color", "never", "--order", "input", *urls])
    assert b"status 404" not in p.stdout and b'"urlfan"' in p.stdout
    p = run(["-f", "-O", str(tmp_path / "o"), "-J", "--order", "input", *urls])
    assert sorted(os.listdir(tmp_path / "o")) == ["0"]  # no file for the 404
    assert "file" not in records(p.stdout)[1]


def test_ipv4_and_ipv6(srv):
    url = "http://localhost:%d/json" % srv.port  # the server listens on 127.0.0.1 only
    assert one(run(["-J", "-4", url]))["remote_ip"] == "127.0.0.1"
    rec = one(run(["-J", "-6", url]))
    assert not rec["ok"] and rec["error"]["kind"] in ("connect", "dns")


def test_url_option_keeps_the_typed_order(srv):
    a, b, c = srv.url("/json?a"), srv.url("/json?b"), srv.url("/json?c")
    p = run(["--url", a, "-J", b, "--order", "input", "--url=" + c])
    assert p.returncode == 0, p.stderr
    assert [r["url"] for r in records(p.stdout)] == [a, b, c]


def echo(p):
    rec = one(p)
    assert rec["status"] == 200, rec
    return rec["body"]


def test_data_binary_raw_and_urlencode(srv, tmp_path):
    f = tmp_path / "body.txt"
    f.write_bytes(b"line 1\nline 2\r\n")
    body = echo(run(["-J", "--data-binary", "@" + str(f), srv.url("/echo")]))
    assert body["method"] == "POST" and body["body"] == "line 1\nline 2\r\n"
    body = echo(run(["-J", "--data-raw", "@" + str(f), srv.url("/echo")]))
    assert body["body"] == "@" + str(f)  # no file read
    body = echo(run(["-J", "--data-urlencode", "q=a b&c/é", "--data-urlencode", "@" + str(f),
                     "-d", "x=1", srv.url("/echo")]))
    assert body["body"] == "q=a%20b%26c%2F%C3%A9&line%201%0Aline%202%0D%0A&x=1"
    assert body["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_get_puts_the_data_in_the_query(srv):
    url = srv.url("/echo?x=1")
    p = run(["-J", "-G", "-d", "a=1", "--data-urlencode", "b=c d", url])
    rec = one(p)
    assert rec["method"] == "GET" and rec["body"]["method"] == "GET"
    assert rec["body"]["query"] == "x=1&a=1&b=c%20d" and rec["body"]["body"] == ""
    # The record's url is the URL as given; effective_url has the query.
    assert rec["url"] == url and rec["effective_url"] == url + "&a=1&b=c%20d"
    # -G -I: a HEAD with the query, as curl -G -I.
    tag = uuid.uuid4().hex
    p = run(["-J", "-G", "-I", "-d", "q=1", srv.url("/json?tag=" + tag)])
    assert p.returncode == 0, p.stderr
    (seen,) = srv.seen(tag)
    assert seen["method"] == "HEAD" and seen["target"] == "/json?tag=%s&q=1" % tag


def test_referer(srv):
    h = echo(run(["-J", "-e", "http://from.test/", srv.url("/headers")]))["headers"]
    assert h["Referer"] == "http://from.test/"
    # curl's ";auto": the Referer as given, and one on each redirect too.
    tag = uuid.uuid4().hex
    p = run(["-J", "-e", "http://from.test/;auto",
             srv.url("/redirect-to?tag=%s&url=%s" % (tag, urllib.parse.quote("/json?tag=" + tag)))])
    assert p.returncode == 0, p.stderr
    first, second = srv.seen(tag)
    assert dict(first["headers"])["Referer"] == "http://from.test/"
    assert dict(second["headers"])["Referer"].startswith(srv.url("/redirect-to?"))


def test_cookies_from_a_string_and_a_file(srv, tmp_path):
    jar = tmp_path / "cookies.txt"
    jar.write_text("# Netscape HTTP Cookie File\n"
                   "127.0.0.1\tFALSE\t/\tFALSE\t0\tjar\tfromfile\n"
                   "other.test\tFALSE\t/\tFALSE\t0\tforeign\tx\n")
    # -j 1: the requests run one after the other. The first gets a
    # Set-Cookie, which joins the run's one cookie store (as in curl):
    # the second sends it back.
    p = run(["-J", "-j", "1", "--order", "input", "-b", str(jar), "-b", "s=1; t=2",
             srv.url("/set-cookie?new=1"), srv.url("/set-cookie")])
    assert p.returncode == 0, p.stderr
    first, second = records(p.stdout)
    assert first["body"]["cookie"] == "jar=fromfile; s=1; t=2"
    assert second["body"]["cookie"] == "new=1; jar=fromfile; s=1; t=2"
    # A cookie set on a redirect is sent to where it leads, within one
    # request (libcurl's cookie engine, on with -b FILE).
    tag = uuid.uuid4().hex
    target = "/set-cookie?tag=" + tag
    p = run(["-J", "-b", str(jar),
             srv.url("/redirect-to?url=%s" % urllib.parse.quote(target))])
    assert one(p)["body"]["cookie"] == "jar=fromfile"


def test_noproxy(srv):
    dead = "http://127.0.0.1:1"  # a proxy nobody listens on
    assert one(run(["-J", "-x", dead, srv.url("/json")]))["error"]["kind"] == "connect"
    rec = one(run(["-J", "-x", dead, "--noproxy", "127.0.0.1,localhost", srv.url("/json")]))
    assert rec["status"] == 200 and rec["ok"]


def test_netrc(srv, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login nu password np\n")
    netrc.chmod(0o600)
    want = "Basic " + base64.b64encode(b"nu:np").decode()
    h = echo(run(["-J", "--netrc-file", str(netrc), srv.url("/headers")]))["headers"]
    assert h["Authorization"] == want
    (tmp_path / ".netrc").write_bytes(netrc.read_bytes())
    (tmp_path / ".netrc").chmod(0o600)
    h = echo(run(["-J", "-n", srv.url("/headers")], env={"HOME": str(tmp_path)}))["headers"]
    assert h["Authorization"] == want
    h = echo(run(["-J", srv.url("/headers")], env={"HOME": str(tmp_path)}))["headers"]
    assert "Authorization" not in h  # only with --netrc


@pytest.fixture(scope="module")
def mtls(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("mtls")
    files = {}
    for name, subj in (("server", "/CN=localhost"), ("client", "/CN=urlfan-client")):
        cert, key = str(d / (name + ".pem")), str(d / (name + "-key.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", subj, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-days", "2", "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=60)
        files[name] = (cert, key)
    der = str(d / "client.der")
    subprocess.run(["openssl", "x509", "-in", files["client"][0], "-outform", "DER",
                    "-out", der], check=True, capture_output=True, timeout=60)
    files["der"] = der
    s = Server(["--tls-cert", files["server"][0], "--tls-key", files["server"][1],
                "--tls-client-ca", files["client"][0]])
    s.files = files
    yield s
    s.stop()


def test_client_certificate(mtls):
    url = "https://localhost:%d/peer-cert" % mtls.ports["TLSPORT"]
    (scert, _), (ccert, ckey) = mtls.files["server"], mtls.files["client"]
    base = ["-J", "--cacert", scert]
    assert echo(run([*base, url])) == {"cn": None}
    assert echo(run([*base, "--cert", ccert, "--key", ckey, url])) == {"cn": "urlfan-client"}
    assert echo(run([*base, "-E", ccert, "--key", ckey, "--cert-type", "PEM", url])) == \
        {"cn": "urlfan-client"}
    assert echo(run([*base, "--cert", mtls.files["der"], "--cert-type", "DER", "--key", ckey,
                     url])) == {"cn": "urlfan-client"}


def test_form_is_multipart(srv, tmp_path):
    up = tmp_path / "up.txt"
    up.write_bytes(b"file body\n")
    body = echo(run(["-J", "-F", "a=1", "-F", "f=@%s;type=text/plain" % up,
                     "-F", "g=<%s" % up, "-F", "h=@%s;filename=x.bin" % up, srv.url("/echo")]))
    assert body["method"] == "POST"
    ctype = body["headers"]["Content-Type"]
    m = re.fullmatch(r"multipart/form-data; boundary=(\S+)", ctype)
    assert m, ctype
    parts = body["body"].split("--" + m.group(1))
    assert parts[-1].strip() == "--" and len(parts) == 6
    a, f, g, h = parts[1:5]
    assert 'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n' in a
    assert 'name="f"; filename="up.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\n\r\n' in f
    assert 'name="g"\r\n\r\nfile body\n\r\n' in g and "filename" not in g
    assert 'name="h"; filename="x.bin"' in h
    # Each request gets the whole form, also on a reused handle.
    p = run(["-J", "-j", "1", "-F", "f=@%s" % up, srv.url("/echo?1"), srv.url("/echo?2")])
    assert all("file body" in r["body"]["body"] for r in records(p.stdout))


def test_limit_rate_caps_each_transfer(srv):
    # 2 MB at 500 KiB/s take about 4 s (less what the loopback's socket
    # buffers hold when the cap starts to bite); without the cap, far less.
    p = run(["-J", "--no-body", "--limit-rate", "500K", srv.url("/bytes/2000000")])
    rec = one(p)
    assert rec["size"] == 2000000 and rec["time"]["total"] >= 1.5, rec["time"]


@pytest.mark.parametrize("args,hint", [
    (["-o", "x.json"], b"use -O DIR --name TEMPLATE, or --format body > FILE"),
    (["--output", "x.json"], b"use -O DIR --name TEMPLATE, or --format body > FILE"),
    (["-c", "jar.txt"], b"no cookie jar"),
    (["-T", "f"], b"use -X PUT -d @FILE"),
    (["--include"], b"use --headers"),
])
def test_curl_flags_urlfan_does_not_take_name_the_urlfan_way(srv, args, hint):
    p = run([*args, srv.url("/json")])
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.count(b"\n") == 1 and hint in p.stderr, p.stderr
    assert b"is curl's, not urlfan's" in p.stderr
    assert srv.stats()["total"] == 0


# ---------------------------------------------------------------------------
# -w with curl's names
# ---------------------------------------------------------------------------


def test_write_out_curl_names_headers_and_streams(srv):
    tmpl = ("%{http_code} %{response_code} %{num_redirects} %{remote_ip}:%{remote_port} "
            "%{size_download} %{content_type} %{http_version} %header{content-length}"
            "|%{header{Content-Type}}|\\n%{stderr}%{url_effective}\\n%{stdout}end\\n")
    p = run(["-w", tmpl, srv.url("/redirect/2")])
    assert p.returncode == 0, p.stderr
    assert p.stdout == (b"200 200 2 127.0.0.1:%d 20 application/json 1.1 20"
                        b"|application/json|\nend\n" % srv.port)
    assert p.stderr == srv.url("/redirect/0").encode() + b"\n"
    # No response: curl's 000.
    p = run(["-w", "%{http_code}|%{errormsg}\\n", "http://127.0.0.1:1/"])
    assert p.stdout.startswith(b"000|Failed to connect")
    # The times, curl's names for the record's.
    p = run(["-w", "%{json}\\t%{time_namelookup} %{time_connect} %{time_appconnect} "
             "%{time_starttransfer} %{time_total}\\n", srv.url("/json")])
    rec, times = p.stdout.split(b"\t")
    t = json.loads(rec)["time"]
    assert [float(x) for x in times.split()] == pytest.approx(
        [t["dns"], t["connect"], t["tls"], t["ttfb"], t["total"]], abs=1e-6)


def test_unknown_write_out_variable_lists_the_valid_ones(srv):
    p = run(["-w", "%{http_codes}", srv.url("/json")])
    assert p.returncode == 2 and srv.stats()["total"] == 0
    msg = p.stderr.decode()
    assert msg.count("\n") == 1
    assert "unknown variable '%{http_codes}'" in msg
    for name in ("status", "http_code", "time_total", "remote_ip", "header{NAME}", "stderr"):
        assert name in msg, msg


# ---------------------------------------------------------------------------
# URLs as typed
# ---------------------------------------------------------------------------


def test_urls_without_a_scheme_are_http(srv):
    typed = ["127.0.0.1:%d/json" % srv.port, "localhost:%d/text" % srv.port]
    spec = json.dumps({"url": "127.0.0.1:%d/json?spec" % srv.port})
    p = run(["-J", "--order", "input"], input=("\n".join(typed + [spec]) + "\n").encode())
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    # The record shows what was fetched.
    assert [r["url"] for r in recs] == ["http://" + u for u in typed] + \
        ["http://127.0.0.1:%d/json?spec" % srv.port]
    assert all(r["status"] == 200 for r in recs)
    p = run(["-J", "127.0.0.1:%d/json" % srv.port])
    assert one(p)["url"] == srv.url("/json")


@pytest.mark.parametrize("typed,says", [
    ("http:/127.0.0.1/x", "did you mean 'http://127.0.0.1/x'?"),
    ("htp://127.0.0.1/x", "did you mean 'http://127.0.0.1/x'?"),
    ("htps://127.0.0.1/x", "did you mean 'https://127.0.0.1/x'?"),
    ("http//127.0.0.1/x", "did you mean 'http://127.0.0.1/x'?"),
    ("ftp://127.0.0.1/x", "only http and https URLs are allowed, not 'ftp:'"),
])
def test_url_typos_are_named(srv, typed, says):
    p = run(["-J", typed])
    assert p.returncode == 3
    rec = one(p)
    assert rec["url"] == typed and rec["error"]["kind"] == "invalid_input"
    assert says in rec["error"]["message"], rec["error"]
    assert srv.stats()["total"] == 0


# ---------------------------------------------------------------------------
# conflicts and option errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("args,stdin,words", [
    (["-d", "@-"], b"URL\n", [b"--data @-", b"standard input"]),
    (["--json", "@-", "-i", "-"], b"URL\n", [b"--json @-", b"standard input"]),
    (["-I", "-d", "x", "URL"], None, [b"--head", b"--data"]),
    (["--cacert", "/nonexistent/ca.pem", "URL"], None, [b"--cacert", b"No such file"]),
    (["--unix-socket", "/nonexistent/sock", "URL"], None, [b"--unix-socket", b"No such file"]),
    (["-i", "DIR"], None, [b"--input", b"is a directory"]),
    (["-i", "URL"], None, [b"--input", b"is a URL"]),
])
def test_conflicts_are_usage_errors_up_front(srv, tmp_path, args, stdin, words):
    url = srv.url("/json")
    args = [url if a == "URL" else str(tmp_path) if a == "DIR" else a for a in args]
    if stdin is not None:
        stdin = stdin.replace(b"URL", url.encode())
    p = run(args, input=stdin)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.count(b"\n") == 1, p.stderr  # one line
    for w in words:
        assert w in p.stderr, p.stderr
    assert srv.stats()["total"] == 0  # nothing fetched


@pytest.mark.parametrize("args,says", [
    (["--paralel", "3"], b"unknown option '--paralel'; did you mean '--parallel'?"),
    (["--he"], b"option '--he' is ambiguous: --header, --head, --headers, --help"),
    (["--max-time", "1e20"], b"--max-time: '1e20' is out of range: 0 to 1000000000 seconds"),
    (["--max-body", "2048T"], b"--max-body: '2048T' is not a size like 512K, 1.5M or 2G"),
    (["-j", "0"], b"--parallel: '0' is not a number from 1 to 100000"),
])
def test_option_errors_say_what_to_do(srv, args, says):
    p = run([*args, srv.url("/json")])
    assert p.returncode == 2
    assert p.stderr == b"urlfan: " + says + b"\n"
    assert srv.stats()["total"] == 0


def test_unique_prefixes_and_sizes_with_fractions(srv):
    p = run(["--paral", "2", "--max-bo", "1.5KiB", "-J", srv.url("/bytes/1536"),
             srv.url("/bytes/1537")])
    assert p.returncode == 3, p.stderr
    recs = sorted(records(p.stdout), key=lambda r: r["index"])
    assert recs[0]["ok"] and recs[1]["error"]["kind"] == "too_large"


# ---------------------------------------------------------------------------
# output details
# ---------------------------------------------------------------------------


def test_headers_text_view_blank_line_after_the_headers(srv):
    p = run(["--headers", "--color", "never", "--order", "input", srv.url("/status/204"),
             srv.url("/text"), srv.url("/status/204")])
    assert p.returncode == 0, p.stderr
    blocks = p.stdout.decode().split("\n\n")
    # 204: status line and headers, then a blank line - not the next status.
    assert blocks[0].startswith("204 ") and "connection: keep-alive" in blocks[0]
    assert blocks[1].startswith("200 ") and "\ncontent-length: 28\n" in blocks[1]
    assert blocks[2] == "hello, world\nsecond line é"  # the body after a blank line
    assert blocks[3].startswith("204 ") and blocks[4] == ""


def test_verbose_retry_lines_say_why_and_how_long(srv):
    key = uuid.uuid4().hex[:12]
    p = run(["-v", "--retry", "1", "--retry-delay", "0.01", "-J", "--order", "input",
             srv.url("/flaky/%s/1" % key), srv.url("/reset"),
             srv.url("/delay/5?t"), "-m", "0.3"])
    err = p.stderr.decode()
    assert re.search(r"^urlfan: \[0\] attempt 1 failed \(503\), retrying in \d+\.\d\ds$", err, re.M), err
    assert re.search(r"^urlfan: \[1\] attempt 1 failed \(connection reset\), retrying in \d+\.\d\ds$", err, re.M), err
    assert re.search(r"^urlfan: \[2\] attempt 1 failed \(timeout\), retrying in \d+\.\d\ds$", err, re.M), err


def test_stats_json_has_per_host_failures_and_marks_estimates(srv):
    urls = [srv.url("/json")] * 3 + [srv.url("/status/404")] * 2 + \
        [srv.url("/json", "b.test")]
    p = run(["--stats=json", "--no-body", *srv.resolve("b.test"), *urls])
    assert p.returncode == 1
    stats = json.loads(p.stderr)
    hosts = {h["host"]: h for h in stats["hosts"]}
    assert hosts[srv.key("127.0.0.1")] == {"host": srv.key("127.0.0.1"), "requests": 5,
                                           "failed": 2, "estimated": False}
    assert hosts[srv.key("b.test")]["failed"] == 0


def test_name_host_keeps_a_port_that_is_not_the_schemes(srv, tmp_path):
    other = Server()
    try:
        d = tmp_path / "o"
        p = run(["-O", str(d), "--name", "%{host}%{path}", srv.url("/json"),
                 other.url("/json")])
        assert p.returncode == 0, p.stderr
    finally:
        other.stop()
    assert sorted(os.listdir(d)) == sorted(["127.0.0.1:%d" % srv.port,
                                            "127.0.0.1:%d" % other.port])
    for port in (srv.port, other.port):
        assert os.listdir(d / ("127.0.0.1:%d" % port)) == ["json"]


def test_name_template_reads_response_headers(srv, tmp_path):
    d = tmp_path / "o"
    p = run(["-O", str(d), "--name", "%{index}-%header{retry-after}", "-J",
             srv.url("/status/200?retry_after=later")])
    assert p.returncode == 0, p.stderr
    assert os.listdir(d) == ["0-later"]
    assert "headers" not in one(p)  # kept for the name, not listed
