"""urlfan in a terminal: the progress line under a pseudo-terminal of a set
window size (it never wraps, follows SIGWINCH, is erased before every line
urlfan writes and before exit, stays away from pipes and TERM=dumb), Ctrl-C
once and twice, the per-host cap on the line, bodies on a terminal, the -u
password prompt, and a screen capture under tmux of a `| jq` pipeline.

Terminals are Python ptys with TIOCSWINSZ; the screen captures use tmux,
a real terminal emulator (scripts/test installs it). Nothing waits on a
clock: the tests read until the bytes they need arrive, and use what the
test server saw (/stats) to know what is in flight."""
import base64
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
import uuid

import pytest

from conftest import URLFAN, records

URLFAN_ABS = os.path.abspath(URLFAN)

ESC = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def term_env(extra=None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm"  # whatever the suite runs under: a real terminal
    env.update(extra or {})
    return env


def set_size(fd, cols, rows=24):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Term:
    """urlfan with stderr on a pty of a set size. stdout goes to the same
    pty (one terminal, as a person has), to the file out_path, or to what
    `stdout` says: subprocess.PIPE or subprocess.DEVNULL. A context
    manager: leaving it kills what is left and closes the descriptors."""

    def __init__(self, args, cols=80, stdout=None, env=None, out_path=None):
        self.out = open(out_path, "wb") if out_path else None
        self.master, slave = pty.openpty()
        set_size(slave, cols)
        if self.out:
            stdout = self.out
        try:
            self.proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.DEVNULL,
                                         stdout=slave if stdout is None else stdout,
                                         stderr=slave, env=term_env(env))
        finally:
            os.close(slave)
        self.data = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read_until(self, pattern, timeout=30):
        """Read until pattern (a regex) matches what was read since `start`;
        returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.data)
            if m:
                return m
            left = deadline - time.monotonic()
            assert left > 0, "no %r in %r" % (pattern, self.data[-2000:])
            if not self._read(left):
                raise AssertionError("EOF before %r: %r" % (pattern, self.data[-2000:]))

    def _read(self, timeout):
        if select.select([self.master], [], [], timeout)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the other side is closed
                chunk = b""
            self.data += chunk
            return bool(chunk)
        return True

    def finish(self, timeout=60):
        """Read to EOF and wait; returns the exit status."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "urlfan did not finish: %r" % self.data[-2000:]
            if not self._read(left):
                break
        self.proc.wait(timeout=max(1, deadline - time.monotonic()))
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        if self.out:
            self.out.close()


def finished(args, **kw):
    """Run urlfan under a Term to its end: the Term, with rc the exit status."""
    with Term(args, **kw) as t:
        t.rc = t.finish()
    return t


def draws(data):
    """The progress lines drawn, as shown (escapes taken out)."""
    out = []
    for part in data.split(b"\r")[1:]:
        if b"\x1b[K" not in part:
            continue
        line = part.split(b"\x1b[K")[0]
        if line:
            out.append(ESC.sub(b"", line))
    return out


def delays(srv, n, secs, tag=None):
    tag = tag or uuid.uuid4().hex[:8]
    return [srv.url("/delay/%s?%s=%d" % (secs, tag, i)) for i in range(n)]


# ---------------------------------------------------------------------------
# the progress line fits the terminal
# ---------------------------------------------------------------------------


def test_progress_line_never_wraps_at_25_columns(srv, tmp_path):
    t = finished(["-J", "-j", "3", *delays(srv, 12, 0.3)], cols=25,
                 out_path=tmp_path / "out.ndjson")
    assert t.rc == 0
    lines = draws(t.data)
    assert len(lines) >= 3, t.data
    # One column short of the width: never a wrap, still a count.
    assert all(len(line) <= 24 for line in lines), lines
    assert all(re.match(rb"^\d+/12", line) for line in lines), lines
    assert t.data.endswith(b"\r\x1b[K")  # erased before exit
    assert len(records((tmp_path / "out.ndjson").read_bytes())) == 12


