"""Turn one raw Hub model item into the fields catalog stores. Pure and total: a malformed
field never raises; it is kept raw in ``problems`` and the rest of the item is still used."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Any

from catalog.crawl.problems import Problems, clip
from catalog.db.jsontext import MAX_DEPTH, clean, clean_text, needs_cleaning

RELATIONS = ("finetune", "adapter", "merge", "quantized")

# Counters change every day without the model changing; they are refreshed but never make a
# model count as "updated" (and never stop an incremental sync from recognising it).
_VOLATILE = frozenset({"_id", "downloads", "downloadsAllTime", "likes", "trendingScore", "inference"})

# Weight formats by file extension; pickle-based PyTorch checkpoints hide under several names.
_FORMAT_OF_SUFFIX = {
    ".safetensors": "safetensors",
    ".gguf": "gguf",
    ".onnx": "onnx",
    ".bin": "pickle",
    ".pt": "pickle",
    ".pth": "pickle",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".ckpt": "pickle",
    ".h5": "tensorflow",
    ".msgpack": "flax",
}

# "8B", "1.1B", "8x7B", "350M", "1T" as a separate token of the repo name. Not preceded by a
# letter so that "A35b" (active parameters of a MoE) is not mistaken for the size; "k"
# suffixes are context lengths ("128k"), not sizes.
_NAME_SIZE = re.compile(r"(?<![A-Za-z0-9.])(?:(\d{1,3})x)?(\d{1,4}(?:\.\d{1,3})?)([bmt])(?![a-z0-9])", re.IGNORECASE)
_UNIT = {"m": 10**6, "b": 10**9, "t": 10**12}


@dataclass
class ParsedModel:
    """What catalog keeps of one Hub item (raw license fields included, untouched)."""

    repo_id: str
    author: str | None = None
    sha: str | None = None
    hub_created_at: datetime | None = None
    last_modified: datetime | None = None
    downloads: int | None = None  # None: the item carries no (usable) count
    likes: int | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] = field(default_factory=list)
    gated: str = "false"
    private: bool = False
    disabled: bool = False
    card_data: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    license_raw: Any = None
    license_name_raw: Any = None
    license_link_raw: Any = None
    license_tags: list[str] = field(default_factory=list)
    parameters_total: int | None = None
    parameters_source: str | None = None
    parameters_by_dtype: dict[str, Any] | None = None
    formats: list[str] = field(default_factory=list)
    bases: list[tuple[str, str, str]] = field(default_factory=list)  # (base id, relation, source)
    problems: list[dict[str, Any]] = field(default_factory=list)
    content_hash: str = ""
    hub_object_id: str | None = None  # the Hub's _id, which survives renames

    def columns(self) -> dict[str, Any]:
        """The values of the HubModel columns this item sets."""
        return {k: v for k, v in self.__dict__.items() if k != "bases"}


class InvalidItem(ValueError):
    """The item cannot be stored at all (no usable repo id)."""


# Column bounds (catalog.db.tables): a value beyond them is a problem, never a failed page.
_MAX_INTEGER = 2**31 - 1  # likes: INTEGER
_MAX_BIGINT = 2**63 - 1  # downloads, parameters_total: BIGINT
_MAX_AUTHOR = 100
_MAX_TAGS = 1_000
_MAX_TAG = 500
_MAX_FILES = 100_000
_MAX_FILE_NAME = 1_000
# A card beyond this is kept out of the database (its license and base fields are still read).
MAX_CARD_BYTES = 1_000_000
_CARD_KEPT = ("license", "license_name", "license_link", "base_model", "base_model_relation")
# The Hub's object ids are MongoDB ObjectIds: 24 hex digits. Only such an id can prove a rename.
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


def parse_item(item: Any) -> ParsedModel:
    """Parse one item of ``GET /api/models`` or body of ``GET /api/models/{id}``.

    Total: every field is validated and bounded here, at the edge. Text loses NUL characters
    and lone surrogates, values nested deeper than :data:`~catalog.db.jsontext.MAX_DEPTH` and
    numbers no column holds are dropped or clamped, and each such change is a recorded problem.

    Raises:
        InvalidItem: the item is not an object or has no usable repo id.
    """
    if not isinstance(item, dict):
        raise InvalidItem(f"listing item is a {type(item).__name__}, not an object")
    repo_id = item.get("id") or item.get("modelId")
    if not usable_repo_id(repo_id):
        raise InvalidItem(f"listing item has no usable id: {clip(repo_id)!r}")

    model = ParsedModel(repo_id=repo_id)
    p = Problems(model.problems)
    item, model.content_hash = _bounded(item, p)
    model.author = _author(item, repo_id, p)
    model.sha = p.str_or_none(item, "sha", max_len=64)
    model.hub_object_id = _object_id(item, p)
    model.hub_created_at = p.timestamp(item, "createdAt")
    model.last_modified = p.timestamp(item, "lastModified")
    model.downloads = p.count(item, "downloads", _MAX_BIGINT)
    model.likes = p.count(item, "likes", _MAX_INTEGER)
    model.pipeline_tag = p.str_or_none(item, "pipeline_tag", max_len=100)
    model.library_name = p.str_or_none(item, "library_name", max_len=100)
    model.tags = p.str_list(item, "tags", max_items=_MAX_TAGS, max_len=_MAX_TAG)
    model.gated = p.gated(item)
    model.private = p.flag(item, "private")
    model.disabled = p.flag(item, "disabled")

    card = item.get("cardData")
    if isinstance(card, dict):
        model.card_data = card
        model.license_raw = card.get("license")
        model.license_name_raw = card.get("license_name")
        model.license_link_raw = card.get("license_link")
    elif card is not None:
        p.add("cardData", "not an object", card)
    model.license_tags = [t[len("license:"):] for t in model.tags if t.startswith("license:")]

    model.files = _files(item, p)
    model.formats = _formats(model.files, item)
    _parameters(model, item, p)
    model.bases = _bases(model, card if isinstance(card, dict) else {}, p)
    return model


def usable_repo_id(repo_id: Any) -> bool:
    """Whether ``repo_id`` can key a model: text of 1 to 200 characters, no control characters
    or lone surrogates, not blank."""
    return (isinstance(repo_id, str) and bool(repo_id.strip()) and len(repo_id) <= 200
            and not _CONTROL.search(repo_id) and clean_text(repo_id) == repo_id)


def _bounded(item: dict[str, Any], p: Problems) -> tuple[dict[str, Any], str]:
    """The item made storable, and its content hash.

    The common, clean item costs one C-speed encoding (which the hash needs anyway) and two
    regular expressions; only an item that fails those checks is walked and cleaned field by field.
    """
    encoded = _stable_encoding(item)
    if encoded is not None and not needs_cleaning(encoded) and _depth(encoded) <= MAX_DEPTH:
        cleaned = item
    else:
        cleaned = {}
        for key, value in item.items():
            notes: list[str] = []
            # The item itself is one level; what it holds may nest MAX_DEPTH - 1 more.
            cleaned[clean_text(key)] = clean(value, max_depth=MAX_DEPTH - 1, notes=notes)
            for note in notes:
                p.add(clean_text(key), note, None)
        encoded = _stable_encoding(cleaned)
        assert encoded is not None, "clean() leaves only JSON values"
    if len(encoded) > MAX_CARD_BYTES and isinstance(cleaned.get("cardData"), dict):
        size = len(json.dumps(cleaned["cardData"]))
        if size > MAX_CARD_BYTES:
            card = cleaned["cardData"]
            p.add("cardData", f"{size:,} bytes, over the {MAX_CARD_BYTES:,} kept: only its license and base "
                              "fields are kept", None)
            cleaned = {**cleaned, "cardData": {k: card[k] for k in _CARD_KEPT if k in card}}
    return cleaned, hashlib.sha256(encoded.encode()).hexdigest()


def _stable_encoding(item: dict[str, Any]) -> str | None:
    """The canonical JSON of everything in the item that is not a counter; None if it has no JSON form."""
    stable = {k: v for k, v in item.items() if k not in _VOLATILE}
    try:
        return _ENCODE(stable)
    except (ValueError, TypeError, RecursionError):
        return None


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# What json.dumps(item, sort_keys=True, separators=(",", ":"), default=_refuse, allow_nan=False)
# does, without building the encoder again for every item. The content hash is of this text: never change it.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_refuse, allow_nan=False).encode


def _depth(encoded: str) -> int:
    """How deep the JSON text nests (strings, which may hold brackets, left out)."""
    if encoded.count("[") + encoded.count("{") <= MAX_DEPTH:  # the common case, at C speed
        return MAX_DEPTH
    brackets = _NOT_BRACKET.sub("", _STRINGS.sub("", encoded))
    return max(accumulate(map(_BRACKET_DELTA.__getitem__, brackets)), default=0)


def content_hash(item: dict[str, Any]) -> str:
    """A digest of everything in the item that is not a counter (of the item as ingest stores it)."""
    return _bounded(item, Problems([]))[1]


def _author(item: dict[str, Any], repo_id: str, p: Problems) -> str | None:
    author = item.get("author")
    if isinstance(author, str) and 0 < len(author) <= _MAX_AUTHOR:
        return author
    if author is not None:
        p.add("author", f"not a string of 1 to {_MAX_AUTHOR} characters", author)
    namespace = repo_id.split("/")[0] if "/" in repo_id else None
    return namespace if namespace and len(namespace) <= _MAX_AUTHOR else None


def _object_id(item: dict[str, Any], p: Problems) -> str | None:
    value = item.get("_id")
    if value is None:
        return None
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return value
    p.add("_id", "not a Hub object id (24 hex digits): renames cannot be recognised by it", value)
    return None


def estimate_parameters(repo_id: str) -> int | None:
    """Estimate a parameter count from a repo name (``Llama-3.1-8B``, ``Mixtral-8x7B``, ``opt-350m``)."""
    name = repo_id.rsplit("/", 1)[-1]
    match = _NAME_SIZE.search(name)
    if not match:
        return None
    experts, size, unit = match.groups()
    total = float(size) * _UNIT[unit.lower()] * (int(experts) if experts else 1)
    return int(total) if total >= 1 else None


def _files(item: dict[str, Any], p: Problems) -> list[str]:
    siblings = item.get("siblings")
    if siblings is None:
        return []
    if not isinstance(siblings, list):
        p.add("siblings", "not a list", siblings)
        return []
    files = [s["rfilename"] for s in siblings[:_MAX_FILES] if isinstance(s, dict)
             and isinstance(s.get("rfilename"), str) and 0 < len(s["rfilename"]) <= _MAX_FILE_NAME]
    if len(files) != len(siblings):
        p.add("siblings", f"{len(siblings) - len(files)} entries without a usable rfilename (or beyond "
                          f"{_MAX_FILES:,} files) dropped", None)
    return files


def _formats(files: list[str], item: dict[str, Any]) -> list[str]:
    found = {fmt for name in files if (fmt := _FORMAT_OF_SUFFIX.get(name[name.rfind("."):].lower()))}
    # The metadata proves the format even when the listing left out the file list.
    if isinstance(item.get("safetensors"), dict):
        found.add("safetensors")
    if isinstance(item.get("gguf"), dict):
        found.add("gguf")
    return sorted(found)


def _parameters(model: ParsedModel, item: dict[str, Any], p: Problems) -> None:
    for source in ("safetensors", "gguf"):
        block = item.get(source)
        if block is None:
            continue
        total = block.get("total") if isinstance(block, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and 0 < total <= _MAX_BIGINT:
            model.parameters_total = total
            model.parameters_source = source
            by_dtype = block.get("parameters") if source == "safetensors" else None
            model.parameters_by_dtype = by_dtype if isinstance(by_dtype, dict) else None
            return
        p.add(source, "no positive integer total that fits 64 bits", block)
    estimate = estimate_parameters(model.repo_id)
    if estimate is not None:
        model.parameters_total, model.parameters_source = estimate, "name"


def _bases(model: ParsedModel, card: dict[str, Any], p: Problems) -> list[tuple[str, str, str]]:
    """Base models with their relation.

    The ``base_model:<relation>:<id>`` tags are computed by the Hub and follow renames, so
    when the tags name any base they are the truth and the card's ``base_model`` (which may
    still carry an old id) is ignored; otherwise the card is used.
    """
    tagged: dict[str, str] = {}
    plain: list[str] = []
    for tag in model.tags:
        if not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:"):]
        relation, _, base = rest.partition(":")
        if base and relation in RELATIONS:
            tagged[base] = relation
        elif rest:
            plain.append(rest)
    card_ids = _card_bases(card, p)
    card_relation = card.get("base_model_relation")
    if tagged or plain:
        ids, source = list(tagged) + [b for b in plain if b not in tagged], "tags"
    else:
        ids, source = card_ids, "card"
    if not ids:
        return []
    default = card_relation if card_relation in RELATIONS else _inferred_relation(model, len(ids))
    return [(base, tagged.get(base, default), source) for base in dict.fromkeys(ids) if len(base) <= 200]


def _card_bases(card: dict[str, Any], p: Problems) -> list[str]:
    value = card.get("base_model")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    good = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if len(good) != len(values):
        p.add("cardData.base_model", "not a model id or list of ids", value)
    return good


def _inferred_relation(model: ParsedModel, n_bases: int) -> str:
    # The Hub's own inference when a card names a base without a relation.
    if n_bases > 1:
        return "merge"
    if "adapter_config.json" in {f.rsplit("/", 1)[-1] for f in model.files}:
        return "adapter"
    if "gguf" in model.formats:
        return "quantized"
    return "finetune"
