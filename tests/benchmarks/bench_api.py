"""Benchmark REST API v1 under concurrent load: `GET /api/v1/models/{id}` and `POST /api/v1/check`.

Builds (once, cached under /tmp, shared with bench_check.py) a SQLite catalogue of N synthetic
models ingested through the real sync path, serves it with uvicorn in a subprocess on loopback,
and drives it with C concurrent httpx clients from this (separate) process; prints throughput
and latency percentiles. The floor, measured in the same run with the same server, workers and
load generator, is a bare ASGI app answering a fixed JSON body of the record's size: what this
machine's HTTP stack and load generator can do at all, so ratios are comparable across runs.

    .venv/bin/python tests/benchmarks/bench_api.py --models 100000 --clients 32 --seconds 20 --workers 2
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

from catalog.cli.serve import HEALTHCHECK_TIMEOUT
from tests.benchmarks.bench_check import build_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FLOOR_BODY = b'{"ok": true, "padding": "' + b"x" * 6000 + b'"}'


async def floor_app(scope, receive, send) -> None:
    """The floor: an ASGI app that answers every request with a fixed JSON body, doing nothing else."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": FLOOR_BODY})


def start_server(database: Path, port: int, workers: int, *, floor: bool = False) -> subprocess.Popen:
    env = {**os.environ, "CATALOG_DATABASE_URL": f"sqlite:///{database}", "CATALOG_PUBLIC_READ": "true",
           "CATALOG_SECRET_KEY": "bench"}
    if floor:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    app = ["tests.benchmarks.bench_api:floor_app"] if floor else ["--factory", "catalog.web.app:create_app"]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
         # As `catalog serve` does: uvicorn's default (5 s) kills a worker starved of CPU by the load.
         "--timeout-worker-healthcheck", str(HEALTHCHECK_TIMEOUT)],
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


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a server process and its worker processes.

    On a shared machine throughput measures the neighbours as much as the server; CPU time per
    request does not. Linux only (reads /proc); 0 elsewhere.
    """
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(stat[11]) + int(stat[12])) / ticks
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += server_cpu(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


def measured(server: subprocess.Popen, base: str, clients: int, seconds: float, request) -> tuple[list[float], int, float]:
    """One load phase: latencies, errors and the server's CPU milliseconds per request."""
    before = server_cpu(server.pid)
    latencies, errors = asyncio.run(load(base, clients, seconds, request))
    return latencies, errors, (server_cpu(server.pid) - before) * 1000 / max(1, len(latencies))


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


def report(name: str, latencies: list[float], errors: int, cpu_ms: float, seconds: float,
           floor: float | None = None) -> float:
    """Print one line of figures; returns the server's CPU time per request (ms)."""
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    rate = len(ordered) / seconds
    ratio = f" ({cpu_ms / max(floor, 0.01):4.1f}x floor)" if floor is not None else ""
    print(f"{name:<34} server CPU {cpu_ms:5.1f} ms/request{ratio}  {rate:7.1f} req/s   p50 {p(0.50):7.1f} ms   p95 {p(0.95):7.1f} ms   "
          f"p99 {p(0.99):7.1f} ms   mean {statistics.mean(ordered) * 1000:7.1f} ms   "
          f"{len(ordered)} requests, {errors} errors")
    return cpu_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--check-size", type=int, default=50, help="models per POST /api/v1/check")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "catalog-bench",
                        help="where the catalogue is built once per size")
    args = parser.parse_args(argv)

    args.cache.mkdir(parents=True, exist_ok=True)
    database = args.cache / f"check-{args.models}.db"
    known = build_database(database, args.models)
    warm = min(2.0, args.seconds)

    async def get_model(client, rng):
        return await client.get(f"/api/v1/models/{rng.choice(known)}")

    async def check(client, rng):
        return await client.post("/api/v1/check", json={"models": rng.sample(known, min(args.check_size, len(known))),
                                                        "context": "saas"})

    print(f"{args.models:,} models, {args.clients} concurrent clients, {args.workers} uvicorn worker(s), "
          f"{args.seconds:.0f} s per endpoint, SQLite, {os.cpu_count()} CPUs")
    port = free_port()
    server = start_server(database, port, args.workers, floor=True)
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(load(base, args.clients, warm, get_model))
        floor = report("floor (fixed 6 kB JSON, no app)", *measured(server, base, args.clients, args.seconds, get_model),
                       args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    port = free_port()
    server = start_server(database, port, args.workers)
    errors = 0
    try:
        base = f"http://127.0.0.1:{port}"
        for name, request in (("GET /api/v1/models/{id}", get_model),
                              (f"POST /api/v1/check ({args.check_size} models)", check)):
            asyncio.run(load(base, args.clients, warm, request))  # warm-up: caches, connections
            latencies, failed, cpu_ms = measured(server, base, args.clients, args.seconds, request)
            report(name, latencies, failed, cpu_ms, args.seconds, floor)
            errors += failed
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
