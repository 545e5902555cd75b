"""Integration tests for issue 20's hostile round 3, the points about input
lines, secrets, terminals and files: a spec's framing headers, %{stderr}
and --stats on a terminal, masking of invalid lines, --save-unfinished
on special files, --skip-done by the unmasked request, -O temporary files
and names, and white space around overlong lines.

What a test checks is what the server saw, what reached a pty, or what is
on disk; never how long something took.
"""
import hashlib
import json
import os
import pty
import select
import stat
import subprocess
import time

import pytest

from conftest import URLFAN, records, run


def kind(rec):
    return (rec.get("error") or {}).get("kind")


def by_index(stdout):
    return {r["index"]: r for r in records(stdout)}


# --------------------------------------------------------------------------
# 1. A spec may not frame the message or the connection
# --------------------------------------------------------------------------

def test_spec_content_length_smuggles_nothing(srv):
    # The attack of the issue: a spec's Content-Length cuts its body short,
    # and the rest of the body would be read as the next request on the
    # kept-alive connection, answering line 2 with the smuggled one.
    smuggled = "smuggled-%d" % os.getpid()
    spec = {"url": srv.url("/echo?tag=carrier"), "method": "POST",
            "headers": {"Content-Length": "5"},
            "body": "12345GET /echo?tag=%s HTTP/1.1\r\nHost: x\r\nX-Swallow: " % smuggled}
    data = (json.dumps(spec) + "\n" + srv.url("/echo?tag=line2") + "\n").encode()
    p = run(["-J", "-j", "1", "-p", "1"], input=data)
    recs = by_index(p.stdout)
    assert kind(recs[0]) == "invalid_input", recs[0]
    assert "Content-Length" in recs[0]["error"]["message"]
    assert recs[1]["ok"] and recs[1]["effective_url"] == srv.url("/echo?tag=line2")
    assert srv.seen(smuggled) == []
    assert p.returncode == 3


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding", "Connection",
                                  "Upgrade", "TE", "HOST"])
def test_spec_framing_headers_are_invalid_input(srv, name):
    spec = {"url": srv.url("/echo?tag=framing-" + name), "headers": {name: "x"}}
    p = run(["-J"], input=(json.dumps(spec) + "\n").encode())
    (rec,) = records(p.stdout)
    assert kind(rec) == "invalid_input"
    assert name.lower() in rec["error"]["message"].lower()
    assert srv.seen("framing-" + name) == []


@pytest.mark.parametrize("name", ["Content-Length", "Transfer-Encoding", "TE", "Upgrade"])
def test_command_line_framing_headers_are_usage_errors(srv, name):
    p = run(["-J", "-d", "12345678", "-H", name + ": 5", srv.url("/echo?tag=cl-" + name)])
    assert p.returncode == 2
    assert name.encode() in p.stderr and not p.stdout
    assert srv.seen("cl-" + name) == []


def test_command_line_host_header_still_works(srv):
    # -H 'Host: ...' frames nothing and is a curl habit: it stays.
    p = run(["-J", "-H", "Host: vhost.test", srv.url("/echo?tag=vhost")])
    assert p.returncode == 0, p.stderr
    (seen,) = srv.seen("vhost")
    assert ["Host", "vhost.test"] in seen["headers"]


# --------------------------------------------------------------------------
# 3. Masking of an invalid line
# --------------------------------------------------------------------------

@pytest.mark.parametrize("line,shown", [
    ("http://carol:PASS#WORD@h.test/ x", "http://***@h.test/ x"),
    ("http://carol:PASS/WORD@h.test/ x", "http://***@h.test/ x"),
    ("http://carol:PASS?WORD@h.test/ x", "http://***@h.test/ x"),
    ("carol:PASS#WORD@h.test/ x", "***@h.test/ x"),
    ("htp://carol:PASS#WORD@h.test/", "htp://***@h.test/"),
    ('{"url": "http://carol:PASS#WORD@h.test/ x"}', "http://***@h.test/ x"),
])
def test_invalid_line_hides_passwords_with_delimiters(line, shown):
    for args in (["-J"], ["-J", "-v"], ["-w", "%{url} %{error}\\n"]):
        p = run(args, input=(line + "\n").encode())
        assert p.returncode == 3
        assert b"PASS" not in p.stdout + p.stderr and b"WORD" not in p.stdout + p.stderr
    (rec,) = records(run(["-J"], input=(line + "\n").encode()).stdout)
    assert rec["url"] == shown


# --------------------------------------------------------------------------
# 2. %{stderr} and --stats on a terminal stderr
# --------------------------------------------------------------------------

def on_pty_stderr(args, input=None):
    """Run urlfan with stderr on a pty and stdout a pipe; returns (rc, what
    the terminal got, stdout)."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    try:
        proc = subprocess.Popen([URLFAN, *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=slave, env=env)
    finally:
        os.close(slave)
    out = proc.communicate(input or b"", timeout=60)[0]
    seen = b""
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: urlfan is gone and all was read
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return proc.returncode, seen, out


EVIL = "%1b]52;c;ZWNobyBwd25lZA==%07%1b]0;owned%07%1b[2J%c2%9b2J"


def test_write_out_stderr_part_is_escaped_by_stderr_being_a_terminal(srv):
    url = srv.url("/with-header?name=X-Evil&value=" + EVIL)
    rc, tty, out = on_pty_stderr(
        ["-w", "%{status}\\n%{stderr}[%header{x-evil}]\\n", url])
    assert rc == 0
    assert out == b"200\n"
    assert b"[" in tty and b"]52" in tty
    for raw in (b"\x1b", b"\x07", b"\xc2\x9b"):
        assert raw not in tty, tty
    assert b"\\x1b]52" in tty


def test_write_out_stdout_part_stays_raw_for_a_pipe(srv):
    # The other way round: stdout is no terminal, so its part is the
    # server's bytes as they are (a script asked for them).
    url = srv.url("/with-header?name=X-Evil&value=%1b[2J")
    rc, tty, out = on_pty_stderr(["-w", "[%header{x-evil}]\\n", url])
    assert rc == 0 and out == b"[\x1b[2J]\n"


@pytest.mark.parametrize("fmt", ["--stats", "--stats=json"])
def test_stats_show_no_control_bytes_of_host_names(srv, fmt):
    # Host names with a C1 CSI (raw, and as UTF-8): the request fails
    # before any name lookup (the proxy is this server; the name cannot
    # be converted), but the host is counted in the summary.
    data = b"http://a\x9b2Jb.test/x\nhttp://c\xc2\x9b2Jd.test/\n"
    rc, tty, out = on_pty_stderr(["-J", fmt, "-x", srv.url("")], input=data)
    assert rc == 3
    assert b"requests" in tty
    assert b"\x9b" not in tty and b"\x1b" not in tty, tty
