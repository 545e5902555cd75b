"""urlfan's limits hold against hostile servers and input: response heads
that are huge, folded or have giant lines, a low open-files limit, deep
file names under -O, endless input lines, the accuracy of --idle-timeout,
credentials and cookies that must not show, and control characters that
must not reach a terminal.

Timing is judged from the records (time.total, time.ttfb: libcurl's clock
for the one transfer), never from how long the test waited; memory from the
urlfan process's own peak RSS (VmHWM).
"""
import json
import os
import pty
import re
import resource
import select
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import MEM_SCALE, SANITIZED, URLFAN, records, run
from test_faults import _run_hwm as run_watched, urlfan

# How late a timer may fire on a loaded machine, on top of the tenth of a
# second urlfan promises.
SLACK = 0.4 if SANITIZED else 0.2


def kind(rec):
    return (rec.get("error") or {}).get("kind")


def by_index(stdout):
    return {r["index"]: r for r in records(stdout)}


def fd_limit(n):
    """A preexec_fn giving the child a hard and soft RLIMIT_NOFILE of n."""
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


# --------------------------------------------------------------------------
# Response heads
# --------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [True, False], ids=["headers", "no-headers"])
def test_many_headers_are_capped_and_hold_up_nothing(srv, headers):
    # 40,000 distinct headers: the request fails as protocol (urlfan keeps
    # at most 1000 header lines), and a one-second request alongside is
    # served in its time, not held up behind header handling.
    args = ["-J", "-m", "4"] + (["--headers"] if headers else [])
    rc, out, err, rss = run_watched(args + [srv.url("/manyheaders/40000"),
                                            srv.url("/delay/1")])
    assert rc == 3, err
    recs = by_index(out)
    assert recs[1]["ok"] and kind(recs[1]) is None, recs[1]
    assert recs[1]["time"]["total"] < 3, recs[1]
    assert kind(recs[0]) == "protocol", recs[0]
    assert "1000 header lines" in recs[0]["error"]["message"]
    assert "headers" not in recs[0]
    assert rss < 40 * 1024 * MEM_SCALE, rss


def test_header_bytes_are_capped(srv):
    # A 200 KB line is over libcurl's line limit; nine 30 KB headers add up
    # past urlfan's 256 KiB for a response's headers; one is fine.
    p = run(["-J", "--headers", srv.url("/longheader/200000"),
             srv.url("/manyheaders/9?size=30000"), srv.url("/longheader/30000")])
    assert p.returncode == 3, p.stderr
    recs = by_index(p.stdout)
    assert kind(recs[0]) == "protocol", recs[0]
    assert recs[0]["error"]["message"] == "response header line longer than 100 KB"
    assert kind(recs[1]) == "protocol", recs[1]
    assert recs[1]["error"]["message"] == "response headers larger than 256 KiB"
    assert recs[0]["attempts"] == recs[1]["attempts"] == 1
    assert recs[2]["ok"] and len(recs[2]["headers"]["x-long"]) == 30000


def test_folded_header_joins_the_one_before(srv):
    p = run(["-J", "--headers", srv.url("/folded")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    h = rec["headers"]
    assert h["x-fold"] == "one two three"
    assert h["x-before"] == "1" and h["x-after"] == "2"
    assert not [k for k in h if k.startswith((" ", "\t")) or k in ("two", "three")]
    assert rec["body"] == "ok"


# --------------------------------------------------------------------------
# Open files
# --------------------------------------------------------------------------

def test_low_fd_limit_lowers_parallel_with_one_warning(srv):
    urls = [srv.url("/delay/0.2?i=%d" % i) for i in range(120)]
    p = subprocess.run([URLFAN, "-J", "-j", "1000", "-p", "1000", *urls], capture_output=True,
                       stdin=subprocess.DEVNULL, preexec_fn=fd_limit(64), timeout=120)
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 120 and all(r["ok"] for r in recs), [
        r["error"] for r in recs if not r["ok"]][:3]
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    m = re.fullmatch(r"urlfan: -j 1000 needs about \d+ open files but only 64 are allowed "
                     r"\(ulimit -n\): using -j (\d+)", lines[0])
    assert m, lines
    assert 1 <= int(m.group(1)) < 64
    assert srv.stats()["peak_total"] <= int(m.group(1))


def test_soft_fd_limit_is_raised_to_the_hard_one(srv):
    # A soft limit of 64 under a higher hard one is raised: no warning.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096:
        pytest.skip("hard limit %d too low" % hard)
    p = subprocess.run(
        [URLFAN, "-J", "-j", "200", "-p", "200",
         *[srv.url("/delay/0.2?i=%d" % i) for i in range(200)]],
        capture_output=True, stdin=subprocess.DEVNULL, timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard)))
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    assert len(records(p.stdout)) == 200
    assert srv.stats()["peak_total"] > 64  # more at once than the soft limit


