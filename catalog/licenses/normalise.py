"""Turn the license metadata of a model card, as found in the wild, into knowledge-base ids.

Pure and deterministic: no I/O beyond reading the knowledge base once, no network, and no input
makes :func:`resolve` raise.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from license_expression import LicenseSymbol, LicenseWithExceptionSymbol, Licensing

from catalog.licenses.kb import MARKER_IDS, RESTRICTIVENESS, KnowledgeBase, License, looks_like_url
from catalog.licenses.loader import knowledge_base


@dataclass(frozen=True)
class Resolution:
    """What a model's license metadata resolves to.

    Attributes:
        status: "resolved" (one known license), "multiple" (several apply together), "missing"
            (nothing declared) or "unknown" (declared but not recognised).
        license_ids: every known id that applies, in the order declared; empty if missing/unknown.
        license_id: the primary id: the single one, or the most restrictive of several.
        category: the primary id's category, "unlicensed" if missing, "unknown" if unrecognised.
        expression: normalised SPDX-style expression when the value was an expression.
        evidence: the raw field(s) that decided: "cardData.license", "license_name",
            "license_link" or "tags".
        unresolved: raw values that were not recognised, as bounded strings: those of the field
            that decided (e.g. an unknown part of a list), or of every field when none did.
    """

    status: str
    license_ids: tuple[str, ...]
    license_id: str | None
    category: str
    expression: str | None
    evidence: tuple[str, ...]
    unresolved: tuple[str, ...]


def resolve(
    license_raw: object = None,
    license_name: object = None,
    license_link: object = None,
    license_tags: Iterable[str] = (),
    *,
    kb: KnowledgeBase | None = None,
) -> Resolution:
    """Resolve a model's license metadata to knowledge-base ids.

    The card's ``license`` field decides when it names known licenses. ``license_name``, then
    ``license_link``, are read when it is ``other``, ``unknown``, absent or unrecognised (a name
    beside a known id is ignored, as the Hub does). ``license:<id>`` tags, which the Hub derives
    from the card, are the last resort. A list or an ``AND`` expression means all of its licenses
    apply, and the most restrictive one becomes the primary ``license_id``; for ``OR`` the
    licensee may choose, so only the least restrictive alternative is kept (the expression still
    shows every alternative). Restrictiveness is ranked by category (``RESTRICTIVENESS``), then by
    how many contexts the license forbids or conditions, then by id, so ties are deterministic.

    Args:
        license_raw: ``cardData.license``: a string, a list of strings, or anything else.
        license_name: ``cardData.license_name``.
        license_link: ``cardData.license_link``: a URL, or a repo-relative path such as ``LICENSE``.
        license_tags: the model's tags; only ``license:<id>`` items are read.
        kb: the knowledge base to resolve against; the shipped one by default.

    Returns:
        The resolution. Never raises, whatever the inputs.
    """
    return _resolver(kb if kb is not None else knowledge_base()).resolve(
        license_raw, license_name, license_link, license_tags
    )


_MAX_TEXT = 256
_MAX_SHOWN = 120
_CACHE_LIMIT = 100_000
_OPERATOR = re.compile(r"\s(?:and|or|with)\s|[()]", re.IGNORECASE)
# Written in place of a license to say there is none; treated as nothing declared.
_NOTHING = frozenset({"none", "no license", "unlicensed", "null", "n/a", "na", "nil", "-"})
_LICENSING = Licensing()
_REPR = reprlib.Repr()
_REPR.maxstring = _MAX_SHOWN
_REPR.maxother = _MAX_SHOWN


@dataclass(frozen=True)
class _Reading:
    """What one raw string says: known ids, a marker ("other", "unknown", "none"), or neither."""

    ids: tuple[str, ...] = ()
    marker: str | None = None
    expression: str | None = None
    unresolved: tuple[str, ...] = ()


_UNRECOGNISED = _Reading()


class _Notes:
    """What one call to resolve has seen besides known ids."""

    def __init__(self) -> None:
        self.declared = False  # some field named a license, recognised or not
        self.unresolved: list[str] = []
        self.markers: dict[str, str] = {}  # "other"/"unknown" → the raw value that said so


def _memo_key(license_raw: object, license_name: object, license_link: object,
              license_tags: object) -> tuple[object, ...] | None:
    """A hashable key for the usual shapes of input (strings, lists of strings); None for others."""
    if isinstance(license_raw, list):
        if not all(isinstance(item, str) for item in license_raw):
            return None
        license_raw = ("list", *license_raw)
    elif license_raw is not None and not isinstance(license_raw, str):
        return None
    if not (license_name is None or isinstance(license_name, str)) or not (
            license_link is None or isinstance(license_link, str)):
        return None
    if not isinstance(license_tags, (list, tuple)) or not all(isinstance(tag, str) for tag in license_tags):
        return None
    return (license_raw, license_name, license_link,
            tuple(tag for tag in license_tags if tag[:8].lower() == "license:"))


def _resolver(kb: KnowledgeBase) -> _Resolver:
    resolver = _RESOLVERS.get(kb.version)
    if resolver is None or resolver.kb is not kb:
        resolver = _RESOLVERS[kb.version] = _Resolver(kb)
    return resolver


class _Resolver:
    """Resolution against one knowledge base, with a bounded cache of strings already read."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._rank = {entry.id: _restrictiveness(entry) for entry in kb}
        self._texts: dict[str, _Reading] = {}
        self._resolutions: dict[tuple[object, ...], Resolution] = {}

    def resolve(self, license_raw, license_name, license_link, license_tags) -> Resolution:
        # A sync resolves every model it stores, and a handful of declarations cover most of them.
        key = _memo_key(license_raw, license_name, license_link, license_tags)
        if key is None:
            return self._resolve(license_raw, license_name, license_link, license_tags)
        found = self._resolutions.get(key)
        if found is None:
            if len(self._resolutions) >= _CACHE_LIMIT:
                self._resolutions.clear()
            found = self._resolutions[key] = self._resolve(license_raw, license_name, license_link, license_tags)
        return found

    def _resolve(self, license_raw, license_name, license_link, license_tags) -> Resolution:
        notes = _Notes()
        card = self._read_card(license_raw, notes)
        ids = list(card.ids)
        evidence = ["cardData.license"] if ids else []
        # Unrecognised values are reported from the field that decided (or from all, if none did):
        # a garbled card value that a later field explains is not an extra, unknown license.
        kept = list(notes.unresolved)

        if not ids or "other" in notes.markers:
            mark = len(notes.unresolved)
            for field_name, value in (("license_name", license_name), ("license_link", license_link)):
                reading = self._read_value(value, notes)
                if reading is not None and reading.ids:
                    if not ids:
                        kept = []
                    ids.extend(reading.ids)
                    evidence.append(field_name)
                    notes.markers.pop("other", None)
                    break
            else:
                kept.extend(notes.unresolved[mark:])
        if not ids:
            mark = len(notes.unresolved)
            ids.extend(self._read_tags(license_tags, notes))
            kept = notes.unresolved[mark:] if ids else notes.unresolved
            if ids:
                evidence.append("tags")

        if not ids:
            kept.extend(raw for raw in notes.markers.values() if raw not in kept)
            return Resolution(
                status="unknown" if notes.declared else "missing",
                license_ids=(),
                license_id=None,
                category="unknown" if notes.declared else "unlicensed",
                expression=None,
                evidence=(),
                unresolved=tuple(kept),
            )
        if "other" in notes.markers:
            # e.g. [mit, other] whose custom part could not be identified: it still applies.
            kept.append(notes.markers["other"])
        ids = list(dict.fromkeys(ids))
        primary = max(ids, key=lambda license_id: (self._rank[license_id], license_id))
        return Resolution(
            status="resolved" if len(ids) == 1 else "multiple",
            license_ids=tuple(ids),
            license_id=primary,
            category=self.kb.get(primary).category,
            expression=card.expression if evidence == ["cardData.license"] else None,
            evidence=tuple(evidence),
            unresolved=tuple(kept),
        )

    def _read_card(self, value: object, notes: _Notes) -> _Reading:
        """Read ``cardData.license``: one value or a YAML list of them."""
        if isinstance(value, (list, tuple)):
            readings = [self._read_value(item, notes) for item in value]
            return _combine([reading for reading in readings if reading is not None])
        return self._read_value(value, notes) or _UNRECOGNISED

    def _read_value(self, value: object, notes: _Notes) -> _Reading | None:
        """Read one raw value into ``notes``; None when it is empty and so declares nothing."""
        if value is None:
            return None
        if not isinstance(value, str):
            notes.declared = True
            notes.unresolved.append(_shown(value))
            return _UNRECOGNISED
        text = value.strip()
        if not text:
            return None
        reading = self.read_text(text)
        if reading.marker in MARKER_IDS:
            notes.declared = True
            notes.markers.setdefault(reading.marker, _shown(text))
        elif reading.marker == "none":
            notes.unresolved.append(_shown(text))
        else:
            notes.declared = True
            if reading.unresolved:
                notes.unresolved.extend(reading.unresolved)
            elif not reading.ids:
                notes.unresolved.append(_shown(text))
        return reading

    def _read_tags(self, tags: object, notes: _Notes) -> list[str]:
        """Return the known ids of ``license:<id>`` tags; other tags are ignored."""
        if isinstance(tags, str):
            tags = (tags,)
        elif isinstance(tags, (bytes, Mapping)) or not isinstance(tags, Iterable):
            return []
        found: list[str] = []
        try:
            for tag in tags:
                if isinstance(tag, str) and tag[:8].lower() == "license:" and len(tag) <= _MAX_TEXT:
                    reading = self._read_value(tag[8:], notes)
                    if reading is not None:
                        found.extend(reading.ids)
        except Exception:  # noqa: BLE001 - an arbitrary iterable may fail in any way; tags are optional
            return found
        return found

    def read_text(self, text: str) -> _Reading:
        """Read one stripped, non-empty string, with caching since the same strings recur a lot."""
        reading = self._texts.get(text)
        if reading is None:
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            reading = self._texts[text] = self._read_uncached(text)
        return reading

    def _read_uncached(self, text: str) -> _Reading:
        if len(text) > _MAX_TEXT:
            return _UNRECOGNISED
        if looks_like_url(text):
            return self._known(self.kb.lookup_link(text))
        license_id = self.kb.lookup_name(text)
        if license_id:
            return self._known(license_id)
        if text.casefold() in _NOTHING:
            return _Reading(marker="none")
        if _OPERATOR.search(text):
            return self._read_expression(text)
        return _UNRECOGNISED

    def _known(self, license_id: str | None) -> _Reading:
        if license_id is None:
            return _UNRECOGNISED
        if license_id in MARKER_IDS:
            return _Reading(marker=license_id)
        return _Reading(ids=(license_id,))

    def _read_expression(self, text: str) -> _Reading:
        try:
            parsed = _LICENSING.parse(text, simple=False)
        except Exception:  # noqa: BLE001 - the parser signals bad input through assorted exception types
            return _UNRECOGNISED
        if parsed is None:
            return _UNRECOGNISED
        ids, unknown = self._evaluate(parsed)
        if not ids:
            return _UNRECOGNISED
        return _Reading(ids=tuple(ids), expression=self._render(parsed), unresolved=tuple(unknown))

    def _evaluate(self, node) -> tuple[list[str], list[str]]:
        """Return (known ids, unrecognised symbols) that apply; OR keeps the least restrictive choice."""
        if isinstance(node, LicenseWithExceptionSymbol):
            return self._evaluate(node.license_symbol)
        if isinstance(node, LicenseSymbol):
            reading = self._known(self.kb.lookup_name(node.key))
            return (list(reading.ids), []) if reading.ids else ([], [_shown(node.key)])
        branches = [self._evaluate(arg) for arg in node.args]
        if isinstance(node, _LICENSING.OR):
            complete = [ids for ids, unknown in branches if ids and not unknown]
            if complete:
                return min(complete, key=self._set_rank), []
            partial = [branch for branch in branches if branch[0]]
            if partial:
                return min(partial, key=lambda branch: self._set_rank(branch[0]))
        ids = list(dict.fromkeys(license_id for branch in branches for license_id in branch[0]))
        return ids, [symbol for branch in branches for symbol in branch[1]]

    def _set_rank(self, ids: list[str]) -> tuple:
        return (max(self._rank[license_id] for license_id in ids), len(ids), tuple(sorted(ids)))

    def _render(self, node) -> str:
        if isinstance(node, LicenseWithExceptionSymbol):
            return f"{self._render(node.license_symbol)} WITH {node.exception_symbol.key}"
        if isinstance(node, LicenseSymbol):
            entry = self._entry(self.kb.lookup_name(node.key))
            return entry.spdx if entry else node.key
        operator = " OR " if isinstance(node, _LICENSING.OR) else " AND "
        parts = []
        for arg in node.args:
            rendered = self._render(arg)
            # Only a nested operator of the other kind needs parentheses.
            nested = isinstance(arg, (_LICENSING.AND, _LICENSING.OR)) and type(arg) is not type(node)
            parts.append(f"({rendered})" if nested else rendered)
        return operator.join(parts)

    def _entry(self, license_id: str | None) -> License | None:
        if license_id is None or license_id in MARKER_IDS:
            return None
        return self.kb.get(license_id)