def test_progress_line_follows_sigwinch(srv, tmp_path):
    with Term(["-J", "-j", "2", *delays(srv, 16, 0.4)], cols=120,
              out_path=tmp_path / "out.ndjson") as t:
        # Wide: the whole line, ETA and all.
        t.read_until(rb"\r\d+/16 \([\d.]+%\)  [\d.]+ req/s  \d+ in flight  0 failed  ETA [^\r]*\x1b\[K")
        set_size(t.master, 30)
        at = len(t.data)
        t.proc.send_signal(signal.SIGWINCH)
        assert t.finish() == 0
    after = draws(t.data[at:])
    # A draw already on its way may be wide; every one after it fits.
    wide = [i for i, line in enumerate(after) if len(line) > 29]
    assert not wide or wide[-1] <= 1, after
    assert len(after) - (wide[-1] + 1 if wide else 0) >= 3, after
    assert not any(b"ETA" in line for line in after[2:]), after


def test_lines_urlfan_writes_never_run_into_the_progress_line(srv):
    # stdout and stderr on one terminal, with -v lines as well: every line
    # urlfan writes starts at column 0, after the progress line is erased.
    t = finished(["-v", "--no-body", "-j", "2", *delays(srv, 8, 0.3)], cols=200)
    assert t.rc == 0
    assert draws(t.data), t.data
    starts = [m.start() for m in re.finditer(rb"urlfan: \[\d+\]|\x1b\[32m200", t.data)]
    assert len(starts) >= 16
    for at in starts:
        before = t.data[:at]
        assert at == 0 or before.endswith(b"\n") or before.endswith(b"\r\x1b[K"), \
            t.data[max(0, at - 80):at + 20]


def test_term_dumb_has_no_colors_and_no_redraws(srv):
    t = finished(["-j", "2", *delays(srv, 6, 0.2), srv.url("/status/404")],
                 env={"TERM": "dumb"})
    assert t.rc == 1
    assert b"\x1b" not in t.data and b"req/s" not in t.data
    assert b"\r" not in t.data.replace(b"\r\n", b"\n")  # no line redrawn
    assert re.search(rb"^404 http://", t.data, re.M)


@pytest.mark.parametrize("where", ["pipe", "file", "devnull", "pipe --progress"])
def test_progress_line_only_when_stdout_is_no_pipe(srv, tmp_path, where):
    """A pipe's reader (| jq) may write to the same terminal: in auto mode
    the line is drawn only when stdout is not a pipe."""
    args = ["-J", "--no-body", "-j", "2", *delays(srv, 8, 0.2)]
    kw = {"out_path": tmp_path / "out"} if where == "file" else \
        {"stdout": subprocess.DEVNULL if where == "devnull" else subprocess.PIPE}
    if where.endswith("--progress"):
        args.insert(0, "--progress")
    with Term(args, **kw) as t:
        if where.startswith("pipe"):
            assert len(records(t.proc.stdout.read())) == 8
        assert t.finish() == 0
    drawn = bool(draws(t.data))
    assert drawn == (where != "pipe"), t.data


def tmux_screen(tmp_path, command, cols=80, rows=24):
    """Run command (sh) in a fresh tmux server's window of cols x rows and
    return the screen once it is done, as tmux renders it."""
    tmux = shutil.which("tmux")
    if not tmux:
        pytest.skip("tmux is not installed (scripts/test installs it)")
    sock = str(tmp_path / "tmux.sock")
    base = [tmux, "-S", sock, "-f", "/dev/null"]
    env = term_env()
    env.pop("TMUX", None)
    # The window stays open (waiting on `read`) until the screen is taken;
    # `wait-for -S` says when the command is over.
    script = "%s; %s -S %s wait-for -S done; read x" % (command, tmux, sock)
    subprocess.run([*base, "new-session", "-d", "-x", str(cols), "-y", str(rows),
                    "sh", "-c", script], check=True, env=env, cwd=str(tmp_path), timeout=30)
    try:
        subprocess.run([*base, "wait-for", "done"], check=True, timeout=60)
        p = subprocess.run([*base, "capture-pane", "-p"], check=True, capture_output=True,
                           timeout=30)
        return p.stdout.decode()
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, timeout=30)


