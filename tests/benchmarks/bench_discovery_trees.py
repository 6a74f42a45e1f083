"""Benchmark discovery's CPU on real source trees, this checkout against older ones.

    .venv/bin/python tests/benchmarks/bench_discovery_trees.py TREE [TREE ...] --baseline DIR [--rounds 3]

Each round runs every version (the ``--baseline`` checkouts in the order given, then this one)
in its own interpreter, one after the other, so that all meet the same load; each interpreter
imports catalog from its checkout and scans each tree in process (``discovery.scan``, without a
catalogue, under :func:`catalog.memory.fewer_collections` as ``catalog check`` runs it) and
reports the CPU time (``time.process_time``: the machine's other work counts less than in wall
time). Printed per tree: each version's best over the rounds, its references and problems, and
its ratio to the first version's best (the floor of this comparison, measured in the same run).
A checkout is made with ``git worktree add DIR <commit>``. Trees come from ``fetch`` (see the
README, *Measured on real code*); what they hold decides what is compared, so quote the figures
with the commits of the trees.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# Run in the version's own interpreter: one line of JSON per tree, [seconds, references, problems].
_MEASURE = """
import gc, json, sys, time
sys.path.insert(0, sys.argv[1])
from catalog.memory import fewer_collections
from catalog.scan.discovery import scan
for tree in sys.argv[2:]:
    gc.collect()
    with fewer_collections():
        start = time.process_time()
        found = scan([tree])
        seconds = time.process_time() - start
    print(json.dumps([seconds, len(found.references), len(found.problems)]), flush=True)
"""


def measure(checkout: Path, trees: list[Path]) -> list[tuple[float, int, int]]:
    """One scan of each tree by the catalog of ``checkout``: (CPU seconds, references, problems)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(checkout), *map(str, trees)],
                          capture_output=True, text=True, check=True)
    return [tuple(json.loads(line)) for line in done.stdout.splitlines()]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+", type=Path, help="source trees to scan")
    parser.add_argument("--baseline", action="append", type=Path, default=[],
                        help="another checkout of catalog, timed before this one (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for path in [*args.trees, *args.baseline]:
        if not path.is_dir():
            parser.error(f"not a directory: {path}")
    versions = [*args.baseline, Path(__file__).resolve().parents[2]]
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for _ in range(max(args.rounds, 1)):
        for v, version in enumerate(versions):
            for t, result in enumerate(measure(version, args.trees)):
                if (v, t) not in best or result[0] < best[v, t][0]:
                    best[v, t] = result
    names = [str(version) for version in versions[:-1]] + ["this checkout"]
    print(f"discovery CPU, best of {max(args.rounds, 1)} rounds; versions: " + ", ".join(names))
    for t, tree in enumerate(args.trees):
        cells = []
        for v in range(len(versions)):
            seconds, refs, problems = best[v, t]
            ratio = f", {seconds / best[0, t][0]:.2f}x the first" if v and best[0, t][0] > 0 else ""
            cells.append(f"{seconds:.2f} s ({refs} refs, {problems} problems{ratio})")
        print(f"{tree.name}: " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