_RESOLVERS: dict[str, _Resolver] = {}


def _restrictiveness(entry: License) -> tuple[int, int, int, int]:
    """Order licenses by category first, then by how many contexts they forbid or condition."""
    rank = RESTRICTIVENESS.index(entry.category) if entry.category in RESTRICTIVENESS else -1
    statuses = [verdict.status for verdict in entry.verdicts.values()]
    return rank, statuses.count("not-allowed"), statuses.count("conditional"), len(entry.obligations)


def _combine(readings: list[_Reading]) -> _Reading:
    """Merge the readings of a YAML list: every license of every item applies."""
    ids = tuple(dict.fromkeys(license_id for reading in readings for license_id in reading.ids))
    expression = readings[0].expression if len(readings) == 1 else None
    return _Reading(ids=ids, expression=expression)


def _shown(value: object) -> str:
    """Return a short, printable form of a raw value, whatever its type or size."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…"
    try:
        return _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a foreign object's __repr__ may raise anything
        return f"<{type(value).__name__}>"


def most_restrictive(license_ids: Iterable[str], kb: KnowledgeBase) -> str:
    """The primary id of licenses that all apply: the most restrictive known one (as :func:`resolve` picks).

    Raises:
        ValueError: none of ``license_ids`` is in ``kb``.
    """
    known = [i for i in license_ids if kb.get(i) is not None]
    if not known:
        raise ValueError("no known license among " + ", ".join(license_ids))
    return max(known, key=lambda i: (_restrictiveness(kb.get(i)), i))  # type: ignore[arg-type]
