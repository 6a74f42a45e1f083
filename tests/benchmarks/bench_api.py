"""Benchmark REST API v1 under concurrent load: `GET /api/v1/models/{id}` and `POST /api/v1/check`.

Builds (once, cached under /tmp, shared with bench_check.py) a SQLite catalogue of N synthetic
models ingested through the real sync path, serves it with uvicorn in a subprocess on loopback,
and drives it with C concurrent connections from a separate process; prints throughput and
latency percentiles. The floor, measured in the same run with the same server, workers and
load generator, is a bare ASGI app answering a fixed JSON body of the record's size: what this
machine's HTTP stack and load generator can do at all, so ratios are comparable across runs.

The load comes from ``wrk`` (Debian package ``wrk``) when it is installed, else from httpx
clients in this process (``--generator`` chooses). On a two-core machine the generator shares
the cores with the server: httpx spends about as much CPU per request as the bare floor server
does, so it measured itself (121 req/s for the floor, whose server used 0.4 ms of CPU a
request); wrk, in C, leaves the cores to the server.

    .venv/bin/python tests/benchmarks/bench_api.py --models 100000 --clients 32 --seconds 20 --workers 2
    .venv/bin/python tests/benchmarks/bench_api.py ... --postgres postgresql://postgres@127.0.0.1:5432/<scratch>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


def start_server(db_url: str, port: int, workers: int, *, floor: bool = False) -> subprocess.Popen:
    env = {**os.environ, "CATALOG_DATABASE_URL": db_url, "CATALOG_PUBLIC_READ": "true",
           "CATALOG_SECRET_KEY": "bench"}
    if floor:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    app = ["tests.benchmarks.bench_api:floor_app"] if floor else ["--factory", "catalog.web.app:create_server_app"]
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


@dataclass
class Phase:
    """One load phase's figures (latencies in ms)."""

    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float
    mean: float
    cpu_ms: float = 0.0  # the server's CPU time per request


@dataclass
class Load:
    """What one phase sends: GET a random model's record, or POST a check of ``size`` random models."""

    kind: str  # "get" or "check"
    known: list[str]
    size: int = 0

    async def request(self, client, rng):
        if self.kind == "get":
            return await client.get(f"/api/v1/models/{rng.choice(self.known)}")
        return await client.post("/api/v1/check", json={"models": rng.sample(self.known, self.size), "context": "saas"})


def measured(server: subprocess.Popen, base: str, clients: int, seconds: float, load: Load, generator: str) -> Phase:
    """One load phase, with the server's CPU milliseconds per request."""
    before = server_cpu(server.pid)
    if generator == "wrk":
        phase = wrk_phase(base, clients, seconds, load)
    else:
        latencies, errors = asyncio.run(httpx_load(base, clients, seconds, load))
        ordered = sorted(latencies)
        p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
        phase = Phase(len(ordered), errors, seconds, p(0.50), p(0.95), p(0.99), statistics.mean(ordered) * 1000)
    phase.cpu_ms = (server_cpu(server.pid) - before) * 1000 / max(1, phase.requests)
    return phase


async def httpx_load(base: str, clients: int, seconds: float, load: Load) -> tuple[list[float], int]:
    """``clients`` httpx connections in this process, each sending one request after another."""
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
                response = await load.request(client, rng)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return latencies, errors