def test_readme_jq_example_looks_clean_in_a_terminal(srv, tmp_path):
    """The README's `urlfan -J < urls.txt | jq ...`, on a real terminal
    emulator: the screen holds jq's lines and nothing else."""
    if not shutil.which("jq"):
        pytest.skip("jq is not installed")
    urls = [srv.url("/delay/0.2?n=%d" % i) for i in range(12)] + [srv.url("/json")]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    screen = tmux_screen(tmp_path, "%s -J -j 3 < urls.txt | jq -r 'select(.ok) | .body.name'"
                         % URLFAN_ABS, cols=60)
    lines = [l for l in screen.splitlines() if l.strip()]
    # jq's lines, whole, in completion order; no progress fragments.
    assert sorted(lines) == ["null"] * 12 + ["urlfan"], screen


def test_progress_line_is_gone_from_the_screen_at_the_end(srv, tmp_path):
    urls = " ".join(delays(srv, 8, 0.2))
    screen = tmux_screen(tmp_path, "%s --no-body -j 2 %s" % (URLFAN_ABS, urls), cols=60)
    lines = [l for l in screen.splitlines() if l.strip()]
    assert len(lines) == 8, screen
    assert all(re.match(r"^200 http://\S+  \d+\.\d{3}s  \d+B$", l) for l in lines), screen


# ---------------------------------------------------------------------------
# Ctrl-C, the per-host cap
# ---------------------------------------------------------------------------


def inflight(srv, key):
    return srv.stats()["inflight"].get(key, 0)


def test_ctrl_c_once_then_twice(srv, tmp_path):
    host = "ctrlc.test"
    urls = [srv.url("/delay/30?c=%d" % i, host) for i in range(10)]
    with Term(["-J", "--no-body", "-j", "6", *srv.resolve(host), *urls],
              out_path=tmp_path / "out.ndjson") as t:
        deadline = time.monotonic() + 20
        while inflight(srv, srv.key(host)) < 6:
            assert time.monotonic() < deadline
            t._read(0.05)
        t.read_until(rb"6 in flight")
        t.proc.send_signal(signal.SIGINT)
        # One line says what happens now and what a second Ctrl-C does...
        t.read_until(rb"\r\x1b\[Kurlfan: finishing 6 requests in flight; Ctrl-C again to abort\r?\n")
        at = len(t.data)
        # ... and the line shows them finishing; the 4 never started are
        # aborted, not failed.
        t.read_until(rb"\r4/10 \(40.0%\)  [\d.]+ req/s  6 finishing  0 failed  4 aborted")
        assert b"in flight" not in t.data[at:]
        t.proc.send_signal(signal.SIGINT)
        assert t.finish() == 130
    assert t.data.count(b"Ctrl-C again") == 1
    recs = records((tmp_path / "out.ndjson").read_bytes())
    assert len(recs) == 10
    started = [r for r in recs if r["attempts"] == 1]
    assert len(started) == 6
    # urlfan's own words, not libcurl's for a callback's abort.
    assert all(r["error"] == {"kind": "aborted", "message": "aborted by a second interrupt"}
               for r in started), started
    assert all(r["error"]["kind"] == "aborted" for r in recs)


def test_per_host_cap_on_the_line_and_once_at_the_end(srv, tmp_path):
    host = "cap.test"
    urls = [srv.url("/delay/0.5?p=%d" % i, host) for i in range(18)]
    t = finished(["-J", "--no-body", *srv.resolve(host), *urls], out_path=tmp_path / "out.ndjson")
    assert t.rc == 0
    # -j (50) has room; the host's cap (6) is what holds the run back.
    assert any(b"6 in flight  6/6 per host" in line for line in draws(t.data)), t.data
    assert srv.stats()["peak"][srv.key(host)] == 6
    note = rb"urlfan: the per-host limit held requests back \(-p 6: at most 6 at once to one host\); -p N raises it\r?\n"
    assert len(re.findall(note, t.data)) == 1, t.data
    # Not when -j is the limit.
    t = finished(["-J", "--no-body", "-j", "3", *srv.resolve(host), *urls[:9]],
                 out_path=tmp_path / "out2.ndjson")
    assert t.rc == 0
    assert b"per host" not in t.data and b"per-host" not in t.data


