"""Issue 20, round 3 of hostile input (points 9, 11, 12, 15, 16, 19): a
large cookie file, form parts from pipes, endless special files,
international host names, framing a server gets wrong and bodies that jq
cannot read. Each test asserts what the server saw or what the records
say, never how long something took."""
import json
import os
import resource
import shutil
import subprocess
import urllib.parse

import pytest

from conftest import SANITIZED, URLFAN, records, run


def one(p):
    recs = records(p.stdout)
    assert len(recs) == 1, p.stdout
    return recs[0]


# ---- 9: -b FILE with 20,000 cookies -----------------------------------------


def write_cookie_file(path, n, mine):
    """n cookies for other sites, and the given ones for 127.0.0.1."""
    with open(path, "w") as f:
        f.write("# Netscape HTTP Cookie File\n")
        for i in range(n):
            f.write("site%d.test\tFALSE\t/\tFALSE\t0\tc%d\tv%d\n" % (i, i, i))
        for name, value in mine:
            f.write("127.0.0.1\tFALSE\t/\tFALSE\t0\t%s\t%s\n" % (name, value))


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def test_a_large_cookie_file_is_parsed_once_into_one_store(srv, tmp_path):
    jar = tmp_path / "cookies.txt"
    write_cookie_file(jar, 20000, [("mine", "yes"), ("also", "1")])
    urls = [srv.url("/set-cookie?n%d=%d" % (i, i)) for i in range(10)]
    before = child_cpu()
    p = run(["-J", "-j", "1", "--order", "input", "-b", str(jar), *urls])
    cpu = child_cpu() - before
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 10 and all(r["ok"] for r in recs)
    for i, r in enumerate(recs):
        sent = dict(c.split("=", 1) for c in r["body"]["cookie"].split("; "))
        # The file's cookies for this host, on every request ...
        assert sent["mine"] == "yes" and sent["also"] == "1", r["body"]
        # ... and the one store they live in: what the earlier responses
        # set (one request at a time, -j 1) is sent too.
        assert {k for k in sent if k.startswith("n")} == {"n%d" % j for j in range(i)}
    # Work, not time: loading 20,000 cookies once costs a fraction of a
    # second of CPU; per request (one CURLOPT_COOKIELIST call per line,
    # each sweeping the store) it cost seconds each, over 30 s here.
    assert cpu < (15 if SANITIZED else 5), cpu


