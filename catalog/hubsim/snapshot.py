"""The bundled demo snapshot: real Hub models rebuilt from redistributable public sources.

``catalog demo`` serves this file through the fake Hub and crawls it. The file is built by
this module's command line from ``shared/hub-data`` (see ``catalog/hubsim/data/DEMO_DATA_NOTICE.md``
for every source, its licence, and what was taken and changed)::

    python -m catalog.hubsim.snapshot --shared ../shared --out catalog/hubsim/data/demo-models.jsonl.gz

Sources are merged by repo id, compared case-insensitively as the Hub does. A later source in
``SOURCES`` overrides an earlier one field by field, and only with a value it actually has;
a recorded ``model_info`` body replaces everything, since it is the Hub's own answer. Recorded
bodies that share a Hub object id (``_id``) are one repository under an old and a new name: the
newest is kept. A model whose license no source records is completed from the license-only
sources (llama-models, the Model Openness Tool, PeaTMOSS) or left out.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.hubsim.snapshot_sources import (
    llama_release_licence,
    publisher_statement,
    read_cassettes,
    read_hacktoberfest,
    read_leaderboard_v1,
    read_leaderboard_v2,
    read_llmfit,
    read_model_openness,
    read_peatmoss,
)
from catalog.resources import data_path

SNAPSHOT_PATH = data_path("hubsim", "demo-models.jsonl.gz")
NOTICE_PATH = data_path("hubsim", "DEMO_DATA_NOTICE.md")


@dataclass(frozen=True)
class Source:
    """One origin of the snapshot, as recorded in ``shared/hub-data/SOURCES.md``."""

    folder: str
    repository: str
    licence: str
    what: str


# In precedence order, lowest first. Same-period sources are ordered by the date of their data.
SOURCES = (
    Source(
        "hub-docs",
        "huggingface/hub-docs",
        "Apache-2.0",
        "models with licence 'other' or none, with downloads and likes (2023-10)",
    ),
    Source(
        "open-llm-leaderboard_fboulnois",
        "fboulnois/llm-leaderboard-csv",
        "MPL-2.0",
        "Open LLM Leaderboard v1 and v2: licence, size, base model, sha, likes",
    ),
    Source(
        "llmfit",
        "AlexsJones/llmfit",
        "MIT",
        "exact parameter counts, downloads, likes, pipeline tag, creation date",
    ),
    Source(
        "peatmoss",
        "PurdueDualityLab/PeaTMOSS-Artifact",
        "Apache-2.0 (License-Analysis/: BSD-3-Clause)",
        "Hub licence per model as PeaTMOSS recorded it (2023), downloads of its 2k-model sample",
    ),
    Source(
        "lfai_model-openness-tool",
        "lfai/model_openness_tool",
        "MIT",
        "licence of the released model parameters, for models that link their Hub repository",
    ),
    Source(
        "meta-llama_llama-models",
        "meta-llama/llama-models",
        "Llama community licences (facts only: which licence each Llama release is under)",
        "the licence each Llama release's model card names, for meta-llama/ repositories of that release",
    ),
    Source(
        "huggingface_hub-vcr-cassettes",
        "huggingface/huggingface_hub",
        "Apache-2.0",
        "recorded GET /api/models/{id} bodies, used unchanged",
    ),
)

# Owners whose repositories the Hub gates with manual approval. meta-llama: every recorded
# body of theirs says "manual"; google/gemma*: their cards carry extra_gated_* fields.
_GATED_PREFIXES = ("meta-llama/", "google/gemma")


def describe_sources() -> str:
    """A few lines naming each source of the bundled snapshot and its licence."""
    lines = ["Demo data: real Hugging Face Hub metadata from these public sources"]
    lines += [f"  - {s.repository} ({s.licence}): {s.what}" for s in SOURCES]
    lines.append("The snapshot holds MPL-2.0 data and is covered by MPL-2.0 (https://mozilla.org/MPL/2.0/).")
    lines.append(f"Details and licence terms: {NOTICE_PATH}")
    return "\n".join(lines)


def iter_snapshot(path: Path | str = SNAPSHOT_PATH) -> Iterator[dict[str, Any]]:
    """Yield the model dicts of a ``.jsonl.gz`` snapshot, one per line, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


