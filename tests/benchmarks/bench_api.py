"""Benchmark REST API v1 under concurrent load: `GET /api/v1/models/{id}` and `POST /api/v1/check`.

Builds (once, cached under /tmp, shared with bench_check.py) a SQLite catalogue of N synthetic
models ingested through the real sync path, serves it with uvicorn in a subprocess on loopback,
and drives it with C concurrent httpx clients; prints throughput and latency percentiles.

    .venv/bin/python tests/benchmarks/bench_api.py --models 100000 --clients 32 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_check import build_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CATALOG_DATABASE_URL": f"sqlite:///{database}", "CATALOG_PUBLIC_READ": "true",
           "CATALOG_SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "catalog.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=env)
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/licenses", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


async def load(base: str, clients: int, seconds: float, request) -> tuple[list[float], int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = await request(client, rng)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return latencies, errors


def report(name: str, latencies: list[float], errors: int, seconds: float) -> None:
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    print(f"{name:<34} {len(ordered) / seconds:8.1f} req/s   p50 {p(0.50):7.1f} ms   p95 {p(0.95):7.1f} ms   "
          f"p99 {p(0.99):7.1f} ms   mean {statistics.mean(ordered) * 1000:7.1f} ms   "
          f"{len(ordered)} requests, {errors} errors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--check-size", type=int, default=50, help="models per POST /api/v1/check")
    args = parser.parse_args()

    cache = Path(tempfile.gettempdir()) / "catalog-bench"
    cache.mkdir(exist_ok=True)
    database = cache / f"check-{args.models}.db"
    known = build_database(database, args.models)
    port = free_port()
    server = start_server(database, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        async def get_model(client, rng):
            return await client.get(f"/api/v1/models/{rng.choice(known)}")

        async def check(client, rng):
            return await client.post("/api/v1/check", json={"models": rng.sample(known, args.check_size),
                                                            "context": "saas"})

        print(f"{args.models:,} models, {args.clients} concurrent clients, {args.workers} uvicorn worker(s), "
              f"{args.seconds:.0f} s per endpoint, SQLite, {os.cpu_count()} CPUs")
        for name, request in (("GET /api/v1/models/{id}", get_model),
                              (f"POST /api/v1/check ({args.check_size} models)", check)):
            asyncio.run(load(base, args.clients, 2.0, request))  # warm-up: caches, connections
            latencies, errors = asyncio.run(load(base, args.clients, args.seconds, request))
            report(name, latencies, errors, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
