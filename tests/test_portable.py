"""urlfan everywhere: what --version says, a build from libcurl alone, and
a first command (scripts/setup) that installs no servers.

The build test needs root and unshare(1) (a private mount namespace, so
that hiding the test libraries changes nothing outside it); elsewhere it
is skipped, and CI (.ci/run, as root) runs it."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run

# What --version lists as the libcurl features urlfan uses (man page, -V).
FEATURES = {"AsynchDNS", "brotli", "HTTP2", "HTTPS-proxy", "IDN", "IPv6", "libz", "SSL",
            "UnixSockets", "zstd"}


def version_fields(text):
    """{"Features": [...], "Missing": [...], "Poller": "epoll", ...} from
    the "Name: value" lines of --version's output."""
    fields = {}
    for line in text.splitlines()[2:]:
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def test_version_says_libcurl_features_and_poller():
    p = run(["--version"])
    assert p.returncode == 0, p.stderr
    text = p.stdout.decode()
    lines = text.splitlines()
    assert re.fullmatch(r"urlfan \d+\.\d+\.\d+\S*", lines[0]), lines[0]
    assert lines[1].startswith("libcurl/"), lines[1]
    f = version_fields(text)
    assert re.fullmatch(r"\d+\.\d+\.\d+.* \(built with \d+\.\d+\.\d+.*\)", f["libcurl"]), f
    assert f["libcurl"].split()[0] == lines[1].split()[0].split("/")[1]
    have = set(f.get("Features", "").split())
    missing = set(f.get("Missing", "").split())
    assert have | missing == FEATURES and not have & missing, (have, missing)
    # The TLS backend is the one named in the library list.
    if "SSL" in have:
        assert f["TLS backend"] in lines[1].split(), (f["TLS backend"], lines[1])
    # The same libcurl as curl(1) here (Debian's): the same features.
    curl = shutil.which("curl")
    if curl:
        cv = subprocess.run([curl, "-V"], capture_output=True, text=True, timeout=10).stdout
        if lines[1].split()[0] in cv.split():
            curl_features = set(re.search(r"^Features: (.*)$", cv, re.M).group(1).split())
            assert have == FEATURES & curl_features, (have, curl_features)
    # scripts/test --poller NAME says which backend it built.
    assert f["Poller"] in {"epoll", "poll"}
    if os.environ.get("URLFAN_POLLER"):
        assert f["Poller"] == os.environ["URLFAN_POLLER"]


# ---------------------------------------------------------------------------
# scripts/setup, the README's first command, installs no servers
# ---------------------------------------------------------------------------

NOT_FIRST = ["nginx", "openssh-server", "valgrind", "clang", "wrk", "wget2", "zsh", "fish",
             "tmux", "parallel"]