# Run argv[3:] with RLIMIT_NOFILE argv[1] and argv[2] descriptors open
# besides 0-2 (the lowest free ones, inherited across exec). A fresh
# interpreter, so that nothing else of pytest's is open.
FILL_FDS = """
import os, resource, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
for _ in range(k):
    os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
os.execv(sys.argv[3], sys.argv[3:])
"""


def test_running_out_of_fds_is_io_not_connect(srv):
    # With descriptors taken by inherited files, some run gets no socket:
    # that is a local failure (io), never the server's (connect).
    kinds = set()
    for extra in range(0, 17):
        p = subprocess.run([sys.executable, "-c", FILL_FDS, "20", str(extra), URLFAN, "-J",
                            "-j", "1", srv.url("/json")], capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        for rec in records(p.stdout):
            kinds.add(kind(rec))
            if kind(rec) == "io":
                assert "Too many open files" in rec["error"]["message"], rec
    assert "connect" not in kinds, kinds
    assert "io" in kinds, kinds


# --------------------------------------------------------------------------
# -O names
# --------------------------------------------------------------------------

def test_deep_long_paths_are_saved_under_the_limits(srv, tmp_path):
    # /json's 404 page is the body: any path works.
    seg = ["s%02d-" % i + "x" * 96 for i in range(20)]
    a = srv.url("/" + "/".join(seg))
    b = srv.url("/" + "/".join(seg[:-1] + [seg[-1] + "-other"]))
    out = tmp_path / "pages"
    p = run(["-J", "-O", str(out), "--overwrite", "--name", "%{host}%{path}", a, b])
    assert p.returncode == 1, p.stderr  # 404s, saved
    recs = by_index(p.stdout)
    files = [recs[i]["file"] for i in (0, 1)]
    assert files[0] != files[1]
    for f in files:
        rel = os.path.relpath(f, out)
        assert not rel.startswith("..")
        parts = rel.split("/")
        assert len(rel.encode()) <= 1024 and len(parts) <= 16
        assert all(0 < len(x.encode()) <= 204 for x in parts), parts
        assert json.loads(open(f, "rb").read())["error"] == "not found"
    assert kind(recs[0]) is None and kind(recs[1]) is None


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------

def read_line_within(stream, seconds):
    fd, data = stream.fileno(), b""
    deadline = time.monotonic() + seconds
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0, "no whole line within %ss: %r" % (seconds, data[:200])
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 1)
            assert chunk, "closed before a line: %r" % data[:200]
            data += chunk
    return data


def test_endless_line_is_cut_and_signals_are_answered():
    with urlfan(["-J", "-i", "/dev/zero"]) as p:
        rec = json.loads(read_line_within(p.stdout, 15))
        assert kind(rec) == "invalid_input" and rec["index"] == 0
        assert rec["error"]["message"] == "line 1: line longer than 64 KiB"
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 130


