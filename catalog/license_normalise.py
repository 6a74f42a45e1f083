"""Turn the license metadata of a model card, as found in the wild, into knowledge-base ids.

Pure and deterministic: no I/O beyond reading the knowledge base once, no network, and no input
makes :func:`resolve` raise.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from license_expression import Licensing, LicenseSymbol, LicenseWithExceptionSymbol

from catalog.license_kb import MARKER_IDS, RESTRICTIVENESS, KnowledgeBase, License, looks_like_url
from catalog.license_yaml import knowledge_base


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
        unresolved: raw values that were not recognised, as bounded strings.
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
    apply; for ``OR`` the licensee may choose, so only the least restrictive alternative is kept
    (the expression still shows every alternative).

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

    def resolve(self, license_raw, license_name, license_link, license_tags) -> Resolution:
        unresolved: list[str] = []
        card, declared = self._read_card(license_raw, unresolved)
        ids = list(card.ids)
        evidence = ["cardData.license"] if ids else []
        markers = {card.marker} if card.marker else set()

        if not ids or "other" in markers:
            custom, custom_declared, custom_field = self._read_custom(license_name, license_link, unresolved)
            declared = declared or custom_declared
            if custom:
                ids.extend(custom)
                evidence.append(custom_field)
                markers.discard("other")
        if "other" in markers and ids:
            # A list such as [mit, other] whose custom part could not be identified.
            unresolved.append("other")
        if not ids:
            tags = self._read_tags(license_tags)
            ids.extend(tag for tag in tags if tag not in MARKER_IDS)
            if ids:
                evidence.append("tags")
            elif tags:
                declared = True
                markers.update(tags)

        ids = list(dict.fromkeys(ids))
        if ids:
            primary = max(ids, key=lambda license_id: (self._rank[license_id], license_id))
            return Resolution(
                status="resolved" if len(ids) == 1 else "multiple",
                license_ids=tuple(ids),
                license_id=primary,
                category=self.kb.get(primary).category,
                expression=card.expression if evidence == ["cardData.license"] else None,
                evidence=tuple(evidence),
                unresolved=tuple(unresolved),
            )
        for marker in sorted(markers & MARKER_IDS):
            if marker not in unresolved:
                unresolved.append(marker)
        return Resolution(
            status="unknown" if declared else "missing",
            license_ids=(),
            license_id=None,
            category="unknown" if declared else "unlicensed",
            expression=None,
            evidence=(),
            unresolved=tuple(unresolved),
        )

    def _read_card(self, value: object, unresolved: list[str]) -> tuple[_Reading, bool]:
        """Read ``cardData.license``; also return whether it declared anything at all."""
        if isinstance(value, (list, tuple)):
            readings = [self._read_value(item, unresolved) for item in value]
            readings = [reading for reading in readings if reading is not None]
            if not readings:
                return _UNRECOGNISED, False
            return _combine(readings), any(reading.marker != "none" for reading in readings)
        reading = self._read_value(value, unresolved)
        if reading is None:
            return _UNRECOGNISED, False
        return reading, reading.marker != "none"

    def _read_value(self, value: object, unresolved: list[str]) -> _Reading | None:
        """Read one value; None when it is empty. Unrecognised raw values go to ``unresolved``."""
        if value is None:
            return None
        if not isinstance(value, str):
            unresolved.append(_shown(value))
            return _UNRECOGNISED
        text = value.strip()
        if not text:
            return None
        reading = self.read_text(text)
        if reading.unresolved:
            unresolved.extend(reading.unresolved)
        elif not reading.ids and reading.marker not in MARKER_IDS:
            unresolved.append(_shown(text))
        return reading

    def _read_custom(self, name: object, link: object, unresolved: list[str]) -> tuple[tuple[str, ...], bool, str]:
        """Read ``license_name``, then ``license_link``: the fields that describe ``license: other``."""
        declared = False
        for field_name, value in (("license_name", name), ("license_link", link)):
            reading = self._read_value(value, unresolved)
            if reading is None:
                continue
            declared = True
            known = tuple(license_id for license_id in reading.ids if license_id not in MARKER_IDS)
            if known:
                return known, True, field_name
            if reading.marker in MARKER_IDS:
                unresolved.append(_shown(value))
        return (), declared, ""

    def _read_tags(self, tags: object) -> list[str]:
        """Return the ids named by ``license:<id>`` tags, markers included, ignoring everything else."""
        if isinstance(tags, str):
            tags = (tags,)
        elif isinstance(tags, (bytes, Mapping)) or not isinstance(tags, Iterable):
            return []
        found: list[str] = []
        try:
            for tag in tags:
                if isinstance(tag, str) and tag[:8].lower() == "license:" and len(tag) <= _MAX_TEXT:
                    license_id = self.kb.lookup_name(tag[8:])
                    if license_id:
                        found.append(license_id)
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
            nested = not isinstance(arg, (LicenseSymbol, LicenseWithExceptionSymbol)) and type(arg) is not type(node)
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
    markers = [reading.marker for reading in readings if reading.marker in MARKER_IDS]
    expressions = [reading.expression for reading in readings if reading.expression]
    expression = expressions[0] if len(readings) == 1 and expressions else None
    return _Reading(ids=ids, marker="other" if "other" in markers else (markers[0] if markers else None),
                    expression=expression)


def _shown(value: object) -> str:
    """Return a short, printable form of a raw value, whatever its type or size."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…"
    try:
        return _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a foreign object's __repr__ may raise anything
        return f"<{type(value).__name__}>"