def stub_env(tmp_path, installed=()):
    """A PATH whose apt-get and dpkg-query only log their arguments (to
    tmp_path/log); dpkg-query says installed only for the given packages.
    No sudo on it (the stubs need none); the rest of PATH as it is."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "log"
    policy = tmp_path / "policy-rc.d"
    # apt-get also logs what a service start would be told while it runs.
    (bin_ / "apt-get").write_text(
        '#!/bin/sh\nif [ -x "%s" ]; then "%s"; rc=$?; else rc=none; fi\n'
        'echo "apt-get $* policy-rc.d=$rc" >>"%s"\n' % (policy, policy, log))
    ok = " ".join(installed)
    (bin_ / "dpkg-query").write_text(
        '#!/bin/sh\necho "dpkg-query $*" >>"%s"\n'
        'for p in "$@"; do :; done\n'
        'case " %s " in *" $p "*) printf "install ok installed";; '
        '*) echo "dpkg-query: no packages found matching $p" >&2; exit 1;; esac\n' % (log, ok))
    (bin_ / "sudo").write_text('#!/bin/sh\necho "sudo $*" >>"%s"\nexec "$@"\n' % log)
    for f in bin_.iterdir():
        f.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (bin_, env["PATH"])
    env["POLICY_RC_D"] = str(policy)
    return env, log


def asked_for(log):
    """Every package name apt-get install was given."""
    names = []
    for line in log.read_text().splitlines() if log.exists() else []:
        words = line.split()
        if words[:1] == ["apt-get"] and "install" in words:
            names += [w for w in words[words.index("install") + 1:]
                      if not w.startswith(("-", "policy-rc.d="))]
    return names


def test_first_command_installs_no_servers(tmp_path):
    env, log = stub_env(tmp_path)
    p = subprocess.run([os.path.join(ROOT, "scripts", "setup"), "--deps-only"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    names = asked_for(log)
    # It does install what building and the demo need...
    for need in ("gcc", "meson", "ninja-build", "libcurl4-openssl-dev", "scdoc", "jq", "curl"):
        assert need in names, (need, names)
    # ...and none of the test, benchmark and fuzzing tools.
    assert not set(names) & set(NOT_FIRST), sorted(set(names) & set(NOT_FIRST))
    assert not [n for n in names if n.startswith(("clang", "libclang", "libnginx"))], names
    # It says what it installs and why.
    assert "installing" in p.stdout and " for building urlfan" in p.stdout, p.stdout


def test_install_steps_say_what_and_why(tmp_path):
    """Each script installs what it needs itself, printing what and why;
    those that install a server deny it a start (policy-rc.d), and put
    back what was there."""
    env, log = stub_env(tmp_path)
    policy = tmp_path / "policy-rc.d"
    steps = {"test": ["scripts/test", "--deps-only"],
             "bench": ["scripts/bench", "--deps-only"],
             "fuzz": ["scripts/fuzz", "--deps-only"]}
    asked = {}
    for name, argv in steps.items():
        log.unlink(missing_ok=True)
        # bench finds a policy-rc.d of the machine's own, and must put it back.
        if name == "bench":
            policy.write_text("#!/bin/sh\nexit 0\n")
            policy.chmod(0o755)
        p = subprocess.run([os.path.join(ROOT, argv[0]), *argv[1:]], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (name, p.stdout + p.stderr)
        asked[name] = set(asked_for(log))
        out = p.stdout + p.stderr
        assert asked[name] and "installing" in out and " for " in out, (name, out)
        installs = [line for line in log.read_text().splitlines() if " install " in line]
        if asked[name] & {"nginx", "openssh-server"}:
            # No service may start while the packages go in...
            assert all(line.endswith("policy-rc.d=101") for line in installs), installs
        # ...and afterwards the machine's own policy is as it was.
        if name == "bench":
            assert policy.read_text() == "#!/bin/sh\nexit 0\n"
            policy.unlink()
        else:
            assert not policy.exists(), name
    assert {"nginx", "openssh-server", "zsh", "fish", "tmux", "parallel"} \
        <= asked["test"], asked["test"]
    assert {"nginx", "wrk", "wget2"} <= asked["bench"], asked["bench"]
    assert {"clang", "libclang-rt-14-dev"} <= asked["fuzz"], asked["fuzz"]


def test_no_install_starts_a_service():
    """nginx and openssh-server are installed by scripts/install-deps only,
    which holds Debian's service starts with a policy-rc.d that exits 101
    while it installs (test_install_steps_say_what_and_why checks it at
    work): no other script names them on a line that runs apt-get."""
    scripts = os.path.join(ROOT, "scripts")
    for name in os.listdir(scripts):
        path = os.path.join(scripts, name)
        if not os.path.isfile(path) or name == "install-deps":
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if re.search(r"apt-get\W+install", line):
                    assert not re.search(r"\b(nginx|openssh-server)\b", line), (name, line)
    with open(os.path.join(scripts, "install-deps"), encoding="utf-8") as f:
        text = f.read()
    assert "policy-rc.d" in text and "exit 101" in text


# ---------------------------------------------------------------------------
# The program builds from libcurl alone
# ---------------------------------------------------------------------------

HIDE_SCRIPT = r"""
set -eu
empty=$(mktemp -d)
# Every pkg-config file and CMake package dir of cmocka and cJSON, of
# each architecture installed.
pkgs=$(dpkg-query -W -f='${Package}:${Architecture}\n' libcmocka-dev libcjson-dev 2>/dev/null || :)
for f in $(for p in $pkgs; do dpkg -L "$p"; done | grep -E '\.pc$|/cmake/[^/]+$'); do
	if [ -d "$f" ]; then mount --bind "$empty" "$f"
	elif [ -f "$f" ]; then mount --bind /dev/null "$f"
	fi
done
pkg-config --exists cmocka && { echo "cmocka still visible"; exit 3; }
pkg-config --exists libcjson && { echo "cJSON still visible"; exit 3; }
cd "$1"
meson setup "$2" >"$2.log" 2>&1 || { cat "$2.log"; exit 1; }
grep -i "tests are not built" "$2.log"
ninja -C "$2" >>"$2.log" 2>&1 || { cat "$2.log"; exit 1; }
"$2/src/urlfan" --version
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="needs root and unshare(1) for a private mount namespace")
@pytest.mark.skipif(bool(os.environ.get("URLFAN_SANITIZED") or os.environ.get("URLFAN_POLLER")),
                    reason="a build of the source tree, the same whichever binary is tested: "
                    "run once, with the normal build's suite")
