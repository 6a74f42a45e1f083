"""Benchmark `catalog check` as CI runs it: a large source tree against a large catalogue.

Builds (once, cached under /tmp) a SQLite catalogue of N synthetic models ingested through the real
sync path, and a tree of Python files and configs of which a few dozen reference models in it;
then times the whole command in a subprocess several times and prints the median, split into
interpreter start-up (the floor: ``python -c pass``), importing what the command imports, and
the rest, with the ratio of the whole to the floor. With two or more CPUs the check reads the tree
in a child process while it imports the database layer (``catalog.scan.background``), so the
rest is not the work but what the overlap leaves: the check on one CPU (the sequential check)
is timed too, and the difference is what the overlap saves.

    .venv/bin/python tests/benchmarks/bench_check.py --models 1000000 --files 2000 --refs 60

With ``--baseline DIR`` (a copy of an older version of the project, e.g.
``git archive <ref> | tar -x -C DIR``) the same commands also run on that code (``PYTHONPATH=DIR``),
interleaved run by run with the current code, so that before and after share the machine's load.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.corpus import generate

BATCH = 5000
TARGET_SECONDS = 0.5
# What `catalog check .` imports (the CLI, the command, the lookup and report); discovery's modules
# are imported by the child process that reads the tree, or, on one CPU, after these.
CHECK_MODULES = ("catalog.cli.main", "catalog.cli.check", "catalog.scan.check", "catalog.scan.reports",
                 "catalog.compliance.policy")
# `python -m catalog check .` on one CPU: the sequential check, without the child process.
ONE_CPU = ("import os, runpy, sys; hasattr(os, 'sched_setaffinity') and os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
           "sys.argv = ['catalog', 'check', '.']; runpy.run_module('catalog', run_name='__main__', alter_sys=True)")


def build_database(path: Path, models: int) -> list[str]:
    """Create (or reuse) the catalogue file; returns some repo ids it holds, for references."""
    from catalog.crawl.sync import ingest_items
    from catalog.db.engine import make_engine, make_sessionmaker, upgrade

    done_marker = path.with_suffix(".done")
    if not done_marker.exists():
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        factory = make_sessionmaker(engine)
        started = time.monotonic()
        items = generate(models)
        for count in itertools.count():
            batch = list(itertools.islice(items, BATCH))
            if not batch:
                break
            ingest_items(factory, batch)
            print(f"\ringested {(count * BATCH) + len(batch):,} models ({time.monotonic() - started:.0f} s)",
                  end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        engine.dispose()
        done_marker.touch()
    # The same generator, re-run, names models that are certainly in the database.
    return [item["id"] for item in itertools.islice(generate(models), 0, models, max(1, models // 200))]


def sample_ids(path: Path, n: int = 200) -> list[str]:
    """Repo ids spread over an existing catalogue, for the references of the tree."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT max(id) FROM hub_models").fetchone()[0]
        step = max(1, total // n)
        return [r[0] for r in conn.execute("SELECT repo_id FROM hub_models WHERE id % ? = 0 LIMIT ?", (step, n))]


def count_models(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM hub_models").fetchone()[0]


def build_tree(root: Path, files: int, refs: int, known: list[str]) -> None:
    """``files`` Python modules (and a config per 10) of ordinary code; ``refs`` of them load a model."""
    rng = random.Random(0)
    body = "\n".join(f"def f{i}(x):\n    return [y * {i} for y in range(x) if y % 3]\n" for i in range(30))
    chosen = set(rng.sample(range(files), refs))
    for i in range(files):
        package = root / f"pkg{i // 100}"
        package.mkdir(parents=True, exist_ok=True)
        text = f'"""Module {i}."""\nimport os\n\nNAME = "service-{i}"\n' + body
        if i in chosen:
            text += f'\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained("{rng.choice(known)}")\n'
        (package / f"mod{i}.py").write_text(text)
        if i % 10 == 0:
            (package / f"settings{i}.yaml").write_text(f"service: s{i}\nreplicas: 3\nimage: app:{i}\n")
    (root / ".catalog-policy.yaml").write_text("context: internal\n")


def timed(jobs: dict[str, tuple[list[str], dict[str, str]]], cwd: Path, runs: int
          ) -> dict[str, tuple[float, float, int]]:
    """Per job: median wall seconds, median CPU seconds (user + system) and the last exit code.

    The jobs take turns run by run, so that a burst of load on the shared machine hits all of
    them alike; on such a machine the wall time measures the neighbours too, the CPU time does not.
    """
    for command, env in jobs.values():  # warm: page cache, .pyc files
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
    durations: dict[str, list[float]] = {label: [] for label in jobs}
    cpu: dict[str, list[float]] = {label: [] for label in jobs}
    codes: dict[str, int] = {}
    for _ in range(runs):
        for label, (command, env) in jobs.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            codes[label] = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False).returncode
            durations[label].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {label: (statistics.median(durations[label]), statistics.median(cpu[label]), codes[label])
            for label in jobs}


def commands(env: dict[str, str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What is timed: the floor, the required libraries alone, the settings alone, the database
    layer alone, the check's imports, and the check itself (text, on one CPU, SARIF, --help)."""
    python = sys.executable
    return {
        "floor": ([python, "-c", "pass"], env),
        # The libraries the project's rules put on the check path, imported bare: pydantic-settings
        # (the one Settings class) and SQLAlchemy's ORM (the one resolver of model ids).
        "libraries": ([python, "-c", "import pydantic_settings, sqlalchemy.orm"], env),
        "settings": ([python, "-c", "from catalog.config import load_settings; load_settings()"], env),
        "database": ([python, "-c", "import catalog.db.tables"], env),
        # The check skips the interpreter's last garbage collection (catalog.memory), so its imports
        # are timed without it too: what is left of the whole is the work and the exit.
        "imports": ([python, "-c", f"import atexit, gc; atexit.register(gc.freeze); import {', '.join(CHECK_MODULES)}"],
                    env),
        "check": ([python, "-m", "catalog", "check", "."], env),
        "one cpu": ([python, "-c", ONE_CPU], env),
        "sarif": ([python, "-m", "catalog", "check", ".", "--format", "sarif"], env),
        "help": ([python, "-m", "catalog", "check", "--help"], env),
    }


def report(name: str, figures: dict[str, tuple[float, float, int]], runs: int) -> None:
    """Print one version's figures: the whole, then start-up, imports and work separately."""
    (check, check_cpu, code), (bare, bare_cpu, _) = figures["check"], figures["floor"]
    imported, imported_cpu, _ = figures["imports"]
    print(f"{name}catalog check (text)    median {check:.3f} s wall, {check_cpu:.3f} s CPU over {runs} runs "
          f"(exit {code}); {check / bare:.1f}x the floor (wall), {check_cpu / max(bare_cpu, 1e-3):.1f}x (CPU)")
    print(f"  start-up (floor)      median {bare:.3f} s wall, {bare_cpu:.3f} s CPU  (python -c pass)")
    print(f"  imports               median {imported - bare:.3f} s wall, {imported_cpu - bare_cpu:.3f} s CPU  "
          "(python -c 'import <check's modules>', without the exit's collection - floor)")
    for label, what in (("libraries", "pydantic_settings + sqlalchemy.orm, bare"),
                        ("settings", "catalog.config + load_settings()"),
                        ("database", "SQLAlchemy, its ORM and the table declarations")):
        wall, cpu, _ = figures[label]
        print(f"    of which {label:<10} median {wall - bare:.3f} s wall, {cpu - bare_cpu:.3f} s CPU  "
              f"({what} - floor)")
    print(f"  the rest              median {check - imported:.3f} s wall, {check_cpu - imported_cpu:.3f} s CPU  "
          "(the whole - imports: lookups, policy, report, exit, and whatever of discovery the imports do not "
          "hide; the CPU counts the child reading the tree)")
    single, single_cpu, _ = figures["one cpu"]
    print(f"  on one CPU            median {single:.3f} s wall, {single_cpu:.3f} s CPU  (the sequential check: "
          f"imports, then discovery; the whole - this: {check - single:+.3f} s wall)")
    libraries = figures["libraries"][0]
    print(f"  catalog's own         median {check - libraries:.3f} s wall  (the whole - the required libraries' "
          "import, which includes start-up)")
    print(f"catalog check --sarif   median {figures['sarif'][0]:.3f} s")
    print(f"catalog check --help    median {figures['help'][0]:.3f} s  (start-up + CLI imports)")


def import_time(env: dict[str, str]) -> list[tuple[str, float]]:
    """The heaviest top-level imports of the check path, per ``python -X importtime`` (seconds, cumulative)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {', '.join(CHECK_MODULES)}"],
                          env=env, capture_output=True, text=True, check=False)
    tops = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        # Top level: the module name is indented by exactly one space.
        if len(parts) == 3 and parts[2].startswith(" ") and not parts[2].startswith("  "):
            try:
                tops.append((parts[2].strip(), int(parts[1]) / 1e6))
            except ValueError:
                pass
    return sorted(tops, key=lambda t: -t[1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=1_000_000, help="catalogue size (cached per size)")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--refs", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "catalog-bench")
    parser.add_argument("--db", help="reuse this SQLite catalogue (a file, or bench_search's sqlite:/// URL) "
                                     "instead of building one")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time the project copy in DIR (an older version), interleaved with this one")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.db:
        if args.db.startswith("sqlite:"):  # bench_search's --db is a URL: take that too
            from sqlalchemy.engine import make_url

            args.db = make_url(args.db).database or ""
        args.db = Path(args.db)
        if not args.db.is_file():
            parser.error(f"--db {args.db}: no such SQLite catalogue")
        database, known = args.db, sample_ids(args.db)
        args.models = count_models(args.db)
    else:
        database = args.cache / f"check-{args.models}.db"
        known = build_database(database, args.models)
    env = {**os.environ, "CATALOG_DATABASE_URL": f"sqlite:///{database}"}
    # Users' installs keep compiled bytecode; without it every run would measure the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    jobs = commands(env)
    if args.baseline:
        jobs |= {f"baseline {label}": job for label, job in
                 commands({**env, "PYTHONPATH": str(args.baseline.resolve())}).items()}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        build_tree(tree, args.files, args.refs, known)
        figures = timed(jobs, tree, args.runs)
    tops = import_time(env)
    print(f"catalogue: {args.models:,} models; tree: {args.files} .py + {args.files // 10} .yaml, {args.refs} references")
    if args.baseline:
        before = {label.removeprefix("baseline "): value for label, value in figures.items()
                  if label.startswith("baseline ")}
        report(f"baseline ({args.baseline}): ", before, args.runs)
        print("this version:")
    report("", figures, args.runs)
    check, code = figures["check"][0], figures["check"][2]
    if args.baseline:
        before_wall, before_cpu, _ = figures["baseline check"]
        print(f"this version / baseline: {check / before_wall:.2f} (wall), "
              f"{figures['check'][1] / before_cpu:.2f} (CPU)")
    print("heaviest imports (-X importtime, cumulative): "
          + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in tops[:6]))
    print(f"target {TARGET_SECONDS:.1f} s: {'met' if check <= TARGET_SECONDS else 'MISSED'}; importing the "
          f"required libraries alone takes {figures['libraries'][0]:.3f} s")
    return 0 if code in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
