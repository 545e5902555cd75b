"""Issue 12, the per-host cap over HTTP/2: nginx with http2 (cleartext h2c
and TLS, with a certificate made here) in front of the test server, which
counts requests in flight per Host; and --http2-prior-knowledge against
nghttpd, where libcurl before 8.0 fails requests that reuse a connection
(curl issue 10634)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import records, run

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGHTTPD = shutil.which("nghttpd") or "/usr/sbin/nghttpd"


def curl_major():
    p = subprocess.run(["curl-config", "--vernum"], capture_output=True, text=True)
    if p.returncode == 0:
        return int(p.stdout.strip(), 16) >> 16
    return int(re.search(r"libcurl/(\d+)", run(["--version"]).stdout.decode()).group(1))


def listening_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def make_cert(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format conn '$connection $server_protocol $request_uri $status';
    access_log {d}/access.log conn;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{h2c} http2;
        listen 127.0.0.1:{tls} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_set_header Host $host;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(srv, tmp_path):
    """nginx on two 127.0.0.1 ports bound here, port 0 (h2c and TLS), in
    front of the test server. The sockets are handed over listening, as
    nginx inherits them (its NGINX environment variable), so nothing needs
    to wait for it to start: connections queue until it accepts them."""
    if not os.path.exists(NGINX):
        pytest.skip("nginx missing (scripts/test installs it)")
    d = tmp_path / "nginx"
    d.mkdir()
    cert, key = make_cert(d)
    h2c, tls = listening_socket(), listening_socket()
    (d / "nginx.conf").write_text(NGINX_CONF.format(
        d=d, h2c=h2c.getsockname()[1], tls=tls.getsockname()[1], cert=cert, key=key,
        backend=srv.port))
    env = dict(os.environ, NGINX="%d;%d;" % (h2c.fileno(), tls.fileno()))
    with open(d / "stderr", "wb") as err:
        proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf")],
                                pass_fds=(h2c.fileno(), tls.fileno()), env=env,
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    info = {"h2c": h2c.getsockname()[1], "tls": tls.getsockname()[1], "cert": str(cert),
            "log": d / "access.log", "proc": proc}
    h2c.close()
    tls.close()
    try:
        yield info
    finally:
        stop_nginx(proc)


def stop_nginx(proc):
    """SIGQUIT: a graceful stop, after which the access log is complete;
    the master waits for its worker. Failing that, the process group the
    fixture started (master and worker) is killed."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGQUIT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def access_log(info):
    rows = []
    for line in info["log"].read_text().splitlines():
        conn, proto, uri, status = line.split()
        rows.append({"conn": conn, "proto": proto, "uri": uri, "status": int(status)})
    return rows


def slow_urls(base, n=12):
    return ["%s/delay/0.3?h2=%d" % (base, i) for i in range(n)]


def test_per_host_cap_holds_over_http2_tls(srv, nginx):
    urls = slow_urls("https://127.0.0.1:%d" % nginx["tls"])
    p = run(["-J", "--no-body", "-p", "3", "--cacert", nginx["cert"], *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 12
    assert all(r["http_version"] == "2" and r["status"] == 200 for r in recs)
    # The cap counts requests: never more than 3 in flight at the server,
    # though all 12 were streams on one multiplexed connection.
    st = srv.stats()
    assert st["total"] == 12
    assert st["peak_total"] == 3, st
    stop_nginx(nginx["proc"])
    log = [r for r in access_log(nginx) if "h2=" in r["uri"]]
    assert len(log) == 12
    assert {r["proto"] for r in log} == {"HTTP/2.0"}
    assert len({r["conn"] for r in log}) == 1, log


def test_per_host_cap_holds_over_h2c(srv, nginx):
    urls = slow_urls("http://127.0.0.1:%d" % nginx["h2c"])
    p = run(["-J", "--no-body", "-p", "3", "--http2-prior-knowledge", *urls])
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert len(recs) == 12
    assert all(r["http_version"] == "2" and r["status"] == 200 for r in recs)
    st = srv.stats()
    assert st["peak_total"] == 3, st
    stop_nginx(nginx["proc"])
    log = [r for r in access_log(nginx) if "h2=" in r["uri"]]
    assert len(log) == 12 and {r["proto"] for r in log} == {"HTTP/2.0"}
    conns = len({r["conn"] for r in log})
    if curl_major() >= 8:
        assert conns == 1, log
    else:
        # libcurl 7.x: a connection per request (curl issue 10634).
        assert conns == 12, log


def wait_listening(port, proc, secs=10):
    """nghttpd cannot be handed a socket nor say when it listens: poll
    (bounded) until it accepts a connection."""
    end = time.monotonic() + secs
    while time.monotonic() < end and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    pytest.fail("nghttpd did not start listening")


@pytest.fixture
def nghttpd(tmp_path):
    if not os.path.exists(NGHTTPD):
        pytest.skip("nghttpd missing (Debian nghttp2-server; scripts/test installs it)")
    www = tmp_path / "www"
    www.mkdir()
    (www / "a.json").write_text('{"a": 1}\n')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([NGHTTPD, "--no-tls", "-a", "127.0.0.1", "-d", str(www), str(port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("per_host", ["1", "3"])
def test_http2_prior_knowledge_works_after_the_first_request(nghttpd, per_host):
    urls = ["http://127.0.0.1:%d/a.json?i=%d" % (nghttpd, i) for i in range(8)]
    p = run(["-J", "--http2-prior-knowledge", "-p", per_host, *urls])
    assert p.returncode == 0, p.stdout.decode()[-2000:]
    recs = records(p.stdout)
    assert sorted(r["index"] for r in recs) == list(range(8))
    for r in recs:
        assert r["ok"] and r["http_version"] == "2" and r["body"] == {"a": 1}, r
