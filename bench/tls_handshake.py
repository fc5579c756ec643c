"""Benchmark: what trusting the operating system's store (truststore) costs per new connection.

    python bench/tls_handshake.py [--connections N] [--repeat R]

A local HTTPS server (aiohttp, throw-away CA made with ``cryptography``, a test dependency)
answers one small GET per fresh connection. Compared, alternately, R times each:

* baseline: ``ssl.create_default_context(cafile=STORE)``, made once (the certifi way);
* ours: :func:`noojee_desktop.core.api.default_ssl_context`, made once, the same STORE reached
  as the system store (``SSL_CERT_FILE``); truststore applies the store's paths at each handshake.

STORE is certifi's public roots plus the test root: a system store of realistic size.

Printed: the medians per connection, their ratio, and the extra time a job's full pool costs.
On Linux truststore loads the store's file again at every handshake, so the ratio is large
(about 6 here); what matters is the absolute cost: a job opens at most ``max_connections``
(32) connections and keeps them alive, and one dialler call takes 0.1-1 s itself. Goal: the
extra per new connection under 0.1 s. Figures depend on the machine's load, printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


async def _serve(cert_pem: Path, key_pem: Path):
    from aiohttp import web

    async def hello(request):
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", hello)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_pem, key_pem)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def _per_connection(url: str, ctx: ssl.SSLContext, n: int) -> float:
    import httpx

    started = time.perf_counter()
    for _ in range(n):
        async with httpx.AsyncClient(verify=ctx, trust_env=False) as client:
            assert (await client.get(url)).text == "ok"
    return (time.perf_counter() - started) / n


async def main_async(connections: int, repeat: int) -> int:
    from test_api_tls import make_ca_and_server_cert

    from noojee_desktop.core.api import default_ssl_context

    tmp = Path(tempfile.mkdtemp(prefix="tlsbench-"))
    ca_pem, cert_pem, key_pem = make_ca_and_server_cert(tmp)
    # a store of realistic size: the public roots (certifi's) plus the test root
    import certifi

    store = tmp / "system-store.pem"
    store.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + ca_pem.read_bytes())
    os.environ["SSL_CERT_FILE"] = str(store)
    os.environ["SSL_CERT_DIR"] = str(tmp / "none")
    runner, port = await _serve(cert_pem, key_pem)
    url = f"https://127.0.0.1:{port}/"
    base_ctx = ssl.create_default_context(cafile=str(store))
    ours_ctx = default_ssl_context()
    try:
        await _per_connection(url, base_ctx, 3)
        await _per_connection(url, ours_ctx, 3)
        base, ours = [], []
        for _ in range(repeat):
            base.append(await _per_connection(url, base_ctx, connections))
            ours.append(await _per_connection(url, ours_ctx, connections))
    finally:
        await runner.cleanup()
    b, o = statistics.median(base), statistics.median(ours)
    print(f"load average {os.getloadavg()[0]:.2f}; {connections} fresh connections x {repeat}")
    print(f"baseline (CA file context): {b * 1000:.2f} ms per connection")
    print(f"system store (truststore):  {o * 1000:.2f} ms per connection")
    extra = max(0.0, o - b)
    print(f"ratio {o / b:.2f}; extra {extra * 1000:.1f} ms per new connection (goal < 100 ms): "
          f"{'OK' if extra < 0.1 else 'OVER'}; a full pool of 32: {extra * 32:.2f} s per job")
    return 0 if extra < 0.1 else 1


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--connections", type=int, default=30)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    return asyncio.run(main_async(a.connections, a.repeat))


if __name__ == "__main__":
    raise SystemExit(main())
