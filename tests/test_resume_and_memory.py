"""Resuming and memory: --save-unfinished and the output lose nothing, and
urlfan stays small, whatever a pipe, a reader, a signal or a server's body
does.

The rule every stop is checked against: each input line is in exactly one
of {an ok record that was written, the --save-unfinished file}. Memory is
asserted from the urlfan process's peak RSS (VmHWM, read from /proc while
it runs), never from timing.
"""
import json
import os
import pty
import select
import signal
import stat
import subprocess
import time
import urllib.request

import pytest

from conftest import MEM_SCALE, URLFAN, records, run
from test_faults import _run_hwm, _vm_hwm_kib, kind, urlfan, wait_for_line, wait_until
from test_output import run_pty

MIB = 1024 * 1024


def ok_lines(out_bytes):
    """The input lines of the ok records in an ndjson output, as URLs.
    A last line cut off by a broken pipe is no record."""
    lines = out_bytes.decode(errors="replace").split("\n")
    got = []
    for line in lines[:-1]:
        rec = json.loads(line)
        if rec["ok"]:
            got.append(rec["url"])
    return got


def assert_each_line_once(lines, written_ok, save_path):
    """Every input line is in exactly one of written_ok and the save file."""
    saved = save_path.read_text().splitlines() if save_path.exists() else []
    assert len(set(saved)) == len(saved), "a line saved twice"
    assert not set(saved) & set(written_ok), "a line both written ok and saved"
    assert sorted(saved + list(written_ok)) == sorted(lines)


def url_list(srv, tmp_path, n, path="/json?i=%d", host="127.0.0.1", name="urls.txt"):
    lines = [srv.url(path % i, host) for i in range(n)]
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n")
    return f, lines


def temp_files(directory):
    return [n for n in os.listdir(directory) if ".urlfan-" in n]


# --------------------------------------------------------------------------
# 1. The unfinished list never eats a file
# --------------------------------------------------------------------------

def test_save_unfinished_that_is_the_input_survives_a_whole_run(srv, tmp_path):
    todo, lines = url_list(srv, tmp_path, 5, name="todo.txt")
    before = todo.read_bytes()
    p = run(["-J", "--save-unfinished", str(todo), "-i", str(todo)])
    assert p.returncode == 0, p.stderr
    assert len(records(p.stdout)) == 5 and srv.stats()["total"] == 5
    assert todo.read_bytes() == before  # fetched everything, deleted nothing
    assert temp_files(tmp_path) == []
    # The same from stdin.
    with open(todo, "rb") as f:
        p = subprocess.run([URLFAN, "-J", "--save-unfinished", str(todo)], stdin=f,
                           capture_output=True, timeout=60)
    assert p.returncode == 0 and len(records(p.stdout)) == 5
    assert todo.read_bytes() == before


def test_save_unfinished_leaves_a_file_it_did_not_write(srv, tmp_path):
    notes = tmp_path / "n.txt"
    notes.write_text("notes\n")
    p = run(["-J", "--save-unfinished", str(notes), srv.url("/json")])
    assert p.returncode == 0, p.stderr
    assert notes.read_text() == "notes\n"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("order", ["completion", "input"])
def test_save_unfinished_with_records_that_write_nothing(srv, tmp_path, order):
    # An ok record that renders to no bytes (an empty -w template) is done
    # as it comes: nothing saved, and (under the ASan build, where a leak
    # fails the exit status) its held line freed.
    todo, lines = url_list(srv, tmp_path, 4, name="todo.txt")
    save = tmp_path / "left.txt"
    p = run(["--save-unfinished", str(save), "-w", "", "--order", order, "-i", str(todo)])
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"" and p.stderr == b""
    assert srv.stats()["total"] == 4
    assert not save.exists() and temp_files(tmp_path) == []


def test_save_unfinished_is_the_input_and_is_replaced_after_a_stop(srv, tmp_path):
    # Two quick lines, then slow ones: --deadline stops the run with the
    # quick ones done. The input file is read as it was, then replaced by
    # the lines still to do, with mode 0600.
    lines = [srv.url("/json?i=%d" % i) for i in range(2)]
    lines += [srv.url("/delay/3?i=%d" % i) for i in range(4)]
    todo = tmp_path / "todo.txt"
    todo.write_text("\n".join(lines) + "\n")
    os.chmod(todo, 0o644)
    p = run(["-J", "--no-body", "-j", "2", "--deadline", "1", "--save-unfinished", str(todo),
             "-i", str(todo)], timeout=60, input=None)
    assert p.returncode == 130, p.stderr
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == list(range(len(lines)))
    assert_each_line_once(lines, ok_lines(p.stdout), todo)
    # Two slow ones were in flight at the deadline and finished; the two
    # never started are the list.
    saved = todo.read_text().splitlines()
    assert len(saved) == 2 and set(saved) <= set(lines[2:])
    assert stat.S_IMODE(os.stat(todo).st_mode) == 0o600
    assert temp_files(tmp_path) == []


