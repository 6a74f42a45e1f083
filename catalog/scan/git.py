"""``catalog check --diff BASE_REF``: keep only the references that a change introduced."""

from __future__ import annotations

import codecs
import re
import subprocess
from pathlib import Path

from catalog.scan.base import DiscoveryError, Reference, ScanProblem

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(repo_dir: Path, base_ref: str, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError as error:  # git missing, or repo_dir missing
        raise DiscoveryError(f"cannot compare with {base_ref!r}: {error}") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise DiscoveryError(
            f"cannot compare with {base_ref!r} in {repo_dir}: {detail[-1] if detail else 'no such commit'}"
        )
    return done.stdout


def _unquote(path: str) -> str:
    # git C-quotes names with unusual characters even when core.quotePath is off.
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
        return raw.decode("utf-8", "replace")  # type: ignore[union-attr]
    return path


def _fork_point(repo_dir: Path, base_ref: str) -> str:
    """Where this branch left ``base_ref`` (``git merge-base``), as a pull request compares.

    Diffing against ``base_ref`` itself would count as added whatever the base removed since
    the fork. Without a merge base (a shallow clone, unrelated histories) ``base_ref`` is used.
    """
    try:
        return _git(repo_dir, base_ref, "merge-base", base_ref, "HEAD").strip() or base_ref
    except DiscoveryError:
        return base_ref


def added_lines(base_ref: str, repo_dir: Path) -> tuple[dict[str, set[int]], set[str]]:
    """Lines added since this branch left ``base_ref`` per file, and the untracked files (wholly new).

    Paths are relative to ``repo_dir``, which may be a subdirectory of the work tree.
    """
    if not base_ref or base_ref.startswith("-"):
        raise DiscoveryError(f"cannot compare with {base_ref!r}: not a git revision")
    _git(repo_dir, base_ref, "rev-parse", "--verify", "--quiet", f"{base_ref}^{{commit}}")
    since = _fork_point(repo_dir, base_ref)
    # Explicit prefixes: a user's diff.noprefix or diff.mnemonicPrefix would change them.
    diff = _git(
        repo_dir,
        base_ref,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--relative",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        since,
        "--",
    )
    added: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            current = None if target == "/dev/null" else added.setdefault(_unquote(target)[2:], set())
        elif line.startswith("@@") and current is not None:
            hunk = _HUNK.match(line)
            if hunk:
                start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
                current.update(range(start, start + count))
    untracked = _git(repo_dir, base_ref, "ls-files", "--others", "--exclude-standard", "-z")
    return added, {name for name in untracked.split("\0") if name}


def references_added_since(base_ref: str, refs: list[Reference], *, repo_dir: Path) -> list[Reference]:
    """Keep the references on lines added since the branch left ``base_ref``.

    That is ``git diff --unified=0 $(git merge-base BASE_REF HEAD)``: the committed and
    uncommitted changes of this branch, not what ``base_ref`` did since.

    ``refs`` must have been discovered with paths relative to ``repo_dir`` (``discover(...,
    root=repo_dir)``). An untracked file counts as wholly added. A reference also counts when
    only one of its ``related_lines`` changed, e.g. the constant it reads or its revision pin.

    Raises:
        DiscoveryError: git cannot resolve ``base_ref`` or ``repo_dir`` is not a git work tree.
    """
    return added_since(base_ref, refs, [], repo_dir=repo_dir)[0]


def added_since(base_ref: str, refs: list[Reference], problems: list[ScanProblem], *,
                repo_dir: Path) -> tuple[list[Reference], list[ScanProblem]]:
    """:func:`references_added_since` for references and scan problems at once (one ``git diff``).

    An ``unresolved-reference`` is kept when its line was added; a ``scan-incomplete`` file
    when any line of it was (or it is untracked), since the part not read may be the new part.

    Raises:
        DiscoveryError: git cannot resolve ``base_ref`` or ``repo_dir`` is not a git work tree.
    """
    added, untracked = added_lines(base_ref, Path(repo_dir))
    kept = []
    for ref in refs:
        lines = added.get(ref.file)
        if ref.file in untracked or (
            lines and (ref.line in lines or not lines.isdisjoint(ref.related_lines))
        ):
            kept.append(ref)
    kept_problems = [
        p for p in problems
        if p.file in untracked or (p.line in added.get(p.file, ()) if p.code == "unresolved-reference"
                                   else bool(added.get(p.file)))
    ]
    return kept, kept_problems
