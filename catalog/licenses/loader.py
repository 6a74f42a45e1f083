"""Read catalog/licenses/data/licenses.yaml into a KnowledgeBase, rejecting any entry that breaks the schema."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from types import MappingProxyType

import orjson
import yaml

from catalog.licenses.kb import (
    CONTEXTS,
    ENTRY_CATEGORIES,
    MARKER_IDS,
    OBLIGATION_KINDS,
    VERDICT_STATUSES,
    KnowledgeBase,
    License,
    Obligation,
    Verdict,
)
from catalog.resources import data_path

_ENTRY_FIELDS = ("id", "name", "aliases", "spdx", "category", "url", "sources", "obligations", "verdicts")
_TOP_LEVEL_FIELDS = frozenset({"schema_version", "sources", "licenses", "unresearched"})
_APPLIES_TO = ("multimodal",)
_PLACEMENTS = ("display", "notice-file")
_SCHEMA_VERSION = 1
_ID = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")
_SPDX = re.compile(r"^(?:LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]*)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Extra keys an obligation of a given kind may carry: (required, optional). "notice" and "threshold"
# become attributes of Obligation; the rest go to Obligation.detail.
_OBLIGATION_EXTRAS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # placement: display (shown to users) or notice-file (text for a NOTICE file); required with a notice.
    "attribution": (frozenset(), frozenset({"notice", "placement"})),
    "source-disclosure": (frozenset(), frozenset({"network"})),
    "use-restrictions": (frozenset(), frozenset({"policy"})),
    "user-threshold": (frozenset({"threshold"}), frozenset({"measure"})),
    "revenue-threshold": (frozenset({"threshold", "currency"}), frozenset({"measure"})),
    "naming-rule": (frozenset({"rule"}), frozenset()),
    # applies_to: multimodal - the restriction covers only the release's multimodal models.
    "territory": (frozenset({"region"}), frozenset({"applies_to"})),
}
_NO_EXTRAS: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def knowledge_base(path: Path | None = None) -> KnowledgeBase:
    """Load and validate the license knowledge base.

    Args:
        path: a licenses YAML file; None means the one shipped in ``catalog/licenses/data``, which is read
            once per process and then served from a cache.

    Returns:
        The knowledge base, whose ``version`` is the sha256 of the file's bytes.

    Raises:
        ValueError: the file is not valid YAML or an entry breaks the schema; the message names the
            entry and the field.
        OSError: the file cannot be read.
    """
    if path is None:
        return _default_knowledge_base()
    return load_knowledge_base(Path(path))


@functools.cache
def _default_knowledge_base() -> KnowledgeBase:
    return load_knowledge_base(data_path("licenses", "licenses.yaml"), keep_parsed=True)


def load_knowledge_base(path: Path, *, keep_parsed: bool = False) -> KnowledgeBase:
    """Read ``path`` without caching; see :func:`knowledge_base` for arguments, result and errors.

    ``keep_parsed`` (the bundled file only) reuses the parsed YAML from the user's cache folder.
    """
    raw = path.read_bytes()
    document = _cached_document(raw) if keep_parsed else None
    if document is None:
        try:
            document = yaml.load(raw, Loader=_StrictLoader)
        except yaml.YAMLError as error:
            raise ValueError(f"{path.name}: not valid YAML: {error}") from error
        if keep_parsed:
            _cache_document(raw, document)
    where = path.name
    if not isinstance(document, dict):
        raise ValueError(f"{where}: the top level must be a mapping")  # noqa: TRY004 - one error type for a bad file
    unknown = set(document) - _TOP_LEVEL_FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown top-level field(s) {sorted(unknown)}")
    if document.get("schema_version") != _SCHEMA_VERSION:
        raise ValueError(f"{where}: field 'schema_version' must be {_SCHEMA_VERSION}")
    sources = document.get("sources")
    if not isinstance(sources, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip() for key, value in sources.items()
    ):
        raise ValueError(f"{where}: field 'sources' must map short source names to citations")
    entries = document.get("licenses")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: field 'licenses' must be a non-empty list")
    licenses = [
        _parse_entry(entry, number, where, frozenset(sources)) for number, entry in enumerate(entries, 1)
    ]
    unresearched = _parse_unresearched(document.get("unresearched", []), where)
    try:
        return KnowledgeBase(licenses, hashlib.sha256(raw).hexdigest(), sources, unresearched)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _cache_path(raw: bytes) -> Path:
    # The user's cache folder (XDG), keyed by the file's content: an edited file is parsed again.
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "catalog" / f"kb-{hashlib.sha256(raw).hexdigest()[:32]}.json"


def _cached_document(raw: bytes) -> object | None:
    """The parsed YAML of ``raw`` from the cache, if it is there: building Python objects from
    the 140 kB knowledge base with PyYAML takes ~0.1 s of every `catalog check`, JSON ~1 ms."""
    try:
        return orjson.loads(_cache_path(raw).read_bytes())
    except (OSError, RuntimeError, orjson.JSONDecodeError):
        return None


def _cache_document(raw: bytes, document: object) -> None:
    """Keep the parsed document for the next run, if JSON holds it faithfully (no dates, no int keys)."""
    try:
        encoded = orjson.dumps(document)
        if orjson.loads(encoded) != document:
            return
        path = _cache_path(raw)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(encoded)
        partial.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
    except (OSError, RuntimeError, TypeError, orjson.JSONEncodeError):
        pass  # a read-only home or an odd value: parse the YAML next time too


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader (libyaml when available) that refuses duplicate keys instead of keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool | None):
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is not a scalar", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_unresearched(raw: object, where: str) -> dict[str, str]:
    """``unresearched``: names seen in real cards that stay unknown on purpose, each with the reason."""
    if not isinstance(raw, list):  # a ValueError like every other mistake in the file: load() reports those
        raise ValueError(f"{where}: field 'unresearched' must be a list")  # noqa: TRY004
    reasons: dict[str, str] = {}
    for number, item in enumerate(raw, 1):
        label = f"{where}: unresearched #{number}"
        if not isinstance(item, dict) or set(item) != {"names", "reason"}:
            raise ValueError(f"{label}: must be a mapping with exactly 'names' and 'reason'")
        names, reason = item["names"], item["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{label}: field 'reason' must be a non-empty string")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError(f"{label}: field 'names' must be a non-empty list of strings")
        for name in names:
            reasons[name] = reason.strip()
    return reasons


def _parse_entry(entry: object, number: int, where: str, source_names: frozenset[str]) -> License:
    label = f"entry #{number}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        label = f"license {entry['id']!r}"

    def fail(field_name: str, problem: str) -> ValueError:
        return ValueError(f"{where}: {label}: field {field_name!r}: {problem}")

    if not isinstance(entry, dict):
        raise fail("-", "an entry must be a mapping")
    for name in _ENTRY_FIELDS:
        if name not in entry:
            raise fail(name, "missing")
    extra = set(entry) - set(_ENTRY_FIELDS)
    if extra:
        raise fail(min(map(str, extra)), "unknown field")

    license_id = entry["id"]
    if not isinstance(license_id, str) or not _ID.match(license_id):
        raise fail("id", f"{license_id!r} must be lower-case letters, digits, '.', '+' or '-'")
    name = _text(entry["name"], fail, "name")
    aliases = _text_list(entry["aliases"], fail, "aliases", allow_empty=True)
    spdx = _text(entry["spdx"], fail, "spdx")
    if not _SPDX.match(spdx):
        raise fail("spdx", f"{spdx!r} is neither an SPDX id nor a LicenseRef-")
    category = entry["category"]
    allowed_categories = ("unknown",) if license_id in MARKER_IDS else ENTRY_CATEGORIES
    if category not in allowed_categories:
        raise fail("category", f"{category!r} is not one of {', '.join(allowed_categories)}")
    url = _text(entry["url"], fail, "url")
    if not url.startswith(("https://", "http://")):
        raise fail("url", f"{url!r} is not an http(s) URL")
    sources = _text_list(entry["sources"], fail, "sources", allow_empty=False)
    for source in sources:
        if source.split()[0] not in source_names:
            raise fail("sources", f"{source!r} does not start with a short name declared under 'sources'")

    obligations_raw = entry["obligations"]
    if not isinstance(obligations_raw, list):
        raise fail("obligations", "must be a list")
    obligations = tuple(_parse_obligation(item, index, fail) for index, item in enumerate(obligations_raw))
    kinds = {obligation.kind for obligation in obligations}

    verdicts_raw = entry["verdicts"]
    if not isinstance(verdicts_raw, dict) or set(verdicts_raw) != set(CONTEXTS):
        raise fail("verdicts", f"must map exactly the contexts {', '.join(CONTEXTS)}")
    verdicts = {context: _parse_verdict(verdicts_raw[context], context, kinds, fail) for context in CONTEXTS}

    return License(
        id=license_id,
        name=name,
        aliases=aliases,
        spdx=spdx,
        category=category,
        url=url,
        sources=sources,
        obligations=obligations,
        verdicts=MappingProxyType(verdicts),
    )


def _parse_obligation(item: object, index: int, fail) -> Obligation:
    field_name = f"obligations[{index}]"
    if not isinstance(item, dict):
        raise fail(field_name, "must be a mapping")
    kind = item.get("kind")
    if kind not in OBLIGATION_KINDS:
        raise fail(f"{field_name}.kind", f"{kind!r} is not one of {', '.join(OBLIGATION_KINDS)}")
    summary = _text(item.get("summary"), fail, f"{field_name}.summary")
    clause = _text(item.get("clause"), fail, f"{field_name}.clause")
    required, optional = _OBLIGATION_EXTRAS.get(kind, _NO_EXTRAS)
    extras = set(item) - {"kind", "summary", "clause"}
    missing = sorted(required - extras)
    if missing:
        raise fail(f"{field_name}.{missing[0]}", f"required for kind {kind!r}")
    unexpected = sorted(map(str, extras - required - optional))
    if unexpected:
        raise fail(f"{field_name}.{unexpected[0]}", f"not allowed for kind {kind!r}")

    notice = item.get("notice")
    if notice is not None:
        notice = _text(notice, fail, f"{field_name}.notice")
        if "placement" not in item:
            raise fail(f"{field_name}.placement", "required with a notice: display or notice-file")
    threshold = item.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0
    ):
        raise fail(f"{field_name}.threshold", f"{threshold!r} must be a positive integer")
    detail: dict[str, object] = {}
    for name in sorted(extras - {"notice", "threshold"}):
        value = item[name]
        if name == "network":
            if not isinstance(value, bool):
                raise fail(f"{field_name}.network", "must be true or false")
        elif name == "placement":
            if value not in _PLACEMENTS:
                raise fail(f"{field_name}.placement", f"{value!r} is not one of {', '.join(_PLACEMENTS)}")
        elif name == "applies_to":
            if value not in _APPLIES_TO:
                raise fail(f"{field_name}.applies_to", f"{value!r} is not one of {', '.join(_APPLIES_TO)}")
        elif name == "currency":
            if not isinstance(value, str) or not _CURRENCY.match(value):
                raise fail(f"{field_name}.currency", f"{value!r} must be an ISO 4217 code such as USD")
        else:
            value = _text(value, fail, f"{field_name}.{name}")
        detail[name] = value
    return Obligation(kind, summary, clause, notice, threshold, MappingProxyType(detail))


def _parse_verdict(raw: object, context: str, kinds: set[str], fail) -> Verdict:
    field_name = f"verdicts.{context}"
    if not isinstance(raw, dict):
        raise fail(field_name, "must be a mapping")
    extra = set(raw) - {"status", "obligations", "note"}
    if extra:
        raise fail(f"{field_name}.{min(map(str, extra))}", "unknown field")
    status = raw.get("status")
    if status not in VERDICT_STATUSES:
        raise fail(f"{field_name}.status", f"{status!r} is not one of {', '.join(VERDICT_STATUSES)}")
    obligations = _text_list(raw.get("obligations", []), fail, f"{field_name}.obligations", allow_empty=True)
    missing = [kind for kind in obligations if kind not in kinds]
    if missing:
        raise fail(f"{field_name}.obligations", f"{missing[0]!r} is not among the license's obligations")
    if status == "conditional" and not obligations:
        raise fail(f"{field_name}.obligations", "a conditional verdict must name its obligations")
    if status == "review" and not raw.get("note"):
        raise fail(f"{field_name}.note", "a review verdict must say what to read")
    if status == "allowed" and obligations:
        raise fail(f"{field_name}.obligations", "an allowed verdict has no obligations; use conditional")
    note = raw.get("note")
    if note is not None:
        note = _text(note, fail, f"{field_name}.note")
    return Verdict(status, obligations, note)


def _text(value: object, fail, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(field_name, "must be a non-empty string")
    return value.strip()


def _text_list(value: object, fail, field_name: str, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise fail(field_name, "must be a list" + ("" if allow_empty else " with at least one item"))
    items = tuple(_text(item, fail, field_name) for item in value)
    if len(set(items)) != len(items):
        raise fail(field_name, "has duplicates")
    return items
