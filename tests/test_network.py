"""What a run costs on a network, checked by what the test server saw (never
by the clock): connections reused while their host has work, TLS sessions
resumed, a sorted list whose first host does not hide the others, a dead
host whose requests fail fast instead of each waiting out its timeout."""
import json
import random
import re
import socket
import subprocess
import urllib.request

import pytest

from conftest import URLFAN, Server, records, run
from test_faults import tls  # noqa: F401  (the TLS server fixture)


def server_log(srv, name):
    with urllib.request.urlopen(srv.url("/log?name=" + name), timeout=10) as r:
        return json.load(r)["requests"]


def kind(rec):
    return (rec.get("error") or {}).get("kind")


# ---------------------------------------------------------------------------
# Connections are reused while their host still has work
# ---------------------------------------------------------------------------

def test_connections_are_reused_across_many_hosts_shuffled(srv):
    # 40 hosts x 10 URLs, shuffled, -j 8: libcurl's old cache (2 x -j = 16
    # connections) closed idle connections to hosts that still had work,
    # so nearly every request opened a new one. Each host needs at most
    # as many connections as it had requests in flight.
    hosts = ["reuse%d.test" % i for i in range(40)]
    urls = [srv.url("/delay/0.02?i=%d" % i, h) for h in hosts for i in range(10)]
    random.Random(19).shuffle(urls)
    p = run(["-J", "--no-body", "-j", "8", "-p", "2", *srv.resolve(*hosts)],
            input="\n".join(urls).encode())
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(records(p.stdout)) == 400
    st = srv.stats()
    conns = {h: st["host_connections"].get(srv.key(h), 0) for h in hosts}
    assert sum(conns.values()) <= 40 * 2, conns
    assert all(1 <= st["peak"][srv.key(h)] <= 2 for h in hosts)


