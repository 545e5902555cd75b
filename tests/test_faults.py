"""Integration tests for urlfan under faults: retries and Retry-After, host
pauses, timeouts, a chaos run over broken endpoints, signals and
--save-unfinished, a closed stdout, --max-body, TLS verification, forbidden
redirects and credential masking.

Concurrency and ordering are judged by what the server saw or by the
records; wall-clock time only as generous lower bounds ("at least 1 s")
and loose upper bounds, so that a loaded 2-core machine still passes.
Every urlfan process started here is killed if a test fails half-way.
"""
import base64
import contextlib
import email.utils
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid

import pytest

from conftest import MEM_SCALE, URLFAN, Server, records, run


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def kind(rec):
    return (rec.get("error") or {}).get("kind")


def fresh(prefix="k"):
    """A flaky-endpoint key no other test (or earlier run) has used."""
    return "%s%s" % (prefix, uuid.uuid4().hex[:12])


def timed(args, **kw):
    t0 = time.monotonic()
    p = run(args, **kw)
    return p, time.monotonic() - t0


def closed_port():
    """A port nobody listens on: bind one, note it, close it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def urlfan(args, stdin=subprocess.DEVNULL, **kw):
    """Popen urlfan with piped stdout/stderr; killed on the way out if alive."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.Popen([URLFAN, *args], stdin=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, **kw)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
        with contextlib.suppress(Exception):
            p.communicate(timeout=10)


