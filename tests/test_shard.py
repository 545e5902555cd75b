"""Issue 12, scale: --shard K/N and --shard-by host, the shard outputs
merged back with sort -m, and the README's recipes for spreading one list
over cores (GNU parallel -j, --pipe), CI matrices, Kubernetes Indexed Jobs
and machines (parallel --sshlogin, against an OpenSSH server this test
starts on 127.0.0.1 with keys made here)."""
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import ROOT, URLFAN, records, run

README = os.path.join(ROOT, "README.md")
SECTION = "Spreading one list over cores and machines"
DOC_BASE = "http://localhost:8080"


def fnv1a(text):
    """hash.h's hash_str, to predict which shard a host goes to."""
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % 2 ** 64
    return h


def shard_urls(srv, n=60, hosts=("s1.test", "s2.test", "s3.test", "s4.test", "s5.test")):
    return [srv.url("/json?i=%d" % i, hosts[i % len(hosts)]) for i in range(n)], hosts


def test_shard_by_index_splits_the_list_exactly(srv):
    urls, hosts = shard_urls(srv)
    lines = urls[:10] + ["not a url"] + urls[10:]  # index 10 is invalid
    seen = []
    for k in (1, 2, 3):
        p = run(["-J", "--no-body", "--shard", "%d/3" % k, "--stats=json",
                 *srv.resolve(*hosts)], input="\n".join(lines).encode())
        recs = records(p.stdout)
        # Indexes are the whole list's.
        assert all(r["index"] % 3 == k - 1 for r in recs), (k, [r["index"] for r in recs])
        # Another shard's requests are neither records nor failures.
        assert json.loads(p.stderr)["requests"] == len(recs)
        assert p.returncode == (3 if k == 2 else 0), (k, p.returncode)  # 10 % 3 == 1
        seen += recs
    assert sorted(r["index"] for r in seen) == list(range(len(lines)))
    bad = [r for r in seen if r["index"] == 10]
    assert bad[0]["error"]["kind"] == "invalid_input"
    assert srv.stats()["total"] == len(urls)  # each URL fetched once


