"""urlfan in pipes and scripts (issue 21): nothing to do is no success,
curl's URL globbing, -s and --stats, --ok classes, records that diff, the
server's bytes through --format body, -w without bodies. What the server
saw is asked of the server (/seen), never guessed from the client."""
import json
import os
import re
import subprocess
import time

from conftest import MEM_SCALE, URLFAN, ROOT, records, run


# ---------------------------------------------------------------------------
# 4. Nothing to do is not success
# ---------------------------------------------------------------------------

def test_empty_url_argument_is_an_invalid_line(srv):
    p = run(["-J", ""])
    assert p.returncode == 3, p.stderr
    (rec,) = records(p.stdout)
    assert rec["error"]["kind"] == "invalid_input"
    assert "empty" in rec["error"]["message"]
    # Beside a good URL it is one invalid record more, as any bad line.
    p = run(["-J", srv.url("/json"), "  "])
    assert p.returncode == 3
    assert sorted(r["index"] for r in records(p.stdout)) == [0, 1]


def test_input_without_a_request_fails(srv, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n")
    for args, inp, where in ((["-J", "--ok", "200-299", "-i", str(empty)], None, str(empty)),
                             (["-J"], b"", "standard input"),
                             (["-J", "# not a url"], None, "arguments")):
        p = run(args, input=inp)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stdout == b""
        assert re.fullmatch(rb"urlfan: no request in .*: nothing to do\n", p.stderr), p.stderr
        assert where.encode() in p.stderr
    # -s keeps the message: it is what makes the exit status make sense.
    p = run(["-s", "-J"], input=b"")
    assert p.returncode == 2 and b"no request" in p.stderr


def test_all_requests_skipped_is_not_an_empty_input(srv, tmp_path):
    """--skip-done over a list that is all done still read requests."""
    done = tmp_path / "done.ndjson"
    url = srv.url("/json")
    first = run(["-J", url])
    done.write_bytes(first.stdout)
    p = run(["-J", "--skip-done", str(done), url])
    assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------------------
# 5. curl's URL globbing
# ---------------------------------------------------------------------------

def targets(srv, tag):
    return sorted(r["target"] for r in srv.seen(tag))


def test_glob_range_and_set_make_curls_requests(srv):
    p = run(["-J", "--order", "input",
             srv.url("/status/[200-202]?tag=g1"), srv.url("/status/{204,200}?tag=g2")])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert [r["index"] for r in recs] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in recs] == [200, 201, 202, 204, 200]
    assert targets(srv, "g1") == ["/status/200?tag=g1", "/status/201?tag=g1",
                                  "/status/202?tag=g1"]
    assert targets(srv, "g2") == ["/status/200?tag=g2", "/status/204?tag=g2"]


def test_glob_padding_steps_letters_and_several(srv):
    p = run(["-J", "--order", "input", "--ok", "200-499",
             srv.url("/status/20[0-4:2]?tag=g3&p=[08-10]"),
             srv.url("/status/200?tag=g4&l=[a-c]{x,y}")])
    assert p.returncode == 0, p.stderr
    urls = [r["url"].split("/status/")[1] for r in records(p.stdout)]
    # The last pattern varies fastest, as in curl.
    assert urls == ["200?tag=g3&p=08", "200?tag=g3&p=09", "200?tag=g3&p=10",
                    "202?tag=g3&p=08", "202?tag=g3&p=09", "202?tag=g3&p=10",
                    "204?tag=g3&p=08", "204?tag=g3&p=09", "204?tag=g3&p=10",
                    "200?tag=g4&l=ax", "200?tag=g4&l=ay", "200?tag=g4&l=bx",
                    "200?tag=g4&l=by", "200?tag=g4&l=cx", "200?tag=g4&l=cy"]
    assert len(srv.seen("g3")) == 9 and len(srv.seen("g4")) == 6


def test_globoff_makes_one_request(srv):
    for flag in ("-g", "--globoff"):
        srv.reset()
        p = run(["-J", flag, "--ok", "200-499", srv.url("/status/[200-202]?tag=g5")])
        assert p.returncode == 0, p.stderr
        (rec,) = records(p.stdout)
        assert len(srv.seen("g5")) == 1
        assert "[200-202]" in srv.seen("g5")[0]["target"] or "%5B" in srv.seen("g5")[0]["target"]


