#!/usr/bin/env python3
"""Test HTTP/1.1 server for urlfan's test suite (standard library only).

Usage: server.py [--host 127.0.0.1] [--port 0] [--tls-cert CERT --tls-key KEY
                 [--tls-client-ca CA]]

Prints "PORT <n>" (and "TLSPORT <n>" when TLS is enabled), then
"SILENTPORT <n>", on stdout once the listeners are bound, then serves until
SIGTERM/SIGINT.  Everything else (errors only) goes to stderr.  The silent
port is a hostile endpoint: it accepts TCP connections, counts them
("silent_accepted" in /stats) and never sends a byte (a host that accepts
and never answers; over https, a TLS handshake that never ends).

One asyncio event loop serves every connection, so thousands of concurrent
keep-alive connections cost no threads.  The server records how many requests
are in flight per Host header and overall; GET /stats reports the peaks and
GET /stats/reset clears them.  A counted request whose query carries
tag=T also has its method, target and headers (as sent: names in their
spelling, repeats kept, in order) recorded under T; GET /seen?tag=T lists
them, uncounted, so tests can assert what a client sent to any endpoint.
/stall/N?tag=T keeps how long the client stayed after its last byte;
GET /quiet lists those.  A counted request whose query carries log=L has
its arrival and end times (the server's monotonic clock), its Host, the
Host's requests in flight at its arrival (itself included) and the status
sent recorded under L; GET /log?name=L lists them in arrival order,
uncounted, so tests check rates and concurrency on what the server saw,
never on the client's clock.  /stats/reset clears those too.  /stats also
counts the TCP connections accepted ("connections"), per Host of their
first request ("host_connections"), and those whose TLS session was resumed
("tls_resumed") rather than set up with a full handshake.  See ROUTES /
the @endpoint handlers below for the available paths.
"""

import argparse
import asyncio
import contextlib
import gzip
import json
import logging
import math
import resource
import signal
import socket
import ssl
import struct
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs

log = logging.getLogger("urlfan-test-server")

BACKLOG = 4096
# Largest accepted request head (request line + headers); well above the
# 64 KiB of headers the tests may send.  Also the StreamReader line limit.
MAX_HEAD = 128 * 1024
CHUNK = 64 * 1024
NO_BODY_STATUSES = (204, 304)