def test_the_cookie_file_is_read_at_the_start_only(srv, tmp_path):
    """A FIFO can be read once: a second read would block the run for
    good (nothing writes it again), which the timeout would show."""
    fifo = tmp_path / "cookies.fifo"
    os.mkfifo(fifo)
    text = "127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfifo\t1\n"
    proc = subprocess.Popen([URLFAN, "-J", "-j", "1", "-b", str(fifo),
                             *[srv.url("/headers?i=%d" % i) for i in range(3)]],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    with open(fifo, "w") as f:
        f.write(text)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    recs = records(out)
    assert len(recs) == 3
    assert all(r["body"]["headers"]["Cookie"] == "fromfifo=1" for r in recs), recs


# ---- 11: -F parts from pipes and FIFOs ----------------------------------------


def multipart_parts(body):
    """{name: data} of a multipart body as /echo returns it."""
    boundary = body.split("\r\n", 1)[0]
    parts = {}
    for chunk in body.split(boundary)[1:-1]:
        head, _, data = chunk.strip("\r\n").partition("\r\n\r\n")
        name = head.split('name="', 1)[1].split('"', 1)[0]
        parts[name] = data
    return parts


def test_a_form_part_from_a_pipe_goes_with_every_request(srv, tmp_path):
    """-F f=@<(cmd): the pipe is read once, at the start, and its bytes go
    with all three requests (they used to go with the first only)."""
    urls = " ".join(srv.url("/echo?i=%d" % i) for i in range(3))
    p = subprocess.run(["bash", "-c", '"$0" -J -j 1 -F f=@<(printf pipe-data) '
                        '-F g=\\<<(printf field) ' + urls, URLFAN],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 3
    for r in recs:
        assert multipart_parts(r["body"]["body"]) == {"f": "pipe-data", "g": "field"}, r


def test_a_form_part_from_a_fifo_is_read_before_the_loop(srv, tmp_path):
    """-F f=@FIFO: read once at the start; the writer writes once, so a
    second open (per request, inside the loop) would block for good."""
    fifo = tmp_path / "part.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen([URLFAN, "-J", "-j", "1", "-F", "f=@%s" % fifo,
                             *[srv.url("/echo?i=%d" % i) for i in range(3)]],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    with open(fifo, "w") as f:
        f.write("fifo-data")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    recs = records(out)
    assert len(recs) == 3
    for r in recs:
        assert multipart_parts(r["body"]["body"]) == {"f": "fifo-data"}, r
        assert 'filename="part.fifo"' in r["body"]["body"]


# ---- 12: endless special files --------------------------------------------------


@pytest.mark.parametrize("args,option", [
    (["-d", "@/dev/zero"], "--data"),
    (["--json", "@/dev/zero"], "--json"),
    (["--data-urlencode", "a@/dev/zero"], "--data-urlencode"),
    (["-b", "/dev/zero"], "--cookie"),
    (["-F", "f=@/dev/zero"], "--form"),
])
def test_an_endless_file_is_a_usage_error_naming_it(srv, args, option):
    p = run([*args, srv.url("/echo")], timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr)
    err = p.stderr.decode()
    assert option + ": '/dev/zero' is longer than 64 MiB" in err, err
    assert srv.stats()["total"] == 0  # nothing was fetched


def test_a_regular_file_over_the_cap_is_read_whole(srv, tmp_path):
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(65 * 1024 * 1024)
    p = run(["-J", "--no-body", "-d", "@%s" % big, srv.url("/echo")], timeout=60)
    assert p.returncode == 0, p.stderr
    assert one(p)["ok"]


# ---- 15: international host names ---------------------------------------------


def curl_has_idn():
    p = subprocess.run(["curl", "-V"], capture_output=True, text=True)
    return p.returncode == 0 and " IDN" in p.stdout


@pytest.mark.parametrize("lc_all", ["C.UTF-8", "C"])
def test_an_international_host_name_is_converted(srv, lc_all):
    """libidn2 converts from the locale's character set, which without a
    setlocale() call is ASCII: ä.test failed as kind protocol. Input is
    UTF-8 in any locale, so it works under LC_ALL=C too."""
    if not curl_has_idn():
        pytest.skip("this libcurl has no IDN support (curl -V lists no IDN)")
    p = run(["-J", "--resolve", "xn--4ca.test:%d:127.0.0.1" % srv.port,
             "http://\u00e4.test:%d/headers" % srv.port],
            env={"LC_ALL": lc_all, "LANG": lc_all})
    rec = one(p)
    assert rec["ok"], rec
    assert rec["body"]["headers"]["Host"] == "xn--4ca.test:%d" % srv.port


def test_a_host_name_with_no_ascii_form_is_invalid_input(srv):
    """U+2488 (a digit with a full stop) has no IDNA 2008 form: the line
    is the user's mistake (invalid_input), not the server's (protocol).
    Nothing is looked up: the conversion fails before any resolving."""
    if not curl_has_idn():
        pytest.skip("this libcurl has no IDN support (curl -V lists no IDN)")
    p = run(["-J", "--resolve", "xn--tsh.test:%d:127.0.0.1" % srv.port,
             "http://\u2488.test:%d/headers" % srv.port])
    assert p.returncode != 0
    rec = one(p)
    assert rec["error"]["kind"] == "invalid_input", rec
    assert srv.stats()["total"] == 0


# ---- 16: framing a server gets wrong ------------------------------------------


@pytest.mark.parametrize("value", ["0x7", "7, 99", "7abc", "+7", "7,"])
def test_an_invalid_content_length_is_a_protocol_failure(srv, value):
    url = srv.url("/badlength?value=" + urllib.parse.quote(value))
    p = run(["-J", "--retry", "2", "--retry-delay", "0", url])
    rec = one(p)
    assert not rec["ok"], rec
    assert rec["error"]["kind"] == "protocol"
    assert rec["error"]["message"] == "invalid Content-Length in the response: '%s'" % value
    assert rec["attempts"] == 1  # the server's framing: trying again cannot help
    assert p.returncode != 0


@pytest.mark.parametrize("value", ["7", "007", "7, 7"])
def test_a_valid_content_length_is_used(srv, value):
    url = srv.url("/badlength?value=" + urllib.parse.quote(value))
    rec = one(run(["-J", url]))
    assert rec["ok"] and rec["body"] == 1234567, rec


def test_a_few_early_hints_come_before_the_answer(srv):
    rec = one(run(["-J", srv.url("/hints/3")]))
    assert rec["ok"] and rec["status"] == 200 and rec["body"] == "ok", rec


def test_a_flood_of_interim_responses_is_one_head_over_the_limit(srv):
    """100,000 103 responses: they count toward the 1000 header lines of
    the response they precede, so the request fails as a too-large head
    (kind protocol, not retried), and 103 is no final status."""
    p = run(["-J", "--retry", "3", "--retry-delay", "0", srv.url("/hints/100000?final=0")])
    rec = one(p)
    assert rec["status"] is None, rec
    assert rec["error"]["kind"] == "protocol"
    assert rec["error"]["message"] == "response with more than 1000 header lines"
    assert rec["attempts"] == 1
    assert srv.stats()["total"] == 1


def test_interim_responses_then_a_close_are_no_status(srv):
    p = run(["-J", srv.url("/hints/2?final=0")])
    rec = one(p)
    assert rec["status"] is None and rec["error"]["kind"] == "protocol", rec


# ---- 19: records every jq reads -----------------------------------------------

JQ = shutil.which("jq")


def through_jq(out):
    """The records, as the real jq (Debian 12: 1.6) reads them: jq must
    read the whole stream, one record per line."""
    p = subprocess.run([JQ, "-c", "."], input=out, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.decode().splitlines()]


def raw(srv, body):
    return srv.url("/raw?body=" + urllib.parse.quote(body, safe=""))


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_every_record_reaches_jq(srv, fmt):
    if not JQ:
        pytest.skip("jq missing (scripts/setup installs it)")
    bodies = {
        "high": '["\\ud800"]',           # a high surrogate alone
        "low": '{"k":"a\\uDC00b"}',      # a low one alone
        "reversed": '["\\udc00\\ud800"]',
        "high-then-x": '["\\ud800\\u0041"]',
        "key": '{"\\ud800":1}',
        "pair": '["\\ud83d\\ude00"]',     # a real pair: embedded
        "escaped-backslash": '["\\\\ud800"]',  # the text \ud800, no escape
    }
    urls = [raw(srv, b) for b in bodies.values()]
    urls += [srv.url("/deep/253"), srv.url("/deep/254"), srv.url("/deep/257"),
             srv.url("/deep/300?key=1")]
    specs = [json.dumps({"url": srv.url("/json"), "id": "\ud800"}, ensure_ascii=True),
             '{"url": "%s", "id": %s}' % (srv.url("/json"), "[" * 300 + "]" * 300),
             '{"url": "%s", "id": %s}' % (srv.url("/json"), "[" * 253 + "]" * 253),
             '{"url": "%s", "id": "\\ud83d\\ude00"}' % srv.url("/json")]
    p = run(["--format", fmt, "-j", "4", "--order", "input"],
            input=("\n".join(urls + specs) + "\n").encode())
    assert p.returncode == 0, p.stderr
    if fmt == "json":
        recs = through_jq(p.stdout)[0]
    else:
        recs = through_jq(p.stdout)
    assert len(recs) == len(urls) + len(specs)
    by_index = {r["index"]: r for r in recs}
    for i, (name, body) in enumerate(bodies.items()):
        r = by_index[i]
        if name in ("pair", "escaped-backslash"):
            assert "body_encoding" not in r, r
            assert r["body"] == json.loads(body)
        else:
            # Embedded as a string of the body's text, and said so.
            assert r["body_encoding"] == "text" and r["body"] == body, r
    n = len(bodies)
    assert "body_encoding" not in by_index[n] and by_index[n]["ok"]  # 253 deep: embedded
    for k in (n + 1, n + 2, n + 3):
        r = by_index[k]
        assert r["body_encoding"] == "text", r
        json.loads(r["body"])  # the text is the JSON body, whole
    assert by_index[n + 2]["body"].startswith("[" * 257 + "1")
    m = len(urls)
    assert by_index[m]["id"] == '"\\ud800"' and by_index[m]["id_encoding"] == "text"
    assert by_index[m + 1]["id"] == "[" * 300 + "]" * 300
    assert by_index[m + 1]["id_encoding"] == "text"
    assert "id_encoding" not in by_index[m + 2]
    assert by_index[m + 3]["id"] == "\U0001f600" and "id_encoding" not in by_index[m + 3]


def test_skip_done_matches_ids_written_as_text(srv, tmp_path):
    # An id jq could not read (a lone surrogate, 300 levels) is written as
    # a string of its text with id_encoding "text"; --skip-done reads it
    # back as that id, so a rerun skips those requests too. A request with
    # an id not done is fetched.
    specs = [json.dumps({"url": srv.url("/json?n=1"), "id": "\ud800"}, ensure_ascii=True),
             '{"url": "%s", "id": %s}' % (srv.url("/json?n=2"), "[" * 300 + "]" * 300),
             '{"url": "%s", "id": "plain"}' % srv.url("/json?n=3")]
    done = tmp_path / "done.ndjson"
    p = run(["-J", "--no-body"], input=("\n".join(specs) + "\n").encode())
    assert p.returncode == 0, p.stderr
    assert [r.get("id_encoding") for r in records(p.stdout)] == ["text", "text", None]
    done.write_bytes(p.stdout)
    again = specs + ['{"url": "%s", "id": "new"}' % srv.url("/json?n=4")]
    p = run(["-J", "--no-body", "--skip-done", str(done)],
            input=("\n".join(again) + "\n").encode())
    assert p.returncode == 0, p.stderr
    assert [r["id"] for r in records(p.stdout)] == ["new"]