def test_shard_by_host_gives_each_host_to_one_shard(srv):
    urls, hosts = shard_urls(srv, n=200, hosts=tuple("h%d.test" % i for i in range(12)))
    # Four shard processes at once, as parallel would run them: per-host
    # limits hold across them, since each host is in one shard only.
    procs = [subprocess.Popen(
        [URLFAN, "-J", "--no-body", "-p", "2", "--shard", "%d/4" % k, "--shard-by", "host",
         *srv.resolve(*hosts), *(u.replace("/json?", "/delay/0.05?") for u in urls)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE) for k in (1, 2, 3, 4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _, e in outs]
    owner = {}
    total = 0
    for k, (out, _) in enumerate(outs, 1):
        for r in records(out):
            host = r["url"].split("/")[2]
            assert owner.setdefault(host, k) == k, host  # one shard per host
            assert fnv1a(host) % 4 == k - 1, host  # the documented hash
            total += 1
    assert total == 200 and len(owner) == 12
    st = srv.stats()
    assert max(st["peak"].values()) == 2


def test_shard_outputs_merge_back_into_input_order(srv, tmp_path):
    urls, hosts = shard_urls(srv, n=80)
    lines = list(urls)
    lines[5] = '{"url": "%s", "id": "five"}' % urls[5]  # a spec: index still first
    lines[7] = "bad"
    (tmp_path / "urls.txt").write_text("\n".join(lines) + "\n")
    whole = run(["-J", "--no-body", "--order", "input", *srv.resolve(*hosts),
                 "-i", str(tmp_path / "urls.txt")])
    for by in ("index", "host"):
        names = []
        for k in (1, 2, 3):
            out = tmp_path / ("shard-%s-%d.ndjson" % (by, k))
            p = run(["-J", "--no-body", "--order", "input", "-j", "4", "--shard", "%d/3" % k,
                     "--shard-by", by, *srv.resolve(*hosts), "-i", str(tmp_path / "urls.txt")])
            out.write_bytes(p.stdout)
            assert all(line.startswith(b'{"index":') for line in p.stdout.splitlines())
            names.append(str(out))
        merged = subprocess.run(["sort", "-m", "-t:", "-k2,2n", *names], capture_output=True,
                                check=True).stdout
        key = lambda r: (r["index"], r["url"], r.get("id"), r["status"])
        assert [key(r) for r in records(merged)] == [key(r) for r in records(whole.stdout)]
        assert [r["index"] for r in records(merged)] == list(range(80))


def test_other_shards_lines_move_the_input_order_window_on(srv, tmp_path):
    # --order input with -j 1 has a window of 5 records. Another shard's
    # lines must move it on at once, not one window per wake-up of the
    # loop (once a second when idle): 2000 lines would take minutes.
    urls = [srv.url("/json?i=%d" % i) for i in range(2000)]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    p = run(["-J", "--no-body", "-j", "1", "--order", "input", "--shard", "100/100",
             "--deadline", "60", "-i", str(tmp_path / "urls.txt")])
    assert p.returncode == 0, p.stderr
    assert [r["index"] for r in records(p.stdout)] == list(range(99, 2000, 100))


def test_save_unfinished_keeps_only_this_shards_lines(srv, tmp_path):
    # 200 lines from a file, 2 in flight when --deadline stops the run:
    # most lines are not even read then. The saved file holds this
    # shard's lines only, read or not, less those with an ok record.
    urls = [srv.url("/delay/2?i=%d" % i) for i in range(200)]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    save = tmp_path / "todo.txt"
    p = run(["-J", "--no-body", "-j", "2", "--shard", "2/3", "--deadline", "0.5",
             "--save-unfinished", str(save), "-i", str(tmp_path / "urls.txt")])
    assert p.returncode == 130
    done = {r["url"] for r in records(p.stdout) if r["ok"]}
    assert len(done) == 2
    left = save.read_text().split()
    assert left == [u for i, u in enumerate(urls) if i % 3 == 1 and u not in done]


# ---------------------------------------------------------------------------
# The README's recipes
# ---------------------------------------------------------------------------

def recipes():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(SECTION), text, re.M | re.S)
    assert m, "README.md has no section %r" % SECTION
    return [line[4:] for line in m.group(1).splitlines() if line.startswith("    ")]


def test_recipes_are_found():
    found = recipes()
    for word in ("parallel -j", "parallel --pipe", "parallel --sshlogin",
                 "JOB_COMPLETION_INDEX", "CI_NODE_INDEX", "sort -m -t: -k2,2n"):
        assert any(word in r for r in found), word


@pytest.fixture
def recipe_dir(srv, tmp_path):
    """A directory with urls.txt (two hosts' URLs) and a PATH whose first
    entry links urlfan to the binary under test."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(URLFAN), str(bindir / "urlfan"))
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ)
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["HOME"] = str(tmp_path)  # GNU parallel keeps its state under ~/.parallel
    return work, env, bindir


def write_urls(srv, work, n):
    hosts = ("127.0.0.1", "localhost")
    urls = [srv.url("/json?i=%d" % i, hosts[i % 2]) for i in range(n)]
    (work / "urls.txt").write_text("\n".join(urls) + "\n")
    return urls


def run_recipe(cmd, work, env, extra_env=(), timeout=300):
    full = dict(env)
    full.update(extra_env)
    return subprocess.run(["bash", "-c", cmd], cwd=str(work), env=full, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def check_merged(work, urls, name="records.ndjson"):
    recs = records((work / name).read_bytes())
    assert sorted(r["url"] for r in recs) == sorted(urls)  # each URL exactly once
    assert all(r["ok"] for r in recs)
    return recs


@pytest.mark.skipif(not shutil.which("parallel"), reason="GNU parallel (Debian parallel) missing")
def test_parallel_recipes_on_one_machine(srv, recipe_dir):
    work, env, _ = recipe_dir
    urls = write_urls(srv, work, 300)
    for cmd in recipes():
        if "parallel -j" in cmd:
            p = run_recipe(cmd, work, env)
            assert p.returncode == 0, p.stderr.decode()
            recs = check_merged(work, urls)
            # Merged back into input order, with the whole list's indexes.
            assert [r["index"] for r in recs] == list(range(300))
        elif "parallel --pipe" in cmd:
            p = run_recipe(cmd, work, env)
            assert p.returncode == 0, p.stderr.decode()
            check_merged(work, urls)


def test_ci_and_kubernetes_recipes(srv, recipe_dir):
    work, env, _ = recipe_dir
    urls = write_urls(srv, work, 90)
    ran = 0
    for cmd in recipes():
        if "JOB_COMPLETION_INDEX" in cmd:
            # An Indexed Job of 4 completions: indexes 0..3.
            for i in range(4):
                p = run_recipe(cmd, work, env, {"JOB_COMPLETION_INDEX": str(i)})
                assert p.returncode == 0, p.stderr.decode()
        elif "CI_NODE_INDEX" in cmd:
            # GitLab CI's parallel: 4 numbers its jobs 1..4.
            for i in range(1, 5):
                p = run_recipe(cmd, work, env, {"CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": "4"})
                assert p.returncode == 0, p.stderr.decode()
        else:
            continue
        ran += 1
        outs = sorted(work.glob("shard-*.ndjson"))
        assert len(outs) == 4, outs
        merged = subprocess.run(["sort", "-m", "-t:", "-k2,2n", *map(str, outs)],
                                capture_output=True, check=True).stdout
        recs = records(merged)
        assert sorted(r["url"] for r in recs) == sorted(urls)
        assert [r["index"] for r in recs] == list(range(90))
        for f in outs:
            f.unlink()
    assert ran == 2


# ---------------------------------------------------------------------------
# Several machines: parallel --sshlogin against a real sshd on 127.0.0.1
# ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path, recipe_dir):
    """sshd as a non-daemon child on a free 127.0.0.1 port, with a host key
    and an authorized key made here, a config of its own and the test's
    user (root in CI: root may log in with a key only). Yields the path of
    an ssh_config naming two logins, host1 and host2."""
    exe = "/usr/sbin/sshd"
    if not os.path.exists(exe) or not shutil.which("parallel") or not shutil.which("rsync"):
        pytest.skip("openssh-server, parallel or rsync missing (scripts/test installs them)")
    _, _, bindir = recipe_dir
    d = tmp_path / "ssh"
    d.mkdir()
    for name in ("hostkey", "userkey"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)],
                       check=True, stdin=subprocess.DEVNULL)
    shutil.copy(d / "userkey.pub", d / "authorized_keys")
    # sshd insists on its privilege separation directory.
    if not os.path.isdir("/run/sshd") and os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    port = free_port()
    (d / "sshd_config").write_text(
        "Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\n"
        "PidFile none\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "SetEnv PATH=%s:/usr/bin:/bin\nLogLevel INFO\n"
        % (port, d / "hostkey", d / "authorized_keys", bindir))
    (d / "known_hosts").write_text("[127.0.0.1]:%d %s" % (port, (d / "hostkey.pub").read_text()))
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    (d / "ssh_config").write_text(
        "Host host1 host2\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n"
        "  IdentitiesOnly yes\n  StrictHostKeyChecking yes\n  UserKnownHostsFile %s\n"
        "  BatchMode yes\n  LogLevel ERROR\n" % (port, user, d / "userkey", d / "known_hosts"))
    proc = subprocess.Popen([exe, "-D", "-e", "-f", str(d / "sshd_config")],
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        # -e: it says on stderr when it listens (or why it cannot).
        for line in proc.stderr:
            if "Server listening on 127.0.0.1 port %d" % port in line:
                break
        else:
            pytest.fail("sshd did not start: " + line)
        yield d / "ssh_config"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_sshlogin_recipe_spreads_20000_urls_over_two_machines(srv, recipe_dir, sshd):
    work, env, _ = recipe_dir
    urls = write_urls(srv, work, 20000)
    (cmd,) = [r for r in recipes() if "--sshlogin" in r]
    assert "--shard {}/4 --shard-by host" in cmd and "::: 1 2 3 4" in cmd
    # GNU parallel runs ssh (and rsync over ssh) as PARALLEL_SSH says.
    p = run_recipe(cmd, work, env, {"PARALLEL_SSH": "ssh -F %s" % sshd}, timeout=600)
    assert p.returncode == 0, p.stderr.decode()[-3000:]
    recs = check_merged(work, urls)
    assert [r["index"] for r in recs] == list(range(20000))
    # Four shard files came back from the logins.
    assert len(list(work.glob("shard-*.ndjson"))) == 4
    limit = int(re.search(r" -p (\d+) ", cmd).group(1))
    st = srv.stats()
    assert st["total"] == 20000
    assert max(st["peak"].values()) <= limit, st["peak"]
