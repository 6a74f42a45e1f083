"""Identify a license text by its fingerprint: which known license a LICENSE file is, and how sure.

A text is normalised (markdown, HTML tags, punctuation, case, line wrapping and copyright lines
dropped), cut into overlapping runs of :data:`SHINGLE` words, and each run hashed to 32 bits.
A known license is the set of its hashes (``data/fingerprints.json``, built by
``catalog.licenses.fingerprint_build`` from texts whose origin is recorded there; the texts
themselves are not in the repository). Matching counts the hashes a text shares with each known
license. The score divides that by the size of the smaller of the two sets, but never by less
than half the known license, so that:

* a truncated copy (the first 80 %) still scores near 1: every run it has is in the reference;
* a copy with another license appended still scores near 1 against each of the two;
* a fragment (a sentence quoted in a README) cannot reach the threshold;
* a near relative (CC BY vs CC BY-SA, Llama 3.1 vs 3.2) scores clearly below the real one.

Set arithmetic on a few thousand integers per license is all it costs: no library is needed,
and the result is deterministic and explainable (the score is a fraction of shared word runs).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.resources import data_path

SHINGLE = 5
# At or above: the text is that license. Below but at least POSSIBLE: named as a hint only.
THRESHOLD = 0.8
POSSIBLE = 0.5
# A text is never read past this many characters (a LICENSE file is a few dozen KB at most).
MAX_TEXT_CHARS = 400_000
# A text with fewer word runs than this says too little to identify anything.
MIN_SHINGLES = 8
FINGERPRINT_SCHEMA = 1
_MAX_REMEMBERED = 4096
# Word runs an edit (a changed date, a dropped line) can add to or take from a text by chance.
_NOISE = 8

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>\n]{0,200}>")
_URL = re.compile(r"https?://\S+")
# A copyright statement: "Copyright (c) 2024 Someone." up to the end of its sentence or line. A
# year (or its placeholder) is required: "copyright" alone is a word license texts use in prose.
_COPYRIGHT = re.compile(
    r"(?:copyright\s*(?:\(c\)|©)?|\(c\)|©)\s*(?:\d{4}(?:\s*[-–,]\s*\d{4})*|\[yyyy\]|\[year\]|<year>|\{yyyy\})"
    r"[^\n.]{0,200}\.?|all rights reserved\.?", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """The words of a license text, with everything that varies between copies removed.

    Copyright lines (``Copyright (c) 2024 Someone``), markdown and HTML markup, URLs, punctuation,
    case and line wrapping do not change a license, so they do not count.
    """
    words: list[str] = []
    for line in text[:MAX_TEXT_CHARS].splitlines():
        line = _COPYRIGHT.sub(" ", _HTML_TAG.sub(" ", _MD_LINK.sub(r"\1", line)))
        line = _URL.sub(" ", line).lower()
        words.extend(_WORD.findall(line))
    return words


def shingles(words: list[str]) -> list[int]:
    """The 32-bit hashes of every run of :data:`SHINGLE` consecutive words, in text order."""
    if len(words) < SHINGLE:
        return [_hash(" ".join(words))] if words else []
    return [_hash(" ".join(words[i:i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)]


def _hash(run: str) -> int:
    return int.from_bytes(hashlib.blake2b(run.encode(), digest_size=4).digest(), "little")


@dataclass(frozen=True)
class Reference:
    """A known license text, as a fingerprint.

    Attributes:
        name: which text (e.g. ``llama3/LICENSE``); several texts may name one license.
        license_id: its knowledge-base id, or None for a text the knowledge base has no entry for.
        source: where the text was read (repository, commit, path).
        text_sha256: the sha256 of the text as read, to recognise an exact copy.
        redistributable: whether the text's own terms let it be copied on its own; only then is a
            model's copy of it stored in the database (else its hash and first lines).
        hashes: the set of its word-run hashes.
    """

    name: str
    license_id: str | None
    source: str
    text_sha256: str
    redistributable: bool
    hashes: frozenset[int]


@dataclass(frozen=True)
class Match:
    """How well a text matches one reference; ``position`` is where its shared runs start in the text."""

    reference: Reference
    score: float
    position: int


@dataclass(frozen=True)
class Detection:
    """What a text was identified as.

    Attributes:
        license_id: the knowledge-base id of the best match at or above :data:`THRESHOLD`; None otherwise.
        name: the best match's reference name (even below the threshold), or None.
        score: the best match's score, 0..1 (0 when nothing shares a word run).
        also: ids of other licenses the text contains in full (e.g. an appended second license).
        recognised: the best match reached the threshold.
    """

    license_id: str | None
    name: str | None
    score: float
    also: tuple[str, ...] = ()
    recognised: bool = False
    redistributable: bool = False


class Fingerprints:
    """The known license texts, matched against a text with :meth:`detect`."""

    def __init__(self, references: list[Reference], *, threshold: float = THRESHOLD) -> None:
        self.references = references
        self.threshold = threshold
        self._by_sha = {r.text_sha256: r for r in references}
        # Most repositories ship verbatim copies of a few texts: each distinct one is matched once.
        self._seen: dict[str, Detection] = {}

    def redistributable(self, license_id: str | None) -> bool:
        """Whether the text of ``license_id`` may be copied on its own (False when unknown)."""
        return license_id is not None and any(
            r.redistributable for r in self.references if r.license_id == license_id)

    def scores(self, text: str) -> list[Match]:
        """Every reference sharing at least one word run with ``text``, best first."""
        return [match for match, _ in self._matches(shingles(normalise(text)))]

    def _matches(self, runs: list[int]) -> list[tuple[Match, frozenset[int]]]:
        present = set(runs)
        if not present:
            return []
        first_at: dict[int, int] = {}
        for index, run in enumerate(runs):
            first_at.setdefault(run, index)
        matches = []
        for ref in self.references:
            shared = frozenset(present & ref.hashes)
            if not shared:
                continue
            denominator = min(len(ref.hashes), max(len(present), len(ref.hashes) / 2))
            score = min(1.0, len(shared) / denominator)
            # The median start of the shared runs places the license within the text.
            positions = sorted(first_at[h] for h in shared)
            matches.append((Match(ref, round(score, 4), positions[len(positions) // 2]), shared))
        matches.sort(key=lambda m: (-m[0].score, -len(m[1]), m[0].position, m[0].reference.name))
        return matches

    def detect(self, text: str) -> Detection:
        """Identify ``text``: the best known license, its score, and other licenses it holds in full.

        Near relatives (CC BY and CC BY-NC, two Llama versions) share most of their runs, so
        each scores high against the other's text. Candidates whose shared runs mostly coincide
        explain the same part of the text, and the one explaining more of it wins; candidates
        explaining different parts (a second license appended) are all kept, and the one the
        text starts with is the primary.
        """
        digest = hashlib.sha256(text.encode()).hexdigest()
        exact = self._by_sha.get(digest)
        if exact is not None:
            return Detection(exact.license_id, exact.name, 1.0, (), exact.license_id is not None,
                             exact.redistributable)
        seen = self._seen.get(digest)
        if seen is None:
            seen = self._detect(text)
            if len(self._seen) >= _MAX_REMEMBERED:
                self._seen.clear()
            self._seen[digest] = seen
        return seen

    def _detect(self, text: str) -> Detection:
        runs = shingles(normalise(text))
        if len(set(runs)) < MIN_SHINGLES:
            return Detection(None, None, 0.0)
        matches = self._matches(runs)
        if not matches:
            return Detection(None, None, 0.0)
        contenders = [m for m in matches if m[0].score >= self.threshold] or matches[:1]
        regions: list[tuple[Match, frozenset[int]]] = []
        for match, shared in contenders:
            overlapping = [i for i, (_, kept) in enumerate(regions) if len(shared & kept) > min(len(shared), len(kept)) / 2]
            if not overlapping:
                regions.append((match, shared))
                continue
            explained = frozenset().union(*(kept for _, kept in regions))
            if _substantial(shared - explained, shared):
                regions.append((match, shared))  # a relative present beside it, not instead of it
                continue
            index = max(overlapping, key=lambda i: len(shared & regions[i][1]))
            kept = regions[index][1]
            if len(shared) > len(kept) and len(kept - shared) < _NOISE:
                regions[index] = (match, shared)  # explains all the kept one does, and more
        first_at: dict[int, int] = {}
        for index, run in enumerate(runs):
            first_at.setdefault(run, index)

        def start(region: tuple[Match, frozenset[int]]) -> int:
            # Where the runs only this candidate explains sit: a relative appended after a
            # license shares its common runs with it, but not its own.
            own = region[1].difference(*(r[1] for r in regions if r is not region)) or region[1]
            return sorted(first_at[h] for h in own)[len(own) // 2]

        starts = [start(region) for region in regions]  # before sorting: sort() empties the list meanwhile
        regions = [region for _, region in sorted(zip(starts, regions, strict=True), key=lambda pair: pair[0])]
        best = regions[0][0]
        recognised = best.score >= self.threshold and best.reference.license_id is not None
        also = tuple(dict.fromkeys(m.reference.license_id for m, _ in regions[1:]
                                   if m.reference.license_id not in (None, best.reference.license_id)))
        return Detection(best.reference.license_id if recognised else None, best.reference.name, best.score,
                         also if recognised else (), recognised, recognised and best.reference.redistributable)


def _substantial(own: frozenset[int], of: frozenset[int]) -> bool:
    """Whether ``own`` runs are more than the noise that edits to a text leave (a changed date,
    a dropped line): a license present in its own right explains many runs nothing else does."""
    return len(own) >= max(_NOISE, len(of) / 100)


def encode_hashes(hashes: set[int] | frozenset[int]) -> str:
    """A hash set as stored in the fingerprint file: sorted little-endian uint32, base64."""
    ordered = sorted(hashes)
    return base64.b64encode(struct.pack(f"<{len(ordered)}I", *ordered)).decode()


def decode_hashes(encoded: str) -> frozenset[int]:
    """The inverse of :func:`encode_hashes`."""
    raw = base64.b64decode(encoded)
    return frozenset(struct.unpack(f"<{len(raw) // 4}I", raw))


def load_fingerprints(path: Path | None = None) -> Fingerprints:
    """Read a fingerprint file (the shipped one by default, cached once per process).

    Raises:
        ValueError: the file is not a fingerprint file of the schema this code reads.
    """
    if path is None:
        return _default()
    return _load(Path(path))


@functools.cache
def _default() -> Fingerprints:
    return _load(data_path("licenses", "fingerprints.json"))


def _load(path: Path) -> Fingerprints:
    document: Any = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("schema") != FINGERPRINT_SCHEMA \
            or document.get("shingle") != SHINGLE:
        raise ValueError(f"{path.name}: not a schema {FINGERPRINT_SCHEMA} fingerprint file of {SHINGLE}-word runs")
    references = []
    for entry in document.get("references", []):
        references.append(Reference(
            name=str(entry["name"]), license_id=entry.get("license_id"), source=str(entry["source"]),
            text_sha256=str(entry["text_sha256"]), redistributable=bool(entry.get("redistributable")),
            hashes=decode_hashes(entry["hashes"])))
    return Fingerprints(references)