def catches(pid, sig):
    """Whether the process has a handler for sig (from /proc: SigCgt)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


def wait_for(cond, timeout=15):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in %ss" % timeout
        time.sleep(0.01)


def test_a_flood_of_invalid_lines_does_not_hold_off_a_signal(tmp_path):
    # A million invalid lines in a file: each becomes a record at once, but
    # the loop still looks at signals between turns, so a SIGINT after the
    # first record stops the run long before the end of the file.
    f = tmp_path / "junk.txt"
    f.write_bytes(b"x\n" * 1_000_000)
    with urlfan(["-J", "-i", str(f)]) as p:
        read_line_within(p.stdout, 15)
        wait_for(lambda: catches(p.pid, signal.SIGINT))
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 130
        assert out.count(b"\n") < 100_000


def test_unread_input_past_much_junk_is_still_saved(srv, tmp_path):
    # The loop reads the input in bounded turns; after a stop, what is
    # left of it is still read through to its end for --save-unfinished,
    # however much blank space comes first.
    # -j 1 reads ahead 4 requests: the loop has not read past the 6th
    # line when the deadline comes.
    f, save = tmp_path / "in.txt", tmp_path / "todo.txt"
    head = "".join(srv.url("/delay/3?i=%d\n" % i) for i in range(6))
    f.write_text(head + "\n" * 600_000 + srv.url("/json?last") + "\n")
    p = run(["-J", "-j", "1", "--deadline", "1", "--save-unfinished", str(save), "-i", str(f)])
    assert p.returncode == 130, p.stderr
    assert srv.url("/json?last") in save.read_text().split("\n")


@pytest.mark.parametrize("via", ["stdin", "file"])
def test_byte_order_mark_is_skipped(srv, tmp_path, via):
    data = ("\ufeff%s\n\ufeffnot-a-bom-later\n" % srv.url("/json")).encode()
    if via == "file":
        f = tmp_path / "urls.txt"
        f.write_bytes(data)
        p = run(["-J", "-i", str(f)])
    else:
        p = run(["-J"], input=data)
    recs = by_index(p.stdout)
    assert recs[0]["ok"], recs[0]
    # Only at the very start: further in, it is part of the line.
    assert kind(recs[1]) == "invalid_input"
    assert recs[1]["error"]["message"].startswith("line 2: ")


# --------------------------------------------------------------------------
# --idle-timeout
# --------------------------------------------------------------------------

def test_idle_timeout_is_accurate_to_a_tenth(srv):
    # No byte at all after the request (/delay), and a body that stops
    # after 100 bytes (/stall): both end 0.5 s after their last byte, by
    # the record's own times. Each runs alone, so that nothing else wakes
    # urlfan up in time by chance.
    for path, since in (("/delay/5", "connect"), ("/stall/100", "ttfb")):
        p = run(["-J", "--idle-timeout", "0.5", srv.url(path)])
        assert p.returncode == 3, p.stderr
        (rec,) = records(p.stdout)
        assert kind(rec) == "timeout", rec
        assert rec["error"]["message"] == "no data received or sent for 0.5 s (--idle-timeout)"
        quiet = rec["time"]["total"] - rec["time"][since]
        assert 0.5 <= quiet <= 0.5 + 0.1 + SLACK, (path, rec["time"])
    assert rec["size"] == 100


def quiet_seen(srv):
    """What /stall?tag= saw: seconds from its last byte to the client's
    going, by tag."""
    with urllib.request.urlopen(srv.url("/quiet"), timeout=10) as r:
        return json.load(r)


def test_idle_timeout_counts_from_the_last_byte(srv):
    # Bytes 0.3 s apart, then none: the deadline moves with each byte, and
    # the server sees urlfan leave 0.5 s after the last one.
    p = run(["-J", "--idle-timeout", "0.5", srv.url("/stall/4?every=0.3&tag=trickle")])
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["size"] == 4, rec
    wait_for(lambda: "trickle" in quiet_seen(srv))
    quiet = quiet_seen(srv)["trickle"]
    assert 0.5 - 0.05 <= quiet <= 0.5 + 0.1 + SLACK, quiet


def test_idle_timeout_is_retried_like_a_timeout(srv):
    p = run(["-J", "--idle-timeout", "0.3", "--retry", "1", "--retry-delay", "0",
             srv.url("/stall/10")])
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["attempts"] == 2


# --------------------------------------------------------------------------
# Credentials and cookies
# --------------------------------------------------------------------------

SECRETS = (b"PASSWORD", b"TOKEN", b"ghp_0123456789abcdefXYZ")


def no_secrets(*streams):
    for s in streams:
        for secret in SECRETS:
            assert secret not in s, (secret, s[:2000])


def test_invalid_lines_never_show_credentials_or_header_values(srv):
    good = srv.url("/json")
    lines = [
        "# a comment, then a blank line",
        "",
        json.dumps({"url": "https://u:PASSWORD@h.test/",
                    "headers": {"Authorization": "Bearer TOKEN"}})[:-1] + ", }",
        json.dumps({"bogus": 1, "url": "http://u:PASSWORD@h.test/",
                    "headers": {"X-Api-Key": "TOKEN"}}),
        json.dumps({"headers": {"Authorization": "Bearer TOKEN"}}),
        "ftp://u:PASSWORD@h.test/x",
        "http://u:my PASSWORD@h.test/ with a space",
        # Without a scheme a line is taken as http:// (as curl does); this
        # one stays invalid (a space), and its user part is masked anyway.
        "u:PASSWORD@h.test/no scheme",
        good,
    ]
    data = ("\n".join(lines) + "\n").encode()
    for args in (["-J", "-v"], ["--color", "always", "-v"], ["-w", "%{url} %{error}\\n"]):
        p = run(args, input=data)
        assert p.returncode == 3, p.stderr
        no_secrets(p.stdout, p.stderr)
    p = run(["-J"], input=data)
    recs = by_index(p.stdout)
    assert [recs[i]["url"] for i in range(7)] == [
        "https://u:***@h.test/", "http://u:***@h.test/", "", "ftp://u:***@h.test/x",
        "http://u:***@h.test/ with a space", "u:***@h.test/no scheme", good]
    assert [recs[i]["error"]["message"].split(":")[0] for i in range(6)] == [
        "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert recs[1]["error"]["message"].startswith('line 4: unknown field "bogus"')


def test_token_user_is_masked(srv):
    token = "ghp_0123456789abcdefXYZ"
    url = "http://%s@127.0.0.1:%d/json" % (token, srv.port)
    for args in (["-J", "-vv"], ["-v", "--color", "never"], ["-w", "%{json}\\n"]):
        p = run([*args, url, "http://bob@127.0.0.1:%d/json" % srv.port])
        assert p.returncode == 0, p.stderr
        no_secrets(p.stdout, p.stderr)
    recs = by_index(run(["-J", url, "http://bob@127.0.0.1:%d/json" % srv.port]).stdout)
    assert recs[0]["url"] == "http://***@127.0.0.1:%d/json" % srv.port
    # A short name that is letters only stays: it is no secret.
    assert recs[1]["url"] == "http://bob@127.0.0.1:%d/json" % srv.port


def pct(s):
    """Percent-encode every byte, so that the text is not in the URL as is."""
    return "".join("%%%02X" % b for b in s.encode())


def test_cookies_are_masked_in_the_trace(srv):
    url = srv.url("/with-header?name=Set-Cookie&value=" + pct("sid=TOKEN; Path=/"))
    p = run(["-J", "-vv", "-H", "Cookie: sid=PASSWORD", url])
    assert p.returncode == 0, p.stderr
    no_secrets(p.stderr)
    err = p.stderr.decode()
    assert re.search(r"^urlfan: \[0\] > Cookie: \*\*\*$", err, re.M), err
    assert re.search(r"^urlfan: \[0\] < Set-Cookie: \*\*\*$", err, re.M), err


# --------------------------------------------------------------------------
# A terminal
# --------------------------------------------------------------------------

def stderr_on_a_terminal(args, input):
    """Run urlfan with stderr on a pseudo-terminal and input on stdin;
    returns (status, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.Popen([URLFAN, "--no-progress", *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    try:
        out, _ = p.communicate(input, timeout=60)
        got = b""
        while select.select([master], [], [], 10)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer has gone
                break
            if not chunk:
                break
            got += chunk
        return p.returncode, out, got
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)


def test_trace_escapes_c1_and_stray_bytes_on_a_terminal(srv):
    # A raw 0x9b is CSI to a terminal; "\xc2\x9b" is the same as UTF-8.
    value = "\x9b31mred\x1b[0m \xc2\x9b7m"
    url = srv.url("/with-header?name=X-Evil&value=" +
                  "".join("%%%02X" % ord(c) for c in value))
    rc, _, tty = stderr_on_a_terminal(["-J", "-vv", url], b"")
    assert rc == 0, tty
    line = [ln for ln in tty.split(b"\n") if b"< X-Evil" in ln]
    assert line == [b"urlfan: [0] < X-Evil: \\x9b31mred\\x1b[0m \\xc2\\x9b7m\r"], tty


def test_messages_escape_input_on_a_terminal(srv):
    specs = [
        '{"\\u001b]0;title\\u0007": 1, "url": "%s"}' % srv.url("/json"),
        '{"\\u009b31m": 1, "url": "%s"}' % srv.url("/json"),
    ]
    data = ("\n".join(specs) + "\n").encode() + srv.url("/json?").encode() + b"\x9b2J\n"
    rc, _, tty = stderr_on_a_terminal(["-J", "-v"], input=data)
    assert rc == 3, tty
    assert b"\x1b" not in tty and b"\x9b" not in tty and b"\x07" not in tty, tty
    assert b'unknown field "\\x1b]0;title\\x07"' in tty, tty
    assert b'unknown field "\\xc2\\x9b31m"' in tty, tty
    assert b"/json?\\x9b2J" in tty, tty
