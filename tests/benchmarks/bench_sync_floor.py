"""What storing the models costs SQLite itself, with no Python in the loop (run on demand).

    python tests/benchmarks/bench_sync.py --models 100000        # first: builds the corpus and a synced DB
    python tests/benchmarks/bench_sync_floor.py --models 100000

The rows `bench_sync.py` stored are inserted again, pages of 1,000 as a sync writes them, with
the sqlite3 module alone into fresh databases built by the migrations: once with the full
schema, then without the full-text trigger, without the search-projection trigger, and
without either. Beside a fetch-only pass over the same corpus this gives the lowest ratio
sync / fetch-only that any Python code could reach while keeping the search indexes that the
catalogue's search (issue 4) reads up to date in the same transaction as each page.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from catalog.crawl.hub import HubClient, fetch_only
from catalog.db.engine import open_database, sqlite_pragmas
from tests.benchmarks.bench_sync import PAGE_SIZE, start_hub

VARIANTS = {
    "full schema": [],
    "without the FTS5 trigger": ["DROP TRIGGER hub_models_fts_insert"],
    "without the search-projection trigger": ["DROP TRIGGER hub_model_search_insert"],
    "without either": ["DROP TRIGGER hub_models_fts_insert", "DROP TRIGGER hub_model_search_insert"],
}


def insert_rows(path: Path, columns: list[str], rows: list[tuple], drop: list[str]) -> float:
    """Seconds to insert ``rows`` page by page, one commit per page, into a fresh catalogue."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_database(f"sqlite:///{path}").kw["bind"].dispose()
    conn = sqlite3.connect(path)
    sqlite_pragmas(conn)  # the settings a sync runs with
    for statement in drop:
        conn.execute(statement)
    sql = f"INSERT INTO hub_models ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    for start in range(0, len(rows), PAGE_SIZE):
        conn.executemany(sql, rows[start:start + PAGE_SIZE])
        conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    args = parser.parse_args()

    work = Path(tempfile.gettempdir()) / "catalog-bench"
    source, corpus = work / "bench.db", work / f"corpus-{args.models}.jsonl.gz"
    if not source.exists() or not corpus.exists():
        sys.exit(f"run `python tests/benchmarks/bench_sync.py --models {args.models}` first "
                 f"(it leaves {source} and {corpus})")
    with sqlite3.connect(source) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(hub_models)")]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM hub_models ORDER BY id").fetchall()
    if len(rows) != args.models:
        sys.exit(f"{source} holds {len(rows)} models, not {args.models}: rerun bench_sync.py with --models {args.models}")

    hub, url = start_hub(corpus)
    try:
        first = HubClient(endpoint=url).first_page_path({}, page_size=PAGE_SIZE, sort="lastModified")
        fetch_only(url, [first])  # the server's first pass warms its caches; bench_sync's does too
        started = time.perf_counter()
        fetched = fetch_only(url, [first])
        fetch_wall = time.perf_counter() - started
    finally:
        hub.terminate()
        hub.wait()
    print(f"fetch-only: {fetched} models in {fetch_wall:.2f}s ({fetch_wall / fetched * 1e6:.0f} us/model)")
    target = work / "floor.db"
    for label, drop in VARIANTS.items():
        wall = insert_rows(target, columns, rows, drop)
        print(f"sqlite3 executemany, {label}: {wall:.2f}s ({wall / len(rows) * 1e6:.0f} us/model), "
              f"{wall / fetch_wall:.2f}x the fetch-only pass")


if __name__ == "__main__":
    main()
