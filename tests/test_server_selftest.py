"""Self-test of tests/server.py, the HTTP server urlfan's integration tests use.

Run with: /usr/bin/python3 -m pytest -q tests/test_server_selftest.py
Only the standard library is used on the client side (http.client, urllib).
"""
import http.client
import json
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("server.py")

JSON_BODY = (
    rb'{"name": "urlfan", "big": 12345678901234567890, "precise": 9007199254740993,'
    rb' "huge": 1e400, "float": 1.50, "esc": "a\u00e9\n\"q\"", "list": [1, 2, 3],'
    rb' "nested": {"k": null, "t": true}}'
)


class ServerProcess:
    """tests/server.py as a subprocess; `ports` maps PORT/TLSPORT/SILENTPORT to
    numbers."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, str(SERVER), *args],
                                     stdout=subprocess.PIPE, text=True)
        self.ports = {}
        for _ in range(3 if "--tls-cert" in args else 2):
            line = self.proc.stdout.readline()
            assert line, "server exited before printing its port"
            name, port = line.split()
            self.ports[name] = int(port)
        self.port = self.ports["PORT"]
        self.silent_port = self.ports["SILENTPORT"]

    def stop(self):
        """SIGTERM; the server must exit 0 without printing anything more."""
        self.proc.send_signal(signal.SIGTERM)
        rest, _ = self.proc.communicate(timeout=10)
        assert self.proc.returncode == 0
        assert rest == ""

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection; returns (response, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp, resp.read()
        finally:
            conn.close()

    def get_json(self, path, **kwargs):
        resp, body = self.request("GET", path, **kwargs)
        return json.loads(body)


@pytest.fixture(scope="module")
def http_server():
    server = ServerProcess()
    yield server
    server.stop()


@pytest.fixture
def srv(http_server):
    """The module's server with its counters reset."""
    assert http_server.get_json("/stats/reset") == {"reset": True}
    return http_server


def test_json_bytes_exact(srv):
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/json?x=1", timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/json"
        assert r.read() == JSON_BODY


def test_status_404_and_unknown_path(srv):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/status/404", timeout=10)
    assert err.value.code == 404
    assert err.value.read() == b"status 404\n"

    resp, body = srv.request("GET", "/no/such/path?q=1")
    assert resp.status == 404
    assert json.loads(body) == {"error": "not found", "path": "/no/such/path"}


def test_echo_round_trip(srv):
    body = "héllo\nwörld".encode()
    resp, data = srv.request("POST", "/echo?a=1&b=2", body=body,
                             headers={"X-Test": "yes", "Content-Type": "text/plain"})
    assert resp.status == 200
    echo = json.loads(data)
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo"
    assert echo["query"] == "a=1&b=2"
    assert echo["body"] == "héllo\nwörld"
    assert echo["headers"]["X-Test"] == "yes"
    assert echo["headers"]["Content-Length"] == str(len(body))

    # The same body sent with chunked transfer-encoding.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("PUT", "/echo", body=iter([body[:3], body[3:]]), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    echo = json.loads(conn.getresponse().read())
    conn.close()
    assert (echo["method"], echo["body"]) == ("PUT", "héllo\nwörld")


