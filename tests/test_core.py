"""Integration tests for urlfan's core: concurrency caps, input, bodies,
exit codes. Concurrency is judged by what the server saw (peak requests in
flight per Host), never by wall-clock time."""
import base64
import json
import os
import select
import socket
import subprocess
import time

from conftest import URLFAN, records, run
from server import GZIP_PLAIN


def test_delays_run_concurrently(srv):
    urls = [srv.url("/delay/%d" % i) for i in (1, 2, 3, 4)]
    p = run(["-J", *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == [0, 1, 2, 3]
    assert all(r["status"] == 200 and r["ok"] for r in recs)
    assert srv.stats()["peak_total"] == 4


def test_per_host_cap_is_exact(srv):
    urls = [srv.url("/delay/0.1?i=%d" % i, "a.test") for i in range(40)]
    p = run(["-J", "-p", "2", "-j", "50", *srv.resolve("a.test"), *urls])
    assert p.returncode == 0, p.stderr
    assert len(records(p.stdout)) == 40
    st = srv.stats()
    assert st["peak"][srv.key("a.test")] == 2
    assert st["count"][srv.key("a.test")] == 40


def test_global_and_per_host_caps(srv):
    hosts = ["h%d.test" % i for i in range(10)]
    urls = [srv.url("/delay/0.2?i=%d" % i, hosts[i % 10]) for i in range(100)]
    p = run(["-J", "-j", "8", "-p", "4", *srv.resolve(*hosts), *urls])
    assert p.returncode == 0, p.stderr
    assert len(records(p.stdout)) == 100
    st = srv.stats()
    assert st["peak_total"] == 8
    assert max(st["peak"][srv.key(h)] for h in hosts) <= 4
    assert sum(st["count"][srv.key(h)] for h in hosts) == 100


def test_busy_host_does_not_block_others(srv):
    slow = [srv.url("/delay/0.3?a=%d" % i, "slow.test") for i in range(10)]
    fast = [srv.url("/json?b=%d" % i, "fast.test") for i in range(10)]
    p = run(["-J", "-p", "1", *srv.resolve("slow.test", "fast.test"), *slow, *fast])
    assert p.returncode == 0, p.stderr
    order = [r["index"] for r in records(p.stdout)]
    a_positions = [pos for pos, i in enumerate(order) if i < 10]
    b_positions = [pos for pos, i in enumerate(order) if i >= 10]
    assert len(b_positions) == 10
    assert max(b_positions) < a_positions[1]
    assert srv.stats()["peak"][srv.key("slow.test")] == 1


def test_queue_time_is_not_timeout_time(srv):
    urls = [srv.url("/delay/0.3?i=%d" % i, "q.test") for i in range(8)]
    p = run(["-J", "-p", "1", "-m", "0.5", *srv.resolve("q.test"), *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 8
    assert all(r["ok"] and "error" not in r for r in recs)
    assert srv.stats()["peak"][srv.key("q.test")] == 1


def test_mixed_input_one_record_per_line(srv):
    lines, expect_invalid = [], set()
    index = 0
    bad = ["ftp://example.com/x", "{\"url\": ", "{\"method\": \"GET\"}",
           "not a url", "file:///etc/passwd", "{\"url\": \"gopher://x\"}",
           "http://", "[1, 2]"]
    for i in range(1000):
        kind = i % 7
        if kind == 0:
            lines.append("# comment %d" % i)
            continue
        if kind == 1:
            lines.append("   ")
            continue
        if kind == 2:
            lines.append(bad[(i // 7) % len(bad)])
            expect_invalid.add(index)
        elif kind == 3:
            lines.append(json.dumps({"url": srv.url("/json?i=%d" % i), "id": i}))
        else:
            lines.append("  " + srv.url("/text?i=%d" % i) + "\t")
        index += 1
    p = run(["-J", "--no-body"], input="\n".join(lines).encode())
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == index
    assert sorted(r["index"] for r in recs) == list(range(index))
    invalid = {r["index"] for r in recs if r.get("error", {}).get("kind") == "invalid_input"}
    assert invalid == expect_invalid
    assert all(r["ok"] for r in recs if r["index"] not in expect_invalid)
    with_id = [r for r in recs if "id" in r]
    assert with_id and all(isinstance(r["id"], int) for r in with_id)
    assert srv.stats()["total"] == index - len(expect_invalid)


def test_body_encodings(srv):
    urls = [srv.url(p) for p in ("/json", "/text", "/binary", "/badjson")]
    p = run(["-J", *urls])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    by = {json.loads(l)["index"]: (l, json.loads(l)) for l in lines}
    raw, rec = by[0]
    # Byte-faithful: literals cJSON would change pass through unchanged.
    assert '"big":12345678901234567890' in raw
    assert '"precise":9007199254740993' in raw
    assert '"huge":1e400' in raw
    assert '"float":1.50' in raw
    assert r'"esc":"a\u00e9\n\"q\""' in raw
    assert rec["body"]["name"] == "urlfan" and "body_encoding" not in rec
    assert rec["content_type"] == "application/json"
    _, rec = by[1]
    assert rec["body"] == "hello, world\nsecond line \u00e9\n"
    _, rec = by[2]
    assert rec["body_encoding"] == "base64"
    assert base64.b64decode(rec["body"]) == bytes(range(256))
    assert rec["size"] == 256
    _, rec = by[3]
    assert rec["body"] == '{"broken": tru' and "body_encoding" not in rec


def test_no_body_leaves_body_out(srv):
    p = run(["-J", "--no-body", srv.url("/json")])
    (rec,) = records(p.stdout)
    assert "body" not in rec and rec["size"] > 0


def test_exit_codes(srv):
    assert run(["-J", srv.url("/json")]).returncode == 0
    p = run(["-J", srv.url("/json"), srv.url("/status/404")])
    assert p.returncode == 1
    assert sorted(r["ok"] for r in records(p.stdout)) == [False, True]
    assert run(["-J", "--ok", "200-499", srv.url("/status/404")]).returncode == 0
    # A port nobody listens on: bind one, note it, close it.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = run(["-J", "http://127.0.0.1:%d/" % port, srv.url("/status/404")])
    assert p.returncode == 3
    kinds = [r.get("error", {}).get("kind") for r in records(p.stdout)]
    assert "connect" in kinds
    srv.reset()  # a usage error fetches nothing
    p = run(["--frobnicate", srv.url("/json")])
    assert p.returncode == 2 and b"--frobnicate" in p.stderr and p.stdout == b""
    p = run(["-j", "zero", srv.url("/json")])
    assert p.returncode == 2 and b"--parallel" in p.stderr
    assert srv.stats()["total"] == 0


def asleep(pid):
    """Whether pid's main thread is blocked in the kernel (state S or D)."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] in ("S", "D")


def pipe_full(fd):
    _, room, _ = select.select([], [fd], [], 0)
    return not room


def lines_taken(args, lines, started):
    """How many of lines urlfan ARGS takes from its stdin before it stops
    reading (feed_until_refused), urlfan killed after."""
    proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return feed_until_refused(proc, lines, started)
    finally:
        proc.kill()
        proc.wait()


def feed_until_refused(proc, lines, started, timeout=30):
    """Write lines into proc's stdin pipe (made non-blocking) for as long as
    proc takes them; return how many whole lines were written. It ends on an
    observed state, not after a guessed time: started() is true, the pipe is
    full, and proc is asleep while the pipe stays full, which it cannot be
    while it still watches its stdin (a poll or epoll wait on a readable
    descriptor returns at once)."""
    fd = proc.stdin.fileno()
    os.set_blocking(fd, False)
    lines = iter(lines)
    pending, written = b"", 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            while True:
                if not pending:
                    pending = next(lines, None)
                    if pending is None:
                        return written  # proc took everything
                pending = pending[os.write(fd, pending):]
                if not pending:
                    written += 1
        except BlockingIOError:
            pass
        # Full when the write failed; still full after the state was seen.
        if started() and asleep(proc.pid) and pipe_full(fd):
            return written
        assert time.monotonic() < deadline, "urlfan neither stopped reading nor went on"
        select.select([], [fd], [], 0.02)


def test_read_ahead_is_bounded(srv):
    # A slow host, every slot taken: urlfan may read only its read-ahead
    # bound (4 x --parallel = 16 here) beyond the requests in flight, plus
    # what the pipe and its 128 KiB input buffer hold. Lines are 4 KiB so
    # those buffers hold few of them.
    pad = "x" * 4000
    lines = ((srv.url("/delay/5?i=%d&p=%s" % (i, pad), "slow.test") + "\n").encode()
             for i in range(10000))
    consumed = lines_taken(["-J", "-j", "4", "-p", "4", *srv.resolve("slow.test")], lines,
                           lambda: srv.stats()["inflight_total"] >= 4)
    # 4 in flight + 16 read ahead + 32 in urlfan's buffer + 16 in the pipe.
    assert 20 <= consumed <= 70, consumed
    assert srv.stats()["peak"][srv.key("slow.test")] == 4


def test_read_ahead_past_a_busy_host_is_bounded_in_bytes(srv):
    # A slow host at its cap (-p 1) with slots free: reading goes on past
    # its waiting requests, to find other hosts behind them (a list sorted
    # by host), but only within the read-ahead byte budget of the man
    # page's memory formula (16 MiB), not through the whole input (40 MB
    # here).
    pad = "x" * 4000
    lines = ((srv.url("/delay/5?i=%d&p=%s" % (i, pad), "slowb.test") + "\n").encode()
             for i in range(10000))
    consumed = lines_taken(["-J", "-j", "4", "-p", "1", *srv.resolve("slowb.test")], lines,
                           lambda: srv.stats()["inflight_total"] > 0)
    line = len(srv.url("/delay/5?i=9999&p=%s" % pad, "slowb.test")) + 1
    assert consumed > 70, consumed  # past 4 x --parallel
    assert consumed * line <= 16 * 1024 * 1024 + 256 * 1024, consumed
    assert srv.stats()["peak"][srv.key("slowb.test")] == 1


def test_read_ahead_looking_for_more_hosts_is_bounded_in_bytes(srv):
    # Two slow hosts take every slot (-j 4 -p 2). With every slot taken
    # and no waiting host fresh, and with fewer hosts known than -j,
    # reading goes on to find more hosts, but again only within the
    # 16 MiB budget, though the input never shows a third host.
    pad = "x" * 4000
    hosts = ("seek1.test", "seek2.test")
    lines = ((srv.url("/delay/5?i=%d&p=%s" % (i, pad), hosts[i % 2]) + "\n").encode()
             for i in range(10000))
    consumed = lines_taken(["-J", "-j", "4", "-p", "2", *srv.resolve(*hosts)], lines,
                           lambda: srv.stats()["inflight_total"] >= 4)
    line = len(srv.url("/delay/5?i=9999&p=%s" % pad, hosts[0])) + 1
    assert consumed > 70, consumed  # past 4 x --parallel
    assert consumed * line <= 16 * 1024 * 1024 + 256 * 1024, consumed
    assert all(srv.stats()["peak"][srv.key(h)] == 2 for h in hosts)


def test_large_bodies_stay_whole(srv):
    hosts = ["big%d.test" % i for i in range(3)]
    urls = []
    for h in hosts:
        urls += [srv.url("/bigjson/2000000?h=%s" % h, h), srv.url("/bytes/1000000", h),
                 srv.url("/text", h)]
    p = run(["-J", *srv.resolve(*hosts), *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)  # json.loads on every line
    assert len(recs) == 9
    for r in recs:
        if "/bigjson/" in r["url"]:
            assert isinstance(r["body"], list) and r["size"] >= 1900000
        elif "/bytes/" in r["url"]:
            # The pattern is ASCII, so the body is a plain string.
            assert r["size"] == 1000000 and len(r["body"]) == 1000000
        else:
            assert r["body"] == "hello, world\nsecond line \u00e9\n"


def test_request_specs_override_defaults(srv):
    spec = json.dumps({"url": srv.url("/echo"), "method": "PUT",
                       "headers": {"X-Spec": "yes", "X-Both": "spec"}, "id": "abc"})
    raw_json = '{"url": "%s", "json": {"n": 12345678901234567890, "s": "\\u00e9"}}' % srv.url("/echo")
    p = run(["-J", "-H", "X-Both: cli", "-H", "X-Cli: 1"], input=(spec + "\n" + raw_json + "\n").encode())
    assert p.returncode == 0, p.stderr
    recs = {r["index"]: r for r in records(p.stdout)}
    put = recs[0]
    assert put["id"] == "abc" and put["method"] == "PUT"
    h = {k.lower(): v for k, v in put["body"]["headers"].items()}
    assert put["body"]["method"] == "PUT"
    assert h["x-spec"] == "yes" and h["x-both"] == "spec" and h["x-cli"] == "1"
    post = recs[1]
    assert post["method"] == "POST"
    assert post["body"]["body"] == '{"n":12345678901234567890,"s":"\\u00e9"}'
    h = {k.lower(): v for k, v in post["body"]["headers"].items()}
    assert h["content-type"] == "application/json"


def test_cli_http_options(srv):
    p = run(["-J", "-X", "PATCH", "-d", "a=1", "-d", "b=2", "-A", "tester/1",
             "-H", "X-Test: v", srv.url("/echo")])
    (rec,) = records(p.stdout)
    body = rec["body"]
    h = {k.lower(): v for k, v in body["headers"].items()}
    assert body["method"] == "PATCH" and body["body"] == "a=1&b=2"
    assert h["user-agent"] == "tester/1" and h["x-test"] == "v"
    p = run(["-J", "--json", '{"k": 1}', srv.url("/echo")])
    (rec,) = records(p.stdout)
    h = {k.lower(): v for k, v in rec["body"]["headers"].items()}
    assert rec["method"] == "POST" and rec["body"]["body"] == '{"k": 1}'
    assert h["content-type"] == "application/json" and h["accept"] == "application/json"
    p = run(["-J", "-I", srv.url("/json")])
    (rec,) = records(p.stdout)
    assert rec["method"] == "HEAD" and rec["status"] == 200 and rec["size"] == 0
    p = run(["-J", srv.url("/headers")])
    (rec,) = records(p.stdout)
    h = {k.lower(): v for k, v in rec["body"]["headers"].items()}
    assert h["user-agent"].startswith("urlfan/")


def test_bad_header_is_usage_error(srv):
    p = run(["-H", "NoColon", srv.url("/json")])
    assert p.returncode == 2 and b"--header" in p.stderr
    p = run(["-H", "A: b\r\nEvil: 1", srv.url("/json")])
    assert p.returncode == 2
    spec = json.dumps({"url": srv.url("/json"), "headers": {"A": "b\r\nEvil: 1"}})
    p = run(["-J"], input=spec.encode())
    (rec,) = records(p.stdout)
    assert rec["error"]["kind"] == "invalid_input" and p.returncode == 3
    assert srv.stats()["total"] == 0


def test_redirects(srv):
    p = run(["-J", srv.url("/redirect/3")])
    (rec,) = records(p.stdout)
    assert rec["status"] == 200 and rec["effective_url"].endswith("/redirect/0")
    p = run(["-J", "--max-redirs", "0", srv.url("/redirect/3")])
    (rec,) = records(p.stdout)
    assert rec["status"] == 302 and rec["ok"]
    p = run(["-J", "--max-redirs", "2", srv.url("/redirect/5")])
    (rec,) = records(p.stdout)
    assert rec["error"]["kind"] == "redirect" and p.returncode == 3


def built_in_codings():
    """The content codings this urlfan's libcurl can decode, from the
    library list --version prints (curl_version())."""
    libs = run(["--version"]).stdout.decode()
    codings = set()
    if "zlib/" in libs:
        codings |= {"deflate", "gzip"}
    if "brotli/" in libs:
        codings.add("br")
    if "zstd/" in libs:
        codings.add("zstd")
    return codings


def accept_encodings(head):
    """The values of every Accept-Encoding header in a request head."""
    return [v for k, v in head["headers"] if k.lower() == "accept-encoding"]


def test_compressed_responses_are_asked_for_by_default(srv):
    codings = built_in_codings()
    assert "gzip" in codings, codings  # libcurl is built with zlib here
    p = run(["-J", "--no-body", srv.url("/json?tag=default")])
    assert p.returncode == 0, p.stderr
    (head,) = srv.seen("default")
    (value,) = accept_encodings(head)  # one header, listing every coding
    assert sorted(t.strip() for t in value.split(",")) == sorted(codings), value
    p = run(["-J", "--no-body", "--no-compressed", srv.url("/json?tag=off")])
    assert p.returncode == 0, p.stderr
    (head,) = srv.seen("off")
    assert accept_encodings(head) == []


def test_compressed_responses_are_decoded(srv):
    p = run(["-J", "--headers", srv.url("/gzip")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    # The server did send gzip, and the record holds the decoded body.
    assert rec["headers"]["content-encoding"] == "gzip"
    assert rec["body"] == {"compressed": True}
    assert rec["size"] == len(GZIP_PLAIN)
    p = run(["-J", "--headers", "--no-compressed", srv.url("/gzip")])
    (rec,) = records(p.stdout)
    assert "content-encoding" not in rec["headers"]
    assert rec["body"] == {"compressed": True}


def test_credentials_are_masked(srv):
    url = "http://user:s3cret@127.0.0.1:%d/json" % srv.port
    for fmt in (["-J"], ["--format", "text"]):
        p = run([*fmt, url])
        assert p.returncode == 0
        assert b"s3cret" not in p.stdout and b"user:***@" in p.stdout


def test_input_file_and_stdin(srv, tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text("# list\n%s\n\n%s\n" % (srv.url("/json"), srv.url("/text")))
    p = run(["-J", "-i", str(f)])
    assert sorted(r["index"] for r in records(p.stdout)) == [0, 1]
    p = run(["-J", "-i", "-"], input=f.read_bytes())
    assert len(records(p.stdout)) == 2
    p = run(["-J", "-i", str(tmp_path / "missing")])
    assert p.returncode == 2 and b"missing" in p.stderr


def test_usage_when_stdin_is_a_terminal():
    import os
    import pty
    master, slave = pty.openpty()
    try:
        p = subprocess.run([URLFAN], stdin=slave, capture_output=True, timeout=10)
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode == 2 and b"Usage:" in p.stderr


def test_text_format(srv):
    p = run(["--format", "text", srv.url("/json"), srv.url("/status/404")],
            env={"NO_COLOR": "1"})
    out = p.stdout.decode()
    assert p.returncode == 1
    assert "\x1b[" not in out
    assert "\n200 %s  " % srv.url("/json") in "\n" + out
    assert '  "big": 12345678901234567890,\n' in out
    assert "404 %s  " % srv.url("/status/404") in out


def test_help_and_version():
    p = run(["--help"])
    assert p.returncode == 0 and b"--per-host" in p.stdout
    p = run(["--version"])
    assert p.returncode == 0 and p.stdout.startswith(b"urlfan ") and b"libcurl/" in p.stdout
