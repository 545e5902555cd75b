#!/usr/bin/env python3
"""A hostile HTTP/2 server for urlfan's tests (Debian's python3-h2):
cleartext HTTP/2 with prior knowledge (h2c) on 127.0.0.1, port 0; prints
"PORT n" once it listens.

Paths (KEY names a counter of attempts, N how many attempts misbehave;
the ones after get 200 with the body "ok"):

  /rst/KEY/N?code=C    RST_STREAM with error code C (default 2,
                       INTERNAL_ERROR; 7 is REFUSED_STREAM) once the
                       request's headers are in
  /goaway/KEY/N        GOAWAY whose last stream id is below the
                       request's (0: none processed), then close
  /goaway-mid/KEY/N    a 200 with content-length 1000, 100 body bytes,
                       then GOAWAY (last stream id = the request's,
                       INTERNAL_ERROR) and close: a response cut off
  /count/KEY           {"attempts": how many requests KEY has had}

Each connection is served by a thread of its own; the counters are shared
under a lock. Bounded: every socket has a 30 s timeout.
"""
import json
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events

COUNTS: dict[str, int] = {}
LOCK = threading.Lock()


def attempt(key: str) -> int:
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


def respond(conn, sid, status, body, length=None):
    headers = [(":status", str(status)), ("content-type", "application/json"),
               ("content-length", str(len(body) if length is None else length))]
    conn.send_headers(sid, headers)
    conn.send_data(sid, body, end_stream=length is None)


def handle(conn, sock, sid, path) -> bool:
    """Answer one request; returns False when the connection must close."""
    path, _, query = path.partition("?")
    parts = path.strip("/").split("/")
    if parts[0] == "count" and len(parts) == 2:
        with LOCK:
            n = COUNTS.get(parts[1], 0)
        respond(conn, sid, 200, json.dumps({"attempts": n}).encode())
        return True
    if len(parts) != 3 or parts[0] not in ("rst", "goaway", "goaway-mid"):
        respond(conn, sid, 404, b'{"error": "not found"}')
        return True
    kind, key, n = parts[0], parts[1], int(parts[2])
    if attempt(key) > n:
        respond(conn, sid, 200, b'"ok"')
        return True
    if kind == "rst":
        code = 2
        for arg in query.split("&"):
            if arg.startswith("code="):
                code = int(arg[5:])
        conn.reset_stream(sid, error_code=code)
        return True
    if kind == "goaway":
        conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=sid - 2
                              if sid > 1 else 0)
        return False
    respond(conn, sid, 200, b"x" * 100, length=1000)
    sock.sendall(conn.data_to_send())
    conn.close_connection(error_code=h2.errors.ErrorCodes.INTERNAL_ERROR, last_stream_id=sid)
    return False


def serve(sock):
    sock.settimeout(30)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    try:
        sock.sendall(conn.data_to_send())
        open_ = True
        while open_:
            data = sock.recv(65536)
            if not data:
                break
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    path = dict(ev.headers).get(b":path", b"/").decode()
                    if not handle(conn, sock, ev.stream_id, path):
                        open_ = False
                        break
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    open_ = False
            sock.sendall(conn.data_to_send())
    except (OSError, h2.exceptions.ProtocolError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("PORT", listener.getsockname()[1], flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
