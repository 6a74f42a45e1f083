"""Benchmark of the search page (run on demand; prints figures, asserts nothing).

    python tests/benchmarks/bench_search.py --models 100000 [--db sqlite:////tmp/bench-100k.db]
    python tests/benchmarks/bench_search.py --models 1000000 --db postgresql://postgres@127.0.0.1:5432/bench_1m \
        --fill-from /tmp/bench-1m.db

The database is filled once with the synthetic corpus (tests/benchmarks/corpus.py) through the
real ingest path, and reused by later runs with the same --db. ``--fill-from`` instead copies a
SQLite catalogue filled that way into an empty PostgreSQL database with COPY (minutes instead
of an hour at 1M; tests/benchmarks/copy_fill.py). PostgreSQL is then vacuumed and analysed, as
after any bulk load: without statistics its planner guesses. Then a fixed mix of 50 queries
(free text, facet combinations, sorts, deep pages) is timed twice:

- server side: ``catalog.search.query`` with facets, as the page calls it;
- over HTTP: ``GET /models.json`` against uvicorn on 127.0.0.1, through httpx.

The unfiltered page's first (cold) call fills the facet cache and is reported on its own;
every figure after it is with that cache warm, as a running server sees it. ``--query`` times
given query strings instead of the mix (``--query 'finding=none&license=mit' --no-http``).
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import statistics
import sys
import threading
import time
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select, text

from catalog.crawl.sync import ingest_items
from catalog.db import engine as engine_module
from catalog.db.engine import make_engine, make_sessionmaker, upgrade
from catalog.db.tables import AuditFinding, HubModel, HubModelSearch
from catalog.search.query import SearchParams, search
from tests.benchmarks.copy_fill import copy_catalogue
from tests.benchmarks.corpus import generate

BATCH = 2000
DEEP_PAGES = 20


def fill(factory: Any, n: int) -> None:
    with factory() as session:
        have = session.scalar(select(func.count()).select_from(HubModel)) or 0
    if have >= n:
        print(f"database already holds {have:,} models")
        return
    started = time.perf_counter()
    items = islice(generate(n, seed=1), have, None)
    done = have
    while batch := list(islice(items, BATCH)):
        ingest_items(factory, batch, scope_key="bench")
        done += len(batch)
        if done % 50_000 < BATCH:
            rate = (done - have) / (time.perf_counter() - started)
            print(f"  ingested {done:,} models ({rate:,.0f}/s)", flush=True)
    print(f"ingested {n - have:,} models in {time.perf_counter() - started:.0f}s")


def query_mix(factory: Any) -> list[list[tuple[str, str]]]:
    """50 queries as a user would send them, some built from the data (top author, a finding)."""
    with factory() as session:
        author = session.scalar(select(HubModel.author).group_by(HubModel.author)
                                .order_by(func.count().desc()).limit(1))
        code = session.scalar(select(AuditFinding.code).limit(1)) or "license-missing"
    mix: list[list[tuple[str, str]]] = []
    for word in ("llama", "mistral", "bert", "qwen 7b", "whisper", "gemma instruct", "phi", "lora", "gguf", "xyzzy"):
        mix.append([("q", word)])
    facets = [
        [("license", "apache-2.0")], [("license", "mit"), ("task", "text-generation")],
        [("category", "non-commercial")], [("category", "permissive"), ("size", "3-10B")],
        [("author", author)], [("format", "gguf")], [("gated", "true")], [("finding", code)],
        [("license", "llama2"), ("license", "llama3")], [("library", "transformers"), ("size", "<1B")],
        [("params_min", "7B"), ("params_max", "13B")], [("license", "none")], [("size", ">100B")],
        [("removed", "any")], [("task", "text-generation"), ("category", "community"), ("format", "safetensors")],
    ]
    mix += facets
    for q, f in zip(("llama", "bert", "mistral", "qwen", "phi"), facets):
        mix.append([("q", q), *f])
    for sort in ("-downloads", "-likes", "-parameters", "parameters", "-last_modified", "name", "downloads"):
        mix.append([("sort", sort)])
    mix.append([])  # the unfiltered first page
    mix.append([("license", "apache-2.0"), ("sort", "-likes")])
    mix.append([("q", "llama"), ("sort", "name")])
    while len(mix) < 50:  # deep pages: cursors found by walking DEEP_PAGES pages first
        base = [[], [("license", "apache-2.0")], [("sort", "name")], [("category", "permissive"), ("sort", "-likes")],
                [("task", "text-generation")]][(len(mix) - 43) % 5]
        mix.append(deep_page(factory, base))
    return mix


def deep_page(factory: Any, base: list[tuple[str, str]]) -> list[tuple[str, str]]:
    cursor = None
    with factory() as session:
        for _ in range(DEEP_PAGES):
            pairs = base + ([("cursor", cursor)] if cursor else [])
            cursor = search(session, SearchParams.from_query(pairs), with_facets=False).next_cursor
            if cursor is None:
                break
    return base + ([("cursor", cursor)] if cursor else [])


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def cpu_clocks(session: Any) -> list[Any]:
    """CPU-second clocks of this process and of the session's database server process.

    On a busy machine wall time is mostly waiting for a CPU; CPU time compares engines fairly.
    SQLite runs in this process (its server clock reads 0); a local PostgreSQL's backend is read
    from /proc (10 ms ticks: meaningful summed over the mix, not per query).
    """
    clocks: list[Any] = [time.process_time, lambda: 0.0]
    if session.get_bind().dialect.name == "postgresql":
        stat = Path(f"/proc/{session.scalar(text('SELECT pg_backend_pid()'))}/stat")
        if stat.exists():
            tick = os.sysconf("SC_CLK_TCK")
            # utime and stime: fields 14 and 15, counted after the parenthesised command name.
            clocks[1] = lambda: sum(int(f) for f in stat.read_text().rsplit(")", 1)[1].split()[11:13]) / tick
    return clocks


def report(label: str, times: list[float], floor: tuple[float, float] | None = None) -> tuple[float, float]:
    """Print p50/p95/max (and their ratio to a floor's p50/p95); returns (p50, p95)."""
    times = sorted(times)
    p50, p95 = statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]
    ratio = f"  ({p50 / floor[0]:5.1f}x / {p95 / floor[1]:5.1f}x floor)" if floor else ""
    print(f"{label:<28} n={len(times):>3}  p50={p50:7.1f} ms  p95={p95:7.1f} ms  max={times[-1]:7.1f} ms{ratio}")
    return p50, p95