def test_glob_in_input_file_lines_but_not_in_specs(srv, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text(srv.url("/status/20{0,1}?tag=g6") + "\n" +
                 json.dumps({"url": srv.url("/status/200?tag=g7&x={a,b}")}) + "\n")
    p = run(["-J", "--ok", "200-499", "-i", str(f)])
    assert p.returncode == 0, p.stderr
    assert len(records(p.stdout)) == 3
    assert len(srv.seen("g6")) == 2
    assert len(srv.seen("g7")) == 1


def test_bad_glob_is_an_invalid_line_with_a_hint(srv):
    p = run(["-J", srv.url("/status/[1-"), srv.url("/json")])
    assert p.returncode == 3
    recs = {r["index"]: r for r in records(p.stdout)}
    assert recs[0]["error"]["kind"] == "invalid_input"
    assert "-g" in recs[0]["error"]["message"]
    assert recs[1]["ok"]


def test_ipv6_literal_is_no_glob():
    # Nothing listens on port 1: a connect error, not a glob error.
    p = run(["-J", "--connect-timeout", "2", "http://[::1]:1/x"])
    (rec,) = records(p.stdout)
    assert rec["url"] == "http://[::1]:1/x"
    assert rec["error"]["kind"] != "invalid_input"


def test_billion_url_glob_costs_no_memory(srv):
    """Lazy: -j 1 --deadline stops it after a few; the progress total is
    the glob's size and peak RSS stays small."""
    p = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS %M", URLFAN, "-J", "--no-body", "-j", "2",
         "--deadline", "1", srv.url("/status/200?i=[1-1000000000]")],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert p.returncode == 130, p.stderr
    assert len(records(p.stdout)) >= 2
    rss_kb = int(re.search(rb"MAXRSS (\d+)", p.stderr).group(1))
    assert rss_kb < 40 * 1024 * MEM_SCALE, rss_kb


# ---------------------------------------------------------------------------
# 6. -s never silences an explicit --stats
# ---------------------------------------------------------------------------

def test_silent_keeps_an_explicit_stats(srv):
    p = run(["-s", "--stats=json", "-J", srv.url("/json")])
    assert p.returncode == 0
    summary = json.loads(p.stderr)
    assert summary["requests"] == 1 and summary["ok"] == 1
    p = run(["-s", "--stats", "-J", srv.url("/json"), "bad input"])
    assert p.returncode == 3
    assert b"requests" in p.stderr
    # ... and nothing else: no diagnostics.
    assert b"urlfan:" not in p.stderr


