"""aiohttp as a peer in `scripts/bench net`: fetch every URL of a list with
one aiohttp ClientSession whose TCPConnector(limit=J, limit_per_host=P)
caps the connections, as an aiohttp user would write it.

    /usr/bin/python3 bench/aiohttp_fetch.py -j J -p P [-m SECS] [-k] LIST

All requests are started at once and wait in the connector for a free
connection (aiohttp's own queueing). Bodies are read and thrown away.
Prints "N ok, M failed" to standard error; exit status 0 when all were ok
(2xx), 1 otherwise. Needs Debian's python3-aiohttp.
"""
import argparse
import asyncio
import sys

import aiohttp


async def fetch_all(urls, j, p, max_time, insecure):
    # The timeout of one request counts from its connect, as curl's -m in
    # --parallel does, not from the start of the run: total= would also
    # count the wait for a free connection in the connector's queue, and
    # behind a dead host the queued live requests would time out too.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=max_time or None,
                                    sock_read=max_time or None)
    connector = aiohttp.TCPConnector(limit=j, limit_per_host=p, ssl=False if insecure else None)
    ok = failed = 0

    async def one(session, url):
        nonlocal ok, failed
        try:
            async with session.get(url) as r:
                await r.read()
                if 200 <= r.status < 300:
                    ok += 1
                    return
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            pass
        failed += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(one(session, u) for u in urls))
    return ok, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, required=True, help="connections overall (limit)")
    ap.add_argument("-p", type=int, required=True, help="connections per host (limit_per_host)")
    ap.add_argument("-m", type=float, default=0,
                    help="timeout of one request's connect and of each read, s")
    ap.add_argument("-k", action="store_true", help="do not verify TLS certificates")
    ap.add_argument("list")
    a = ap.parse_args()
    with open(a.list) as f:
        urls = [line.strip() for line in f if line.strip()]
    ok, failed = asyncio.run(fetch_all(urls, a.j, a.p, a.m, a.k))
    print("%d ok, %d failed" % (ok, failed), file=sys.stderr)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
