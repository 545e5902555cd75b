"""Fixtures for urlfan's integration tests.

The test server (tests/server.py) binds 127.0.0.1 on port 0 and prints the
port it got; nothing here sleeps to wait for it. Several "hosts" are the
same server reached under different names with --resolve NAME:PORT:127.0.0.1,
and the server keys its in-flight counters by the Host header.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import pytest

ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URLFAN = os.environ.get("URLFAN") or os.path.join(ROOT, "build", "src", "urlfan")
SERVER = os.path.join(ROOT, "tests", "server.py")
# scripts/test --asan sets this: AddressSanitizer's shadow memory and
# quarantine multiply a process's peak RSS, so memory bounds are asserted
# on the normal build and only scaled up here.
SANITIZED = os.environ.get("URLFAN_SANITIZED") == "1"
MEM_SCALE = 8 if SANITIZED else 1
# A developer's own ~/.config/urlfan/config must not change what the suite
# sees: every urlfan it starts looks for its default config file in an
# empty directory (a test that means to read one sets its own).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="urlfan-test-config-")


class Server:
    def __init__(self, args=()):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, *args],
            stdout=subprocess.PIPE, text=True)
        self.ports = {}
        for _ in range(2 + ("--tls-cert" in args)):
            name, port = self.proc.stdout.readline().split()
            self.ports[name] = int(port)
        self.port = self.ports["PORT"]
        # Accepts TCP and never answers (see server.py).
        self.silent_port = self.ports["SILENTPORT"]

    def url(self, path, host="127.0.0.1"):
        return "http://%s:%d%s" % (host, self.port, path)

    def resolve(self, *hosts):
        """--resolve options sending each name to this server."""
        args = []
        for h in hosts:
            args += ["--resolve", "%s:%d:127.0.0.1" % (h, self.port)]
        return args

    def key(self, host):
        return "%s:%d" % (host, self.port)

    def stats(self):
        with urllib.request.urlopen(self.url("/stats"), timeout=10) as r:
            return json.load(r)

    def seen(self, tag):
        """The heads of the requests that carried tag=TAG in their query, in
        arrival order: [{"method", "target", "headers": [[name, value], ...]}]
        with the header names as sent, repeats kept."""
        url = self.url("/seen?tag=" + urllib.parse.quote(tag))
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)["requests"]

    def reset(self):
        with urllib.request.urlopen(self.url("/stats/reset"), timeout=10) as r:
            r.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def srv(server):
    """The shared server with its counters reset for this test."""
    server.reset()
    return server


def run(args, input=None, timeout=120, env=None):
    """Run urlfan; stdin is /dev/null unless input is given."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [URLFAN, *args],
        input=input if input is not None else None,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True, timeout=timeout, env=full_env)


def records(stdout):
    """Parse ndjson output: every line must be one whole JSON object."""
    text = stdout.decode() if isinstance(stdout, bytes) else stdout
    return [json.loads(line) for line in text.splitlines()]
