"""Readers of the demo snapshot's sources under ``shared/hub-data``, one per source.

Each reader yields (repo id, fields); a field is only present when the source knows it, and None
means "the source says there is none" (e.g. no licence), not "unknown". Also the licence-only
facts used to complete a model no source gives a licence: the Llama releases' cards and the
publishers' own statements. ``catalog.hubsim.snapshot`` merges what they yield.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

_DTYPE = {"bfloat16": "BF16"}  # every other leaderboard precision is shown as F16
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO_ID = re.compile(r"^(?:[\w.-]+/)?[\w.-]+$")
_HUB_LINK = re.compile(r"^\[([^\]]+)\]\(")


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
    """The leaderboard's size in parameters; None when it has none (its 0 and -1 mark a count it
    could not take: google/umt5-base's repository holds no safetensors index to count from)."""
    try:
        total = round(float(billions) * 1e9)
    except ValueError:
        return None
    return total if total > 0 else None


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
        if params is not None:
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
        ((r"mistralai/(?:Mistral-7B|Mixtral-8x7B|Mixtral-8x22B|Mamba-Codestral-7B|Mathstral-7B|Mistral-Nemo"
          r"|Pixtral-12B)[\w.-]*"), {"license": "apache-2.0"},
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