PATTERN = b"abcdefghijklmnopqrstuvwxyz0123456789"
# Whole repetitions of PATTERN (just under CHUNK bytes), so a stream made of
# full blocks plus one leading slice continues the pattern seamlessly.
PATTERN_BLOCK = PATTERN * (CHUNK // len(PATTERN))
ENDLESS_CHUNK = (PATTERN_BLOCK + PATTERN)[:CHUNK]

# Exact bytes the tests compare against: big/precise integers, an out-of-range
# float, a trailing-zero float and JSON string escapes, all left unnormalised.
JSON_BODY = (
    rb'{"name": "urlfan", "big": 12345678901234567890, "precise": 9007199254740993,'
    rb' "huge": 1e400, "float": 1.50, "esc": "a\u00e9\n\"q\"", "list": [1, 2, 3],'
    rb' "nested": {"k": null, "t": true}}'
)
TEXT_BODY = "hello, world\nsecond line é\n".encode()
CTRL_BODY = b"red \x1b[31mRED\x1b[0m bell \x07 done\n"
GZIP_PLAIN = b'{"compressed": true}'
GZIP_BODY = gzip.compress(GZIP_PLAIN, mtime=0)

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
OCTET_TYPE = "application/octet-stream"


class HTTPError(Exception):
    """A client error: answered with a small JSON body."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    body: bytes = b""
    path: str = field(init=False)
    query: str = field(init=False)

    def __post_init__(self):
        self.path, _, self.query = self.target.partition("?")
        # latin-1 keeps percent-decoded bytes 1:1, so reflecting a value into
        # a response header reproduces exactly the bytes the client encoded.
        self.args = parse_qs(self.query, keep_blank_values=True, encoding="latin-1")

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), default)

    def header_tokens(self, name: str) -> list[str]:
        """Lower-cased comma-separated tokens of every `name` header, in order."""
        name = name.lower()
        return [t.strip().lower() for k, v in self.headers if k.lower() == name
                for t in v.split(",") if t.strip()]

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.args.get(name, [default])[0]

    @property
    def host(self) -> str:
        return (self.header("host") or "").lower()

    def wants_keep_alive(self) -> bool:
        tokens = self.header_tokens("connection")
        if "close" in tokens:
            return False
        return self.version != "HTTP/1.0" or "keep-alive" in tokens


@dataclass
class Response:
    status: int
    body: bytes | AsyncIterator[bytes] = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Content-Length of a streamed body; None streams it chunked.
    length: int | None = None


class Stats:
    """In-flight accounting.  Single-threaded (asyncio), so no locking."""

    def __init__(self):
        self.inflight: dict[str, int] = {}
        self.inflight_total = 0
        self.reset()

    def reset(self):
        self.peak = dict(self.inflight)
        self.peak_total = self.inflight_total
        self.count: dict[str, int] = {}
        self.total = 0
        self.paths: dict[str, int] = {}
        self.flaky: dict[str, int] = {}
        self.seen: dict[str, list[dict]] = {}
        self.quiet: dict[str, float] = {}
        self.log: dict[str, list[dict]] = {}
        self.connections = 0
        self.host_connections: dict[str, int] = {}
        self.tls_connections = 0
        self.tls_resumed = 0
        self.silent_accepted = 0

    def remember(self, req: Request):
        """Record req's head under its tag query argument, if it has one."""
        tag = req.arg("tag")
        if tag is not None:
            self.seen.setdefault(tag, []).append({
                "method": req.method,
                "target": req.target,
                "headers": [[k, v] for k, v in req.headers],
            })

    @contextlib.contextmanager
    def track(self, host: str, path: str):
        self.count[host] = self.count.get(host, 0) + 1
        self.total += 1
        self.paths[path] = self.paths.get(path, 0) + 1
        self.inflight[host] = self.inflight.get(host, 0) + 1
        self.inflight_total += 1
        self.peak[host] = max(self.peak.get(host, 0), self.inflight[host])
        self.peak_total = max(self.peak_total, self.inflight_total)
        try:
            yield
        finally:
            self.inflight_total -= 1
            self.inflight[host] -= 1
            if not self.inflight[host]:
                del self.inflight[host]

    def log_start(self, req: Request) -> dict | None:
        """A log entry for req (see the module doc), or None without log=."""
        name = req.arg("log")
        if name is None:
            return None
        entry = {"host": req.host, "path": req.path, "start": asyncio.get_running_loop().time(),
                 "inflight": self.inflight.get(req.host, 0), "end": None, "status": None}
        self.log.setdefault(name, []).append(entry)
        return entry

    def snapshot(self) -> dict:
        return {
            "peak_total": self.peak_total,
            "peak": self.peak,
            "total": self.total,
            "count": self.count,
            "inflight_total": self.inflight_total,
            "inflight": self.inflight,
            "paths": self.paths,
            "connections": self.connections,
            "host_connections": self.host_connections,
            "tls_connections": self.tls_connections,
            "tls_resumed": self.tls_resumed,
            "silent_accepted": self.silent_accepted,
        }


STATS = Stats()

# --------------------------------------------------------------------------
# Wire helpers
# --------------------------------------------------------------------------


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def head_bytes(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason(status)}", *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:
        raise HTTPError(400, "line too long") from None


async def read_request(reader, writer) -> Request | None:
    """Read and parse one request head; None on a clean end of connection."""
    text = ""
    try:
        while not text:  # skip stray empty lines between requests (RFC 9112 2.2)
            text = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lstrip("\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise HTTPError(431, "request head too large") from None

    request_line, *header_lines = text[:-4].split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2].startswith("HTTP/1."):
        raise HTTPError(400, "malformed request line")
    headers = []
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HTTPError(400, "malformed header line")
        headers.append((name, value.strip(" \t")))
    return Request(parts[0], parts[1], parts[2], headers, reader, writer)


async def read_body(req: Request) -> bytes:
    reader = req.reader
    codings = req.header_tokens("transfer-encoding")
    chunked = bool(codings)
    if chunked and codings[-1] != "chunked":
        raise HTTPError(400, "unsupported transfer-encoding")
    if not chunked:
        lengths = set(req.header_tokens("content-length"))
        if len(lengths) > 1 or not all(v.isascii() and v.isdigit() for v in lengths):
            raise HTTPError(400, "bad content-length")
        length = int(lengths.pop()) if lengths else 0
        if not length:
            return b""

    if req.version == "HTTP/1.1" and (req.header("expect") or "").lower() == "100-continue":
        req.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if not chunked:
        return await reader.readexactly(length)

    parts = []
    while True:
        size_field = (await read_line(reader))[:-2].split(b";", 1)[0].strip()
        if not size_field or size_field.strip(b"0123456789abcdefABCDEF"):
            raise HTTPError(400, "bad chunk size")
        size = int(size_field, 16)
        if not size:
            break
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise HTTPError(400, "bad chunk terminator")
    while await read_line(reader) != b"\r\n":  # discard trailers
        pass
    return b"".join(parts)


async def write_response(req: Request, resp: Response) -> bool:
    """Send `resp`; returns whether the connection may be kept alive."""
    keep_alive = req.wants_keep_alive()
    streamed = not isinstance(resp.body, bytes)
    chunked = False
    headers = list(resp.headers)
    has_body = resp.status not in NO_BODY_STATUSES
    if has_body:
        if resp.content_type:
            headers.insert(0, ("Content-Type", resp.content_type))
        if not streamed:
            headers.append(("Content-Length", str(len(resp.body))))
        elif resp.length is not None:
            headers.append(("Content-Length", str(resp.length)))
        elif req.version == "HTTP/1.1":
            headers.append(("Transfer-Encoding", "chunked"))
            chunked = True
        else:
            keep_alive = False  # HTTP/1.0 has no chunking: the body ends at close
    headers.append(("Connection", "keep-alive" if keep_alive else "close"))

    w = req.writer
    req.sent_status = resp.status
    w.write(head_bytes(resp.status, headers))
    if has_body and req.method != "HEAD":
        if not streamed:
            w.write(resp.body)
        else:
            async for chunk in resp.body:
                w.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                await w.drain()
                # drain() does not yield while the kernel keeps up (or, for
                # TLS, after the peer vanished), so yield explicitly: other
                # connections get served and connection loss gets noticed.
                await asyncio.sleep(0)
            if chunked:
                w.write(b"0\r\n\r\n")
    await w.drain()
    return keep_alive


# --------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------

# A handler returns a Response, or None after writing to the connection
# itself (the connection is then closed).
Handler = Callable[..., Awaitable[Response | None]]
# First path segment -> (number of further segments, handler).  Those
# segments are passed to the handler as string arguments.
ROUTES: dict[str, tuple[int, Handler]] = {}


def endpoint(name: str, nargs: int = 0):
    def register(fn: Handler) -> Handler:
        ROUTES[name] = (nargs, fn)
        return fn
    return register


def json_response(obj, status: int = 200, headers=()) -> Response:
    return Response(status, json.dumps(obj).encode(), JSON_TYPE, list(headers))


def parse_int(text: str, what: str, lo: int = 0, hi: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise HTTPError(400, f"bad {what}: {text!r}") from None
    if value < lo or hi is not None and value > hi:
        raise HTTPError(400, f"{what} out of range: {value}")
    return value


def parse_seconds(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise HTTPError(400, f"bad {what}: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise HTTPError(400, f"{what} out of range: {text!r}")
    return value


async def pause(req: Request, seconds: float):
    """Sleep, but abort the request if the client goes away meanwhile."""
    try:
        await asyncio.wait_for(asyncio.shield(req.reader.client_gone), seconds)
    except TimeoutError:
        return
    raise ConnectionAbortedError("client went away")


def header_value(text: str) -> str:
    """Reject values that would break the response head when reflected."""
    if any(c in text for c in "\r\n\0"):
        raise HTTPError(400, "control character in reflected header value")
    return text


def retry_after(req: Request) -> list[tuple[str, str]]:
    value = req.arg("retry_after")
    return [] if value is None else [("Retry-After", header_value(value))]


def grouped_headers(req: Request) -> dict[str, str]:
    """Request headers by name as first sent; repeated names joined with ", "."""
    out: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for name, value in req.headers:
        key = spelling.setdefault(name.lower(), name)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def static_endpoint(name: str, body: bytes, content_type: str):
    @endpoint(name)
    async def handler(req):
        return Response(200, body, content_type)


static_endpoint("json", JSON_BODY, JSON_TYPE)
static_endpoint("text", TEXT_BODY, TEXT_TYPE)
static_endpoint("binary", bytes(range(256)), OCTET_TYPE)
static_endpoint("badjson", b'{"broken": tru', JSON_TYPE)
static_endpoint("ctrl", CTRL_BODY, TEXT_TYPE)
# Valid JSON whose string holds DEL and the C1 controls U+0085 and U+009B raw.
static_endpoint("c1json", b'{"s": "a\x7fb\xc2\x85c\xc2\x9bd"}', JSON_TYPE)


async def stats_handler(req):
    return json_response(STATS.snapshot())


async def stats_reset_handler(req):
    STATS.reset()
    return json_response({"reset": True})


async def seen_handler(req):
    tag = req.arg("tag")
    if tag is None:
        raise HTTPError(400, "missing tag parameter")
    return json_response({"tag": tag, "requests": STATS.seen.get(tag, [])})


async def quiet_handler(req):
    return json_response(STATS.quiet)


# Served without any accounting.
UNCOUNTED: dict[str, Handler] = {"/stats": stats_handler, "/stats/reset": stats_reset_handler,
                                 "/seen": seen_handler, "/quiet": quiet_handler}


async def log_handler(req):
    name = req.arg("name")
    if name is None:
        raise HTTPError(400, "missing name parameter")
    return json_response({"name": name, "requests": STATS.log.get(name, [])})


UNCOUNTED["/log"] = log_handler


async def not_found(req):
    return json_response({"error": "not found", "path": req.path}, 404)


@endpoint("delay", 1)
async def delay(req, seconds):
    secs = parse_seconds(seconds, "delay")
    await pause(req, secs)
    return json_response({"delay": secs, "path": req.path})


@endpoint("status", 1)
async def status_code(req, code):
    code = parse_int(code, "status code", 200, 599)
    return Response(code, f"status {code}\n".encode(), TEXT_TYPE, retry_after(req))


async def repeat_stream(block: bytes, n: int):
    """n bytes of block repeated, a block at a time."""
    while n > 0:
        chunk = block[:n]
        n -= len(chunk)
        yield chunk


@endpoint("bytes", 1)
async def pattern_bytes(req, n):
    n = parse_int(n, "byte count")
    return Response(200, repeat_stream(PATTERN_BLOCK, n), OCTET_TYPE, length=n)


# /fill/N?byte=HH: N bytes that are all the byte 0xHH (default 01, a control
# character: valid UTF-8 text that JSON must escape), as text/plain.
@endpoint("fill", 1)
async def fill(req, n):
    n = parse_int(n, "byte count")
    byte = parse_int(req.arg("byte", "1"), "byte", 0, 255)
    return Response(200, repeat_stream(bytes([byte]) * CHUNK, n), TEXT_TYPE, length=n)


# /deep/N: valid JSON nested N arrays deep around a 1 ("[[1]]" for N=2),
# streamed; with ?key=1 the levels alternate arrays and {"k": ...} objects.
@endpoint("deep", 1)
async def deep(req, n):
    n = parse_int(n, "depth", 1, 100_000_000)
    objects = req.arg("key") == "1"
    opens = [b"[", b'{"k":'] if objects else [b"[", b"["]
    closes = [b"]", b"}"] if objects else [b"]", b"]"]
    length = sum(len(opens[i % 2]) + len(closes[i % 2]) for i in range(2)) * (n // 2)
    if n % 2:
        length += len(opens[0]) + len(closes[0])
    length += 1

    async def stream():
        for i in range(0, n, 4096):
            yield b"".join(opens[k % 2] for k in range(i, min(n, i + 4096)))
        yield b"1"
        for i in range(n, 0, -4096):
            yield b"".join(closes[k % 2] for k in range(i - 1, max(0, i - 4096) - 1, -1))

    return Response(200, stream(), JSON_TYPE, length=length)


# /bigjson/N is exactly N bytes (N >= 2): "[" + items joined by "," + "]".
# Every item is BIGJSON_ITEM bytes ({"i":K,"s":"xx..."} with fewer x's as K
# grows); the last item's string absorbs the remainder.
BIGJSON_ITEM = 32


def bigjson_item(i: int, extra: int = 0) -> str:
    digits = str(i)
    return f'{{"i":{digits},"s":"{"x" * (BIGJSON_ITEM - 13 - len(digits) + extra)}"}}'


async def bigjson_stream(count: int, extra: int):
    parts = ["["]
    for i in range(count):
        last = i == count - 1
        parts.append(bigjson_item(i, extra if last else 0))
        parts.append("]" if last else ",")
        if len(parts) >= 4096:
            yield "".join(parts).encode()
            parts = []
    if parts:
        yield "".join(parts).encode()


@endpoint("bigjson", 1)
async def bigjson(req, n):
    n = max(parse_int(n, "size"), 2)
    count = (n - 1) // (BIGJSON_ITEM + 1)
    if not count:  # too small for one item: pad an empty array with spaces
        return Response(200, b"[" + b" " * (n - 2) + b"]", JSON_TYPE)
    extra = n - (count * (BIGJSON_ITEM + 1) + 1)
    return Response(200, bigjson_stream(count, extra), JSON_TYPE, length=n)


@endpoint("redirect", 1)
async def redirect(req, n):
    n = parse_int(n, "redirect count")
    if n == 0:
        return json_response({"redirected": True})
    return Response(302, headers=[("Location", f"/redirect/{n - 1}")])


@endpoint("redirect-to")
async def redirect_to(req):
    url = req.arg("url")
    if url is None:
        raise HTTPError(400, "missing url parameter")
    return Response(302, headers=[("Location", header_value(url))])


@endpoint("headers")
async def request_headers(req):
    return json_response({"headers": grouped_headers(req)})


@endpoint("set-cookie")
async def set_cookie(req):
    """Each query argument NAME=VALUE (but tag) becomes a Set-Cookie header
    with Path=/; the body says which Cookie header the request brought."""
    cookies = [("Set-Cookie", header_value(f"{k}={v[0]}; Path=/"))
               for k, v in req.args.items() if k != "tag"]
    return json_response({"cookie": req.header("cookie")}, headers=cookies)


@endpoint("peer-cert")
async def peer_cert(req):
    """The common name of the TLS client certificate the connection came
    with (verified against --tls-client-ca), or null."""
    cert = req.writer.get_extra_info("peercert") or {}
    names = [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
    return json_response({"cn": names[0] if names else None})


@endpoint("echo")
async def echo(req):
    return json_response({
        "method": req.method,
        "path": req.path,
        "query": req.query,
        "headers": grouped_headers(req),
        "body": req.body.decode("utf-8", errors="replace"),
    })


@endpoint("gzip")
async def maybe_gzip(req):
    vary = [("Vary", "Accept-Encoding")]
    if "gzip" in (req.header("accept-encoding") or "").lower():
        return Response(200, GZIP_BODY, JSON_TYPE, [("Content-Encoding", "gzip"), *vary])
    return Response(200, GZIP_PLAIN, JSON_TYPE, vary)


@endpoint("flaky", 2)
async def flaky(req, key, n):
    n = parse_int(n, "failure count")
    code = parse_int(req.arg("code", "503"), "status code", 200, 599)
    attempt = STATS.flaky[key] = STATS.flaky.get(key, 0) + 1
    if attempt <= n:
        return json_response({"key": key, "attempt": attempt, "status": code}, code,
                             retry_after(req))
    return json_response({"key": key, "attempt": attempt})


@endpoint("capacity", 1)
async def capacity(req, c):
    """A host (by Host header) with a hidden capacity of C requests: one that
    arrives while C others are in flight gets 503 without Retry-After, at
    once or after refuse_after seconds; the others take base + per *
    (requests in flight, itself included) seconds (query arguments, default
    0.05 and 0.01), as a server whose latency climbs with its load. C = 0
    refuses everything."""
    c = parse_int(c, "capacity", 0)
    base = parse_seconds(req.arg("base", "0.05"), "base")
    per = parse_seconds(req.arg("per", "0.01"), "per")
    refuse_after = parse_seconds(req.arg("refuse_after", "0"), "refuse_after")
    inflight = STATS.inflight.get(req.host, 0)  # itself included
    if inflight > c:
        await pause(req, refuse_after)
        return Response(503, b"over capacity\n", TEXT_TYPE)
    await pause(req, base + per * inflight)
    return json_response({"capacity": c, "inflight": inflight})


# ---- fault injection --------------------------------------------------------


@endpoint("reset")
async def tcp_reset(req):
    w = req.writer
    # Make drain() wait until every byte has reached the kernel, so the 100
    # body bytes go out before the RST.  The plain transport pauses writers
    # while buffered > high, the TLS one while buffered >= high.
    tls = w.get_extra_info("ssl_object") is not None
    w.transport.set_write_buffer_limits(high=1 if tls else 0, low=0)
    w.write(head_bytes(200, [("Content-Type", OCTET_TYPE), ("Content-Length", "1000")]))
    w.write(PATTERN_BLOCK[:100])
    await w.drain()
    # Linger on with timeout 0: close() sends RST instead of FIN.
    w.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


@endpoint("hang")
async def hang(req):
    while await req.reader.read(CHUNK):  # until the client closes
        pass


async def drip_stream(req: Request, n: int, interval: float):
    for i in range(n):
        await pause(req, interval)
        yield bytes([PATTERN[i % len(PATTERN)]])


@endpoint("drip")
async def drip(req):
    n = parse_int(req.arg("n", "10"), "n")
    interval = parse_seconds(req.arg("interval", "0.2"), "interval")
    return Response(200, drip_stream(req, n, interval), OCTET_TYPE, length=n)


@endpoint("invalid")
async def invalid(req):
    req.writer.write(b"THIS IS NOT HTTP\r\n\r\n")
    await req.writer.drain()


@endpoint("badchunk")
async def badchunk(req):
    req.writer.write(head_bytes(200, [("Content-Type", TEXT_TYPE),
                                      ("Transfer-Encoding", "chunked")]))
    req.writer.write(b"5\r\nhello\r\nzz\r\n")
    await req.writer.drain()


async def endless_stream():
    while True:
        yield ENDLESS_CHUNK


@endpoint("endless")
async def endless(req):
    return Response(200, endless_stream(), OCTET_TYPE)


# ---- hostile response heads (issue 11) ---------------------------------------


@endpoint("manyheaders", 1)
async def many_headers(req, n):
    """n distinct response headers X-H-00000 .., each with a value of ?size=
    bytes (default 1): a head far larger than any client should keep."""
    n = parse_int(n, "header count", 0, 1_000_000)
    value = b"v" * parse_int(req.arg("size", "1"), "size", 0, 1024 * 1024)
    w = req.writer
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n")
    for start in range(0, n, 4096):
        w.write(b"".join(b"X-H-%05d: %s\r\n" % (i, value)
                         for i in range(start, min(n, start + 4096))))
        await w.drain()
    w.write(b"Connection: close\r\n\r\nok")
    await w.drain()


@endpoint("longheader", 1)
async def long_header(req, n):
    """One response header line whose value is n bytes."""
    n = parse_int(n, "header length", 0, 64 * 1024 * 1024)
    return Response(200, b"ok", TEXT_TYPE, [("X-Long", "a" * n)])


@endpoint("folded")
async def folded(req):
    """Obsolete line folding (RFC 9112 5.2): X-Fold's value goes on over two
    continuation lines, one starting with a space, one with a tab."""
    req.writer.write(b"HTTP/1.1 200 OK\r\nX-Before: 1\r\nX-Fold: one\r\n two\r\n\tthree\r\n"
                     b"X-After: 2\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                     b"Connection: close\r\n\r\nok")
    await req.writer.drain()


@endpoint("stall", 1)
async def stall(req, n):
    """n body bytes, then nothing (the Content-Length says one more) until
    the client goes away. ?every=S sends the bytes one at a time, S seconds
    apart. With ?tag=T, the seconds from the last byte to the client's
    going are kept: GET /quiet lists them by tag."""
    n = parse_int(n, "byte count")
    every = parse_seconds(req.arg("every", "0"), "every")
    body = (PATTERN * (n // len(PATTERN) + 1))[:n]
    w = req.writer
    w.write(head_bytes(200, [("Content-Type", OCTET_TYPE), ("Content-Length", str(n + 1))]))
    for i in range(n if every else 1):
        if i:
            await pause(req, every)
        w.write(body[i:i + 1] if every else body)
        await w.drain()
    loop = asyncio.get_running_loop()
    last = loop.time()
    await req.reader.client_gone
    tag = req.arg("tag")
    if tag is not None:
        STATS.quiet[tag] = loop.time() - last


@endpoint("with-header")
async def with_header(req):
    """A response with the header ?name= set to ?value= (percent-decoded as
    latin-1, so any byte but CR, LF and NUL can be sent)."""
    name, value = req.arg("name"), req.arg("value", "")
    if not name or any(c in name for c in ":\r\n\0 "):
        raise HTTPError(400, "bad header name")
    return Response(200, b"ok", TEXT_TYPE, [(name, header_value(value))])


# ---- framing a client must refuse (issue 20) ---------------------------------


@endpoint("badlength")
async def bad_length(req):
    """A 200 whose Content-Length header is ?value= as given (0x7, "7, 99",
    7abc ...), then the 7 bytes 1234567 and a close: no valid framing."""
    value = req.arg("value", "7")
    if any(c in value for c in "\r\n\0"):
        raise HTTPError(400, "bad value")
    req.writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                     + value.encode("latin-1") + b"\r\nConnection: close\r\n\r\n1234567")
    await req.writer.drain()


@endpoint("raw")
async def raw(req):
    """A 200 whose body is ?body= (percent-decoded as latin-1, so any
    bytes), as application/json unless ?type= says otherwise."""
    body = req.arg("body", "").encode("latin-1")
    return Response(200, body, req.arg("type", JSON_TYPE))


@endpoint("hints", 1)
async def hints(req, n):
    """n interim 103 (Early Hints) responses, each with a Link header, then
    a 200 with body ok. With ?final=0 no final response: the connection
    closes after the hints."""
    n = parse_int(n, "hint count", 0, 1_000_000)
    hint = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    w = req.writer
    for start in range(0, n, 1024):
        w.write(hint * (min(n, start + 1024) - start))
        await w.drain()
        await asyncio.sleep(0)
        if req.reader.at_eof() or w.is_closing():
            return None
    if req.arg("final", "1") != "0":
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                b"Connection: close\r\n\r\nok")
        await w.drain()


# --------------------------------------------------------------------------
# Connection handling
# --------------------------------------------------------------------------


async def process(req: Request, handler: Handler, args: list[str]) -> bool:
    """Read the body, run the handler, send its response; True = keep alive."""
    req.body = await read_body(req)
    try:
        resp = await handler(req, *args)
    except HTTPError as e:
        resp = json_response({"error": e.message}, e.status)
    if resp is None:
        return False
    return await write_response(req, resp)


async def reject(reader, writer, err: HTTPError):
    body = json.dumps({"error": err.message}).encode()
    writer.write(head_bytes(err.status, [("Content-Type", JSON_TYPE),
                                         ("Content-Length", str(len(body))),
                                         ("Connection", "close")]) + body)
    with contextlib.suppress(OSError, asyncio.TimeoutError):
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        # Lingering close: closing with unread input would send an RST that
        # can destroy the error response before the client reads it.
        async with asyncio.timeout(2):
            while await reader.read(CHUNK):
                pass


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    STATS.connections += 1
    tls = writer.get_extra_info("ssl_object")
    if tls is not None:
        STATS.tls_connections += 1
        STATS.tls_resumed += bool(tls.session_reused)
    first = True
    try:
        while True:
            req = await read_request(reader, writer)
            if req is None:
                return
            if first and req.path not in UNCOUNTED:
                STATS.host_connections[req.host] = STATS.host_connections.get(req.host, 0) + 1
                first = False
            if req.path in UNCOUNTED:
                keep_alive = await process(req, UNCOUNTED[req.path], [])
            else:
                name, *args = req.path[1:].split("/")
                nargs, handler = ROUTES.get(name, (None, not_found))
                if nargs != len(args):
                    handler, args = not_found, []
                STATS.remember(req)
                with STATS.track(req.host, req.path):
                    entry = STATS.log_start(req)
                    try:
                        keep_alive = await process(req, handler, args)
                    finally:
                        if entry is not None:
                            entry["end"] = asyncio.get_running_loop().time()
                            entry["status"] = getattr(req, "sent_status", None)
            if not keep_alive:
                return
    except HTTPError as e:  # unparseable request: answer, then drop the connection
        await reject(reader, writer, e)
    except (OSError, asyncio.IncompleteReadError):
        pass  # the client went away
    except Exception:
        log.exception("error while serving a connection")
    finally:
        writer.close()


class ServerProtocol(asyncio.StreamReaderProtocol):
    """What asyncio.start_server builds, plus a `client_gone` future on the
    reader, resolved when the peer half-closes or the connection is lost.
    Handlers that idle without I/O (/delay, /drip) wait on it, so a client
    that gives up stops counting as in flight at once, not only when the
    response is finally written."""

    def __init__(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_HEAD, loop=loop)
        reader.client_gone = self.client_gone = loop.create_future()
        super().__init__(reader, serve_connection, loop=loop)

    def _mark_gone(self):
        if not self.client_gone.done():
            self.client_gone.set_result(None)

    def eof_received(self):
        self._mark_gone()
        return super().eof_received()

    def connection_lost(self, exc):
        self._mark_gone()
        super().connection_lost(exc)


class SilentProtocol(asyncio.Protocol):
    """The silent port: accept, count, never answer; close when the client
    does."""

    def connection_made(self, transport):
        STATS.silent_accepted += 1

    def data_received(self, data):
        pass


def raise_fd_limit():
    """Allow thousands of simultaneous connections despite a low soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def main(args):
    raise_fd_limit()
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        tls.set_alpn_protocols(["http/1.1"])
        if args.tls_client_ca:
            # Ask for a client certificate; a client without one is served too.
            tls.verify_mode = ssl.CERT_OPTIONAL
            tls.load_verify_locations(args.tls_client_ca)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    servers = [await loop.create_server(ServerProtocol, args.host, args.port, backlog=BACKLOG)]
    lines = [f"PORT {servers[0].sockets[0].getsockname()[1]}"]
    if tls:
        servers.append(await loop.create_server(ServerProtocol, args.host, 0,
                                                backlog=BACKLOG, ssl=tls))
        lines.append(f"TLSPORT {servers[1].sockets[0].getsockname()[1]}")
    silent = await loop.create_server(SilentProtocol, args.host, 0, backlog=BACKLOG)
    servers.append(silent)
    lines.append(f"SILENTPORT {silent.sockets[0].getsockname()[1]}")
    print("\n".join(lines), flush=True)

    await stop.wait()
    for server in servers:
        server.close()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="listen address; use a literal IP (a name with several "
                             "addresses gets one listener per address, and only the "
                             "first one's port is printed)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert", help="PEM certificate; enables the HTTPS listener")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--tls-client-ca", help="PEM CA certificates: the HTTPS listener asks "
                                                "for a client certificate and verifies it "
                                                "with them (see /peer-cert)")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key must be given together")
    return args


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="test-server: %(levelname)s %(message)s")
    asyncio.run(main(parse_args()))