def serve(engine: Any) -> tuple[str, Any]:
    import uvicorn

    from catalog.config import Settings
    from catalog.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(public_read=True, secret_key="bench"), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: sqlite:////tmp/catalog-bench-<N>.db)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query mix")
    parser.add_argument("--fill-from", metavar="SQLITE_FILE",
                        help="fill an empty PostgreSQL --db by copying this filled SQLite catalogue (COPY)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="time only the queries whose printed name contains TEXT (repeatable)")
    parser.add_argument("--query", action="append", metavar="QUERY",
                        help="time this query string (e.g. 'finding=none&license=mit') instead of the mix (repeatable)")
    parser.add_argument("--slowest", type=int, default=8, metavar="N", help="print the N slowest queries")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument("--dump", metavar="FILE",
                        help="write each query's rows, counts and facets as JSON (to compare two versions' answers)")
    args = parser.parse_args(argv)
    url = args.db or f"sqlite:////tmp/catalog-bench-{args.models}.db"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    if args.fill_from and engine.dialect.name == "postgresql":
        with factory() as session:
            empty = not session.scalar(select(func.count()).select_from(HubModel))
        if empty:
            started = time.perf_counter()
            copied = copy_catalogue(args.fill_from, engine)
            print(f"copied {copied:,} models in {time.perf_counter() - started:.0f}s")
    fill(factory, args.models)
    if engine.dialect.name == "postgresql":
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # statistics, and a visibility map for index-only scans
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f}s")
    mix = query_mix(factory)
    if hasattr(engine_module, "map_for_reads"):  # as the web app runs its engine (absent in older versions)
        engine_module.map_for_reads(engine)
    if hasattr(engine_module, "plan_per_execution"):
        engine_module.plan_per_execution(engine)
    if args.query:
        mix = [parse_qsl(q, keep_blank_values=True) for q in args.query]
    if args.only:
        mix = [pairs for pairs in mix if any(part in query_name(pairs) for part in args.only)]
    print(f"\n{engine.dialect.name}, {args.models:,} models, {len(mix)} queries x {args.rounds} rounds")

    from sqlalchemy import delete

    from catalog.db.tables import AppSetting
    from catalog.search import facet_cache

    with factory() as session, session.begin():  # no counts stored by an earlier run or process
        session.execute(delete(AppSetting).where(AppSetting.key.like("counts:%")))
    facet_cache.wait_for_refresh()
    facet_cache._cache.clear()
    with factory() as session:
        cold = timed(lambda: search(session, SearchParams.from_query([])))
    print(f"{'unfiltered page, cold cache':<28} {cold:7.1f} ms  (nothing counted yet: counts every facet)")
    facet_cache.wait_for_refresh()
    facet_cache._cache.clear()  # as a process starting after the first one counted and stored them
    with factory() as session:
        restarted = timed(lambda: search(session, SearchParams.from_query([])))
    print(f"{'unfiltered page, new process':<28} {restarted:7.1f} ms  (the counts stored in the database)")
    facet_cache._cache.clear()  # as `catalog serve` starting: it reads the stored counts before serving
    started = time.perf_counter()
    facet_cache.preload(engine)
    preloaded = (time.perf_counter() - started) * 1000
    with factory() as session:
        first = timed(lambda: search(session, SearchParams.from_query([])))
    print(f"{'server start, then 1st page':<28} {preloaded:7.1f} ms + {first:.1f} ms  (reading the stored counts "
          "at start; the first request)")
    from catalog import memory

    # Timed as a started `catalog serve` runs them, its heap hidden from the cycle collector
    # (absent in older versions); undone after the timing, for a process that goes on (the tests).
    if hasattr(memory, "settle_after_start"):
        memory.settle_after_start()
    # The floor: a page of 50 rows read from the projection, no filter, no count, no facet.
    floor_times = []
    for _ in range(args.rounds * len(mix)):
        with factory() as session:
            floor_times.append(timed(lambda s=session: s.execute(
                select(HubModelSearch.model_id).order_by(HubModelSearch.model_id).limit(50)).all()))
    floor = report("floor: 50 rows, no filter", floor_times)
    server_side: list[float] = []
    per_query: dict[str, list[tuple[float, float]]] = {}  # query -> (wall, CPU) ms per round
    cpu = [0.0, 0.0]  # this process, the database server's backend (local PostgreSQL)
    for _ in range(args.rounds):
        for pairs in mix:
            params = SearchParams.from_query(pairs)
            with factory() as session:
                clocks = cpu_clocks(session)
                before = [clock() for clock in clocks]
                ms = timed(lambda p=params, s=session: search(s, p))
                spent = [clock() - before[i] for i, clock in enumerate(clocks)]
                cpu = [c + d for c, d in zip(cpu, spent)]
            server_side.append(ms)
            per_query.setdefault(query_name(pairs), []).append((ms, 1000 * sum(spent)))
    gc.unfreeze()
    report("search() with facets", server_side, floor)
    report("  its CPU (this + db server)", [c for times in per_query.values() for _, c in times])
    n = len(server_side)
    print(f"{'  CPU per search':<28} {1000 * sum(cpu) / n:7.1f} ms  (this process {1000 * cpu[0] / n:.1f} ms"
          f" + database server {1000 * cpu[1] / n:.1f} ms; wall time above includes waiting for a busy CPU)")

    if args.dump:
        dump(factory, mix, args.dump)
    print_slowest(per_query, args.slowest)
    if args.no_http:
        return 0

    import httpx

    base, server = serve(engine)
    http_times: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        # The HTTP floor: a small static file through the same server and middleware.
        static = [timed(lambda: client.get("/static/catalog.css").raise_for_status()) for _ in range(len(mix))]
        for _ in range(args.rounds):
            for pairs in mix:
                http_times.append(timed(lambda p=pairs: client.get("/models.json", params=p).raise_for_status()))
        html = [timed(lambda p=pairs: client.get("/models", params=p).raise_for_status()) for pairs in mix]
        # The licenses index: a catalogue-wide count per license on every view.
        licenses = [timed(lambda: client.get("/licenses").raise_for_status()) for _ in range(args.rounds * 5)]
    server.should_exit = True
    http_floor = report("floor: GET a static file", static)
    report("GET /models.json (HTTP)", http_times, http_floor)
    report("GET /models HTML (HTTP)", html, http_floor)
    report("GET /licenses HTML (HTTP)", licenses, http_floor)
    return 0


