"""Rate limits and the adaptive per-host limit: --rate and --host-rate
(token buckets on starts), -p auto (a per-host limit that adapts), and how
a limit shows in the progress line and --stats. Rates and concurrency are judged on what the
test server saw (its /log of arrival times and in-flight counts per Host),
never on the client's wall clock."""
import json
import re
import subprocess
import urllib.request

import pytest

from conftest import URLFAN, records, run


def server_log(srv, name):
    with urllib.request.urlopen(srv.url("/log?name=" + name), timeout=10) as r:
        return json.load(r)["requests"]


def max_in_window(starts, window):
    """The most starts in any half-open window [t, t + window)."""
    starts = sorted(starts)
    best, j = 0, 0
    for i in range(len(starts)):
        while j < len(starts) and starts[j] < starts[i] + window:
            j += 1
        best = max(best, j - i)
    return best


def check_rate(starts, per_second, window=1.0):
    """At most rate * window + 1 starts in any window (the bucket's one
    token), and the starts did not come faster over the whole run (with
    the same tolerance of one request: the first start also opened a
    connection, so it may reach the server later than the client sent it)."""
    assert max_in_window(starts, window) <= per_second * window + 1, starts
    span = max(starts) - min(starts)
    assert span >= (len(starts) - 2) / per_second, (span, len(starts))


# ---------------------------------------------------------------------------
# --rate and --host-rate
# ---------------------------------------------------------------------------

def test_rate_limits_starts_overall(srv):
    hosts = ["r1.test", "r2.test", "r3.test"]
    urls = [srv.url("/json?log=rate&i=%d" % i, hosts[i % 3]) for i in range(45)]
    p = run(["-J", "--no-body", "-j", "20", "--rate", "20/s", *srv.resolve(*hosts), *urls])
    assert p.returncode == 0, p.stderr
    assert len(records(p.stdout)) == 45
    log = server_log(srv, "rate")
    assert len(log) == 45
    check_rate([e["start"] for e in log], 20)
    # Per minute means per minute: 120/m is 2 a second.
    urls = [srv.url("/json?log=m&i=%d" % i) for i in range(5)]
    p = run(["-J", "--no-body", "--rate", "120/m", *urls])
    assert p.returncode == 0
    check_rate([e["start"] for e in server_log(srv, "m")], 2)


def test_host_rate_holds_per_host_and_holds_no_other_host_back(srv):
    hosts = ["a.test", "b.test", "c.test"]
    # All of a's requests come first in the input: if a host waiting for
    # its token held back the queue, b and c would start only after a.
    urls = [srv.url("/json?log=hr&i=%d" % i, h) for h in hosts for i in range(12)]
    p = run(["-J", "--no-body", "-p", "6", "--host-rate", "10/s", *srv.resolve(*hosts), *urls])
    assert p.returncode == 0, p.stderr
    log = server_log(srv, "hr")
    assert len(log) == 36
    first = {}
    for h in hosts:
        starts = [e["start"] for e in log if e["host"] == srv.key(h)]
        assert len(starts) == 12
        check_rate(starts, 10)
        first[h] = min(starts)
    a_second = sorted(e["start"] for e in log if e["host"] == srv.key("a.test"))[1]
    assert first["b.test"] < a_second and first["c.test"] < a_second
    # Together the three hosts went about three times as fast as one host's
    # rate (11 in a second would mean a host waiting for its token held
    # the others back).
    assert max_in_window([e["start"] for e in log], 1.0) >= 20


def test_rates_combine_with_caps_and_host_pauses(srv):
    # -p 1 on slow requests and a host rate: both hold.
    urls = [srv.url("/delay/0.15?log=c1&i=%d" % i, "slow.test") for i in range(8)]
    p = run(["-J", "--no-body", "-p", "1", "--host-rate", "5/s", *srv.resolve("slow.test"),
             *urls])
    assert p.returncode == 0, p.stderr
    log = server_log(srv, "c1")
    assert max(e["inflight"] for e in log) == 1
    check_rate([e["start"] for e in log], 5)
    # A 429 with Retry-After pauses the host on top of its rate: nothing
    # starts there until the pause is over; the global rate holds too.
    urls = [srv.url("/flaky/p1/1?code=429&retry_after=1&log=c2", "p.test")]
    urls += [srv.url("/json?log=c2&i=%d" % i, "p.test") for i in range(6)]
    p = run(["-J", "--no-body", "-p", "1", "--retry", "2", "--host-rate", "50/s",
             "--rate", "8/s", *srv.resolve("p.test"), *urls])
    assert p.returncode == 0, p.stderr
    assert all(r["ok"] for r in records(p.stdout))
    log = server_log(srv, "c2")
    assert log[0]["status"] == 429
    assert all(e["start"] >= log[0]["end"] + 1 - 0.05 for e in log[1:]), log
    check_rate([e["start"] for e in log[1:]], 8)