def test_builds_with_libcurl_alone(tmp_path):
    build = tmp_path / "b"
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", HIDE_SCRIPT,
                        "sh", ROOT, str(build)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    assert "tests are not built" in p.stdout
    assert p.stdout.count("urlfan ") >= 1 and "libcurl/" in p.stdout, p.stdout
    # Nothing of the tests was made: only the program.
    assert (build / "src" / "urlfan").exists()
    assert not (build / "tests" / "test_json").exists()


# ---------------------------------------------------------------------------
# A release tarball builds with neither git nor scdoc
# ---------------------------------------------------------------------------

@pytest.mark.skipif(not shutil.which("git") or not os.path.exists(os.path.join(ROOT, ".git")),
                    reason="meson dist needs a git checkout")
@pytest.mark.skipif(bool(os.environ.get("URLFAN_SANITIZED") or os.environ.get("URLFAN_POLLER")),
                    reason="a build of the source tree, the same whichever binary is tested: "
                    "run once, with the normal build's suite")
def test_dist_tarball_builds_without_git_or_scdoc(tmp_path):
    def sh(argv, **kw):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=900, **kw)
        assert p.returncode == 0, (argv, p.stdout[-3000:], p.stderr[-3000:])
        return p.stdout

    with open(os.path.join(ROOT, "meson.build"), encoding="utf-8") as f:
        project_version = re.search(r"version: '([^']+)'", f.read()).group(1)
    version = sh([os.path.join(ROOT, "scripts", "version"), project_version]).strip()
    # From git: the project's version and the commit, or a tag's description.
    assert re.fullmatch(r"\d+\.\d+\.\d+(-\d+)?(-g[0-9a-f]+)?(-dirty)?", version), version
    sh(["meson", "setup", str(tmp_path / "d"), ROOT, "-Dtests=disabled"])
    sh(["meson", "dist", "-C", str(tmp_path / "d"), "--no-tests", "--formats", "gztar",
        "--allow-dirty"])
    (tarball,) = (tmp_path / "d" / "meson-dist").glob("*.tar.gz")
    sh(["tar", "xzf", str(tarball), "-C", str(tmp_path)])
    (src,) = [d for d in tmp_path.iterdir() if d.name.startswith("urlfan-")]
    assert (src / "man" / "urlfan.1").read_text().startswith(".\\\" Generated by scdoc")
    # A PATH with everything of this machine's but git and scdoc.
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for d in ("/usr/local/bin", "/usr/bin", "/bin"):
        for name in os.listdir(d) if os.path.isdir(d) else ():
            if name not in ("git", "scdoc") and not (bin_ / name).exists():
                (bin_ / name).symlink_to(os.path.join(d, name))
    env = dict(os.environ, PATH=str(bin_))
    out = sh(["meson", "setup", str(tmp_path / "b"), "-Dtests=disabled"], cwd=src, env=env)
    assert "scdoc found: NO" in out, out
    sh(["ninja", "-C", str(tmp_path / "b")], env=env)
    sh(["meson", "install", "-C", str(tmp_path / "b"), "--destdir", str(tmp_path / "dest")],
       env=env)
    man = list((tmp_path / "dest").rglob("man1/urlfan.1"))
    assert man and man[0].read_bytes() == (src / "man" / "urlfan.1").read_bytes(), man
    first = sh([str(tmp_path / "b" / "src" / "urlfan"), "--version"]).splitlines()[0]
    assert first == "urlfan " + version, (first, version)


# ---------------------------------------------------------------------------
# stdout's flags: urlfan's non-blocking output never leaks to the others
# ---------------------------------------------------------------------------

def test_stdout_left_as_found(srv):
    """urlfan writes to a pipe non-blocking: through a descriptor of its
    own (/proc/self/fd/1), or where there is none (-Dportable=true builds)
    on fd 1 itself, its flags restored on every way out. Either way the
    pipe, shared with whoever else writes to it, is blocking afterwards:
    after a normal run, a usage error, and a reader that left (SIGPIPE)."""
    import fcntl
    import signal
    from conftest import URLFAN
    cases = [(["-J", srv.url("/json")], 0, False),
             (["--no-such-option"], 2, False),
             (["-J", srv.url("/bytes/1000000"), srv.url("/delay/0.2")], -signal.SIGPIPE, True)]
    for args, want, close_reader in cases:
        r, w = os.pipe()
        try:
            p = subprocess.Popen([URLFAN, *args], stdout=w, stderr=subprocess.DEVNULL,
                                 stdin=subprocess.DEVNULL)
            if close_reader:
                os.close(r)
                r = -1
            # The records fit in the pipe: read them after the exit.
            assert p.wait(timeout=60) == want, args
            assert not fcntl.fcntl(w, fcntl.F_GETFL) & os.O_NONBLOCK, args
        finally:
            os.close(w)
            if r >= 0:
                os.close(r)
