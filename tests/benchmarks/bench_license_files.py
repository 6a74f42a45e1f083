"""Benchmark: what `catalog sync --license-files` costs on a 10k-model sync against the fake Hub.

    python tests/benchmarks/bench_license_files.py [--models 10000] [--shared ../shared]

The corpus of tests/benchmarks/corpus.py is served by the fake Hub in its own process; a share
of the models (those with a declared license, ``--with-files``) ship a LICENSE whose text is a
real one from shared/hub-data (the text of their license when there is one, else a Llama
agreement or a custom text nobody knows). It measures, in one fresh SQLite database each:

1. the floor: ``catalog sync --full --skip-license-files`` (the listing alone);
2. ``catalog sync --full --license-files``: wall time, extra time over the floor, file requests;
3. the same again with nothing changed: file requests (expected 0);
4. after 10 % of the models moved to a new revision with the same texts: file requests (one
   conditional request per such model with a license file, answered 304).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.corpus import generate

PAGE_SIZE = 1000
CUSTOM = "ACME Model Terms\n\nYou may use the weights for evaluation only. Ask us for anything else.\n" * 3


def _texts(shared: Path) -> dict[str, str]:
    hub_data = shared / "hub-data"
    raw = hub_data / "modelgo" / "license_raw"
    return {"apache-2.0": (raw / "Apache-2.0.txt").read_text(), "mit": (raw / "MIT.txt").read_text(),
            "cc-by-4.0": (raw / "CC-BY-4.0.txt").read_text(), "cc-by-nc-4.0": (raw / "CC-BY-NC-4.0.txt").read_text(),
            "openrail": (raw / "OpenRAIL++.txt").read_text(), "gpl-3.0": (raw / "GPL-3.0.txt").read_text(),
            "llama3": (hub_data / "meta-llama_llama-models" / "llama3" / "LICENSE").read_text()}


def serve(corpus: Path, shared: Path, share: float, bump: float) -> None:
    """The server process: the corpus, LICENSE files on a share of it, optionally 'bump' revisions."""
    import catalog.hubsim.server
    from catalog.hubsim.server import HubServer, HubStore
    from catalog.hubsim.store import iter_jsonl

    catalog.hubsim.server.MAX_RECORDS = 10**8  # count every request, not only the last 10,000

    texts = _texts(shared)
    rng, bumps = random.Random(7), random.Random(8)
    store = HubStore()
    for model in iter_jsonl(corpus):
        declared = (model.get("cardData") or {}).get("license")
        has_file = isinstance(declared, str) and rng.random() < share / 0.75  # ~75 % of models declare one
        if bumps.random() < bump:
            model["sha"] = "f" + model["sha"][1:]
            model["lastModified"] = "2026-11-27T00:00:00.000Z"
        store.put(model)
        if "README.md" in {f["rfilename"] for f in model.get("siblings", [])}:
            store.put_file(model["id"], "README.md", f"# {model['id']}\n\nA model card without a license section.\n")
        if has_file:
            store.put_file(model["id"], "LICENSE", texts.get(str(declared).lower(),
                                                             texts["llama3"] if declared == "other" else CUSTOM))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with HubServer(store) as server:
        print(server.url, flush=True)
        stop.wait()
        files = [r for r in server.requests if "/resolve/" in r.path]
        print(json.dumps({"requests": len(server.requests), "file_requests": len(files),
                          "statuses": Counter(str(r.status) for r in files)}), flush=True)


def start(corpus: Path, shared: Path, share: float, bump: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(corpus), "--shared", str(shared),
                             "--with-files", str(share), "--bump", str(bump)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stop(proc: subprocess.Popen[str]) -> dict:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return json.loads(out.strip().splitlines()[-1])


def file_urls(endpoint: str, database: Path) -> list[str]:
    """The resolve URLs of every file the pass asked for (gated ones were not asked for)."""
    import sqlite3

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT m.repo_id, f.revision, f.path FROM model_license_files f"
                          " JOIN hub_models m ON m.id = f.model_id WHERE f.status != 'gated'").fetchall()
    return [f"{endpoint}/{repo}/resolve/{rev}/{path.split('#')[0]}" for repo, rev, path in rows]


def bare_fetch(urls: list[str]) -> float:
    """Seconds a bare httpx loop on 4 threads takes to GET ``urls`` (the floor of the pass's I/O)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    started = time.perf_counter()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda u: client.get(u).content, urls))
    return time.perf_counter() - started


def cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "catalog", *args], env={**os.environ, **env}, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - started, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get(
        "CATALOG_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")))
    parser.add_argument("--with-files", type=float, default=0.4, help="share of models shipping a LICENSE")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bump", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.shared, args.with_files, args.bump)
        return

    work = Path(tempfile.mkdtemp(prefix="catalog-bench-license-"))
    corpus = work / "corpus.jsonl.gz"
    with gzip.open(corpus, "wt", compresslevel=1) as out:
        for item in generate(args.models, seed=1):
            out.write(json.dumps(item) + "\n")

    def database(name: str) -> dict[str, str]:
        env = {"CATALOG_DATABASE_URL": f"sqlite:///{work / name}", "CATALOG_SYNC_PAGE_SIZE": str(PAGE_SIZE)}
        subprocess.run([sys.executable, "-m", "catalog", "db", "upgrade"], env={**os.environ, **env}, check=True,
                       stdout=subprocess.DEVNULL)
        return env

    hub, url = start(corpus, args.shared, args.with_files, 0.0)
    try:
        floor_env = {**database("floor.db"), "HF_ENDPOINT": url}
        floor, _ = cli(["sync", "--full", "--skip-license-files"], floor_env)
        env = {**database("files.db"), "HF_ENDPOINT": url}
        with_files, report = cli(["sync", "--full", "--license-files"], env)
        again, report_again = cli(["sync", "--license-files"], env)
    finally:
        counts = stop(hub)
    hub, url = start(corpus, args.shared, args.with_files, 0.0)
    try:
        urls = file_urls(url, work / "files.db")
        fetch_floor = bare_fetch(urls)
    finally:
        stop(hub)
    line = next((x for x in report.splitlines() if x.startswith("license files:")), "")
    line_again = next((x for x in report_again.splitlines() if x.startswith("license files:")), "")
    print(f"{args.models} models, {args.with_files:.0%} shipping a LICENSE")
    print(f"floor: sync --full --skip-license-files {floor:.1f}s")
    print(f"sync --full --license-files {with_files:.1f}s (ratio to the floor {with_files / floor:.2f}, "
          f"+{with_files - floor:.1f}s); {line}")
    print(f"again, nothing changed: {again:.1f}s; {line_again}")
    print(f"server: {counts['file_requests']} file requests in the two runs, statuses {counts['statuses']}")
    print(f"floor of the file requests: a bare httpx loop (4 threads, like the pass) GETs the same {len(urls)} files "
          f"in {fetch_floor:.1f}s ({len(urls) / fetch_floor:.0f}/s); the pass took {with_files - floor:.1f}s "
          f"more than the plain sync, ratio {(with_files - floor) / fetch_floor:.2f}")

    hub, url = start(corpus, args.shared, args.with_files, 0.1)
    try:
        bumped, report_bumped = cli(["sync", "--license-files"], {**env, "HF_ENDPOINT": url})
    finally:
        counts = stop(hub)
    line_bumped = next((x for x in report_bumped.splitlines() if x.startswith("license files:")), "")
    print(f"10% of models at a new revision, same texts: {bumped:.1f}s; {line_bumped}; "
          f"server: {counts['file_requests']} file requests, statuses {counts['statuses']}")


if __name__ == "__main__":
    main()