# --------------------------------------------------------------------------
# 2. The list is written on every early stop
# --------------------------------------------------------------------------

def test_save_unfinished_after_head_closes_the_pipe(srv, tmp_path):
    f, lines = url_list(srv, tmp_path, 3000)
    save = tmp_path / "u.txt"
    p = subprocess.run(["sh", "-c", '"$0" -J --no-body --save-unfinished "$1" -i "$2" | head -1 > "$3"',
                        URLFAN, str(save), str(f), str(tmp_path / "first.txt")],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == b"", p.stderr
    # head read one record; everything urlfan wrote is in the pipe, which
    # head took: lines of records not written, and those never fetched,
    # are in the list, and nothing is lost.
    saved = save.read_text().splitlines()
    assert len(saved) > 0
    assert set(saved) <= set(lines) and len(set(saved)) == len(saved)
    first = json.loads((tmp_path / "first.txt").read_text())
    assert first["url"] not in saved


def test_save_unfinished_on_write_error(srv, tmp_path):
    f, lines = url_list(srv, tmp_path, 200)
    save = tmp_path / "u.txt"
    with open("/dev/full", "wb") as full:
        p = subprocess.run([URLFAN, "-J", "--save-unfinished", str(save), "-i", str(f)],
                           stdout=full, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=60)
    assert p.returncode == 3
    assert p.stderr.count(b"writing output") == 1, p.stderr
    # Nothing could be written: every line is in the list.
    assert_each_line_once(lines, [], save)


def _pipeline_with_reader(args, reader_lines):
    """urlfan ARGS | (a reader that keeps reader_lines lines, then exits)."""
    proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    kept = []
    for _ in range(reader_lines):
        kept.append(proc.stdout.readline())
    return proc, kept


def test_save_unfinished_when_interrupt_hits_the_whole_pipeline(srv, tmp_path):
    # urlfan ... | tee out | cut: Ctrl-C kills tee and cut, urlfan gets
    # SIGINT and then EPIPE. The lines of records the reader took are
    # written; every other line is in the list.
    f, lines = url_list(srv, tmp_path, 30, path="/delay/0.3?i=%d")
    save = tmp_path / "u.txt"
    proc, kept = _pipeline_with_reader(["-J", "--no-body", "-j", "4", "--save-unfinished",
                                        str(save), "-i", str(f)], 3)
    proc.send_signal(signal.SIGINT)
    proc.stdout.close()  # the reader dies with the pipeline
    proc.wait(timeout=30)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.returncode in (130, -signal.SIGPIPE), (proc.returncode, err)
    written = [json.loads(k)["url"] for k in kept if json.loads(k)["ok"]]
    saved = save.read_text().splitlines()
    assert not set(saved) & set(written)
    # Records written into the pipe after the reader's last line but before
    # it died were written too; everything else is saved.
    assert len(saved) >= len(lines) - 10, (len(saved), err)
    assert set(saved) | set(written) <= set(lines)


def test_sighup_stops_like_sigterm_and_saves(srv, tmp_path):
    f, lines = url_list(srv, tmp_path, 10, path="/delay/2?i=%d", host="hup.test")
    save = tmp_path / "u.txt"
    with urlfan(["-J", "--no-body", "-j", "2", *srv.resolve("hup.test"), "--save-unfinished",
                 str(save), "-i", str(f)]) as proc:
        assert wait_until(lambda: srv.stats()["inflight"].get(srv.key("hup.test"), 0) == 2)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 129, err
    recs = records(out)
    assert sorted(r["index"] for r in recs) == list(range(10))
    assert sum(r["ok"] for r in recs) == 2
    assert_each_line_once(lines, ok_lines(out), save)


def test_closed_stdout_is_a_write_error(srv, tmp_path):
    save = tmp_path / "u.txt"
    p = subprocess.run(["sh", "-c", 'exec "$0" -J --save-unfinished "$1" "$2" >&-', URLFAN,
                        str(save), srv.url("/json")], capture_output=True, timeout=30)
    assert p.returncode == 3
    assert p.stderr.count(b"urlfan:") == 1 and b"standard output is closed" in p.stderr
    assert srv.stats()["total"] == 0  # nothing fetched for nowhere
    assert save.read_text() == srv.url("/json") + "\n"


# --------------------------------------------------------------------------
# 3. Unread input after an interrupt
# --------------------------------------------------------------------------

def test_unread_pipe_input_is_saved_until_its_end(srv, tmp_path):
    save = tmp_path / "u.txt"
    lines = [srv.url("/delay/5?i=%d" % i) for i in range(3)]
    later = [srv.url("/json?late=%d" % i) for i in range(5)]
    r, w = os.pipe()
    with urlfan(["-J", "--no-body", "-j", "1", "--save-unfinished", str(save)], stdin=r) as proc:
        os.close(r)
        os.write(w, ("\n".join(lines) + "\n").encode())
        assert wait_until(lambda: srv.stats()["total"] >= 1)
        proc.send_signal(signal.SIGINT)
        # urlfan says it is saving the unread input, and waits for its end.
        m, early = wait_for_line(proc, rb"saving the unread input")
        os.write(w, ("\n".join(later) + "\n").encode() + b"partial-line-without-newline")
        os.close(w)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, early + err
    saved = save.read_text().splitlines()
    # The one in flight finished ok; the rest, including what came after
    # the interrupt, is saved; the unfinished last line counts as whole at
    # EOF (it ended there).
    assert sorted(saved) == sorted(lines[1:] + later + ["partial-line-without-newline"])


def test_endless_pipe_input_stops_at_a_second_interrupt(srv, tmp_path):
    save = tmp_path / "u.txt"
    url = srv.url("/delay/3")
    # yes URL | urlfan: a producer that never ends.
    producer = subprocess.Popen(["sh", "-c", 'while :; do echo "$0"; sleep 0.01; done', url],
                                stdout=subprocess.PIPE)
    try:
        with urlfan(["-J", "--no-body", "-j", "1", "--save-unfinished", str(save)],
                    stdin=producer.stdout) as proc:
            assert wait_until(lambda: srv.stats()["total"] >= 1)
            proc.send_signal(signal.SIGINT)
            m, early = wait_for_line(proc, rb"saving the unread input")
            time.sleep(0.2)  # let a few lines be saved; the check below is not timing
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    finally:
        producer.kill()
        producer.wait()
    assert proc.returncode == 130
    assert b"stopped saving the unread input" in early + err
    text = save.read_text()
    assert text.endswith("\n")
    assert set(text.splitlines()) == {url}  # whole lines only


# --------------------------------------------------------------------------
# 4. The text view's pretty printer is bounded
# --------------------------------------------------------------------------

def test_deep_json_in_the_text_view_stays_small(srv):
    rc, out, err, peak = _run_hwm(["--color", "never", srv.url("/deep/1000000?key=1")])
    assert rc == 0, err
    assert peak < 32 * 1024 * MEM_SCALE, peak
    # The first levels laid out, the rest compact on one line.
    text = out.decode()
    assert '\n' + " " * 128 + '"k": [{"k":[{"k":' in text
    assert len(text) < 2 * 3_500_000


def test_deep_small_body_in_the_text_view_is_not_huge(srv):
    p = run(["--color", "never", srv.url("/deep/20000")])
    assert p.returncode == 0
    # 40 KB nested 20,000 deep: 64 levels of layout, not 800 MB.
    assert len(p.stdout) < 100_000


# --------------------------------------------------------------------------
# 5. The --order input window is bounded in bytes
# --------------------------------------------------------------------------

def test_order_input_window_is_bounded_in_bytes(srv):
    urls = [srv.url("/delay/4")] + [srv.url("/bytes/8000000?i=%d" % i) for i in range(40)]
    rc, out, err, peak = _run_hwm(["-J", "-j", "4", "--order", "input", *urls], timeout=120)
    assert rc == 0, err
    recs = records(out)
    assert [r["index"] for r in recs] == list(range(41))
    # 40 bodies of 8 MB held for a slow first one would be 320 MB; the
    # window stops starting requests at 64 MiB.
    assert peak < 200 * 1024 * MEM_SCALE, peak


# --------------------------------------------------------------------------
# 6. One body costs a small multiple of its size, and goes away
# --------------------------------------------------------------------------

def test_control_bytes_body_is_base64_and_small(srv):
    rc, out, err, peak = _run_hwm(["-J", "-j", "2", srv.url("/fill/20000000"),
                                   srv.url("/fill/20000000?x=1")])
    assert rc == 0, err
    for rec in records(out):
        assert rec["body_encoding"] == "base64" and rec["size"] == 20_000_000
    # Escaped as \u0001 the records would be 120 MB each.
    assert peak < (12 + 4 * 20 * 2) * 1024 * MEM_SCALE, peak


def test_text_with_few_controls_stays_a_string(srv):
    p = run(["-J", srv.url("/ctrl")])
    (rec,) = records(p.stdout)
    assert isinstance(rec["body"], str) and "body_encoding" not in rec


def _vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def test_memory_goes_back_after_a_burst_of_large_bodies(srv):
    urls = [srv.url("/bytes/30000000?i=%d" % i) for i in range(4)] + [srv.url("/delay/10")]
    with urlfan(["-J", "-j", "5", "--order", "completion", *urls]) as proc:
        lines = 0
        # Read until the four large records are in; then the slow one is
        # the only request left.
        while lines < 4:
            chunk = os.read(proc.stdout.fileno(), 1 << 20)
            assert chunk, proc.stderr.read()
            lines += chunk.count(b"\n")
        time.sleep(0.3)  # the records are written; let urlfan free them
        rss = _vm_rss_kib(proc.pid)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert rss < 40 * 1024 * MEM_SCALE, rss


def test_memory_bound_of_the_man_page_holds_with_a_slow_reader(srv, tmp_path):
    # The man page's bound: 48 MiB + 3 x J x B, of which 16 MiB are the
    # read-ahead budget that 24 lines do not use. Bodies of control bytes (a
    # record twice... base64: 4/3 of the body) near B, a reader that stalls.
    j, b = 4, 8
    f, _ = url_list(srv, tmp_path, 24, path="/fill/8000000?i=%d")
    with urlfan(["-J", "-j", str(j), "--max-body", "%dM" % b, "-i", str(f)]) as proc:
        assert wait_until(lambda: srv.stats()["total"] >= j)
        peak = 0
        for _ in range(20):  # a stalled reader while urlfan runs on
            peak = max(peak, _vm_hwm_kib(proc.pid) or 0)
            time.sleep(0.1)
        n = 0
        while True:
            chunk = os.read(proc.stdout.fileno(), 1 << 20)
            if not chunk:
                break
            n += chunk.count(b"\n")
            peak = max(peak, _vm_hwm_kib(proc.pid) or 0)
        proc.wait(timeout=60)
    assert proc.returncode == 0 and n == 24
    assert peak < (32 + 3 * j * b) * 1024 * MEM_SCALE, peak


# --------------------------------------------------------------------------
# 8. A slow reader slows the run; it never fails requests
# --------------------------------------------------------------------------

def test_slow_reader_fails_no_request(srv, tmp_path):
    f, _ = url_list(srv, tmp_path, 2000, path="/bytes/2000?i=%d")
    with urlfan(["-J", "-m", "2", "--idle-timeout", "2", "-j", "20", "-i", str(f)]) as proc:
        # Nobody reads for a while: the pipe fills, urlfan stops starting
        # requests; none of those in flight may time out meanwhile.
        assert wait_until(lambda: srv.stats()["total"] >= 100)
        time.sleep(5)  # the reader is slow: that is the scenario, not a sync
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    recs = records(out)
    assert len(recs) == 2000 and all(r["ok"] for r in recs), [r for r in recs if not r["ok"]][:2]


def _in_poll(pid):
    """Whether pid sleeps in poll() (the kernel's wait channel names
    poll_schedule_timeout or do_sys_poll), not in epoll_wait() (ep_poll)."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            wchan = f.read()
    except OSError:
        return False
    return "poll" in wchan and not wchan.startswith("ep_")


def test_signals_are_served_while_the_reader_is_stuck(srv, tmp_path):
    f, _ = url_list(srv, tmp_path, 5000, path="/bytes/2000?i=%d")
    with urlfan(["-J", "-i", str(f)]) as proc:
        assert wait_until(lambda: srv.stats()["total"] >= 100)
        proc.send_signal(signal.SIGINT)
        # Two signals sent at once may arrive as one: wait until the first
        # was acted on - the requests in flight are done and urlfan waits
        # for its reader in poll(), not for the network in epoll_wait().
        assert wait_until(lambda: _in_poll(proc.pid))
        proc.send_signal(signal.SIGINT)
        # Nobody ever reads: the second interrupt gives up the rest.
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("two SIGINTs were ignored while the output was stuck")
    assert proc.returncode == 130


# --------------------------------------------------------------------------
# 10. --max-body is about memory
# --------------------------------------------------------------------------

def test_max_body_does_not_apply_to_head_or_no_body(srv):
    url = srv.url("/bytes/5000000")
    p = run(["-J", "--max-body", "1M", "-I", url])
    assert p.returncode == 0, p.stdout
    (rec,) = records(p.stdout)
    assert rec["ok"] and "body" not in rec
    p = run(["-J", "--max-body", "1M", "--no-body", url])
    (rec,) = records(p.stdout)
    assert p.returncode == 0 and rec["ok"] and rec["size"] == 5_000_000
    p = run(["-J", "--max-body", "1M", url])
    (rec,) = records(p.stdout)
    assert p.returncode == 3 and kind(rec) == "too_large"
    assert "--max-body" in rec["error"]["message"]


def test_output_dir_is_capped_by_max_filesize_only(srv, tmp_path):
    url = srv.url("/bytes/5000000")
    d = tmp_path / "out"
    p = run(["-J", "--max-body", "1M", "-O", str(d), url])
    (rec,) = records(p.stdout)
    assert p.returncode == 0 and rec["ok"]
    assert os.path.getsize(rec["file"]) == 5_000_000
    d2 = tmp_path / "out2"
    p = run(["-J", "--max-filesize", "1M", "-O", str(d2), url, srv.url("/endless")])
    assert p.returncode == 3
    recs = records(p.stdout)
    assert [kind(r) for r in recs] == ["too_large", "too_large"]
    assert all("--max-filesize" in r["error"]["message"] for r in recs)
    assert not d2.exists() or os.listdir(d2) == []


# --------------------------------------------------------------------------
# 17. Nothing from a server reaches a terminal raw (stdout side)
# --------------------------------------------------------------------------

def test_text_view_escapes_c1_and_del_in_json_strings_on_a_terminal(srv):
    rc, out, err = run_pty(["--color", "never", srv.url("/c1json")])
    assert rc == 0, err
    assert b"\x7f" not in out and b"\xc2\x85" not in out and b"\xc2\x9b" not in out
    assert b"\\u007f" in out and b"\\u0085" in out and b"\\u009b" in out
    # Not on a terminal: byte-faithful.
    p = run(["--color", "never", srv.url("/c1json")])
    assert b"a\x7fb\xc2\x85c\xc2\x9bd" in p.stdout


def test_write_out_values_are_escaped_on_a_terminal(srv):
    rc, out, err = run_pty(["-w", "%{body}|%{content_type}\\n", srv.url("/ctrl")])
    assert rc == 0, err
    assert b"\x1b" not in out and b"\x07" not in out
    assert b"\\x1b[31mRED" in out
    # Not on a terminal: the bytes as they came.
    p = run(["-w", "%{body}", srv.url("/ctrl")])
    assert b"\x1b[31mRED" in p.stdout


# --------------------------------------------------------------------------
# 3. The loop itself: a reader that leaves, a process that was stopped
# --------------------------------------------------------------------------

def test_a_closed_pipe_stops_the_run_without_waiting_for_a_record(srv):
    """head -1 takes the fast record and leaves while the slow request is
    still on the server: urlfan sees the reader go and stops at once, so
    the server never gets to answer the slow one (its client went away).
    Were urlfan to notice only at its next write, the slow request would
    be answered (status 200) before urlfan exited."""
    slow = srv.url("/delay/10?log=gone")
    p = subprocess.run(["sh", "-c", '"$0" -J --no-body "$1" "$2" | head -1 > /dev/null',
                        URLFAN, slow, srv.url("/json")], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""

    def logged():
        with urllib.request.urlopen(srv.url("/log?name=gone"), timeout=10) as r:
            return json.load(r)["requests"]
    assert wait_until(lambda: logged() and logged()[0]["end"] is not None)
    entry = logged()[0]
    assert entry["status"] is None, entry


def test_a_stopped_process_does_not_time_out_what_waited_in_the_socket(srv):
    """Ctrl-Z (SIGSTOP) for longer than --idle-timeout, then fg: the
    response arrived meanwhile and waits in the socket, so the request is
    ok, not an idle timeout. Time in which urlfan did not run says nothing
    about the server."""
    with urlfan(["-J", "--no-body", "--idle-timeout", "1", srv.url("/delay/0.3?log=stopped")]) as proc:
        assert wait_until(lambda: srv.stats()["inflight_total"] > 0)
        proc.send_signal(signal.SIGSTOP)
        # The answer comes while urlfan is stopped; it stays stopped for
        # more than its idle timeout after that.
        time.sleep(2.5)
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=30)
    recs = records(out)
    assert len(recs) == 1
    assert recs[0]["ok"], (recs[0], err)
    assert proc.returncode == 0