def test_stats_with_a_space_gets_a_hint(srv, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text(srv.url("/json") + "\n")
    for args in (["--stats", "json", "-i", str(f)], ["--stats", "json", srv.url("/json")]):
        p = run(args)
        assert p.returncode == 2, p.stderr
        assert b"--stats=json" in p.stderr
        assert b"cannot be used together" not in p.stderr


# ---------------------------------------------------------------------------
# 12. --ok 2xx
# ---------------------------------------------------------------------------

def test_ok_status_classes(srv):
    assert run(["-J", "--ok", "2xx", srv.url("/status/204")]).returncode == 0
    assert run(["-J", "--ok", "2xx", srv.url("/status/302")]).returncode == 1
    assert run(["-J", "--ok", "2XX,404", srv.url("/status/404")]).returncode == 0
    assert run(["-J", "--ok", "4xx", srv.url("/status/418")]).returncode == 0
    assert run(["-J", "--ok", "6xx", srv.url("/json")]).returncode == 2
    assert run(["-J", "--ok", "2xxx", srv.url("/json")]).returncode == 2


# ---------------------------------------------------------------------------
# 8. Records that diff
# ---------------------------------------------------------------------------

TIME_NUMBER = re.compile(rb'"(total|dns|connect|tls|ttfb)":(-?[0-9.eE+-]+)')


def test_two_runs_of_one_list_diff_but_for_time(srv, tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("\n".join([
        srv.url("/json"), srv.url("/status/404"), "http://127.0.0.1:1/refused",
        srv.url("/delay/2?x=1"), srv.url("/drip?x=2"), "not a url",
        srv.url("/redirect/2"), "http://127.0.0.1:1/again"]) + "\n")
    runs = []
    for _ in range(2):
        p = run(["-J", "--order", "input", "-m", "0.4", "--no-body", "-i", str(f)])
        assert p.returncode == 3, p.stderr
        # Every time value in one fixed notation: digits, a point, six digits.
        for m in TIME_NUMBER.finditer(p.stdout):
            assert re.fullmatch(rb"\d+\.\d{6}", m.group(2)), m.group(0)
        recs = records(p.stdout)
        assert len(recs) == 8
        kinds = {r.get("error", {}).get("kind") for r in recs}
        assert {"connect", "timeout", "invalid_input"} <= kinds, kinds
        for r in recs:
            del r["time"]
            assert not re.search(r"\d+ ?(ms|milliseconds)\b", r.get("error", {}).get("message", "")), r
        runs.append([json.dumps(r, sort_keys=True) for r in recs])
    assert runs[0] == runs[1]


# ---------------------------------------------------------------------------
# Peak memory of the urlfan process itself (VmHWM, polled from /proc while
# it runs and read before it is reaped; rusage would count pytest's pages).
# ---------------------------------------------------------------------------

def _vm_hwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_peak(args, stdout, timeout=120, env=None):
    """Run urlfan with stdout to a file object; returns (status, stderr,
    peak KiB)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    err_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "urlfan-peak-%d.err" % os.getpid())
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=err, env=full_env)
    peak, deadline = 0, time.monotonic() + timeout
    try:
        while True:
            peak = max(peak, _vm_hwm_kib(proc.pid))
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            assert time.monotonic() < deadline, "urlfan took too long"
            time.sleep(0.01)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
    with open(err_path, "rb") as f:
        stderr = f.read()
    os.unlink(err_path)
    return proc.returncode, stderr, peak


BIG = 150 * 1000 * 1000


def pattern(n):
    """The first n bytes of what /bytes/N serves."""
    from server import PATTERN
    return (PATTERN * (n // len(PATTERN) + 2))[:n]


# ---------------------------------------------------------------------------
# 3. -w holds no body, counts what it received, says why a request failed
# ---------------------------------------------------------------------------

def test_write_out_keeps_no_body_and_counts_bytes(srv, tmp_path):
    out = tmp_path / "w.txt"
    with open(out, "wb") as f:
        rc, err, peak = run_peak(["-w", "%{http_code} %{size_download}\\n",
                                  srv.url("/bytes/%d" % BIG)], f)
    assert rc == 0, err
    assert out.read_bytes() == b"200 %d\n" % BIG
    assert peak < 64 * 1024 * MEM_SCALE, peak
    # %{size} is the same count; a template with %{body} still gets it.
    p = run(["-w", "%{size} %{body}\\n", srv.url("/bytes/10")])
    assert p.stdout == b"10 abcdefghij\n"


def test_write_out_failures_reach_stderr_unless_silent(srv):
    p = run(["-w", "%{http_code}\\n", "http://127.0.0.1:1/x", srv.url("/json")])
    assert p.returncode == 3
    assert sorted(p.stdout.split()) == [b"000", b"200"]
    assert re.search(rb"^urlfan: ERR http://127\.0\.0\.1:1/x  connect: ", p.stderr, re.M), p.stderr
    p = run(["-s", "-w", "%{http_code}\\n", "http://127.0.0.1:1/x"])
    assert p.returncode == 3 and p.stderr == b""
    p = run(["-sS", "-w", "%{http_code}\\n", "http://127.0.0.1:1/x"])
    assert b"connect" in p.stderr


def test_write_out_with_a_format_is_a_usage_error(srv):
    for extra in (["-J"], ["--format", "ndjson"], ["--format", "text"], ["--format=body"]):
        p = run(["-w", "%{url}\\n", *extra, srv.url("/json")])
        assert p.returncode == 2, (extra, p.stderr)
        assert b"--write-out" in p.stderr
    assert srv.stats()["count"] == {}


# ---------------------------------------------------------------------------
# 2. --format body: the server's bytes, streamed, any size
# ---------------------------------------------------------------------------

def test_body_format_writes_the_exact_bytes(srv):
    from server import PRETTY_BODY
    for path in ("/pretty", "/pretty?type=text"):
        p = run(["--format", "body", srv.url(path)])
        assert p.returncode == 0, p.stderr
        assert p.stdout == PRETTY_BODY
    # Several bodies: one after the other, whole, nothing added.
    p = run(["--format", "body", "--order", "input", srv.url("/pretty"), srv.url("/bytes/70000"),
             srv.url("/status/404"), "http://127.0.0.1:1/x", srv.url("/pretty")])
    assert p.returncode == 3
    assert p.stdout == PRETTY_BODY + pattern(70000) + PRETTY_BODY
    assert re.search(rb"^urlfan: 404 ", p.stderr, re.M)
    assert re.search(rb"^urlfan: ERR http://127\.0\.0\.1:1/x  connect: ", p.stderr, re.M)


def test_body_format_many_bodies_never_interleave(srv):
    """Large bodies finishing together: each whole, in completion order."""
    sizes = [3_000_000 + i for i in range(6)]
    p = run(["--format", "body", "-j", "6", *[srv.url("/bytes/%d" % n) for n in sizes]])
    assert p.returncode == 0, p.stderr
    out, pos, got = p.stdout, 0, []
    while pos < len(out):
        # Every body starts the pattern afresh: each is one whole body.
        n = next(n for n in sizes if n not in got and out[pos:pos + n] == pattern(n)
                 and (pos + n == len(out) or out[pos + n:pos + n + 3] == b"abc"))
        got.append(n)
        pos += n
    assert sorted(got) == sizes


def test_body_format_150mb_streams_in_bounded_memory(srv, tmp_path):
    out = tmp_path / "big.bin"
    spill = tmp_path / "spill"
    spill.mkdir()
    with open(out, "wb") as f:
        rc, err, peak = run_peak(["--format", "body", srv.url("/bytes/%d" % BIG)], f,
                                 env={"TMPDIR": str(spill)})
    assert rc == 0, err
    assert out.stat().st_size == BIG
    with open(out, "rb") as f:
        want = pattern(1 << 20)
        for off in range(0, BIG, 1 << 20):  # the pattern repeats every 36 bytes
            chunk = f.read(1 << 20)
            assert chunk == want[off % 36:][:len(chunk)] or chunk == pattern(off % 36 + len(chunk))[off % 36:], off
    assert peak < 80 * 1024 * MEM_SCALE, peak
    # The temporary file was unlinked: nothing is left behind.
    assert os.listdir(spill) == []


def test_body_format_no_max_body_but_max_filesize(srv):
    p = run(["--format", "body", "--max-body", "1K", srv.url("/bytes/5000")])
    assert p.returncode == 0 and len(p.stdout) == 5000
    p = run(["--format", "body", "--max-filesize", "1K", srv.url("/bytes/5000")])
    assert p.returncode == 3 and p.stdout == b""
    assert b"--max-filesize" in p.stderr


# ---------------------------------------------------------------------------
# 1. Which view a run gets
# ---------------------------------------------------------------------------

def test_a_pipe_gets_the_servers_bytes_by_default(srv):
    from server import PRETTY_BODY
    p = run([srv.url("/pretty")])
    assert p.returncode == 0, p.stderr
    assert p.stdout == PRETTY_BODY
    # As curl users write it: -sSL and a pipe into jq.
    sh = subprocess.run(["sh", "-c", '"$0" -sSL "$1" | /usr/bin/python3 -c '
                         '"import json,sys; print(json.load(sys.stdin)[\'big\'])"',
                         URLFAN, srv.url("/pretty")], capture_output=True, timeout=60,
                        stdin=subprocess.DEVNULL)
    assert sh.stdout == b"12345678901234567890\n", sh.stderr


def test_a_file_gets_the_servers_bytes_by_default(srv, tmp_path):
    out = tmp_path / "x.bin"
    with open(out, "wb") as f:
        p = subprocess.run([URLFAN, srv.url("/bytes/5000")], stdout=f, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == pattern(5000)


def test_explicit_formats_and_bodiless_runs_choose_the_view(srv, tmp_path):
    assert records(run(["-J", srv.url("/pretty")]).stdout)[0]["body"]["big"] == \
        12345678901234567890
    p = run(["--format", "text", "--color", "never", srv.url("/pretty")])
    assert p.stdout.startswith(b"200 " + srv.url("/pretty").encode())
    # No body to write (-O, --no-body, -I): the status lines, into a pipe too.
    for extra in (["--no-body"], ["-I"], ["-O", str(tmp_path / "d")]):
        p = run([*extra, "--color", "never", srv.url("/pretty")])
        assert p.returncode == 0, (extra, p.stderr)
        assert p.stdout.startswith(b"200 " + srv.url("/pretty").encode()), (extra, p.stdout)


def test_a_terminal_gets_the_text_view_by_default(srv):
    from test_terminal import finished
    t = finished(["--color", "never", srv.url("/pretty")])
    assert t.rc == 0
    assert re.search(rb"200 " + re.escape(srv.url("/pretty").encode()), t.data), t.data
    assert b'  "spaced": [' in t.data  # pretty-printed by the text view


# ---------------------------------------------------------------------------
# 9. The text view: Ctrl-C, -I, redirects
# ---------------------------------------------------------------------------

def test_text_view_sums_up_requests_never_started(srv, tmp_path):
    import signal
    lst = tmp_path / "slow.txt"
    lst.write_text("".join(srv.url("/delay/2?i=%d" % i) + "\n" for i in range(200)))
    for save in (None, tmp_path / "todo.txt"):
        srv.reset()
        args = ["--format", "text", "--color", "never", "--no-body", "-j", "2", "-i", str(lst)]
        if save:
            args += ["--save-unfinished", str(save)]
        proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while srv.stats()["inflight"].get(srv.key("127.0.0.1"), 0) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        # The two in flight: their lines; the read-ahead: one line in all.
        assert len(out.splitlines()) == 2, out
        assert b"ERR" not in out and b"before it started" not in out + err
        m = re.search(rb"^urlfan: (\d+) requests not started(.*)$", err, re.M)
        assert m, err
        assert 1 <= int(m.group(1)) <= 8
        if save:
            assert str(save).encode() in m.group(2)
            assert len(save.read_text().splitlines()) == 198
        else:
            assert b"--save-unfinished" in m.group(2)
    # -J keeps one record per request.
    proc = subprocess.Popen([URLFAN, "-J", "--no-body", "-j", "2", "-i", str(lst)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while srv.stats()["inflight"].get(srv.key("127.0.0.1"), 0) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    recs = records(out)
    assert sum(r.get("error", {}).get("kind") == "aborted" for r in recs) >= 1
    assert b"not started" not in err


def test_head_shows_the_response_headers(srv):
    p = run(["-I", "--color", "never", srv.url("/json")])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert lines[0].startswith("200 " + srv.url("/json"))
    assert "content-type: application/json" in lines[1:]


def test_redirect_shows_where_it_ended(srv):
    p = run(["--format", "text", "--color", "never", "--no-body", srv.url("/redirect/2"),
             srv.url("/json")])
    assert p.returncode == 0
    lines = sorted(p.stdout.decode().splitlines())
    assert lines[0].startswith("200 %s  " % srv.url("/json")), lines
    assert lines[1].startswith("200 %s -> %s  " % (srv.url("/redirect/2"),
                                                    srv.url("/redirect/0"))), lines


# ---------------------------------------------------------------------------
# 11. The README says what urlfan does
# ---------------------------------------------------------------------------

def test_readme_claims_match_the_program():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = re.sub(r"\s+", " ", f.read())
    # -J bodies are minified (number literals and escapes kept), not
    # "byte-for-byte"; --format body is the byte-exact one.
    assert "byte-for-byte" not in text
    assert "minified" in text
    # -L: urlfan always follows redirects, curl does not.
    assert not re.search(r"`-L`[^.]*mean what they mean in curl", text)
    assert "always follows redirects" in text
    # Only a 429/503 with Retry-After pauses a host.
    assert "a 429 pauses the whole host" not in text
    assert "carries `Retry-After` pauses the whole host" in text
    # How to run the examples scripts/demo does not.
    assert "python3 tests/server.py --port 8080" in text