def wait_until(cond, timeout=15, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return False


def wait_for_line(proc, pattern, timeout=15):
    """Read proc's stderr until a whole line matches the regex pattern;
    returns (the match, every byte read so far). Reads the descriptor, not
    the buffered file, so a later communicate() gets the rest intact."""
    fd, seen = proc.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    while True:
        m = re.search(pattern, seen, re.M)
        if m:
            return m, seen
        left = deadline - time.monotonic()
        assert left > 0, "no line matching %r on stderr: %r" % (pattern, seen)
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, "stderr closed before a line matching %r: %r" % (pattern, seen)
            seen += chunk


class Poller:
    """Polls srv.stats() from a thread; .snaps is [(monotonic time, stats)]."""

    def __init__(self, srv, interval=0.02):
        self.srv, self.interval = srv, interval
        self.snaps = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.snaps.append((time.monotonic(), self.srv.stats()))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(10)


# --------------------------------------------------------------------------
# 1. Retries
# --------------------------------------------------------------------------

def test_retry_transient_status_until_ok(srv):
    path = "/flaky/%s/2" % fresh()
    p = run(["-J", "--retry", "3", "--retry-delay", "0.05", srv.url(path)])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["status"] == 200 and "error" not in rec
    assert rec["attempts"] == 3
    assert rec["body"]["attempt"] == 3
    assert srv.stats()["paths"][path] == 3


def test_retries_are_exhausted_into_one_record(srv):
    path = "/flaky/%s/5" % fresh()
    p = run(["-J", "--retry", "2", "--retry-delay", "0.05", srv.url(path)])
    assert p.returncode == 1, p.stderr
    (rec,) = records(p.stdout)
    assert rec["status"] == 503 and not rec["ok"] and rec["attempts"] == 3
    assert srv.stats()["paths"][path] == 3


def test_connection_reset_is_retried(srv):
    p = run(["-J", "--retry", "2", "--retry-delay", "0.05", srv.url("/reset")])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "protocol" and rec["attempts"] == 3
    assert srv.stats()["paths"]["/reset"] == 3


def test_timeouts_and_refused_connections_are_retried(srv):
    refused = "http://127.0.0.1:%d/" % closed_port()
    p, elapsed = timed(["-J", "--retry", "2", "--retry-delay", "0.05", "-m", "0.3",
                        srv.url("/hang"), refused])
    assert p.returncode == 3, p.stderr
    recs = {r["index"]: r for r in records(p.stdout)}
    assert kind(recs[0]) == "timeout" and recs[0]["attempts"] == 3
    assert kind(recs[1]) == "connect" and recs[1]["attempts"] == 3
    assert srv.stats()["paths"]["/hang"] == 3
    assert 0.9 <= elapsed < 8, elapsed


def test_post_is_retried_only_with_retry_all_methods(srv):
    path = "/flaky/%s/1" % fresh("post")
    p = run(["-J", "-X", "POST", "--retry", "3", "--retry-delay", "0.05", srv.url(path)])
    assert p.returncode == 1, p.stderr
    (rec,) = records(p.stdout)
    assert rec["method"] == "POST"
    assert rec["attempts"] == 1 and rec["status"] == 503 and not rec["ok"]
    assert srv.stats()["paths"][path] == 1

    path = "/flaky/%s/1" % fresh("post")
    p = run(["-J", "-X", "POST", "--retry", "3", "--retry-delay", "0.05",
             "--retry-all-methods", srv.url(path)])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["method"] == "POST"
    assert rec["attempts"] == 2 and rec["status"] == 200 and rec["ok"]
    assert srv.stats()["paths"][path] == 2


def test_retry_after_seconds_is_honoured(srv):
    path = "/flaky/%s/1" % fresh()
    p, elapsed = timed(["-J", "--retry", "2", srv.url(path + "?retry_after=1")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["attempts"] == 2
    assert 1.0 <= elapsed < 10, elapsed
    assert srv.stats()["paths"][path] == 2


def test_retry_after_http_date_is_honoured(srv):
    path = "/flaky/%s/1" % fresh()
    # HTTP dates have whole seconds: 3 s ahead is at least 2 s ahead.
    date = email.utils.formatdate(time.time() + 3, usegmt=True)
    url = srv.url(path + "?retry_after=" + urllib.parse.quote(date, safe=""))
    p, elapsed = timed(["-J", "--retry", "2", url])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["attempts"] == 2
    assert 1.0 <= elapsed < 12, elapsed


def test_retry_max_delay_caps_retry_after(srv):
    path = "/flaky/%s/1" % fresh()
    p, elapsed = timed(["-J", "--retry", "2", "--retry-max-delay", "0.2",
                        srv.url(path + "?retry_after=5")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["attempts"] == 2
    assert elapsed < 3, elapsed


def test_retry_wait_does_not_count_against_max_time(srv):
    # The 2 s wait before the second try is not part of -m 1.
    path = "/flaky/%s/1" % fresh()
    p, elapsed = timed(["-J", "--retry", "1", "-m", "1", srv.url(path + "?retry_after=2")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["attempts"] == 2 and "error" not in rec
    assert elapsed >= 1.5, elapsed


def test_non_transient_statuses_are_not_retried(srv):
    p = run(["-J", "--retry", "3", "--retry-delay", "0.05", srv.url("/status/404")])
    assert p.returncode == 1, p.stderr
    (rec,) = records(p.stdout)
    assert rec["status"] == 404 and rec["attempts"] == 1
    # A flaky path failing with 404 once would succeed on a second try.
    path = "/flaky/%s/1" % fresh()
    p = run(["-J", "--retry", "3", "--retry-delay", "0.05", srv.url(path + "?code=404")])
    assert p.returncode == 1, p.stderr
    (rec,) = records(p.stdout)
    assert rec["status"] == 404 and rec["attempts"] == 1
    st = srv.stats()
    assert st["paths"]["/status/404"] == 1 and st["paths"][path] == 1


# --------------------------------------------------------------------------
# 2. Host pause on 429/503 with Retry-After
# --------------------------------------------------------------------------

@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_pauses_the_whole_host(srv, code):
    # p.test: the status with Retry-After 2 first, then 5 quick /json.
    # o.test: 5 short delays, one at a time (about 0.3 s in all).
    # Without the pause the /json requests would be done in milliseconds,
    # long before o.test's; with it, none of them starts for 2 s while
    # o.test goes on.
    lines = [srv.url("/status/%d?retry_after=2" % code, "p.test")]
    lines += [srv.url("/json?i=%d" % i, "p.test") for i in range(5)]
    lines += [srv.url("/delay/0.05?i=%d" % i, "o.test") for i in range(5)]
    pk, ok_ = srv.key("p.test"), srv.key("o.test")
    t0 = time.monotonic()
    with Poller(srv) as poll:
        p = run(["-J", "--no-body", "-j", "4", "-p", "1",
                 *srv.resolve("p.test", "o.test"), *lines], timeout=60)
    elapsed = time.monotonic() - t0
    assert p.returncode == 1, p.stderr
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == list(range(11))
    first = next(r for r in recs if r["index"] == 0)
    assert first["status"] == code and first["attempts"] == 1
    assert all(r["ok"] and r["attempts"] == 1 for r in recs if r["index"])
    # Completion order: every o.test record before any p.test /json record.
    pos = {r["index"]: n for n, r in enumerate(recs)}
    assert max(pos[i] for i in range(6, 11)) < min(pos[i] for i in range(1, 6)), \
        [r["index"] for r in recs]
    # The server saw o.test finish while p.test had had its one request.
    counts = [(s["count"].get(pk, 0), s["count"].get(ok_, 0)) for _, s in poll.snaps]
    assert (1, 5) in counts, counts
    # The pause held for (most of) its 2 s.
    assert elapsed >= 1.8, elapsed
    st = srv.stats()
    assert st["count"][pk] == 6 and st["count"][ok_] == 5


def test_host_pause_is_capped_by_retry_max_delay(srv):
    lines = [srv.url("/status/429?retry_after=30", "p.test")]
    lines += [srv.url("/json?i=%d" % i, "p.test") for i in range(3)]
    p, elapsed = timed(["-J", "--no-body", "-p", "1", "--retry-max-delay", "0.3",
                        *srv.resolve("p.test"), *lines], timeout=60)
    assert p.returncode == 1, p.stderr
    assert len(records(p.stdout)) == 4
    assert elapsed < 5, elapsed


# --------------------------------------------------------------------------
# 3. Timeouts
# --------------------------------------------------------------------------

@pytest.fixture
def unanswered_port():
    """A port whose SYNs go unanswered: a listening socket that is never
    accepted from, with its accept queue filled first (Linux then drops
    further SYNs, so connect() hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            c.connect(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.1)
    probe = socket.socket()
    probe.settimeout(0.5)
    try:
        probe.connect(("127.0.0.1", port))
        hangs = False
    except (socket.timeout, TimeoutError):
        hangs = True
    except OSError:
        hangs = False
    finally:
        probe.close()
    try:
        if not hangs:
            pytest.skip("cannot make connect() hang on this system")
        yield port
    finally:
        for c in fillers:
            c.close()
        listener.close()


def test_connect_timeout(unanswered_port):
    p, elapsed = timed(["-J", "--connect-timeout", "1",
                        "http://127.0.0.1:%d/" % unanswered_port])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["status"] is None and not rec["ok"]
    assert 0.9 <= elapsed < 5, elapsed


def test_connect_timeout_covers_the_tls_handshake(srv):
    # The plain-HTTP test server waits forever for a request head, so a
    # TLS ClientHello sent to it gets no answer.
    p, elapsed = timed(["-J", "--connect-timeout", "1",
                        "https://127.0.0.1:%d/json" % srv.port])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["status"] is None
    assert 0.9 <= elapsed < 5, elapsed


def test_max_time_on_a_hanging_server(srv):
    p, elapsed = timed(["-J", "--max-time", "0.5", srv.url("/hang")])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["status"] is None and rec["attempts"] == 1
    assert 0.45 <= elapsed < 3, elapsed


def test_idle_timeout_on_a_hanging_server(srv):
    p, elapsed = timed(["-J", "--idle-timeout", "1", srv.url("/hang")])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and rec["status"] is None
    assert 0.9 <= elapsed < 4, elapsed


def test_idle_timeout_does_not_cut_a_slow_steady_body(srv):
    url = srv.url("/drip?n=20&interval=0.3")  # 20 bytes over 6 s
    p, elapsed = timed(["-J", "--idle-timeout", "1", url])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"] and rec["status"] == 200 and "error" not in rec
    assert rec["size"] == 20 and len(rec["body"]) == 20
    assert elapsed >= 5, elapsed


def test_max_time_cuts_a_slow_steady_body(srv):
    url = srv.url("/drip?n=20&interval=0.3")
    p, elapsed = timed(["-J", "-m", "1", url])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "timeout" and not rec["ok"]
    assert rec["size"] < 20
    assert 0.9 <= elapsed < 4, elapsed


# --------------------------------------------------------------------------
# 4. Chaos run
# --------------------------------------------------------------------------

def test_chaos_run(srv, tmp_path):
    hosts = ["c%d.test" % i for i in range(10)]
    refused = closed_port()
    # (path, expected status, expected error kind); status None: not checked
    # for errors that may come before or after the response head.
    cycle = [
        ("/reset", None, "protocol"),
        ("/invalid", None, "protocol"),
        ("/badchunk", None, "protocol"),
        ("/status/500", 500, None),
        ("/status/404", 404, None),
        ("REFUSED", None, "connect"),
        ("/json", 200, None),
        ("/text", 200, None),
        ("/delay/0.01", 200, None),
        ("/json?x=1", 200, None),
        ("/redirect/1", 200, None),
        ("/status/503", 503, None),
    ]
    n = 5000
    hang_at = {7, 1003, 2111, 3209, 4307}
    lines, expect = [], {}
    for i in range(n):
        host = hosts[i % len(hosts)]
        if i in hang_at:
            path, status, k = "/hang", None, "timeout"
        else:
            path, status, k = cycle[i % len(cycle)]
        if path == "REFUSED":
            url = "http://%s:%d/refused?i=%d" % (host, refused, i)
        else:
            url = srv.url(path + ("&" if "?" in path else "?") + "i=%d" % i, host)
        lines.append(url)
        expect[i] = (path, status, k)
    f = tmp_path / "chaos.txt"
    f.write_text("\n".join(lines) + "\n")
    resolve = srv.resolve(*hosts)
    for h in hosts:
        resolve += ["--resolve", "%s:%d:127.0.0.1" % (h, refused)]
    p, elapsed = timed(["-J", "-j", "100", "-p", "10", "-m", "4", *resolve,
                        "-i", str(f)], timeout=120)
    assert p.returncode == 3, p.stderr[-2000:]
    recs = records(p.stdout)
    assert len(recs) == n
    assert sorted(r["index"] for r in recs) == list(range(n))
    bad = []
    for r in recs:
        path, status, k = expect[r["index"]]
        got = (r["status"], kind(r), r["ok"])
        if r["url"] != lines[r["index"]]:
            bad.append((r["index"], "url", r["url"]))
        elif k is not None:
            if kind(r) != k or r["ok"] or (status is not None and r["status"] != status):
                bad.append((r["index"], path, got))
        elif r["status"] != status or "error" in r or r["ok"] != (status < 400):
            bad.append((r["index"], path, got))
        elif path.startswith("/json") and r["body"]["name"] != "urlfan":
            bad.append((r["index"], path, "body"))
        elif path == "/redirect/1" and not r["effective_url"].endswith("/redirect/0"):
            bad.append((r["index"], path, r["effective_url"]))
    summary = {}
    for i, path, got in bad:
        summary.setdefault(path, []).append(got)
    assert not bad, {k: (len(v), v[:3]) for k, v in summary.items()}
    st = srv.stats()
    assert st["peak_total"] <= 100
    assert max(st["peak"][srv.key(h)] for h in hosts) <= 10
    # No retries by default: the server saw each line once (a redirect
    # twice), except the refused ones.
    weight = {"REFUSED": 0, "/redirect/1": 2}
    assert st["total"] == sum(weight.get(expect[i][0], 1) for i in range(n))
    assert elapsed < 60, elapsed


# --------------------------------------------------------------------------
# 5. Signals, --deadline and --save-unfinished
# --------------------------------------------------------------------------

def _delay_list(srv, tmp_path, host, n=20, secs=2):
    """A request file of slow URLs to `host` (reached with srv.resolve(host)),
    with comments, blank lines and specs among them."""
    request_lines = []
    text = ["# slow URLs", ""]
    for i in range(n):
        if i % 5 == 3:
            line = json.dumps({"url": srv.url("/delay/%s?s=%d" % (secs, i), host),
                               "id": "s%d" % i})
        else:
            line = srv.url("/delay/%s?i=%d" % (secs, i), host)
        request_lines.append(line)
        text.append(line)
        if i % 7 == 0:
            text.append("# c%d" % i)
            text.append("")
    f = tmp_path / "slow.txt"
    f.write_text("\n".join(text) + "\n")
    return f, request_lines


def inflight(srv, host):
    return srv.stats()["inflight"].get(srv.key(host), 0)


def test_sigint_once_finishes_in_flight_and_saves_the_rest(srv, tmp_path):
    f, lines = _delay_list(srv, tmp_path, "int1.test")
    save = tmp_path / "unfinished.txt"
    with urlfan(["-J", "--no-body", "-j", "2", "--stats", *srv.resolve("int1.test"),
                 "-i", str(f), "--save-unfinished", str(save)]) as proc:
        assert wait_until(lambda: inflight(srv, "int1.test") == 2)
        t_sig = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        after = time.monotonic() - t_sig
    assert proc.returncode == 130, err
    recs = records(out)
    indexes = [r["index"] for r in recs]
    assert len(indexes) == len(set(indexes))
    done = [r for r in recs if r["ok"]]
    aborted = [r for r in recs if not r["ok"]]
    # The two in flight finished normally (they were not cut).
    assert len(done) == 2 and all(r["status"] == 200 and r["attempts"] == 1 for r in done)
    assert after < 10, after
    # Those read but not started got "aborted" records at once; at most
    # the read-ahead (4 x --parallel) of them.
    assert aborted and len(aborted) <= 8
    assert all(kind(r) == "aborted" and r["status"] is None for r in aborted)
    assert all(0 <= i < len(lines) for i in indexes)
    for r in recs:
        spec = lines[r["index"]]
        if spec.startswith("{"):
            assert r["id"] == json.loads(spec)["id"]
        else:
            assert r["url"] == spec
    # The summary is written on interruption too.
    assert b"requests" in err and b"aborted" in err, err
    # --save-unfinished: every request line without an ok record, unread
    # ones included, in input form; no comments, no blank lines.
    ok_idx = {r["index"] for r in done}
    saved = save.read_text().splitlines()
    expected = [l for i, l in enumerate(lines) if i not in ok_idx]
    assert len(saved) == len(set(saved))
    assert set(saved) == set(expected), (saved, expected)
    # Running urlfan on the file completes the set.
    p = run(["-J", "--no-body", "-j", "20", "-p", "20", *srv.resolve("int1.test"),
             "-i", str(save)], timeout=60)
    assert p.returncode == 0, p.stderr
    recs2 = records(p.stdout)
    assert len(recs2) == len(expected) and all(r["ok"] for r in recs2)

    def key(r):
        return ("id", r["id"]) if "id" in r else ("url", r["url"])

    def line_key(l):
        return ("id", json.loads(l)["id"]) if l.startswith("{") else ("url", l)

    assert {key(r) for r in done} | {key(r) for r in recs2} == {line_key(l) for l in lines}


def test_sigint_twice_aborts_in_flight(srv, tmp_path):
    f, lines = _delay_list(srv, tmp_path, "int2.test", secs=10)
    with urlfan(["-J", "--no-body", "-j", "2", *srv.resolve("int2.test"),
                 "-i", str(f)]) as proc:
        assert wait_until(lambda: inflight(srv, "int2.test") == 2)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        t_sig = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        after = time.monotonic() - t_sig
    assert proc.returncode == 130, err
    assert after < 5, after
    recs = records(out)
    indexes = [r["index"] for r in recs]
    assert len(indexes) == len(set(indexes))
    assert recs and all(kind(r) == "aborted" and not r["ok"] for r in recs)
    # The two that were in flight are among them, as tried once.
    started = [r for r in recs if r["attempts"] == 1]
    assert sorted(r["index"] for r in started) == [0, 1], recs
    # The server sees the clients go away.
    assert wait_until(lambda: inflight(srv, "int2.test") == 0, timeout=5)


def test_sigterm_exits_143(srv, tmp_path):
    f, lines = _delay_list(srv, tmp_path, "term.test", secs=1)
    with urlfan(["-J", "--no-body", "-j", "2", *srv.resolve("term.test"),
                 "-i", str(f)]) as proc:
        assert wait_until(lambda: inflight(srv, "term.test") == 2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    recs = records(out)
    assert len({r["index"] for r in recs}) == len(recs)
    assert sum(r["ok"] for r in recs) == 2
    assert all(kind(r) == "aborted" for r in recs if not r["ok"])


def test_sigint_aborts_a_request_waiting_to_be_retried(srv):
    path = "/flaky/%s/3" % fresh()
    with urlfan(["-J", "-v", "--retry", "3", "--retry-max-delay", "60",
                 srv.url(path + "?retry_after=30")]) as proc:
        # The first answer is in and the retry is scheduled, Retry-After away.
        m, early = wait_for_line(proc, rb"^urlfan: \[0\] attempt 1 failed \(503\), retrying in ([\d.]+)s(, when its host.s pause ends)?$")
        assert float(m.group(1)) >= 29, m.group(0)
        t_sig = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        err = early + err
        after = time.monotonic() - t_sig
    assert proc.returncode == 130, err
    assert after < 5, after
    (rec,) = records(out)
    assert kind(rec) == "aborted" and not rec["ok"]
    assert srv.stats()["paths"][path] == 1


def test_deadline(srv, tmp_path):
    urls = [srv.url("/delay/3?i=%d" % i) for i in range(10)]
    save = tmp_path / "unfinished.txt"
    p, elapsed = timed(["-J", "--no-body", "-j", "4", "--deadline", "1",
                        "--save-unfinished", str(save), *urls], timeout=60)
    assert p.returncode == 130, p.stderr
    assert 2.5 <= elapsed < 10, elapsed  # the 4 in flight take their 3 s
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == list(range(10))
    ok = [r for r in recs if r["ok"]]
    assert len(ok) == 4 and all(r["status"] == 200 for r in ok)
    assert all(kind(r) == "aborted" for r in recs if not r["ok"])
    ok_urls = {r["url"] for r in ok}
    assert sorted(save.read_text().splitlines()) == sorted(u for u in urls if u not in ok_urls)


def test_save_unfinished_leaves_an_old_file_when_not_interrupted(srv, tmp_path):
    save = tmp_path / "unfinished.txt"
    save.write_text("stale\n")
    p = run(["-J", "--save-unfinished", str(save), srv.url("/json")])
    assert p.returncode == 0, p.stderr
    assert save.read_text() == "stale\n"  # not written by this run: left alone
    assert [n for n in os.listdir(tmp_path) if ".urlfan-" in n] == []


def test_invalid_spec_header_is_invalid_input(srv):
    specs = [json.dumps({"url": srv.url("/json"), "headers": {"A": v}})
             for v in ("b\r\nEvil: 1", "b\nEvil: 1", "b\rEvil: 1")]
    specs.append(json.dumps({"url": srv.url("/json"), "headers": {"A\r\nB": "x"}}))
    specs.append(srv.url("/json"))
    p = run(["-J", "--no-body"], input=("\n".join(specs) + "\n").encode())
    assert p.returncode == 3, p.stderr
    recs = sorted(records(p.stdout), key=lambda r: r["index"])
    assert [kind(r) for r in recs] == ["invalid_input"] * 4 + [None]
    assert all(r["attempts"] == 0 for r in recs[:4])
    assert srv.stats()["total"] == 1


# --------------------------------------------------------------------------
# 6. A closed stdout
# --------------------------------------------------------------------------

def test_closed_stdout_stops_quietly(srv, tmp_path):
    f = tmp_path / "many.txt"
    f.write_text("".join(srv.url("/json?i=%d\n" % i) for i in range(10000)))
    with urlfan(["-J", "--no-body", "-i", str(f)]) as proc:
        line = proc.stdout.readline()
        assert json.loads(line)["ok"]
        proc.stdout.close()
        t0 = time.monotonic()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("urlfan went on after its stdout was closed")
        after = time.monotonic() - t0
        err = proc.stderr.read()
    assert after < 10
    assert err == b"", err
    # Ended like a filter killed by SIGPIPE (a shell shows both as 141).
    assert proc.returncode in (-signal.SIGPIPE, 128 + signal.SIGPIPE), proc.returncode
    time.sleep(0.3)
    assert srv.stats()["total"] < 2000


def test_pipe_into_head(srv, tmp_path):
    f = tmp_path / "many.txt"
    f.write_text("".join(srv.url("/json?i=%d\n" % i) for i in range(10000)))
    t0 = time.monotonic()
    p = subprocess.run(["sh", "-c", '"$0" -J --no-body -i "$1" | head -1', URLFAN, str(f)],
                       capture_output=True, timeout=30)
    assert time.monotonic() - t0 < 10
    assert p.returncode == 0
    assert p.stderr == b"", p.stderr
    (rec,) = records(p.stdout)
    assert rec["ok"]
    time.sleep(0.3)
    assert srv.stats()["total"] < 2000


# --------------------------------------------------------------------------
# 7. --max-body
# --------------------------------------------------------------------------

def _vm_hwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _run_hwm(args, timeout=60):
    """Run urlfan, polling its peak RSS (VmHWM, KiB) from /proc while it
    runs. (ru_maxrss from wait4 would count this big pytest process, which
    the child shares until exec.) Returns (status, stdout, stderr, peak)."""
    with urlfan(args) as proc:
        out = {}
        t = threading.Thread(target=lambda: out.update(zip(("o", "e"), proc.communicate())),
                             daemon=True)
        t.start()
        peak = None
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            v = _vm_hwm_kib(proc.pid)
            if v is not None and proc.poll() is None:
                peak = max(peak or 0, v)
            if time.monotonic() > deadline:
                pytest.fail("urlfan did not finish in %ss" % timeout)
            time.sleep(0.02)
        t.join(10)
        assert peak is not None, "could not read VmHWM"
        return proc.returncode, out["o"], out["e"], peak


def test_endless_body_is_too_large(srv):
    # The /delay keeps urlfan alive after the endless body was cut, so its
    # peak memory can be read.
    rc, out, err, rss = _run_hwm(["-J", "--max-body", "1M", srv.url("/endless"),
                                  srv.url("/delay/1.5")])
    assert rc == 3, err
    recs = {r["index"]: r for r in records(out)}
    rec = recs[0]
    assert kind(rec) == "too_large" and not rec["ok"]
    assert "body" not in rec
    assert recs[1]["ok"]
    assert rss < 50 * 1024 * MEM_SCALE, rss


def test_max_body_does_not_cap_files_and_a_cut_body_leaves_nothing(srv, tmp_path):
    d = tmp_path / "out"
    # --max-body guards memory: a body streamed to disk is not held to it.
    # An endless body then ends at --max-time, and its partial file goes.
    rc, out, err, rss = _run_hwm(["-J", "--max-body", "1M", "-m", "2", "-O", str(d),
                                  srv.url("/endless"), srv.url("/delay/1.5")])
    assert rc == 3, err
    recs = {r["index"]: r for r in records(out)}
    assert kind(recs[0]) == "timeout" and "file" not in recs[0]
    assert recs[1]["ok"] and os.path.basename(recs[1]["file"]) == "1"
    assert recs[0]["size"] > 4 * 1024 * 1024  # it did stream, past --max-body
    assert sorted(os.listdir(d)) == ["1"]  # no partial file, no .part
    assert rss < 50 * 1024 * MEM_SCALE, rss


# --------------------------------------------------------------------------
# 8. TLS
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-days", "2", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    s = Server(["--tls-cert", cert, "--tls-key", key])
    s.cert = cert
    s.tlsport = s.ports["TLSPORT"]
    yield s
    s.stop()


def test_tls_verification_on_by_default(tls):
    url = "https://localhost:%d/json" % tls.tlsport
    p = run(["-J", url])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "tls" and rec["status"] is None and not rec["ok"]


def test_tls_insecure(tls):
    p = run(["-J", "-k", "https://localhost:%d/json" % tls.tlsport])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["status"] == 200 and rec["body"]["name"] == "urlfan"


def test_tls_cacert(tls):
    urls = ["https://localhost:%d/json" % tls.tlsport, "https://127.0.0.1:%d/text" % tls.tlsport]
    p = run(["-J", "--cacert", tls.cert, *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 2 and all(r["status"] == 200 and r["ok"] for r in recs)


def test_tls_host_name_is_verified(tls):
    # The certificate is good, but not for this name.
    url = "https://other.test:%d/json" % tls.tlsport
    p = run(["-J", "--cacert", tls.cert,
             "--resolve", "other.test:%d:127.0.0.1" % tls.tlsport, url])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert kind(rec) == "tls"
    p = run(["-J", "-k", "--resolve", "other.test:%d:127.0.0.1" % tls.tlsport, url])
    assert p.returncode == 0, p.stderr


# --------------------------------------------------------------------------
# 9. Forbidden redirects and credentials
# --------------------------------------------------------------------------

def test_redirects_to_other_schemes_are_refused(srv):
    urls = [srv.url("/redirect-to?url=" + urllib.parse.quote(u, safe=""))
            for u in ("file:///etc/passwd", "gopher://example.com/")]
    for args in (["-J"], ["--color", "never"], ["-J", "-vv"], ["--format", "body"]):
        p = run([*args, *urls])
        assert p.returncode == 3, p.stderr
        assert b"root:" not in p.stdout and b"root:" not in p.stderr
        if args[0] == "-J":
            recs = records(p.stdout)
            assert len(recs) == 2
            assert all(kind(r) == "redirect" and not r["ok"] for r in recs)
            assert all("body" not in r or r["body"] in ("", None) for r in recs)


def test_invalid_response_is_protocol_error(srv):
    p = run(["-J", srv.url("/invalid"), srv.url("/badchunk"), srv.url("/reset")])
    assert p.returncode == 3, p.stderr
    recs = sorted(records(p.stdout), key=lambda r: r["index"])
    assert [kind(r) for r in recs] == ["protocol"] * 3, [r["error"] for r in recs]


SECRET = b"s3cret"
SECRET_B64 = base64.b64encode(b"user:s3cret")


def leaks(p):
    """Fail with the offending lines if the password shows anywhere."""
    bad = [(name, line) for name, stream in (("stdout", p.stdout), ("stderr", p.stderr))
           for line in stream.splitlines() if SECRET in line or SECRET_B64 in line]
    assert not bad, bad


@pytest.mark.parametrize("args", [
    ["-J"], ["--color", "never"], ["--color", "always"], ["-J", "-v"], ["-J", "-vv"],
    ["-v", "-v"], ["--stats"], ["--stats=json"], ["--format", "json"],
    ["-w", "%{json} %{url} %{effective_url} %{error}\\n"],
    ["-J", "--headers", "-vv", "--stats", "--progress"],
], ids=lambda a: " ".join(a))
def test_credentials_never_appear(srv, args):
    good = "http://user:s3cret@127.0.0.1:%d/redirect/1" % srv.port
    bad = "http://user:s3cret@127.0.0.1:%d/nowhere" % closed_port()
    p = run([*args, good, bad])
    assert p.returncode == 3, p.stderr
    leaks(p)
    assert srv.stats()["paths"]["/redirect/0"] == 1  # the request was made


@pytest.mark.parametrize("args", [["-J", "-vv"], ["-v", "--stats"]], ids=" ".join)
def test_user_option_credentials_never_appear(srv, args):
    p = run([*args, "-u", "user:s3cret", srv.url("/redirect/1")])
    assert p.returncode == 0, p.stderr
    leaks(p)