def test_tls_sessions_are_resumed_across_connections(tls):  # noqa: F811
    # A first connection to localhost (closed after its response) and one
    # to 127.0.0.1 that ends later, each on its own transfer handle; then
    # one more request to localhost, which gets the handle that last
    # spoke to 127.0.0.1 (the free handles are a stack). It needs a new
    # connection, and resumes the session the other handle got: the
    # sessions are the run's, not each handle's.
    tls.reset()
    port = tls.tlsport
    proc = subprocess.Popen([URLFAN, "-J", "--no-body", "-j", "4", "-p", "2",
                             "--cacert", tls.cert],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        # The server's "Connection: close" makes libcurl close the first
        # connection (a spec may not set Connection itself).
        first = {"url": "https://localhost:%d/with-header?name=Connection&value=close" % port}
        other = "https://127.0.0.1:%d/delay/0.3" % port
        proc.stdin.write((json.dumps(first) + "\n" + other + "\n").encode())
        proc.stdin.flush()
        done = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert [r["index"] for r in done] == [0, 1]
        proc.stdin.write(("https://localhost:%d/json?again\n" % port).encode())
        proc.stdin.close()
        rest = records(proc.stdout.read())
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [r["status"] for r in rest] == [200]
    st = tls.stats()
    assert st["tls_connections"] == 3, st
    assert st["tls_resumed"] == 1, st


# ---------------------------------------------------------------------------
# A sorted list is as fast as a shuffled one
# ---------------------------------------------------------------------------

def test_a_sorted_list_does_not_hide_the_hosts_behind_its_first(srv):
    # 200 requests to a slow host A, then 20 to host B; -j 8 -p 2. With
    # 4 x -j requests of A read ahead, B would wait until nearly all of A
    # were done; reading goes on past A's waiting requests instead, and
    # B runs while A's are still going.
    a = [srv.url("/delay/0.05?log=sortA&i=%d" % i, "sorta.test") for i in range(200)]
    b = [srv.url("/delay/0.05?log=sortB&i=%d" % i, "sortb.test") for i in range(20)]
    p = run(["-J", "--no-body", "-j", "8", "-p", "2", *srv.resolve("sorta.test", "sortb.test")],
            input="\n".join(a + b).encode())
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(records(p.stdout)) == 220
    log_a, log_b = server_log(srv, "sortA"), server_log(srv, "sortB")
    assert len(log_a) == 200 and len(log_b) == 20
    ends_a = sorted(e["end"] for e in log_a)
    # Every B request started before A's 40th request ended.
    assert max(e["start"] for e in log_b) < ends_a[39], (log_b[-1], ends_a[:40])
    assert srv.stats()["peak"][srv.key("sortb.test")] == 2


def test_a_sorted_list_with_every_slot_taken_still_shows_the_next_host(srv):
    # Hosts A, B, C, 40 requests each, sorted; -j 4 -p 2. A and B take all
    # four slots and always have a request that could start, so reading
    # by "fewer can start than slots are free" would stop there and C
    # would start only when A or B ran out: a tail with C alone at its
    # cap. While no waiting host is fresh (nothing in flight), reading
    # goes on until one is; the ready hosts take turns, so C gets the
    # first slot that frees.
    hosts = ("sort3a.test", "sort3b.test", "sort3c.test")
    lines = [srv.url("/delay/0.05?log=%s&i=%d" % (h[:6], i), h) for h in hosts for i in range(40)]
    p = run(["-J", "--no-body", "-j", "4", "-p", "2", *srv.resolve(*hosts)],
            input="\n".join(lines).encode())
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(records(p.stdout)) == 120
    log_a, log_c = server_log(srv, "sort3a"), server_log(srv, "sort3c")
    assert len(log_a) == 40 and len(log_c) == 40
    starts_a = sorted(e["start"] for e in log_a)
    # C's first request started before A's sixth: in the first rounds,
    # not after most of A (A runs 2 at a time, slots free in batches).
    assert min(e["start"] for e in log_c) < starts_a[5], (min(e["start"] for e in log_c),
                                                         starts_a[:6])


def test_a_short_sorted_list_shares_the_slots_among_all_its_hosts_from_the_start(srv):
    # Hosts A-D, 20 requests each, sorted; -j 8 -p 4. A and B alone could
    # take all eight slots (4 + 4), and C and D would start only as those
    # end, to finish last at their caps. While fewer hosts than -j are
    # known, reading goes on; the hosts take turns, so the first wave has
    # two requests of each host: every host starts before any request
    # ends.
    hosts = ("share-a.test", "share-b.test", "share-c.test", "share-d.test")
    lines = [srv.url("/delay/0.1?log=%s&i=%d" % (h[:7], i), h) for h in hosts for i in range(20)]
    p = run(["-J", "--no-body", "-j", "8", "-p", "4", *srv.resolve(*hosts)],
            input="\n".join(lines).encode())
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(records(p.stdout)) == 80
    logs = {h: server_log(srv, h[:7]) for h in hosts}
    assert all(len(v) == 20 for v in logs.values())
    first_end = min(e["end"] for v in logs.values() for e in v)
    firsts = {h: min(e["start"] for e in v) for h, v in logs.items()}
    assert all(t < first_end for t in firsts.values()), (firsts, first_end)


# ---------------------------------------------------------------------------
# A dead host costs its timeout once
# ---------------------------------------------------------------------------

def free_port():
    """A port nothing listens on: connects to it are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_refusing_host_fails_fast(srv):
    port = free_port()
    dead = ["http://127.0.0.1:%d/x?i=%d" % (port, i) for i in range(20)]
    live = [srv.url("/json?i=%d" % i, "alive.test") for i in range(20)]
    p = run(["-J", "--no-body", "-j", "8", "-p", "2", "--retry", "2", "--retry-delay", "0.01",
             *srv.resolve("alive.test")], input="\n".join(dead + live).encode())
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 40
    assert len({r["index"] for r in recs}) == 40
    assert all(r["ok"] for r in recs if r["index"] >= 20)
    bad = [r for r in recs if r["index"] < 20]
    assert all(kind(r) == "connect" and not r["ok"] for r in bad)
    # Three refusals in a row make the host down; the attempts in flight
    # then (-p 2) end too, and no retry is made for any of them.
    tried = [r for r in bad if r["attempts"] > 0]
    assert 3 <= sum(r["attempts"] for r in tried) <= 3 + 2, tried
    fast = [r for r in bad if r["attempts"] == 0]
    assert len(fast) >= 20 - 4
    assert all(re.fullmatch(r"host unreachable, not tried after [345] failures",
                            r["error"]["message"]) for r in fast), fast[:2]


def test_a_host_that_never_answers_costs_its_timeout_once(srv):
    # The silent port accepts TCP and never sends a byte: over https the
    # TLS handshake never ends, and --connect-timeout ends each attempt.
    # The server counts the connections it accepted: a few, not one per
    # request.
    srv.reset()
    host = "silent.test"
    urls = ["https://%s:%d/x?i=%d" % (host, srv.silent_port, i) for i in range(20)]
    p = run(["-J", "--no-body", "-j", "20", "-p", "2", "--connect-timeout", "0.5",
             "--resolve", "%s:%d:127.0.0.1" % (host, srv.silent_port), *urls], timeout=60)
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 20
    assert all(kind(r) in ("timeout", "connect") for r in recs)
    fast = [r for r in recs if r["attempts"] == 0]
    assert all(kind(r) == "connect" and "host unreachable, not tried after" in
               r["error"]["message"] for r in fast)
    assert srv.stats()["silent_accepted"] <= 2 + 2, srv.stats()["silent_accepted"]
    assert len(fast) >= 20 - 4


def test_a_host_that_accepts_and_never_answers_costs_its_timeout_once(srv):
    # The same over plain http: the connects succeed, no response ever
    # begins, and --max-time ends each attempt. A host that never answered
    # is down after 3 such attempts.
    srv.reset()
    host = "mute.test"
    urls = ["http://%s:%d/x?i=%d" % (host, srv.silent_port, i) for i in range(20)]
    p = run(["-J", "--no-body", "-j", "20", "-p", "2", "-m", "0.5",
             "--resolve", "%s:%d:127.0.0.1" % (host, srv.silent_port), *urls], timeout=60)
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 20
    tried = [r for r in recs if r["attempts"] > 0]
    assert all(kind(r) == "timeout" for r in tried)
    assert 3 <= len(tried) <= 4
    fast = [r for r in recs if r["attempts"] == 0]
    assert all(kind(r) == "connect" and "host unreachable, not tried after" in
               r["error"]["message"] for r in fast)
    assert srv.stats()["silent_accepted"] <= 2 + 2, srv.stats()["silent_accepted"]


def test_a_silent_host_starts_no_attempt_after_its_first_timeout(srv):
    # Six attempts start one after another (-p 6, --rate staggers them);
    # a slot freed by a timeout on a host that never answered does not go
    # to a seventh attempt, which would cost one more whole timeout: only
    # the attempts still needed to take the host as down stay in flight.
    # The server counts the connections it accepted: exactly the six. The
    # third timeout makes the host down, and the three attempts still in
    # flight end then, not each at its own timeout.
    srv.reset()
    host = "hush.test"
    urls = ["http://%s:%d/x?i=%d" % (host, srv.silent_port, i) for i in range(20)]
    p = run(["-J", "--no-body", "-j", "20", "-p", "6", "-m", "1", "--rate", "20",
             "--resolve", "%s:%d:127.0.0.1" % (host, srv.silent_port), *urls], timeout=60)
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 20
    tried = [r for r in recs if r["attempts"] > 0]
    assert len(tried) == 6, tried
    timeouts = [r for r in tried if kind(r) == "timeout"]
    given_up = [r for r in tried if kind(r) == "connect"]
    assert len(timeouts) == 3 and len(given_up) == 3, tried
    assert all(r["error"]["message"] == "host unreachable, given up after 3 failures"
               for r in given_up), given_up
    # Given up when the third timed out: before their own -m 1 ran out.
    assert all(r["time"]["total"] < 1.0 for r in given_up), given_up
    fast = [r for r in recs if r["attempts"] == 0]
    assert all(kind(r) == "connect" and "host unreachable, not tried after" in
               r["error"]["message"] for r in fast)
    assert srv.stats()["silent_accepted"] == 6, srv.stats()["silent_accepted"]


def test_a_down_host_takes_no_rate_token(srv):
    # --rate 4 paces starts; a request failed at once for a down host is
    # not a start and takes no token. 3 refusals make the host down; the
    # other 37 then end at once, well inside the deadline (each would
    # otherwise wait a quarter of a second: 9 s).
    port = free_port()
    dead = ["http://127.0.0.1:%d/x?i=%d" % (port, i) for i in range(40)]
    p = run(["-J", "--no-body", "-p", "1", "--rate", "4", "--deadline", "4", *dead])
    assert p.returncode == 3, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 40
    assert all(kind(r) == "connect" for r in recs), [r["error"] for r in recs][:3]
    assert sum(r["attempts"] for r in recs) == 3


def test_auto_takes_a_dead_host_as_down_not_as_overloaded(srv):
    # -p auto takes a host never reached as down, not as overloaded: its
    # refusals leave its limit at the start (6) rather than at 1, and the
    # live host beside it grows as it would alone.
    port = free_port()
    dead = ["http://127.0.0.1:%d/x?i=%d" % (port, i) for i in range(12)]
    p = run(["-J", "--no-body", "-p", "auto", "--stats=json", *dead])
    assert p.returncode == 3
    recs = records(p.stdout)
    assert len(recs) == 12 and all(kind(r) == "connect" for r in recs)
    (host,) = json.loads(p.stderr.splitlines()[-1])["hosts"]
    assert host["limit"] == 6 and host["highest_limit"] == 6, host
