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

from conftest import SANITIZED, URLFAN, records, run


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


# --------------------------------------------------------------------------
# 4, 5. --save-unfinished never replaces what is not a regular file, nor
# the file stdout goes to
# --------------------------------------------------------------------------

def stopping_run(srv, save, stdout=subprocess.PIPE, tag="su"):
    """A run that stops early (--deadline) with lines left to save."""
    urls = [srv.url("/delay/3?tag=%s&i=%d" % (tag, i)) for i in range(3)]
    return subprocess.run([URLFAN, "-J", "-j", "1", "--deadline", "0.5",
                           "--save-unfinished", str(save), *urls],
                          stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=60)


def test_save_unfinished_refuses_a_symlink(srv, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("mine\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    p = stopping_run(srv, link, tag="symlink")
    assert p.returncode == 2 and b"symbolic link" in p.stderr and b"link" in p.stderr
    assert link.is_symlink() and target.read_text() == "mine\n"
    assert srv.seen("symlink") == []


def test_save_unfinished_refuses_a_fifo(srv, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    p = stopping_run(srv, fifo, tag="fifo")
    assert p.returncode == 2 and b"FIFO" in p.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert srv.seen("fifo") == []


def device_node(tmp_path):
    """A character device to point --save-unfinished at. As root, a private
    copy of /dev/null's node in tmp_path, never a system one: a urlfan
    without the check would replace the node it is given, for every
    process on the machine. Otherwise /dev/null itself, which a user
    cannot replace (urlfan cannot even make its temporary file in /dev)."""
    if os.geteuid() != 0:
        return "/dev/null"
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("no mknod here")
    return str(node)


@pytest.mark.parametrize("via_link", [False, True], ids=["device", "link-to-device"])
def test_save_unfinished_refuses_a_device(srv, tmp_path, via_link):
    dev = device_node(tmp_path)
    path = dev
    if via_link:  # as /dev/stderr is: a symlink, to a device
        path = str(tmp_path / "stderr")
        os.symlink(dev, path)
    before = os.lstat(path)
    p = stopping_run(srv, path, tag="dev")
    assert p.returncode == 2, p.stderr
    assert path.encode() in p.stderr
    after = os.lstat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert srv.seen("dev") == []


def test_save_unfinished_refuses_the_file_stdout_goes_to(srv, tmp_path):
    out = tmp_path / "out.ndjson"
    with open(out, "wb") as f:
        p = stopping_run(srv, out, stdout=f, tag="stdout")
    assert p.returncode == 2
    assert b"standard output" in p.stderr
    assert srv.seen("stdout") == []
    # Another name is fine, and a regular file that exists is replaced.
    save = tmp_path / "left.txt"
    save.write_text("old\n")
    with open(out, "wb") as f:
        p = stopping_run(srv, save, stdout=f, tag="stdout2")
    assert p.returncode == 130, p.stderr
    recs = records(out.read_bytes())
    assert len(recs) == 3 and [r["ok"] for r in recs].count(True) == 1
    assert len(save.read_text().splitlines()) == 2


# --------------------------------------------------------------------------
# 6, 13. --skip-done compares the unmasked request, by fixed-size digests
# --------------------------------------------------------------------------

def test_skip_done_tells_users_apart(srv, tmp_path):
    done = tmp_path / "done.ndjson"
    t1 = srv.url("/echo?tag=skip-t1").replace("://", "://tenant1@")
    t2 = srv.url("/echo?tag=skip-t1").replace("://", "://tenant2@")
    p1 = srv.url("/echo?tag=skip-p").replace("://", "://u:pw1@")
    p2 = srv.url("/echo?tag=skip-p").replace("://", "://u:pw2@")
    p = run(["-J", t1, p1])
    assert p.returncode == 0, p.stderr
    done.write_bytes(p.stdout)
    recs = records(p.stdout)
    # The record carries a digest of the unmasked URL, never the secret.
    assert all(len(r["url_digest"]) == 32 for r in recs)
    assert b"pw1" not in p.stdout and b"tenant1" not in p.stdout
    assert len(srv.seen("skip-t1")) == 1 and len(srv.seen("skip-p")) == 1
    p = run(["-J", "--skip-done", str(done), t1, t2, p1, p2])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == [1, 3]
    assert len(srv.seen("skip-t1")) == 2 and len(srv.seen("skip-p")) == 2
    # A URL without credentials has no digest: its url is the key.
    plain = srv.url("/json?skip-plain")
    (rec,) = records(run(["-J", plain]).stdout)
    assert "url_digest" not in rec
    done.write_text(json.dumps(rec) + "\n")
    assert run(["-J", "--skip-done", str(done), plain]).stdout == b""


def test_skip_done_reads_records_with_long_bodies(srv, tmp_path):
    # Only the head of each line is held: a record whose body is far
    # beyond 64 KiB is still read (its url and ok come first).
    done = tmp_path / "done.ndjson"
    url = srv.url("/bytes/300000")
    p = run(["-J", url])
    assert p.returncode == 0 and len(p.stdout) > 300000
    done.write_bytes(p.stdout)
    srv.reset()
    p = run(["-J", "--skip-done", str(done), url, srv.url("/json")])
    assert [r["index"] for r in records(p.stdout)] == [1]
    assert srv.stats()["total"] == 1


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_skip_done_device_is_a_usage_error(srv, path):
    p = run(["-J", "--skip-done", path, srv.url("/json?tag=skipdev")], timeout=30)
    assert p.returncode == 2
    assert path.encode() in p.stderr
    assert srv.seen("skipdev") == []


@pytest.mark.skipif(SANITIZED, reason="ASan's quarantine keeps every freed line buffer")
def test_skip_done_memory_is_a_digest_per_record(srv, tmp_path):
    # 300,000 ok records with 100-byte URLs: held as 16-byte digests (the
    # man page's 64 bytes per record at the peak), not as strings.
    done = tmp_path / "done.ndjson"
    empty = tmp_path / "empty.ndjson"
    empty.write_text("")
    pad = "x" * 80
    with open(done, "w") as f:
        for i in range(300000):
            f.write('{"index":%d,"url":"http://h.test/%s/%d","ok":true}\n' % (i, pad, i))
    args = [URLFAN, "-J", "--skip-done", str(done), "http://h.test/%s/7" % pad]
    code = ("import resource,subprocess,sys;"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE);"
            "print(p.returncode, len(p.stdout),"
            " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    base = subprocess.run(["/usr/bin/python3", "-c", code, URLFAN, "-J", "--skip-done",
                           str(empty), "http://h.test/%s/7" % pad, "-m", "0.001",
                           "--resolve", "h.test:80:127.0.0.1"],
                          capture_output=True, text=True, timeout=120).stdout.split()
    got = subprocess.run(["/usr/bin/python3", "-c", code, *args],
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert got[:2] == ["0", "0"]  # skipped: no request, no record
    grown_kib = int(got[2]) - int(base[2])
    # 64 bytes per record at most: 300,000 records in under 19 MiB
    # (strings would take 40 MiB and more).
    assert base[0] == "3", base  # the baseline run read its file and went on
    assert grown_kib < 300000 * 64 // 1024, (got, base)
    print("skip-done, 300,000 records: %d KiB more than none" % grown_kib)


# --------------------------------------------------------------------------
# 7, 8, 17. -O: temporary files out of the names' space, many bodies with
# one name, names on disk that are the record's "file"
# --------------------------------------------------------------------------

def fetch(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def wait_seen(srv, tag, timeout=30):
    deadline = time.monotonic() + timeout
    while not srv.seen(tag):
        assert time.monotonic() < deadline, "the server never saw " + tag
        time.sleep(0.02)


def tree(d):
    """Every path under d, relative, directories included."""
    out = []
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            out.append(os.path.relpath(os.path.join(root, n), d))
    return sorted(out)


@pytest.mark.parametrize("overwrite", [True, False], ids=["overwrite", "no-overwrite"])
def test_output_dir_final_name_never_meets_a_temporary_file(srv, tmp_path, overwrite):
    # A body streams slowly; meanwhile other bodies get --name values
    # equal to whatever temporary names exist under DIR (and to the name
    # an older urlfan would have used). Each body lands in its own file,
    # named by its record.
    d = tmp_path / "o"
    args = [URLFAN, "-J", "-O", str(d), "--name", "%{id}"] + (["--overwrite"] if overwrite else [])
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    tag = "tmpslow-%d" % overwrite
    slow = srv.url("/drip?n=8&interval=0.25&tag=" + tag)
    proc.stdin.write((json.dumps({"url": slow, "id": "slow"}) + "\n").encode())
    proc.stdin.flush()
    wait_seen(srv, tag)
    taken = set(tree(d)) | {".urlfan-%d-0.part" % proc.pid}
    for name in sorted(taken):
        spec = {"url": srv.url("/json?tag=tmpfast"), "id": name}
        proc.stdin.write((json.dumps(spec) + "\n").encode())
    proc.stdin.close()
    proc.stdin = None
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    recs = records(out)
    assert len(recs) == 1 + len(taken)
    want_slow = fetch(srv.url("/drip?n=8&interval=0"))
    want_fast = fetch(srv.url("/json"))
    files = set()
    for r in recs:
        assert r["ok"], r
        with open(r["file"], "rb") as f:
            assert f.read() == (want_slow if r["id"] == "slow" else want_fast), r
        files.add(r["file"])
    assert len(files) == len(recs)  # no two records name one file
    # Nothing but the records' files is left.
    assert {os.path.join(str(d), p) for p in tree(d)
            if os.path.isfile(os.path.join(str(d), p))} == files


def test_output_dir_many_bodies_with_one_name(srv, tmp_path):
    d = tmp_path / "o"
    urls = [srv.url("/json?i=%d" % i) for i in range(1003)]
    p = run(["-J", "-O", str(d), "--name", "same", *urls], timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    recs = records(p.stdout)
    assert len(recs) == 1003 and all(r["ok"] for r in recs)
    assert len({r["file"] for r in recs}) == 1003
    assert len(os.listdir(d)) == 1003
    assert all(os.path.isfile(r["file"]) for r in recs)


def test_output_dir_names_are_the_records_file_fields(srv, tmp_path):
    # Server-chosen names with C1 controls, bytes that are not UTF-8 and
    # a truncated sequence: the name on disk is valid UTF-8 with no
    # controls, and the record's "file" is that name, byte for byte, so
    # `jq -r .file | xargs cat` works.
    d = tmp_path / "o"
    values = ["a%c2%9bb", "raw%9bcsi%ff", "cut%e2%82", "nel%c2%85x", "caf%c3%a9"]
    urls = [srv.url("/with-header?name=X-Name&value=" + v) for v in values]
    p = run(["-J", "-O", str(d), "--name", "%{header{x-name}}", *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    on_disk = set(os.listdir(os.fsencode(d)))
    assert len(on_disk) == len(values)
    for r in recs:
        name = os.path.basename(r["file"]).encode()
        assert name in on_disk, (r["file"], on_disk)
        assert "\ufffd" not in r["file"]
        assert not any(0x80 <= ord(c) <= 0x9f or ord(c) < 0x20 for c in r["file"])
        with open(r["file"], "rb") as f:
            assert f.read() == b"ok"
    assert b"caf\xc3\xa9" in on_disk
    cat = subprocess.run("jq -r .file | xargs -d '\\n' cat", shell=True, input=p.stdout,
                         capture_output=True, timeout=30)
    assert cat.returncode == 0 and cat.stdout == b"ok" * len(values), cat.stderr


# --------------------------------------------------------------------------
# 18. White space before and after a line counts the same: not at all
# --------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["stdin", "file"])
def test_white_space_around_a_line_counts_the_same(srv, tmp_path, source):
    pad = b" \t" * 100000  # 200,000 bytes: past the reader's 128 KiB buffer
    url = srv.url("/json").encode()
    lines = [pad + url + b"?lead", url + b"?trail" + pad, pad + url + b"?both" + pad,
             url + b"?mid" + pad + b"x", url + b"?after"]
    data = b"\n".join(lines) + b"\n"
    if source == "file":
        f = tmp_path / "in.txt"
        f.write_bytes(data)
        p = run(["-J", "-i", str(f)])
    else:
        p = run(["-J"], input=data)
    recs = by_index(p.stdout)
    assert [recs[i]["ok"] for i in range(5)] == [True, True, True, False, True], p.stdout[-3000:]
    assert kind(recs[3]) == "invalid_input" and "64 KiB" in recs[3]["error"]["message"]
    assert recs[3]["error"]["message"].startswith("line 4:")
    assert p.returncode == 3