# wrk's script: requests drawn from the ids, and one line of figures at the end (microseconds).
_WRK_SCRIPT = """
local ids = %(ids)s
local kind, size = "%(kind)s", %(size)d
math.randomseed(%(seed)d)
local bodies = {}
if kind == "check" then
  for i = 1, 500 do
    local picked, seen = {}, {}
    while #picked < size do
      local id = ids[math.random(#ids)]
      if not seen[id] then seen[id] = true; picked[#picked + 1] = '"' .. id .. '"' end
    end
    bodies[i] = '{"models": [' .. table.concat(picked, ",") .. '], "context": "saas"}'
  end
end
request = function()
  if kind == "check" then
    return wrk.format("POST", "/api/v1/check", {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
  end
  return wrk.format("GET", "/api/v1/models/" .. ids[math.random(#ids)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


def wrk_phase(base: str, clients: int, seconds: float, load: Load) -> Phase:
    """One phase driven by wrk (one thread, ``clients`` connections; it takes whole seconds)."""
    # Lua string literals of the ids: JSON's quoting is valid Lua for these ASCII repo ids.
    ids = "{" + ", ".join(json.dumps(i) for i in load.known) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % {"ids": ids, "kind": load.kind, "size": load.size, "seed": random.randrange(2**31)})
    try:
        done = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
                               "-s", script.name, base], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    requests, errors, duration, p50, p95, p99, mean = (int(float(x)) for x in line.split()[1:])
    return Phase(requests, errors, duration / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, mean / 1000)


def report(name: str, phase: Phase, floor: float | None = None) -> float:
    """Print one line of figures; returns the server's CPU time per request (ms)."""
    rate = phase.requests / phase.seconds
    ratio = f" ({phase.cpu_ms / max(floor, 0.01):4.1f}x floor)" if floor is not None else ""
    print(f"{name:<34} server CPU {phase.cpu_ms:6.2f} ms/request{ratio}  {rate:7.1f} req/s   p50 {phase.p50:7.1f} ms   "
          f"p95 {phase.p95:7.1f} ms   p99 {phase.p99:7.1f} ms   mean {phase.mean:7.1f} ms   "
          f"{phase.requests} requests, {phase.errors} errors")
    return phase.cpu_ms


def to_postgres(database: Path, url: str) -> str:
    """The catalogue of ``database`` in the PostgreSQL database at ``url`` (copied once); its URL."""
    from sqlalchemy import func, select

    from catalog.db.engine import make_engine, make_sessionmaker, upgrade
    from catalog.db.tables import HubModel
    from tests.benchmarks.copy_fill import copy_catalogue

    engine = make_engine(url)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            empty = not session.scalar(select(func.count()).select_from(HubModel))
        if empty:
            print(f"copied {copy_catalogue(str(database), engine):,} models into PostgreSQL")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # as after any bulk load: statistics, visibility map
    finally:
        engine.dispose()
    return engine.url.render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--check-size", type=int, default=50, help="models per POST /api/v1/check")
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto",
                        help="the load generator (auto: wrk when installed, else httpx in this process)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "catalog-bench",
                        help="where the catalogue is built once per size")
    parser.add_argument("--postgres", metavar="URL",
                        help="serve from this PostgreSQL database (a scratch one: filled once from the SQLite "
                             "catalogue with COPY, then vacuumed and analysed), as a team deployment does")
    args = parser.parse_args(argv)
    generator = args.generator if args.generator != "auto" else "wrk" if shutil.which("wrk") else "httpx"
    if generator == "wrk" and not shutil.which("wrk"):
        parser.error("--generator wrk: wrk is not installed (apt-get install wrk)")

    args.cache.mkdir(parents=True, exist_ok=True)
    database = args.cache / f"check-{args.models}.db"
    known = build_database(database, args.models)
    db_url = f"sqlite:///{database}" if not args.postgres else to_postgres(database, args.postgres)
    warm = min(2.0, args.seconds)
    get_model, check = Load("get", known), Load("check", known, min(args.check_size, len(known)))

    print(f"{args.models:,} models, {args.clients} concurrent clients ({generator}), {args.workers} uvicorn "
          f"worker(s), {args.seconds:.0f} s per endpoint, {'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{os.cpu_count()} CPUs")
    port = free_port()
    server = start_server(db_url, port, args.workers, floor=True)
    try:
        base = f"http://127.0.0.1:{port}"
        measured(server, base, args.clients, warm, get_model, generator)  # warm-up: connections
        floor = report("floor (fixed 6 kB JSON, no app)",
                       measured(server, base, args.clients, args.seconds, get_model, generator))
    finally:
        server.terminate()
        server.wait(timeout=30)
    port = free_port()
    server = start_server(db_url, port, args.workers)
    errors = 0
    try:
        base = f"http://127.0.0.1:{port}"
        for name, load in (("GET /api/v1/models/{id}", get_model), (f"POST /api/v1/check ({check.size} models)", check)):
            measured(server, base, args.clients, warm, load, generator)  # warm-up: caches, connections
            phase = measured(server, base, args.clients, args.seconds, load, generator)
            report(name, phase, floor)
            errors += phase.errors
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