def test_redirect_chain(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    path, seen = "/redirect/2", []
    for _ in range(5):
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        seen.append(resp.status)
        if resp.status != 302:
            break
        path = resp.headers["Location"]
    conn.close()
    assert seen == [302, 302, 200]
    assert path == "/redirect/0"

    # A following client ends on the final JSON.
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/redirect/2", timeout=10) as r:
        assert json.load(r) == {"redirected": True}


def test_keep_alive_and_connection_close(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/text")
    first = conn.getresponse()
    assert first.read() == "hello, world\nsecond line é\n".encode()
    sock = conn.sock
    conn.request("GET", "/binary")
    second = conn.getresponse()
    assert second.read() == bytes(range(256))
    assert conn.sock is sock  # same connection reused
    conn.request("GET", "/json", headers={"Connection": "close"})
    last = conn.getresponse()
    assert last.read() == JSON_BODY
    assert last.will_close
    conn.close()


def test_stats_peak_counting(srv):
    host = f"a.test:{srv.port}"
    start = threading.Barrier(5)
    results = []

    def fetch():
        start.wait()
        resp, body = srv.request("GET", "/delay/0.5", headers={"Host": host})
        results.append((resp.status, json.loads(body)))

    threads = [threading.Thread(target=fetch) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(200, {"delay": 0.5, "path": "/delay/0.5"})] * 5

    stats = in_flight_part(srv.get_json("/stats"))
    assert stats == {
        "peak_total": 5,
        "peak": {host: 5},
        "total": 5,
        "count": {host: 5},
        "inflight_total": 0,
        "inflight": {},
        "paths": {"/delay/0.5": 5},
    }
    # /stats itself is never counted.
    assert srv.get_json("/stats")["total"] == 5


def in_flight_part(stats):
    """/stats without the connection counters (see test_connection_counts)."""
    return {k: v for k, v in stats.items()
            if k not in ("connections", "host_connections", "tls_connections", "tls_resumed",
                         "silent_accepted")}


def test_connection_counts(srv):
    # Three requests on one keep-alive connection, one on another; the
    # connection is counted under the Host of its first counted request.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/json", headers={"Host": "c.test"})
            conn.getresponse().read()
    finally:
        conn.close()
    srv.request("GET", "/json", headers={"Host": "d.test"})
    stats = srv.get_json("/stats")
    assert stats["host_connections"] == {"c.test": 1, "d.test": 1}
    assert stats["count"] == {"c.test": 3, "d.test": 1}
    # Every accepted connection counts, /stats' own too.
    assert stats["connections"] >= 2


def test_silent_port_accepts_and_never_answers(srv):
    import socket
    before = srv.get_json("/stats")["silent_accepted"]
    with socket.create_connection(("127.0.0.1", srv.silent_port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(0.3)
        with pytest.raises(socket.timeout):
            s.recv(1)
    assert srv.get_json("/stats")["silent_accepted"] == before + 1


def test_stats_reset(srv):
    srv.request("GET", "/json")
    srv.request("GET", "/text", headers={"Host": "B.Test"})
    stats = srv.get_json("/stats")
    assert stats["total"] == 2
    assert stats["count"] == {f"127.0.0.1:{srv.port}": 1, "b.test": 1}  # Host lower-cased

    # A request still in flight across the reset keeps counting as in flight.
    slow = threading.Thread(target=srv.request, args=("GET", "/delay/0.5"))
    slow.start()
    deadline = time.monotonic() + 5
    while srv.get_json("/stats")["inflight_total"] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.get_json("/stats/reset") == {"reset": True}
    stats = in_flight_part(srv.get_json("/stats"))
    key = f"127.0.0.1:{srv.port}"
    assert stats == {"peak_total": 1, "peak": {key: 1}, "total": 0, "count": {},
                     "inflight_total": 1, "inflight": {key: 1}, "paths": {}}
    slow.join()
    assert srv.get_json("/stats")["inflight_total"] == 0

    srv.get_json("/stats/reset")
    assert in_flight_part(srv.get_json("/stats")) == {"peak_total": 0, "peak": {}, "total": 0, "count": {},
                                      "inflight_total": 0, "inflight": {}, "paths": {}}


def test_seen_records_request_heads_by_tag(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.putrequest("GET", "/json?x=1&tag=t1", skip_accept_encoding=True)
    conn.putheader("X-Twice", "a")
    conn.putheader("x-twice", "b")
    conn.putheader("Accept-Encoding", "gzip, br")
    conn.endheaders()
    assert conn.getresponse().read() == JSON_BODY
    conn.close()
    resp, _ = srv.request("POST", "/echo?tag=t1", body=b"hi")
    assert resp.status == 200
    srv.request("GET", "/text")  # no tag: not recorded
    srv.request("GET", "/no/such/path?tag=t2")  # any path, even a 404

    host = f"127.0.0.1:{srv.port}"
    first, second = srv.get_json("/seen?tag=t1")["requests"]
    # Names as spelled, repeats kept, in the order sent.
    assert first == {"method": "GET", "target": "/json?x=1&tag=t1",
                     "headers": [["Host", host], ["X-Twice", "a"], ["x-twice", "b"],
                                 ["Accept-Encoding", "gzip, br"]]}
    assert (second["method"], second["target"]) == ("POST", "/echo?tag=t1")
    assert ["Content-Length", "2"] in second["headers"]
    assert srv.get_json("/seen?tag=t2") == {
        "tag": "t2", "requests": [{"method": "GET", "target": "/no/such/path?tag=t2",
                                   "headers": [["Host", host], ["Accept-Encoding", "identity"]]}]}
    assert srv.get_json("/seen?tag=never") == {"tag": "never", "requests": []}
    resp, body = srv.request("GET", "/seen")
    assert resp.status == 400 and json.loads(body) == {"error": "missing tag parameter"}
    # /seen is not counted; /stats/reset forgets what was seen.
    assert srv.get_json("/stats")["total"] == 4
    srv.get_json("/stats/reset")
    assert srv.get_json("/seen?tag=t1")["requests"] == []


def test_client_disconnect_does_not_leak_inflight(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/delay/5")
    deadline = time.monotonic() + 5
    while srv.get_json("/stats")["inflight_total"] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    conn.close()  # give up long before the 5 s delay ends
    while srv.get_json("/stats")["inflight_total"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.get_json("/stats")["inflight_total"] == 0


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-days", "2", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ServerProcess("--tls-cert", str(cert), "--tls-key", str(key))
    yield server, cert
    server.stop()


def test_tls_listener(https_server):
    server, cert = https_server
    assert server.ports["TLSPORT"] != server.port
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection("127.0.0.1", server.ports["TLSPORT"],
                                       context=context, timeout=10)
    conn.request("GET", "/json")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, JSON_BODY)
    conn.close()
    # The plain listener serves alongside, sharing the counters.
    stats = server.get_json("/stats")
    assert stats["count"] == {f"127.0.0.1:{server.ports['TLSPORT']}": 1}


def raw_get(port, path):
    """GET path on a raw socket; returns the bytes read until the server
    closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def test_hostile_heads(srv):
    data = raw_get(srv.port, "/manyheaders/5000")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    names = [ln.split(b":")[0] for ln in lines[1:]]
    assert lines[0] == b"HTTP/1.1 200 OK" and body == b"ok"
    assert len({n for n in names if n.startswith(b"X-H-")}) == 5000
    data = raw_get(srv.port, "/manyheaders/3?size=5")
    assert b"\r\nX-H-00000: vvvvv\r\nX-H-00001: vvvvv\r\nX-H-00002: vvvvv\r\n" in data

    data = raw_get(srv.port, "/longheader/200000")
    assert b"\r\nX-Long: " + b"a" * 200000 + b"\r\n" in data and data.endswith(b"\r\n\r\nok")

    data = raw_get(srv.port, "/folded")
    assert b"\r\nX-Fold: one\r\n two\r\n\tthree\r\nX-After: 2\r\n" in data
    assert data.endswith(b"\r\n\r\nok")

    resp, body = srv.request("GET", "/with-header?name=Set-Cookie&value=a%3Db%9B%1B")
    assert resp.getheader("Set-Cookie") == "a=b\x9b\x1b" and body == b"ok"
    resp, _ = srv.request("GET", "/with-header?name=A&value=x%0Dy")
    assert resp.status == 400


def test_stall_sends_then_waits(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET /stall/5 HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while not data.endswith(b"abcde"):
        data += s.recv(65536)
    assert b"Content-Length: 6\r\n" in data
    # Nothing more comes; the server counts the request in flight until
    # the client goes.
    s.settimeout(0.3)
    with pytest.raises(socket.timeout):
        s.recv(1)
    assert srv.get_json("/stats")["inflight_total"] == 1
    s.close()
    deadline = time.monotonic() + 10
    while srv.get_json("/stats")["inflight_total"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.get_json("/stats")["inflight_total"] == 0


def test_stall_every_and_quiet(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    t0 = time.monotonic()  # before the request: the first pause may start at once
    s.sendall(b"GET /stall/3?every=0.1&tag=q1 HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while not data.endswith(b"abc"):
        data += s.recv(65536)
    assert time.monotonic() - t0 >= 0.2  # two pauses of 0.1 s
    assert "q1" not in srv.get_json("/quiet")
    s.close()
    deadline = time.monotonic() + 10
    while "q1" not in srv.get_json("/quiet") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 0 <= srv.get_json("/quiet")["q1"] < 10
    assert srv.get_json("/stats/reset") == {"reset": True}
    assert srv.get_json("/quiet") == {}
def test_set_cookie_sets_and_reports_cookies(srv):
    resp, body = srv.request("GET", "/set-cookie?a=1&b=x%20y&tag=t", headers={"Cookie": "c=3"})
    assert resp.status == 200
    assert resp.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=x y; Path=/"]
    assert json.loads(body) == {"cookie": "c=3"}
    resp, body = srv.request("GET", "/set-cookie")
    assert resp.headers.get_all("Set-Cookie") is None
    assert json.loads(body) == {"cookie": None}


@pytest.fixture(scope="module")
def client_cert_server(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("mtls")
    files = {}
    for name, subj in (("server", "/CN=localhost"), ("client", "/CN=urlfan-client")):
        cert, key = d / (name + ".pem"), d / (name + "-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", subj, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-days", "2", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        files[name] = (cert, key)
    server = ServerProcess("--tls-cert", str(files["server"][0]), "--tls-key",
                           str(files["server"][1]), "--tls-client-ca", str(files["client"][0]))
    yield server, files
    server.stop()


def test_peer_cert_names_the_client_certificate(client_cert_server):
    server, files = client_cert_server
    for with_cert, cn in ((True, "urlfan-client"), (False, None)):
        context = ssl.create_default_context(cafile=str(files["server"][0]))
        if with_cert:
            context.load_cert_chain(str(files["client"][0]), str(files["client"][1]))
        conn = http.client.HTTPSConnection("127.0.0.1", server.ports["TLSPORT"],
                                           context=context, timeout=10)
        conn.request("GET", "/peer-cert")
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"cn": cn})
        conn.close()
def test_capacity_host_refuses_over_capacity_and_slows_with_load(srv):
    """/capacity/C: a Host with C in flight answers the next request 503 at
    once (no Retry-After); latency is base + per * in flight; /log?name=L
    lists what the server saw, in arrival order."""
    host = f"cap.test:{srv.port}"
    start = threading.Barrier(3)
    results = []

    def fetch(i):
        start.wait()
        resp, body = srv.request("GET", f"/capacity/2?base=0.3&per=0.1&log=c&i={i}",
                                 headers={"Host": host})
        results.append((resp.status, resp.getheader("Retry-After")))

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [(200, None), (200, None), (503, None)]
    log = srv.get_json("/log?name=c")["requests"]
    assert [e["inflight"] for e in log] == [1, 2, 3]
    assert [e["status"] for e in log] == [200, 200, 503]
    assert all(e["host"] == host and e["path"] == "/capacity/2" for e in log)
    starts = [e["start"] for e in log]
    assert starts == sorted(starts)
    # The third was refused at once; the first two waited base + per * n.
    assert log[2]["end"] - log[2]["start"] < 0.25
    assert log[0]["end"] - log[0]["start"] >= 0.4 - 0.01
    assert log[1]["end"] - log[1]["start"] >= 0.5 - 0.01
    # Another Host has its own capacity; an untagged request is not logged.
    resp, body = srv.request("GET", "/capacity/1?base=0", headers={"Host": "other.test"})
    assert resp.status == 200 and json.loads(body) == {"capacity": 1, "inflight": 1}
    assert len(srv.get_json("/log?name=c")["requests"]) == 3
    # C = 0 refuses everything, after refuse_after seconds.
    resp, _ = srv.request("GET", "/capacity/0?refuse_after=0.3&log=z", headers={"Host": "z"})
    assert resp.status == 503
    (z,) = srv.get_json("/log?name=z")["requests"]
    assert z["status"] == 503 and z["end"] - z["start"] >= 0.3 - 0.01
    resp, body = srv.request("GET", "/log")
    assert resp.status == 400
    srv.get_json("/stats/reset")
    assert srv.get_json("/log?name=c")["requests"] == []