# ---------------------------------------------------------------------------
# bodies on a terminal
# ---------------------------------------------------------------------------


def test_body_format_on_a_terminal(srv):
    t = finished(["--format", "body", "--order", "input", srv.url("/binary"), srv.url("/ctrl"),
                  srv.url("/json")])
    assert t.rc == 0
    # No binary byte and no escape sequence reaches the terminal; a hint
    # says what to do instead; text is escaped, JSON as the server wrote
    # it (issue 21: the body format adds and removes nothing).
    assert b"\x00" not in t.data and b"\xff" not in t.data and b"\x07" not in t.data
    assert not ESC.sub(b"", t.data.replace(b"\r\x1b[K", b"")).count(b"\x1b")
    assert re.search(rb"urlfan: not writing the binary body of http://\S+/binary \(256 bytes\) "
                     rb"to the terminal: use -O DIR, or redirect: > FILE\r?\n", t.data), t.data
    assert b"red \\x1b[31mRED\\x1b[0m bell \\x07 done" in t.data
    assert b'{"name": "urlfan", "big": 12345678901234567890,' in t.data


def test_write_out_body_on_a_terminal(srv):
    t = finished(["-w", "%{body}|\\n", "--order", "input", srv.url("/binary"), srv.url("/ctrl")])
    assert t.rc == 0
    assert b"\x00" not in t.data and b"\x07" not in t.data
    assert b"(binary body, 256 bytes, not shown on a terminal)|" in t.data
    assert b"red \\x1b[31mRED\\x1b[0m bell \\x07 done\r\n|" in t.data  # newlines pass
    assert t.data.count(b"binary bodies are not written to the terminal") == 1


# ---------------------------------------------------------------------------
# -u USER: the password prompt
# ---------------------------------------------------------------------------


def prompted(srv, typed):
    """urlfan -u alice with a pty as its controlling terminal: wait for the
    password prompt, type `typed`; returns (exit status, stdout, stderr,
    what the terminal showed)."""
    master, slave = pty.openpty()

    def controlling_tty():
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.Popen([URLFAN, "-J", "-u", "alice", srv.url("/headers")],
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=term_env(), start_new_session=True,
                                preexec_fn=controlling_tty)
    finally:
        os.close(slave)
    t = Term.__new__(Term)
    t.master, t.proc, t.data, t.out = master, proc, b"", None
    with t:
        t.read_until(rb"Enter host password for user 'alice':")
        os.write(master, typed)
        out, err = proc.communicate(timeout=30)
        t.finish()  # what the terminal shows after the prompt, to EOF
    return proc.returncode, out, err, t.data


def test_user_without_password_asks_on_the_terminal(srv):
    rc, out, err, screen = prompted(srv, b"s3cret\n")
    assert rc == 0, err
    assert b"s3cret" not in screen  # not echoed
    (rec,) = records(out)
    auth = rec["body"]["headers"]["Authorization"]
    assert auth == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert b"s3cret" not in out  # and never in the output


def test_user_without_password_and_nothing_typed(srv):
    rc, out, err, screen = prompted(srv, b"\x04")  # ^D: end of input
    assert rc == 2 and out == b""
    assert err == b"urlfan: --user 'alice': no password was typed\n"
    assert srv.stats()["total"] == 0


def test_user_without_password_and_no_terminal_is_a_usage_error(srv):
    p = subprocess.run([URLFAN, "-u", "alice", srv.url("/headers")], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30, start_new_session=True)
    assert p.returncode == 2
    assert p.stderr == (b"urlfan: --user 'alice' has no password, and there is no terminal to "
                        b"ask for it on: give USER:PASSWORD\n")
    assert srv.stats()["total"] == 0
