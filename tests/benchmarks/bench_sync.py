"""Benchmark of `catalog sync` over the wire (run on demand; prints figures, asserts nothing).

    python tests/benchmarks/bench_sync.py --models 100000 [--postgres URL]

A corpus with the real data's field distributions is served by the Hub-compatible server in
its own process (so client and server do not share a GIL). It measures, per database:
- a full sync of the listing (`catalog sync --full --skip-license-files`, a subprocess): wall
  time, models/s and their ratio to the public Hub's rate-limit ceiling (~3,300 models/s with
  a free token), CPU seconds of the catalog process, peak RSS;
- a fetch-only pass over the same pages with a bare httpx loop that only parses JSON (after
  one warm-up pass), and the ratio sync / fetch-only (catalog's overhead over the wire), beside
  the ratio the sync's CPU time alone allows on this machine's cores (its CPU seconds, and a
  local PostgreSQL server's during it, over the cores, over the loop's wall time): no sync doing
  that work could go below it;
- an incremental `catalog sync --skip-license-files` with nothing changed, and its ratio to a
  floor: a fresh interpreter importing the libraries a sync needs and reading one page bare.

The license-file pass that `catalog sync` runs after the listing is left out: it is a crawl of
its own, one request per model declaring no usable license, bounded by the Hub's rate limit.
On a shared machine wall times vary with the load; the CPU seconds compare two versions better.

    python tests/benchmarks/bench_sync.py --models 20000 --baseline DIR [--rounds 2]

compares with another checkout of catalog (``git worktree add DIR <commit>``): each round runs
the baseline's syncs then this checkout's, against the same warm server, so that both meet
the same load. ``python -m catalog`` imports the checkout it runs in.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from catalog.crawl.hub import HubClient, fetch_only
from tests.benchmarks.corpus import generate

PAGE_SIZE = 1000
# The public Hub's listing rate limit with a free token, ~1,000 API calls per 5 minutes, at
# 1,000 models a call (issue 17): a crawl of the Hub cannot go faster than this.
HUB_CEILING = 1000 * 1000 / 300


def write_corpus(n: int, path: Path) -> None:
    if path.exists():
        return
    with gzip.open(path, "wt", compresslevel=1) as out:
        for item in generate(n, seed=1):
            out.write(json.dumps(item) + "\n")


def start_hub(corpus: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "catalog.hubsim.server", str(corpus), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def timed_cli(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `catalog` subprocess (run in ``cwd``),
    its own: not the largest of the children so far, which ``RUSAGE_CHILDREN`` would give."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "catalog", *args], env={**os.environ, **env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def postgres_cpu(url: str) -> float | None:
    """CPU seconds the PostgreSQL server on this machine has used so far: its processes' own and,
    through the postmaster's reaped children, those of the backends that exited. None when the
    server is not local (``url``'s host) or its processes cannot be read (no /proc, other user)."""
    from sqlalchemy.engine import make_url

    if make_url(url).host not in ("127.0.0.1", "localhost", "::1") or not os.path.isdir("/proc"):
        return None
    ticks, found = 0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name, _, rest = stat.partition(" (")[2].rpartition(") ")
        if name != "postgres":
            continue
        fields = rest.split()  # state, ppid, ...: utime, stime, cutime, cstime are the 12th - 15th
        ticks += sum(int(value) for value in fields[11:15])
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from catalog.db.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def run_target(name: str, db_url: str, hub_url: str, work: Path,
               cwd: Path | None) -> tuple[float, float, int, float, float, float | None]:
    """A full then an incremental sync into an emptied database: (wall, CPU, peak RSS, wall, CPU,
    the PostgreSQL server's CPU during the full sync when it can be read)."""
    if name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(work / "bench.db") + suffix).unlink(missing_ok=True)
    else:
        reset_postgres(db_url)
    env = {"HF_ENDPOINT": hub_url, "CATALOG_DATABASE_URL": db_url, "CATALOG_SYNC_PAGE_SIZE": str(PAGE_SIZE)}
    subprocess.run([sys.executable, "-m", "catalog", "db", "upgrade"], env={**os.environ, **env},
                   check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    server_before = postgres_cpu(db_url) if name == "postgresql" else None
    full, full_cpu, rss = timed_cli(["sync", "--full", "--skip-license-files"], env, cwd)
    server_after = postgres_cpu(db_url) if server_before is not None else None
    server_cpu = server_after - server_before if server_before is not None and server_after is not None else None
    incremental, incremental_cpu, _ = timed_cli(["sync", "--skip-license-files"], env, cwd)
    return full, full_cpu, rss, incremental, incremental_cpu, server_cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (its schema is dropped!)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "catalog-bench",
                        help="folder for the corpus and the SQLite database")
    parser.add_argument("--baseline", type=Path, help="another checkout of catalog to time first in each round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of (baseline, this checkout)")
    parser.add_argument("--no-sqlite", action="store_true", help="time PostgreSQL (--postgres) only")
    args = parser.parse_args(argv)
    if args.no_sqlite and not args.postgres:
        parser.error("--no-sqlite needs --postgres")
    checkouts: list[tuple[str, Path | None]] = [("this checkout", None)]
    if args.baseline:
        checkouts.insert(0, (f"baseline {args.baseline}", args.baseline.resolve()))

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{args.models}.jsonl.gz"
    write_corpus(args.models, corpus)
    hub, url = start_hub(corpus)
    try:
        first = HubClient(endpoint=url).first_page_path({}, page_size=PAGE_SIZE, sort="lastModified")
        # The server's first pass is slower (it builds its sorted views); the syncs below all
        # meet a warm server, so the baseline does too.
        fetch_only(url, [first])
        started = time.perf_counter()
        fetched = fetch_only(url, [first])
        fetch_wall = time.perf_counter() - started
        print(f"fetch-only: {fetched} models in {fetch_wall:.1f}s ({fetched / fetch_wall:.0f} models/s)")

        # The incremental sync's floor: a fresh interpreter importing the libraries a sync must
        # (settings, SQL, the Hub client) and reading the first listing page with a bare client.
        floor_script = ("import pydantic_settings, sqlalchemy.orm, huggingface_hub, httpx2, sys; "
                        "httpx2.get(sys.argv[1], timeout=60).json()")
        floor_started = time.perf_counter()
        subprocess.run([sys.executable, "-c", floor_script, url + first], check=True)
        incremental_floor = time.perf_counter() - floor_started
        print(f"incremental floor: {incremental_floor:.2f}s (start-up, the required libraries' imports, "
              "one listing page read bare)")

        # The best ratio the catalog process's CPU time allows: even a sync spreading that work
        # perfectly over every core (it runs on about one) would take this long.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        targets = {} if args.no_sqlite else {"sqlite": f"sqlite:///{work / 'bench.db'}"}
        if args.postgres:
            targets["postgresql"] = args.postgres
        for _ in range(args.rounds):
            for name, db_url in targets.items():
                for label, cwd in checkouts:
                    full, full_cpu, rss, incremental, incremental_cpu, server_cpu = run_target(
                        name, db_url, url, work, cwd)
                    # On PostgreSQL the server's work is the sync's too (None: not local, not readable).
                    work_cpu = full_cpu + (server_cpu or 0.0)
                    server = f", {server_cpu:.1f}s in the PostgreSQL server" if server_cpu is not None else ""
                    print(f"{name}{f' ({label})' if args.baseline else ''}: full sync {args.models} models in "
                          f"{full:.1f}s ({args.models / full:.0f} models/s, {args.models / full / HUB_CEILING:.2f}x "
                          f"the Hub's rate-limit ceiling; {full_cpu:.1f}s CPU in catalog{server}), ratio to "
                          f"fetch-only {full / fetch_wall:.2f} (CPU-bound: {work_cpu / cores / fetch_wall:.2f} "
                          f"on {cores} cores), peak RSS {rss} MB; incremental no-change sync "
                          f"{incremental:.2f}s ({incremental_cpu:.2f}s CPU), {incremental / incremental_floor:.2f}x its floor",
                          flush=True)
    finally:
        hub.terminate()
        hub.wait()


if __name__ == "__main__":
    main()
