"""Fuzzed Hub items through the real sync, on demand: crashed runs and lost items per engine.

    python tests/benchmarks/bench_fuzz.py --items 10000 [--postgres postgresql://postgres@127.0.0.1:5432/test]

The items come from the strategies of tests/crawl/fuzz_items.py (wrong types, huge and deep
values, NULs, lone surrogates, numbers beyond the columns, garbage object ids, unusable ids),
drawn with a fixed seed. They are served by the fake Hub in batches of --batch, one full sync
per batch into the same database, and checked by the same oracle as the CI test. Printed per
engine: runs, runs crashed (raised or did not complete), well-formed items lost, hostile fields
or ids not recorded, stored models whose page or API answer was not a 200 (every model of
the first batch and a sample of --render of each later batch), items failed, elapsed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text

from catalog.config import Settings
from catalog.db.engine import make_engine, make_sessionmaker, upgrade
from catalog.web.app import create_app
from tests.crawl.fuzz_items import FuzzItem, fuzz_batch, run_and_check

DRAW = 20  # items per Hypothesis draw (larger draws overrun its buffer)


def generate(n: int, at_seed: int) -> list[FuzzItem]:
    items: list[FuzzItem] = []

    @seed(at_seed)
    @settings(max_examples=n // DRAW, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        items.extend(data.draw(fuzz_batch(DRAW, start=len(items))))

    draw()
    return items[:n]


def bench(name: str, url: str, items: list[FuzzItem], batch: int, render: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    app = create_app(Settings(database_url="sqlite://", public_read=True, secret_key="bench"), engine=engine)
    runs = crashed = lost = unrecorded = unreadable = failed = 0
    started = time.perf_counter()
    with TestClient(app) as client:
        for start in range(0, len(items), batch):
            outcome = run_and_check(factory, items[start:start + batch], web_client=client, page_size=100,
                                    render_limit=None if start == 0 else render)
            runs += 1
            crashed += bool(outcome.crashes)
            lost += len(outcome.lost)
            unrecorded += len(outcome.unrecorded)
            unreadable += len(outcome.unreadable)
            failed += outcome.failed
            for line in (outcome.crashes + outcome.lost + outcome.unrecorded + outcome.unreadable)[:3]:
                print(f"  {name}: {line[:200]!r}")
    elapsed = time.perf_counter() - started
    print(f"{name:10} items={len(items)} runs={runs} crashed={crashed} lost={lost} unrecorded={unrecorded} "
          f"unreadable={unreadable} failed_items={failed} elapsed={elapsed:.1f}s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--render", type=int, default=25, help="models of each later batch rendered")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is created beside its database")
    parser.add_argument("--scratch", default=None, help="name of that scratch database (default bench_fuzz_<pid>)")
    args = parser.parse_args()
    items = generate(args.items, args.seed)
    print(f"{len(items)} items, {sum(not i.usable_id for i in items)} without a usable id, "
          f"{sum(bool(i.hostile) for i in items)} with hostile fields")
    with tempfile.TemporaryDirectory() as folder:
        bench("sqlite", f"sqlite:///{Path(folder) / 'fuzz.db'}", items, args.batch, args.render)
    if args.postgres:
        name = args.scratch or f"bench_fuzz_{os.getpid()}"
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench("postgresql", args.postgres.rsplit("/", 1)[0] + "/" + name, items, args.batch, args.render)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
