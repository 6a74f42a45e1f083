"""List the files under a directory the way git would see them: ``.gitignore`` honoured, tool folders skipped."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

# Never project code, and often huge: walking them would dominate the run time.
ALWAYS_SKIPPED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",  # Jupyter's autosaved copies of the notebooks beside it
    }
)

def _load(directory: str) -> Any | None:
    """The compiled ``.gitignore`` of ``directory``, or None when it has none."""
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    import pathspec  # costs ~50 ms, so only repositories with a .gitignore pay for it

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    if all(pattern.include is None for pattern in spec.patterns):  # only comments and blanks
        return None
    return spec


class Ignores:
    """The ``.gitignore`` files in force in one directory, outermost first."""

    def __init__(self, specs: tuple[tuple[str, Any], ...] = ()) -> None:
        self.specs = specs

    @classmethod
    def above(cls, directory: str) -> Ignores:
        """The ``.gitignore`` files between the enclosing git work tree's top and ``directory``
        (exclusive), so scanning a subfolder still obeys the repository's rules."""
        ancestors = []
        probe = directory
        while not os.path.exists(os.path.join(probe, ".git")):
            parent = os.path.dirname(probe)
            if parent == probe:  # no enclosing work tree: only the scanned folder's own rules apply
                return cls()
            ancestors.append(parent)
            probe = parent
        specs = tuple((d, spec) for d in reversed(ancestors) if (spec := _load(d)) is not None)
        return cls(specs)

    def entering(self, directory: str) -> Ignores:
        """The rules in force inside ``directory``."""
        spec = _load(directory)
        return Ignores((*self.specs, (directory, spec))) if spec is not None else self

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether git would ignore ``path``; a deeper ``.gitignore`` overrides an outer one."""
        verdict = None
        for base, spec in self.specs:
            relative = path[len(base) + 1 :] + ("/" if is_dir else "")
            # pathspec's public API only: its compiled patterns are an implementation detail.
            include = spec.check_file(relative).include
            if include is not None:
                verdict = include
        return bool(verdict)


def iter_files(directory: str, wanted: Callable[[str, str], bool],
               skip_dir: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Absolute paths of the files under ``directory`` for which ``wanted(name, path)`` holds,
    skipping ignored files, :data:`ALWAYS_SKIPPED` folders, symlinked folders and the folders
    for which ``skip_dir(path)`` holds."""
    stack = [(directory, Ignores.above(directory).entering(directory))]
    while stack:
        current, ignores = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in ALWAYS_SKIPPED and not (
                        ignores.specs and ignores.ignored(entry.path, True)
                    ) and not (skip_dir is not None and skip_dir(entry.path)):
                        stack.append((entry.path, ignores.entering(entry.path)))
                elif (
                    entry.is_file()
                    and wanted(entry.name, entry.path)
                    and not (ignores.specs and ignores.ignored(entry.path, False))
                ):
                    yield entry.path
            except OSError:
                continue