# ---------------------------------------------------------------- merging and shaping

_READERS = (
    ("hub-docs", read_hacktoberfest),
    ("open-llm-leaderboard_fboulnois", read_leaderboard_v1),
    ("open-llm-leaderboard_fboulnois", read_leaderboard_v2),
    ("llmfit", read_llmfit),
    ("huggingface_hub-vcr-cassettes", read_cassettes),
)


def _object_id(repo_id: str) -> str:
    # Not a real Mongo ObjectId (those are not in the sources): stable, so rebuilds match.
    return hashlib.sha1(f"catalog-demo:{repo_id}".encode()).hexdigest()[:24]


def _author(repo_id: str, known: set[str]) -> str | None:
    if "/" in repo_id:
        return repo_id.split("/", 1)[0]
    # A legacy id ("gpt2") now lives under an organisation ("openai-community/gpt2", as the
    # recorded body says); use it when the sources hold exactly one such namespaced copy.
    owners = {k.split("/", 1)[0] for k in known if k.lower().endswith("/" + repo_id.lower())}
    return owners.pop() if len(owners) == 1 else None


def _body(repo_id: str, rec: dict[str, Any], author: str | None) -> dict[str, Any]:
    """A ``model_info``-shaped dict, keys in the Hub's order, absent where no source knows."""
    licence, base = rec.get("license"), rec.get("base_model")
    tags = [t for t in (rec.get("library_name"), rec.get("model_type"), rec.get("pipeline_tag")) if t]
    if base:
        tags += [f"base_model:{base[0]}", f"base_model:{base[1]}:{base[0]}"]
    if licence:
        tags.append(f"license:{licence}")
    body: dict[str, Any] = {"_id": _object_id(repo_id), "id": repo_id, "private": False}
    for key in ("pipeline_tag", "library_name"):
        if rec.get(key):
            body[key] = rec[key]
    body["tags"] = tags
    for key in ("downloads", "likes"):
        if key in rec:
            body[key] = rec[key]
    body["modelId"] = repo_id
    if author:
        body["author"] = author
    if rec.get("sha"):
        body["sha"] = rec["sha"]
    body["gated"] = "manual" if repo_id.startswith(_GATED_PREFIXES) else False
    body["disabled"] = False
    config = {
        k: v
        for k, v in (("architectures", rec.get("architectures")), ("model_type", rec.get("model_type")))
        if v
    }
    if config:
        body["config"] = config
    card = {"license": licence}
    if licence == "other":
        card |= {"license_name": rec.get("license_name"), "license_link": rec.get("license_link")}
    card["base_model"] = base[0] if base else None
    card = {k: v for k, v in card.items() if v}
    if card:
        body["cardData"] = card
    if rec.get("createdAt"):
        body["createdAt"] = rec["createdAt"]
    if rec.get("params"):
        kind, dtype, total = rec["params"]
        body[kind] = (
            {"parameters": {dtype: total}, "total": total} if kind == "safetensors" else {"total": total}
        )
    return body


