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
import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

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

_DTYPE = {"bfloat16": "BF16"}  # every other leaderboard precision is shown as F16
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO_ID = re.compile(r"^(?:[\w.-]+/)?[\w.-]+$")
_HUB_LINK = re.compile(r"^\[([^\]]+)\]\(")
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


# ---------------------------------------------------------------- reading the sources
# Each reader yields (repo id, fields); a field is only present when the source knows it,
# and None means "the source says there is none" (e.g. no licence), not "unknown".


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _latest_rows(
    rows: Iterable[dict[str, str]], key: str, rank: Callable[[dict[str, str]], tuple]
) -> dict[str, dict[str, str]]:
    """The best row per model: several rows exist when a model was evaluated more than once."""
    best: dict[str, dict[str, str]] = {}
    for row in rows:
        current = best.get(row[key])
        if current is None or rank(row) > rank(current):
            best[row[key]] = row
    return best


def _params(billions: str) -> int | None:
    try:
        return round(float(billions) * 1e9)
    except ValueError:
        return None


def read_hacktoberfest(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """hub-docs' licence challenge lists: ``license: other`` models, then unlicensed ones.

    The no-licence list is the later one (likes only grew), and 167 of the 349 ``other`` models
    are in it too. Half of them dropping their licence within weeks is implausible; the
    later list evidently counted ``other`` without a ``license_name`` as missing, so those
    models keep ``other`` and take only the newer counters.
    """
    other: set[str] = set()
    for name, licence in (
        ("hacktoberfest_model_license_other.csv", "other"),
        ("hacktoberfest_model_no_license.csv", None),
    ):
        for row in _csv_rows(folder / name):
            match = _HUB_LINK.match(row["model_id"])
            if not match:
                continue
            repo_id = match.group(1)
            fields: dict[str, Any] = {"downloads": int(row["nb_downloads"]), "likes": int(row["nb_likes"])}
            if licence == "other":
                other.add(repo_id)
                fields["license"] = "other"
                if row["suggested_license_name"]:
                    fields["license_name"] = row["suggested_license_name"]
                    fields["license_link"] = row["suggested_license_link"] or None
            elif repo_id not in other:
                fields["license"] = None
            yield repo_id, fields


def _leaderboard_fields(sha: str, licence: str, hearts: str, on_hub: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"pipeline_tag": "text-generation"}
    if _SHA.match(sha):
        fields["sha"] = sha
    # For a model that had left the Hub the lookup failed: its empty licence and zero hearts
    # mean "unknown", not "none". A licence such a row does carry was recorded earlier, so it stays.
    if on_hub:
        fields["license"] = licence or None
        if hearts.isdigit():
            fields["likes"] = int(hearts)
    elif licence:
        fields["license"] = licence
    return fields


def read_leaderboard_v1(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Open LLM Leaderboard v1 (2023-24). Its ``date`` is the evaluation request's, not the repo's."""
    rows = _csv_rows(folder / "huggingface_v1.csv")

    def rank(row: dict[str, str]) -> tuple:
        return row["available_on_the_hub"] == "TRUE", row["date"], row["model_sha"]

    for repo_id, row in sorted(_latest_rows(rows, "model", rank).items()):
        on_hub = row["available_on_the_hub"] == "TRUE"
        fields = _leaderboard_fields(row["model_sha"], row["hub_license"], row["hub_hearts"], on_hub)
        fields["library_name"] = "peft" if row["weight_type"] == "Adapter" else "transformers"
        if row["architecture"] not in ("", "?"):
            fields["architectures"] = [row["architecture"]]
        # Its sizes ("params_b") are rounded to whole billions (gpt2-xl: 1, gpt2: 0): too coarse
        # to pass off as a count, so the crawler estimates those models' size from their name.
        yield repo_id, fields


def read_leaderboard_v2(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Open LLM Leaderboard v2 (2024-25)."""
    rows = _csv_rows(folder / "huggingface_v2.csv")

    # The export's "is_not_available_on_hub" column is inverted: the rows it marks FALSE
    # are the ones with no licence and base model "Removed", i.e. the models that were gone.
    def rank(row: dict[str, str]) -> tuple:
        return row["features_is_not_available_on_hub"] == "TRUE", row["metadata_submission_date"], row["id"]

    for repo_id, row in sorted(_latest_rows(rows, "model_name", rank).items()):
        on_hub = row["features_is_not_available_on_hub"] == "TRUE"
        fields = _leaderboard_fields(
            row["model_sha"], row["metadata_hub_license"], row["metadata_hub_hearts"], on_hub
        )
        fields["library_name"] = "peft" if row["model_weight_type"] == "Adapter" else "transformers"
        fields["architectures"] = [row["model_architecture"]]
        if row["metadata_upload_date"]:
            # "Upload To Hub Date" is the repo's createdAt day (checked against the recordings).
            fields["createdAt"] = f"{row['metadata_upload_date']}T00:00:00.000Z"
        params = _params(row["metadata_params_billions"])
        if params is not None:  # kept even when <= 0: that oddity is real leaderboard data
            fields["params"] = ("safetensors", _DTYPE.get(row["model_precision"], "F16"), params)
        base = row["metadata_base_model"]
        # Only generation 1 names the direct parent; deeper generations name the tree's root,
        # and "X (Merge)" / "Removed" name no single model.
        if row["metadata_generation"] == "1" and base != repo_id and _REPO_ID.match(base):
            relation = (
                "adapter"
                if row["model_weight_type"] == "Adapter"
                else "merge"
                if row["features_is_merged"] == "TRUE"
                else "finetune"
            )
            fields["base_model"] = (base, relation)
        yield repo_id, fields


def read_llmfit(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """llmfit's scrape of the Hub API (safetensors/gguf totals, counters, createdAt day)."""
    for item in json.loads((folder / "hf_models.json").read_text(encoding="utf-8")):
        fields: dict[str, Any] = {}
        total = item.get("parameters_raw")
        # Round millions are the scraper's hand-typed fallbacks for gated repos, not counts.
        if isinstance(total, int) and total > 0 and total % 1_000_000:
            kind = "gguf" if "gguf" in item["name"].lower() else "safetensors"
            fields["params"] = (kind, "BF16", total)
        # Zero counters mean "not recorded": every auto-discovered entry has 0 likes.
        for key, name in (("hf_downloads", "downloads"), ("hf_likes", "likes")):
            if isinstance(item.get(key), int) and item[key] > 0:
                fields[name] = item[key]
        if item.get("pipeline_tag") not in (None, "unknown"):
            fields["pipeline_tag"] = item["pipeline_tag"]
        if item.get("architecture") not in (None, "unknown"):
            fields["model_type"] = item["architecture"]
        if item.get("release_date"):
            fields["createdAt"] = f"{item['release_date']}T00:00:00.000Z"
        yield item["name"], fields


def read_cassettes(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The newest recorded ``model_info`` body of each repo id, unchanged."""
    newest: dict[str, tuple[Any, str]] = {}
    for entry in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        file = entry.get("file") or ""
        if entry.get("status") != 200 or not file.startswith("model_info/"):
            continue
        when = (parsedate_to_datetime(entry["response_date_header"]), file)
        if entry["repo_id"] not in newest or when > newest[entry["repo_id"]]:
            newest[entry["repo_id"]] = when
    for repo_id, (_, file) in sorted(newest.items()):
        yield repo_id, {"body": json.loads((folder / file).read_text(encoding="utf-8"))}


def read_peatmoss(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """PeaTMOSS: the Hub licence of the models GitHub projects use, and its sample's downloads."""
    licences: dict[str, str] = {}
    with (folder / "github_repo_to_hf_model_license_mapping.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 4 and _REPO_ID.match(row[1]) and row[3].strip():
                licences.setdefault(row[1], row[3].strip())
    downloads = json.loads((folder / "accurate_pipeline_2k_filtered_models_downloads.json").read_text(encoding="utf-8"))
    for repo_id in sorted(set(licences) | {k for k in downloads if k in licences}):
        fields: dict[str, Any] = {"license": licences[repo_id]}
        count = downloads.get(repo_id)
        if isinstance(count, int) and count > 0:
            fields["downloads"] = count
        yield repo_id, fields


def read_model_openness(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The Model Openness Tool: the licence of each release's parameters, when it links a Hub repo."""
    import yaml

    for path in sorted((folder / "models").glob("*.yml")):
        try:
            release = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("release") or {}
        except yaml.YAMLError:
            continue
        match = _HUB_REPO.match(str(release.get("huggingface") or ""))
        if not match or match.group(1).split("/", 1)[0] in ("papers", "datasets", "spaces", "collections"):
            continue
        components = {c.get("name"): c.get("license") for c in release.get("components") or [] if isinstance(c, dict)}
        distribution = (release.get("license") or {}).get("distribution") if isinstance(release.get("license"), dict) else None
        licence = components.get("Model parameters (Final)") or (distribution or {}).get("name")
        if isinstance(licence, str) and licence.strip() and licence.strip().lower() not in ("unlicensed", "pending"):
            yield match.group(1), _declared(licence.strip())


# meta-llama repo ids -> the llama-models folder whose model card names the release's licence.
_LLAMA_RELEASES = (
    (re.compile(r"meta-llama/Llama-2-\d", re.IGNORECASE), "llama2", "llama2"),
    (re.compile(r"meta-llama/Meta-Llama-3-\d", re.IGNORECASE), "llama3", "llama3"),
    (re.compile(r"meta-llama/(?:Meta-)?Llama-3\.1-\d", re.IGNORECASE), "llama3_1", "llama3.1"),
    (re.compile(r"meta-llama/Llama-3\.2-\d", re.IGNORECASE), "llama3_2", "llama3.2"),
    (re.compile(r"meta-llama/Llama-3\.3-\d", re.IGNORECASE), "llama3_3", "llama3.3"),
    (re.compile(r"meta-llama/Llama-4-", re.IGNORECASE), "llama4", "llama4"),
)


def llama_release_licence(folder: Path, repo_id: str) -> str | None:
    """The licence of a meta-llama release model, as its llama-models card states it."""
    for pattern, release, licence in _LLAMA_RELEASES:
        if pattern.match(repo_id):
            cards = " ".join(p.read_text(encoding="utf-8") for p in sorted((folder / release).glob("MODEL_CARD*.md")))
            # The cards name the licence by its text's folder (models/<release>/LICENSE) or URL.
            if f"models/{release}/LICENSE" in cards.replace("\\_", "_") or f"llama.meta.com/{release}/license" in cards \
                    or release == "llama2" and "License" in cards:
                return licence
    return None


# Publishers' own statements of which licence a family of their repositories is under, as
# ../shared/license-facts.md cites them (section in brackets). Used only for a model no source gives
# a licence; each row is (repo id pattern, card licence fields, the statement's source).
PUBLISHER_STATEMENTS: tuple[tuple[re.Pattern[str], dict[str, str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), fields, source) for pattern, fields, source in (
        (r"Qwen/Qwen3-[\w.-]+", {"license": "apache-2.0"},
         "QwenLM/Qwen3 README.md: all open-weight Qwen3 models are licensed under Apache 2.0 [4.4]"),
        (r"deepseek-ai/DeepSeek-R1(?:-Zero|-Distill-[\w.-]+)?", {"license": "mit"},
         "deepseek-ai/DeepSeek-R1 README.md section 7: code and weights under MIT [4.8]"),
        (r"deepseek-ai/DeepSeek-V3(?:-Base)?", {"license": "other", "license_name": "deepseek"},
         "deepseek-ai/DeepSeek-V3 README.md section 7: Base and Chat weights under the Model License [4.8]"),
        (r"mistralai/(?:Mistral-7B|Mixtral-8x7B|Mixtral-8x22B|Mamba-Codestral-7B|Mathstral-7B|Mistral-Nemo"
         r"|Pixtral-12B)[\w.-]*", {"license": "apache-2.0"},
         "mistralai/platform-docs-public weights.md: Apache-2.0 models [4.5]"),
        (r"mistralai/Codestral-22B-v0\.1", {"license": "other", "license_name": "mnpl"},
         "mistralai/platform-docs-public weights.md: Codestral 22B under the MNPL [4.5]"),
        (r"mistralai/(?:Ministral-8B|Mistral-Large|Pixtral-Large)[\w.-]*", {"license": "other", "license_name": "mrl"},
         "mistralai/platform-docs-public weights.md: Mistral Research License models [4.5]"),
        (r"tiiuae/falcon-(?:7b|40b)(?:-instruct)?", {"license": "apache-2.0"},
         "huggingface/blog falcon.md: Falcon-7B and -40B under Apache-2.0 [4.6]"),
    ))


def publisher_statement(repo_id: str) -> dict[str, str] | None:
    """The licence fields a publisher's statement gives ``repo_id``, or None."""
    return next((dict(fields) for pattern, fields, _ in PUBLISHER_STATEMENTS if pattern.fullmatch(repo_id)), None)


_HUB_REPO = re.compile(r"^https?://huggingface\.co/([\w.-]+/[\w.-]+)/?$")


def _declared(licence: str) -> dict[str, Any]:
    """Card fields for a licence named in free text: a Hub id as ``license``, else ``other`` + name."""
    from catalog.licenses import knowledge_base

    entry = knowledge_base().get(licence) or next(
        (e for e in knowledge_base() if e.spdx.lower() == licence.lower()), None)
    if entry is not None and entry.id not in ("other", "unknown"):
        return {"license": entry.id}
    return {"license": "other", "license_name": licence}


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