def test_a_retry_is_a_start_and_takes_a_token(srv):
    # Three tries of one request under a 4/s rate: the retries are spaced
    # by the rate, whatever their own backoff says (0 here).
    p = run(["-J", "--no-body", "--retry", "2", "--retry-delay", "0", "--rate", "4/s",
             srv.url("/flaky/t1/2?code=503&log=rt")])
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    assert rec["attempts"] == 3
    log = server_log(srv, "rt")
    assert [e["status"] for e in log] == [503, 503, 200]
    check_rate([e["start"] for e in log], 4)


@pytest.mark.parametrize("value", ["0", "-1", "5/x", "abc", "0/s", "1/d", ""])
@pytest.mark.parametrize("option", ["--rate", "--host-rate"])
def test_bad_rates_are_usage_errors(srv, option, value):
    p = run([option, value, srv.url("/json")])
    assert p.returncode == 2
    assert option.encode() + b": " in p.stderr, p.stderr
    assert srv.stats()["total"] == 0  # nothing was fetched


def test_stats_and_progress_say_when_a_rate_set_the_pace(srv):
    urls = [srv.url("/json?i=%d" % i) for i in range(12)]
    p = run(["-J", "--no-body", "--rate", "10/s", "--stats=json", *urls])
    assert p.returncode == 0
    st = json.loads(p.stderr)
    # The network answers in a millisecond: the rate set the pace nearly
    # all the time.
    assert st["rate_limited"] >= 0.8, st
    p = run(["-J", "--no-body", "--host-rate", "10/s", "--stats", *urls])
    m = re.search(rb"^pace +rate-limited (\d+)% of the time$", p.stderr, re.M)
    assert m and int(m.group(1)) >= 80, p.stderr
    p = run(["-J", "--no-body", "--rate", "10/s", "--progress", *urls])
    assert re.search(rb"rate-limited \d+%", p.stderr), p.stderr
    # Without a limit, or when the network is the bottleneck, it says
    # nothing of the kind.
    p = run(["-J", "--no-body", "--stats=json", *urls])
    assert "rate_limited" not in json.loads(p.stderr)
    slow = [srv.url("/delay/0.3?i=%d" % i) for i in range(6)]
    p = run(["-J", "--no-body", "-j", "2", "--rate", "100/s", "--stats=json", *slow])
    assert json.loads(p.stderr).get("rate_limited", 0) < 0.2, p.stderr


# ---------------------------------------------------------------------------
# -p auto
# ---------------------------------------------------------------------------

CAP = "/capacity/%d?base=0.05&per=0.002&log=%s&i=%d"


def capacity_run(srv, per_host, extra=()):
    hosts = ["cap4.test", "cap32.test"]
    urls = []
    for i in range(400):
        urls.append(srv.url(CAP % (4, "c4" + per_host, i), "cap4.test"))
        urls.append(srv.url(CAP % (32, "c32" + per_host, i), "cap32.test"))
    p = run(["-J", "--no-body", "-j", "64", "-p", per_host, "--retry", "5", "--stats=json",
             *extra, *srv.resolve(*hosts)], input="\n".join(urls).encode())
    return p


def test_auto_finds_a_small_capacity_and_grows_where_the_server_allows(srv):
    p = capacity_run(srv, "auto", ["-v"])
    assert p.returncode == 0, p.stderr[-2000:]
    recs = records(p.stdout)
    assert len(recs) == 800 and all(r["ok"] for r in recs)
    log4 = server_log(srv, "c4auto")
    statuses = [e["status"] for e in log4]
    late = statuses[50:]
    assert late.count(503) <= 0.10 * len(late), statuses
    log32 = server_log(srv, "c32auto")
    assert max(e["inflight"] for e in log32) >= 16
    # Slow start overshoots the capacity once (doubling from 24 to 48),
    # then stays under it.
    statuses32 = [e["status"] for e in log32]
    assert statuses32.count(503) <= 0.06 * len(statuses32), statuses32
    assert statuses32[150:].count(503) <= 0.02 * len(statuses32), statuses32
    # --stats=json: the final and highest limit per host.
    summary = json.loads(p.stderr.splitlines()[-1])
    hosts = {h["host"]: h for h in summary["hosts"]}
    assert hosts[srv.key("cap32.test")]["highest_limit"] >= 16
    assert 4 <= hosts[srv.key("cap4.test")]["highest_limit"] <= 6
    assert hosts[srv.key("cap4.test")]["limit"] <= 5
    # -v logs each change with its reason.
    text = p.stderr.decode()
    assert re.search(r"\] cap32\.test:\d+ limit 6 -> 12: healthy, latency flat: doubled", text), \
        text[-3000:]
    assert re.search(r"\] cap4\.test:\d+ limit \d+ -> \d+: overload: halved \(status 503\)", text)
    # The run is not much slower than one with the right -p given.
    auto_wall = summary["wall"]
    fixed = capacity_run(srv, "4")
    assert fixed.returncode == 0
    fixed_wall = json.loads(fixed.stderr)["wall"]
    print("\n-p auto %.2fs, -p 4 %.2fs" % (auto_wall, fixed_wall))
    assert auto_wall <= 1.5 * fixed_wall