def query_name(pairs: list[tuple[str, str]]) -> str:
    """A query as printed (values cut at 12 characters: cursors are long)."""
    return "&".join(f"{k}={v[:12]}" for k, v in pairs) or "(unfiltered)"


def print_slowest(per_query: dict[str, list[tuple[float, float]]], n: int) -> None:
    """The N queries of highest median wall time, with their median CPU time (less load-sensitive)."""
    print("\nslowest queries (server side, median of rounds: wall, CPU):")
    medians = {name: (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
               for name, times in per_query.items()}
    for name, (wall, cpu) in sorted(medians.items(), key=lambda kv: -kv[1][0])[:n]:
        print(f"  {wall:7.1f} ms  {cpu:6.1f} ms CPU  {name}")


def dump(factory: Any, mix: list[list[tuple[str, str]]], path: str) -> None:
    """Each query's answer as JSON lines: the ids shown, the count and the facets, with their flags.

    Two versions of the search on the same database should write the same exact counts and
    rows; counts flagged approximate may differ (another sample).
    """
    import json

    with open(path, "w") as out:
        for pairs in mix:
            with factory() as session:
                result = search(session, SearchParams.from_query(pairs))
            facets = {name: [(r["value"], r["count"]) for r in facet["results"]] for name, facet in result.facets.items()}
            out.write(json.dumps({"query": query_name(pairs), "rows": [row["id"] for row in result.data],
                                  "count": result.count, "count_approximate": result.count_approximate,
                                  "facets_approximate": result.facets_approximate, "facets": facets,
                                  "next_cursor": result.next_cursor}) + "\n")
    print(f"answers written to {path}")


if __name__ == "__main__":
    raise SystemExit(main())
