"""Measure how much real Hub license metadata catalog.licenses.resolve recognises, and how fast.

Usage: python tests/benchmarks/normalisation_rate.py [--shared PATH]

PATH is the shared folder holding hub-data/ (default: $CATALOG_SHARED_DIR, else ../shared beside
the checkout). For each source the script prints the number of values, the shares resolved to a
known id, unknown (declared but unrecognised) and unlicensed (nothing declared), the 20 most
frequent unresolved raw values, and finally the throughput of resolve over all values.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO) not in sys.path:
    # Run as a script from a checkout, catalog is importable only once the repo root is on the path.
    sys.path.insert(0, str(_REPO))

from catalog.licenses import resolve

# One record = the arguments of resolve(): (license, license_name, license_link, tags).
Record = tuple[object, object, object, tuple[str, ...]]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_shared_dir() -> Path:
    """Return the shared folder: $CATALOG_SHARED_DIR, else ``shared`` beside the checkout."""
    return Path(os.environ.get("CATALOG_SHARED_DIR") or _REPO.parent / "shared")


def card_frontmatter(hub: Path) -> Iterator[Record]:
    """License fields of the 13,740 YAML front matters of 2022 model cards (saranscript)."""
    with open(
        hub / "saranscript_huggingface-models_2022-02" / "card_frontmatter.jsonl", encoding="utf-8"
    ) as lines:
        for line in lines:
            try:
                meta = yaml.load(json.loads(line)["frontmatter_yaml"], Loader=_YAML_LOADER)
            except yaml.YAMLError:
                # A card whose metadata does not parse declares nothing the Hub could read either.
                meta = None
            if not isinstance(meta, dict):
                meta = {}
            yield meta.get("license"), meta.get("license_name"), meta.get("license_link"), ()


def list_tags(hub: Path) -> Iterator[Record]:
    """The 29,432 records of list_models(full=True) from 2022, where the license is only a tag."""
    with open(
        hub / "saranscript_huggingface-models_2022-02" / "model_infos.jsonl", encoding="utf-8"
    ) as lines:
        for line in lines:
            yield None, None, None, tuple(json.loads(line).get("tags") or ())


def hacktoberfest_other(hub: Path) -> Iterator[Record]:
    """Models with ``license: other`` and the license_name / license_link suggested for them."""
    with open(
        hub / "hub-docs" / "hacktoberfest_model_license_other.csv", encoding="utf-8", newline=""
    ) as handle:
        for row in csv.DictReader(handle):
            yield "other", row["suggested_license_name"] or None, row["suggested_license_link"] or None, ()


def _csv_column(path: Path, column: str) -> Iterator[Record]:
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row[column], None, None, ()


def leaderboard_v1(hub: Path) -> Iterator[Record]:
    """Hub license of each Open LLM Leaderboard v1 entry."""
    return _csv_column(hub / "open-llm-leaderboard_fboulnois" / "huggingface_v1.csv", "hub_license")


def leaderboard_v2(hub: Path) -> Iterator[Record]:
    """Hub license of each Open LLM Leaderboard v2 entry."""
    return _csv_column(hub / "open-llm-leaderboard_fboulnois" / "huggingface_v2.csv", "metadata_hub_license")


def lmarena(hub: Path) -> Iterator[Record]:
    """Free-text license names of the LMArena table (many models are proprietary APIs)."""
    return _csv_column(hub / "open-llm-leaderboard_fboulnois" / "lmarena_text.csv", "license")


def peatmoss(hub: Path) -> Iterator[Record]:
    """Hub license of each distinct model in PeaTMOSS, plus its hand-labelled license strings."""
    seen: dict[str, str] = {}
    with open(
        hub / "peatmoss" / "github_repo_to_hf_model_license_mapping.csv", encoding="utf-8", newline=""
    ) as f:
        for row in csv.reader(f):
            if len(row) >= 4:
                seen.setdefault(row[1], row[3])
    for value in seen.values():
        yield value, None, None, ()
    for name in ("accurate_pipeline_groundTruth.json", "cheap_pipeline_groundTruth.json"):
        with open(hub / "peatmoss" / name, encoding="utf-8") as handle:
            for record in json.load(handle).values():
                yield record.get("license"), None, None, ()


SOURCES: dict[str, Callable[[Path], Iterator[Record]]] = {
    "saranscript card front matter": card_frontmatter,
    "saranscript list tags": list_tags,
    "hub-docs hacktoberfest license:other": hacktoberfest_other,
    "open-llm-leaderboard v1": leaderboard_v1,
    "open-llm-leaderboard v2": leaderboard_v2,
    "lmarena (free text)": lmarena,
    "peatmoss": peatmoss,
}


def measure(records: list[Record]) -> dict:
    """Resolve every record and count the outcomes.

    Args:
        records: resolve() arguments, one tuple per model.

    Returns:
        ``n``, the shares ``resolved`` (one or several known ids), ``unknown`` and ``unlicensed``,
        ``resolved_of_declared`` (resolved among values that declared something) and
        ``unresolved``, a Counter of the raw values that were not recognised.
    """
    counts: collections.Counter[str] = collections.Counter()
    unresolved: collections.Counter[str] = collections.Counter()
    for license_raw, license_name, license_link, tags in records:
        result = resolve(license_raw, license_name, license_link, tags)
        counts[result.category if result.status in ("missing", "unknown") else "resolved"] += 1
        unresolved.update(result.unresolved)
    n = len(records)
    declared = n - counts["unlicensed"]
    return {
        "n": n,
        "resolved": counts["resolved"] / n if n else 0.0,
        "unknown": counts["unknown"] / n if n else 0.0,
        "unlicensed": counts["unlicensed"] / n if n else 0.0,
        "resolved_of_declared": counts["resolved"] / declared if declared else 0.0,
        "unresolved": unresolved,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the normalisation rates per source and the throughput of resolve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared_dir(), help="folder holding hub-data/")
    args = parser.parse_args(argv)
    hub = args.shared / "hub-data"
    if not hub.is_dir():
        parser.error(f"{hub} does not exist")

    everything: list[Record] = []
    for name, read in SOURCES.items():
        records = list(read(hub))
        everything.extend(records)
        stats = measure(records)
        print(f"\n== {name}")
        print(
            f"   N={stats['n']}  resolved={stats['resolved']:.1%}  unknown={stats['unknown']:.1%}  "
            f"unlicensed={stats['unlicensed']:.1%}  resolved-of-declared={stats['resolved_of_declared']:.1%}"
        )
        for value, count in stats["unresolved"].most_common(20):
            print(f"   {count:6d}  {value!r}")

    # A cold first pass fills resolve's string cache, so time repeated passes like a long crawl would.
    started = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for license_raw, license_name, license_link, tags in everything:
            resolve(license_raw, license_name, license_link, tags)
    elapsed = time.perf_counter() - started
    print(
        f"\nthroughput: {rounds * len(everything) / elapsed:,.0f} values/s over {len(everything)} values x {rounds}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