def test_auto_keeps_a_host_that_only_refuses_at_one(srv):
    bad = [srv.url("/status/429?log=bad&i=%d" % i, "bad.test") for i in range(100)]
    good = [srv.url(CAP % (32, "good", i), "good.test") for i in range(150)]
    mixed = [u for pair in zip(bad, good) for u in pair] + good[100:]
    p = run(["-J", "--no-body", "-j", "64", "-p", "auto", "--retry", "1", "--retry-delay",
             "0.01", "--stats=json", *srv.resolve("bad.test", "good.test")],
            input="\n".join(mixed).encode())
    assert p.returncode == 1  # the 429s are not ok
    recs = records(p.stdout)
    assert len(recs) == 250
    log = server_log(srv, "bad")
    assert len(log) == 200  # every request tried twice
    # The first round may overlap (the start is 6), the next is halved
    # (once its round trip is over); after them, never more than one in
    # flight.
    assert all(e["inflight"] == 1 for e in log[-150:]), [e["inflight"] for e in log]
    # The other host was not slowed: it grew as it would alone.
    good_log = server_log(srv, "good")
    assert max(e["inflight"] for e in good_log) >= 10
    st = json.loads(p.stderr)
    hosts = {h["host"]: h for h in st["hosts"]}
    assert hosts[srv.key("bad.test")]["limit"] == 1
    assert hosts[srv.key("bad.test")]["highest_limit"] == 6


def test_auto_remembers_a_host_that_went_idle(srv):
    # Twelve refusals teach -p auto that the host takes 1 (halved from 6
    # once a round trip); the host then has nothing to do for a moment
    # (its records are out). Four more requests, read at once, must still
    # go one at a time: what was learnt outlives the idle spell (it is
    # kept 30 s), instead of starting over at 6.
    url = srv.url("/capacity/0?refuse_after=0.2&log=idle&i=%d", "idle.test")
    proc = subprocess.Popen([URLFAN, "-J", "--no-body", "-p", "auto",
                             *srv.resolve("idle.test")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write("".join(url % i + "\n" for i in range(12)).encode())
        proc.stdin.flush()
        for _ in range(12):  # the records are out: the host is idle
            assert json.loads(proc.stdout.readline())["status"] == 503
        proc.stdin.write("".join(url % i + "\n" for i in range(12, 16)).encode())
        proc.stdin.close()
        rest = proc.stdout.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(records(rest)) == 4
    log = server_log(srv, "idle")
    assert len(log) == 16
    assert [e["inflight"] for e in log[12:]] == [1, 1, 1, 1], log


def test_auto_grows_only_a_limit_the_host_uses(srv):
    # A host rate keeps one or two requests in flight: the healthy answers
    # earn no higher limit, which would flood the host once the rate no
    # longer held it back.
    urls = [srv.url("/json?i=%d" % i, "paced.test") for i in range(60)]
    p = run(["-J", "--no-body", "-p", "auto", "--host-rate", "50/s", "--stats=json",
             *srv.resolve("paced.test"), *urls])
    assert p.returncode == 0
    (host,) = json.loads(p.stderr)["hosts"]
    assert host["highest_limit"] == 6, host  # the start: never grown


def test_fixed_per_host_is_unchanged_by_auto(srv):
    # -p N still means exactly N, and reports no limits.
    urls = [srv.url("/delay/0.1?i=%d" % i, "f.test") for i in range(20)]
    p = run(["-J", "--no-body", "-p", "3", "--stats=json", *srv.resolve("f.test"), *urls])
    assert p.returncode == 0
    assert srv.stats()["peak"][srv.key("f.test")] == 3
    assert "limit" not in json.loads(p.stderr)["hosts"][0]


@pytest.mark.parametrize("value", ["auto:0", "auto:x", "autox", "0", "-3"])
def test_bad_per_host_is_a_usage_error(srv, value):
    p = run(["-p", value, srv.url("/json")])
    assert p.returncode == 2
    assert b"--per-host: '" + value.encode() + b"'" in p.stderr
