"""Issue 20 point 14: --retry applies to HTTP/2's resets and cut-offs as it
does to HTTP/1.1's, against tests/h2server.py (python3-h2, h2c with prior
knowledge), which counts the attempts each key gets."""
import json
import os
import subprocess
import sys
import uuid

import pytest

from conftest import ROOT, records, run

H2SERVER = os.path.join(ROOT, "tests", "h2server.py")


@pytest.fixture(scope="module")
def h2():
    try:
        import h2.connection  # noqa: F401  (the server needs it)
    except ImportError:
        pytest.skip("python3-h2 missing (scripts/setup installs it)")
    proc = subprocess.Popen([sys.executable, H2SERVER], stdout=subprocess.PIPE, text=True)
    try:
        name, port = proc.stdout.readline().split()
        assert name == "PORT"
        yield int(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def attempts(port, key):
    p = run(["-J", "--http2-prior-knowledge", "http://127.0.0.1:%d/count/%s" % (port, key)])
    return records(p.stdout)[0]["body"]["attempts"]


def fetch(port, path, *args):
    key = uuid.uuid4().hex[:12]
    url = "http://127.0.0.1:%d/%s" % (port, path.format(key=key))
    p = run(["-J", "--http2-prior-knowledge", "--retry", "2", "--retry-delay", "0", *args, url],
            timeout=60)
    recs = records(p.stdout)
    assert len(recs) == 1, p.stdout
    return recs[0], attempts(port, key)


@pytest.mark.parametrize("path", [
    "rst/{key}/1",           # RST_STREAM(INTERNAL_ERROR)
    "rst/{key}/2?code=2",
    "goaway/{key}/1",        # GOAWAY with a last stream id below the request's
    "goaway-mid/{key}/1",    # GOAWAY after part of the body
    "rst/{key}/6?code=7",    # REFUSED_STREAM more often than libcurl retries it
])
def test_http2_resets_are_retried(h2, path):
    rec, seen = fetch(h2, path)
    assert rec["ok"] and rec["status"] == 200 and rec["body"] == "ok", rec
    assert rec["http_version"] == "2"
    if "code=7" in path:
        # libcurl retries a refused stream itself (5 times) before urlfan
        # sees a failure: one more attempt of urlfan's gets the answer.
        assert seen == 7 and rec["attempts"] == 2, (seen, rec)
    else:
        n = int(path.split("/")[2].split("?")[0])
        assert seen == n + 1 and rec["attempts"] == n + 1, (seen, rec)


def test_http2_reset_without_retries_left_is_a_protocol_failure(h2):
    rec, seen = fetch(h2, "rst/{key}/5")
    assert seen == 3 and rec["attempts"] == 3
    assert rec["error"]["kind"] == "protocol", rec
    assert "INTERNAL_ERROR" in rec["error"]["message"]


def test_http2_reset_of_a_post_is_retried_only_when_asked(h2):
    rec, seen = fetch(h2, "rst/{key}/1", "-d", "x=1")
    assert rec["method"] == "POST" and not rec["ok"] and seen == 1, rec
    rec, seen = fetch(h2, "rst/{key}/1", "-d", "x=1", "--retry-all-methods")
    assert rec["ok"] and seen == 2, rec