def build(shared: Path) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Merge the sources under ``shared/hub-data`` into model dicts sorted by id.

    Returns the models and counts: per reader, how many models it contributed to; how many
    licences were completed from a licence-only source, how many models were left out because no
    source records their licence, and how many renamed copies were folded.
    """
    hub_data = Path(shared) / "hub-data"
    merged: dict[str, dict[str, Any]] = {}
    ids: dict[str, str] = {}  # lower-case id -> spelling of the latest source that has it
    counts: dict[str, int] = {}
    for folder, reader in _READERS:
        seen = set()
        for repo_id, fields in reader(hub_data / folder):
            key = repo_id.lower()
            ids[key] = repo_id
            merged.setdefault(key, {}).update(fields)
            seen.add(key)
        counts[reader.__name__.removeprefix("read_")] = len(seen)
    completed, dropped = _complete_licences(merged, ids, hub_data)
    counts["licence completed"], counts["left out (no licence recorded)"] = completed, dropped
    known = set(ids.values())
    models = []
    for key, rec in merged.items():
        repo_id = ids[key]
        models.append(rec["body"] if "body" in rec else _body(repo_id, rec, _author(repo_id, known)))
    models, counts["renames folded"] = _fold_renames(models)
    models.sort(key=lambda m: m["id"])
    counts["total"] = len(models)
    return models, counts


# Licence-only sources, in the order they are consulted for a model no other source gives a licence.
_LICENCE_READERS = (
    ("lfai_model-openness-tool", read_model_openness),
    ("peatmoss", read_peatmoss),
)


def _complete_licences(merged: dict[str, dict[str, Any]], ids: dict[str, str], hub_data: Path) -> tuple[int, int]:
    """Fill the licence of models no source gave one from the licence-only sources; drop the rest.

    PeaTMOSS and the Model Openness Tool also add the models only they know, since each of those
    comes with its licence.
    """
    completed = 0
    for folder, reader in _LICENCE_READERS:
        for repo_id, fields in reader(hub_data / folder):
            key = repo_id.lower()
            rec = merged.get(key)
            if rec is None:
                ids[key] = repo_id
                merged[key] = dict(fields)
            elif "body" not in rec and "license" not in rec:
                rec.update({k: v for k, v in fields.items() if k.startswith("license")})
                completed += 1
            elif "body" not in rec and rec.get("license") == "other" and not rec.get("license_name") \
                    and fields.get("license_name"):
                rec["license_name"] = fields["license_name"]
                completed += 1
            elif "downloads" in fields and "downloads" not in rec and "body" not in rec:
                rec["downloads"] = fields["downloads"]  # PeaTMOSS's count when no newer one exists
    for key, rec in merged.items():
        if "body" not in rec and "license" not in rec:
            licence = llama_release_licence(hub_data / "meta-llama_llama-models", ids[key])
            fields = {"license": licence} if licence else publisher_statement(ids[key])
            if fields:
                rec.update(fields)
                completed += 1
    unknown = [key for key, rec in merged.items() if "body" not in rec and "license" not in rec]
    for key in unknown:
        del merged[key]
    return completed, len(unknown)


def _fold_renames(models: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """One model per Hub object id: recorded bodies of a renamed repo under its old and new name
    share the ``_id``; the one under the current name (the later ``lastModified``) is kept."""
    by_object: dict[str, dict[str, Any]] = {}
    for model in models:
        current = by_object.get(model["_id"])
        if current is None or (model.get("lastModified") or "", "/" in model["id"]) > (
                current.get("lastModified") or "", "/" in current["id"]):
            by_object[model["_id"]] = model
    return list(by_object.values()), len(models) - len(by_object)


def write_snapshot(models: Iterable[dict[str, Any]], out: Path) -> None:
    """Write ``models`` as gzip-compressed JSON lines, byte-identical for identical input."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        text = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        for model in models:
            text.write(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
        text.flush()
        text.detach()
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    """Command line: rebuild the snapshot from a ``shared`` folder."""
    parser = argparse.ArgumentParser(prog="python -m catalog.hubsim.snapshot", description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, required=True, help="folder that holds hub-data/")
    parser.add_argument("--out", type=Path, default=SNAPSHOT_PATH, help="the .jsonl.gz to write")
    args = parser.parse_args(argv)
    models, counts = build(args.shared)
    write_snapshot(models, args.out)
    for name, count in counts.items():
        print(f"{name:>20}: {count:6d} models", file=sys.stderr)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
