"""The license knowledge base as typed, immutable records, with the alias index used to look names up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

CATEGORIES: tuple[str, ...] = (
    "public-domain",
    "permissive",
    "weak-copyleft",
    "copyleft",
    "open-rail",
    "community",
    "no-derivatives",
    "non-commercial",
    "proprietary",
    "mixed",
    "unlicensed",
    "unknown",
)
# "unlicensed" and "unknown" describe what normalisation found, not a license's terms. "mixed" is a
# family id whose members differ in kind (`cc`: CC0 ... BY-NC-ND): no single category is true of it.
ENTRY_CATEGORIES: tuple[str, ...] = CATEGORIES[:10]

CONTEXTS: tuple[str, ...] = ("research", "internal", "saas", "redistribution")

OBLIGATION_KINDS: tuple[str, ...] = (
    "attribution",
    "license-copy",
    "state-changes",
    "share-alike",
    "source-disclosure",
    "non-commercial",
    "use-restrictions",
    "user-threshold",
    "revenue-threshold",
    "naming-rule",
    "output-restrictions",
    "accept-terms",
    "territory",
)

# "review": the knowledge base cannot tell (e.g. a family id whose members disagree); a person must read
# the repository's license.
VERDICT_STATUSES: tuple[str, ...] = ("allowed", "conditional", "review", "not-allowed")

# The Hub lists these two ids, but they say "look elsewhere" rather than naming any terms, so their
# entries carry the category "unknown" and normalisation never reports them as a resolved license.
MARKER_IDS: frozenset[str] = frozenset({"other", "unknown"})

# Ascending restrictiveness, as the policy engine ranks a model with several licenses.
RESTRICTIVENESS: tuple[str, ...] = (
    "public-domain",
    "permissive",
    "weak-copyleft",
    "open-rail",
    "community",
    "copyleft",
    "no-derivatives",
    "mixed",
    "non-commercial",
    "proprietary",
)


@dataclass(frozen=True)
class Obligation:
    """One duty a license puts on its licensee, e.g. showing "Built with Llama"."""

    kind: str
    summary: str
    clause: str
    notice: str | None = None
    threshold: int | None = None
    detail: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    @property
    def placement(self) -> str | None:
        """Where a notice goes: "display" (shown to users) or "notice-file"; None without a notice."""
        value = self.detail.get("placement")
        return value if isinstance(value, str) else None

    def to_dict(self) -> dict:
        """Return the obligation as a JSON-ready dict with a fixed set of keys."""
        return {
            "kind": self.kind,
            "summary": self.summary,
            "clause": self.clause,
            "notice": self.notice,
            "threshold": self.threshold,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Verdict:
    """Whether a license permits one context of use, and which obligations that depends on."""

    status: str
    obligations: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict:
        """Return the verdict as a JSON-ready dict."""
        return {"status": self.status, "obligations": list(self.obligations), "note": self.note}


@dataclass(frozen=True)
class License:
    """One license of the knowledge base: identity, classification, duties and per-context verdicts."""

    id: str
    name: str
    aliases: tuple[str, ...]
    spdx: str
    category: str
    url: str
    sources: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    verdicts: Mapping[str, Verdict] = field(hash=False)

    def has(self, kind: str) -> bool:
        """Return True when the license carries at least one obligation of ``kind``."""
        return any(obligation.kind == kind for obligation in self.obligations)

    def to_dict(self) -> dict:
        """Return the license as a JSON-ready dict, as served by the API and printed by the CLI."""
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "spdx": self.spdx,
            "category": self.category,
            "url": self.url,
            "sources": list(self.sources),
            "obligations": [obligation.to_dict() for obligation in self.obligations],
            "verdicts": {context: self.verdicts[context].to_dict() for context in CONTEXTS},
        }


_VERSION_WORD = re.compile(r"(?<![a-z])v(?:ersion)?\s*(?=\d)")
_WORD = re.compile(r"[a-z0-9+]+(?:\.[a-z0-9+]+)*")
_TRAILING_ZERO = re.compile(r"(?<=\d)\.0(?!\d)")
_NOISE_WORDS = frozenset({"license", "licence", "licensed", "licenses", "licences", "the", "community"})
# A scheme, "www." or a bare host name such as "ai.google.dev/..." starts a URL.
_URL_PREFIX = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)", re.IGNORECASE
)
_URL_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?")
_HF_FILE = re.compile(r"^(huggingface\.co/(?:spaces/|datasets/)?[^/]+/[^/]+)/(?:blob|resolve|raw)/[^/]+/")
_GITHUB_FILE = re.compile(r"^(github\.com/[^/]+/[^/]+)/(?:blob|raw)/[^/]+/")
_GITHUB_RAW = re.compile(r"^raw\.githubusercontent\.com/([^/]+/[^/]+)/[^/]+/")


def alias_key(text: str) -> str:
    """Reduce a license name to the key under which the alias index stores it.

    Case, punctuation, "v"/"version" before a number, trailing ".0" and filler words such as
    "license" or "community" are dropped, so "Apache License, Version 2.0", "apache-2" and
    "Apache 2.0" share one key. "agreement" only goes when it follows "license".

    Args:
        text: a license name, id or spelling as found in a model card.

    Returns:
        The key; empty when nothing meaningful is left (e.g. for "???").
    """
    words = _WORD.findall(_VERSION_WORD.sub("", text.lower()))
    kept: list[str] = []
    previous = ""
    for word in words:
        if word not in _NOISE_WORDS and not (word == "agreement" and previous in ("license", "licence")):
            kept.append(word)
        previous = word
    return _TRAILING_ZERO.sub("", "".join(kept))


def looks_like_url(text: str) -> bool:
    """Return True when ``text`` is written as a URL, with or without a scheme."""
    return bool(_URL_PREFIX.match(text.strip()))


def link_key(url: str) -> str:
    """Reduce a license URL to its lookup key.

    The scheme, "www.", query, fragment and trailing slash are dropped, and a file on the Hub or
    GitHub is keyed as if it were on ``main``, because cards link any revision and any of the
    blob/resolve/raw views of the same file.

    Args:
        url: the URL as written in ``license_link`` or in an alias.

    Returns:
        The lower-cased key, e.g. ``huggingface.co/meta-llama/meta-llama-3-8b/blob/main/license``.
    """
    text = _URL_SCHEME.sub("", url.strip().lower())
    text = re.split(r"[?#]", text, maxsplit=1)[0].rstrip("/")
    text = _GITHUB_RAW.sub(r"github.com/\1/blob/main/", text)
    text = _HF_FILE.sub(r"\1/blob/main/", text)
    return _GITHUB_FILE.sub(r"\1/blob/main/", text)


class KnowledgeBase:
    """All licenses of the knowledge base, with O(1) lookup by id, alias and URL.

    Attributes:
        version: sha256 of the YAML file the base was read from; changes whenever the data does.
        sources: short source name (e.g. "SCDB") → full citation, as declared in the YAML file.
    """

    def __init__(self, licenses: Iterable[License], version: str, sources: Mapping[str, str] | None = None,
                 unresearched: Mapping[str, str] | None = None):
        by_id: dict[str, License] = {}
        for entry in licenses:
            if entry.id in by_id:
                raise ValueError(f"license {entry.id!r}: field 'id': defined twice")
            by_id[entry.id] = entry
        self._by_id = by_id
        self._sorted = sorted(by_id.values(), key=lambda entry: entry.id)
        self.version = version
        self.sources = MappingProxyType(dict(sources or {}))
        self._names, self._links = _build_index(self._sorted)
        # Names kept unknown on purpose (no primary text read yet) -> why; keyed like aliases.
        self._unresearched = {_lookup_key(name): reason for name, reason in (unresearched or {}).items()}

    def get(self, license_id: str) -> License | None:
        """Return the license with this id (case-insensitive), or None; aliases are not consulted."""
        if not isinstance(license_id, str):
            return None
        return self._by_id.get(license_id.strip().lower())

    def all(self) -> list[License]:
        """Return every license, sorted by id."""
        return list(self._sorted)

    def __iter__(self) -> Iterator[License]:
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)

    def lookup_name(self, text: str) -> str | None:
        """Return the id whose id, name, SPDX id or alias matches ``text`` after :func:`alias_key`."""
        key = alias_key(text)
        return self._names.get(key) if key else None

    def unresearched(self, text: object) -> str | None:
        """Why a declared name or link that no entry matches stays unknown, when the base records it."""
        if not isinstance(text, str) or not text.strip():
            return None
        return self._unresearched.get(_lookup_key(text))

    def suggest(self, text: str, *, limit: int = 3) -> list[str]:
        """Ids a mistyped license id probably meant ("did you mean"), best first.

        The normaliser's loose name match first (``apache2`` -> ``apache-2.0``, ``MIT License`` ->
        ``mit``), then ids close in spelling. The policy loader and ``catalog licenses`` both use it.
        """
        import difflib

        found = [guess] if isinstance(text, str) and (guess := self.lookup_name(text)) else []
        for close in difflib.get_close_matches(str(text).strip().lower(), list(self._by_id), n=limit, cutoff=0.6):
            if close not in found:
                found.append(close)
        return found[:limit]

    def lookup_link(self, url: str) -> str | None:
        """Return the id of the license whose known text URL matches ``url`` after :func:`link_key`."""
        return self._links.get(link_key(url))


def _lookup_key(text: str) -> str:
    return "link:" + link_key(text) if looks_like_url(text) else "name:" + alias_key(text)


def _build_index(licenses: list[License]) -> tuple[dict[str, str], dict[str, str]]:
    names: dict[str, str] = {}
    links: dict[str, str] = {}
    for entry in licenses:
        for alias in (entry.id, entry.name, entry.spdx, entry.url, *entry.aliases):
            if looks_like_url(alias):
                index, key, field_name = links, link_key(alias), "url/aliases"
            else:
                index, key, field_name = names, alias_key(alias), "aliases"
            if not key:
                raise ValueError(f"license {entry.id!r}: field {field_name!r}: {alias!r} has no usable key")
            owner = index.setdefault(key, entry.id)
            if owner != entry.id:
                raise ValueError(
                    f"license {entry.id!r}: field {field_name!r}: {alias!r} is ambiguous, "
                    f"it also matches license {owner!r}"
                )
    return names, links
