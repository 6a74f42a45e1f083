"""The vocabulary shared by the discovery scanners: references, problems, errors, and what the
catalogue is asked (:class:`IdCheck`); what an id looks like in text is :mod:`catalog.scan.ids`.

Public names are re-exported from :mod:`catalog.scan.discovery`; import them from there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from catalog.scan.ids import legacy_shaped, model_shaped

KINDS = ("python-call", "python-constant", "config", "shell", "dockerfile", "manifest", "annotation", "javascript")
# What discovery reports besides references: a loader fed a value it cannot resolve, and a file it
# could not read in full. The policy's ``findings`` lists decide how each counts (default warn).
PROBLEM_CODES = ("unresolved-reference", "scan-incomplete")


class DiscoveryError(Exception):
    """Discovery cannot give a trustworthy answer (malformed manifest, unknown git ref, bad path)."""


@functools.total_ordering
@dataclass(frozen=True)
class Reference:
    """One place in a codebase that names a Hugging Face model.

    ``related_lines`` lists other lines that decide this reference (where a constant is
    assigned, where a revision is pinned), so that ``--diff`` notices when only those change.
    It takes no part in equality or ordering.
    """

    repo_id: str
    file: str
    line: int
    column: int
    kind: str
    revision: str | None = None
    context: str = ""
    related_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __lt__(self, other: Reference) -> bool:
        # By field, as a dataclass orders, but an unpinned revision (None) before every pin: one
        # constant used pinned in one module and unpinned in another (huggingface_hub's tests) gave
        # two references the dataclass could not order, and the check stopped with a TypeError.
        if not isinstance(other, Reference):
            return NotImplemented
        return self._order() < other._order()

    def _order(self) -> tuple[str, str, int, int, str, bool, str, str]:
        return (self.repo_id, self.file, self.line, self.column, self.kind, self.revision is not None,
                self.revision or "", self.context)


@dataclass(frozen=True, order=True)
class ScanProblem:
    """Something discovery could not see, at a place a reviewer should look.

    ``code`` is one of :data:`PROBLEM_CODES`; ``detail`` is the expression a loader received
    (``unresolved-reference``) or why the file was not fully read (``scan-incomplete``).
    """

    code: str
    file: str
    line: int
    column: int
    detail: str


class IdCheck:
    """Decides whether a candidate string is reported, consulting ``known_ids`` at most once per id.

    A namespaced id (``org/name``) is accepted wherever it sits in a model position. A bare
    legacy name (``gpt2``) is accepted from an unambiguous Hugging Face position (``strong``);
    elsewhere it is as likely a local folder or another vendor's model (``gpt-4o``), so it
    needs the catalogue to know it. The catalogue never vetoes a strong position: an id it
    lacks must still reach the check, which reports it as not in the catalogue.
    """

    def __init__(self, known_ids: Callable[[str], bool] | None) -> None:
        self.has_catalogue = known_ids is not None
        self._known_ids = known_ids
        self._cache: dict[str, bool] = {}
        # What the scanners could not see; the scan of one tree shares one IdCheck.
        self.problems: list[ScanProblem] = []
        # Every answer given while scanning the current file (see FileScan.answers).
        self.answers: dict[str, bool] = {}
        # The Python modules read for the names other modules import from them, once per tree
        # (a catalog.scan.python_imports.Modules, made by the first Python scan that needs it).
        self.modules: Any = None
        # Loads in other modules that the current file's calls pass ids to (catalog.scan.python_calls):
        # (file, line) places whose unresolved-reference those ids settle.
        self.settled: list[tuple[str, int]] = []

    def problem(self, code: str, file: str, line: int, column: int, detail: str) -> None:
        """Record a :class:`ScanProblem` (``detail`` is cut to 200 characters)."""
        detail = " ".join(detail.split())
        if len(detail) > 200:
            detail = detail[:197] + "..."
        self.problems.append(ScanProblem(code, file, line, column, detail))

    def prefetch(self, repo_ids: Iterable[str]) -> None:
        """Ask the catalogue about many ids in one go ahead of :meth:`known`, when ``known_ids``
        can answer in bulk (its ``many`` attribute): a file quoting 50,000 ids asked one by one
        took 18 s."""
        many = getattr(self._known_ids, "many", None)
        wanted = [r for r in dict.fromkeys(repo_ids) if r not in self._cache] if many is not None else []
        if len(wanted) > 1:
            found = many(wanted)
            self._cache.update((repo_id, repo_id in found) for repo_id in wanted)

    def known(self, repo_id: str) -> bool:
        """Whether the catalogue knows ``repo_id`` (False without a catalogue)."""
        if self._known_ids is None:
            return False
        hit = self._cache.get(repo_id)
        if hit is None:
            hit = self._cache[repo_id] = bool(self._known_ids(repo_id))
        self.answers[repo_id] = hit
        return hit

    def accepts(self, value: str, *, strong: bool) -> bool:
        """Whether ``value`` found in a model position should be reported."""
        if not model_shaped(value):
            return False
        # A bare word in a loader position is a legacy Hub id only if shaped like one ("coco" or
        # "eng" given to a project's from_pretrained is a preset name).
        return "/" in value or strong and legacy_shaped(value) or self.known(value)


class FileScan(NamedTuple):
    """What scanning one file found, and the catalogue's answers it depended on.

    A file's scan depends only on its bytes and on ``answers`` (each id the scanners asked
    ``known_ids`` about, with the answer given): a scan made with guessed answers is the one the
    real catalogue would give whenever the guesses were right, which lets discovery run before
    the catalogue is open (:mod:`catalog.scan.background`). A named tuple, not a dataclass: one
    is made per file, and a frozen dataclass costs 4% of the scan of a large tree.
    """

    path: str  # as opened
    file: str  # as reported
    file_type: str
    references: list[Reference]
    problems: list[ScanProblem]
    covered: Collection[tuple[str, int]]  # places a catalog.toml's used_at (or ids passed to a load there) settles
    answers: dict[str, bool]


@dataclass(frozen=True)
class Discovery:
    """What a scan found: the references, and what it could not see (:class:`ScanProblem`)."""

    references: list[Reference]
    problems: list[ScanProblem]


def assemble(scans: Iterable[FileScan]) -> Discovery:
    """The tree's :class:`Discovery` from its files' scans, in any order: references sorted and
    de-duplicated, problems sorted, those settled by a manifest or an annotation dropped."""
    refs: set[Reference] = set()
    problems: list[ScanProblem] = []
    covered: set[tuple[str, int]] = set()
    for scan in scans:
        refs.update(scan.references)
        problems += scan.problems
        covered.update(scan.covered)
    annotated = {(r.file, r.line) for r in refs if r.kind == "annotation"}
    covered |= annotated | {(file, line + 1) for file, line in annotated}
    return Discovery(_distinct(refs), sorted({p for p in problems if (p.file, p.line) not in covered}))


def _distinct(refs: set[Reference]) -> list[Reference]:
    """One reference per (id, file, line, revision, and for Python uses of constants their
    context): two rules seeing the same place count once."""
    chosen: dict[tuple[str, str, int, str | None, str | None], Reference] = {}
    for ref in sorted(refs):
        # Python uses fed by different constants stay apart: each names its constant's line. A
        # constant reported where it is written (no other line decides it) is one place, whichever
        # rule saw it (its module's getenv default, another module importing it).
        apart = ref.kind == "python-constant" and ref.related_lines
        key = (ref.repo_id, ref.file, ref.line, ref.revision, ref.context if apart else None)
        kept = chosen.setdefault(key, ref)
        if kept is not ref and not set(ref.related_lines) <= set(kept.related_lines):
            chosen[key] = replace(kept, related_lines=tuple(sorted({*kept.related_lines, *ref.related_lines})))
    return sorted(chosen.values())


def is_workflow(path: str) -> bool:
    """Whether ``path`` is a GitHub Actions workflow (a file directly in ``.github/workflows``)."""
    return path.replace("\\", "/").split("/")[-3:-1] == [".github", "workflows"]


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1
