"""Find the Hugging Face models a codebase uses: the discovery half of ``catalog check``.

The rules, with an example each, are in the README ("What counts as a model reference");
each file kind has its module:

* Python (:mod:`catalog.scan.python`): loader calls (:mod:`catalog.scan.python_loaders`) whose
  model argument is followed through the module's data flow (:mod:`catalog.scan.python_values`
  over the bindings of :mod:`catalog.scan.python_scopes`), into the tree's other modules for
  the names it imports (:mod:`catalog.scan.python_imports`) and the ids it passes to their
  loaders (:mod:`catalog.scan.python_calls`), command lines held in strings and lists, Hub
  URLs, lm-eval ``model_args``;
* notebooks (:mod:`catalog.scan.notebook`), cell by cell with IPython lines neutralised;
* configuration files (:mod:`catalog.scan.config_files`) by model key, at any depth;
* commands (:mod:`catalog.scan.shell`): shell scripts, Dockerfiles, Makefiles, workflows,
  compose and ``.env`` files;
* manifests (:mod:`catalog.scan.manifest`) and ``# catalog: org/name`` comments.

A string is reported only from a model position and only if it looks like a Hub repo id
(:func:`looks_like_repo_id`); a bare legacy name (``gpt2``) needs a loader position or the
catalogue (``known_ids``). The catalogue never removes a reference: an ``org/name`` it lacks
is still reported, so the check can flag it.

What discovery cannot see is said, as :class:`ScanProblem` entries of :func:`scan`:
``unresolved-reference`` (a loader given a value it cannot resolve, at the call's line, with
the expression) and ``scan-incomplete`` (a file over :data:`MAX_BYTES`, a configuration file
over :data:`MAX_CONFIG_BYTES`, a file that does not parse or decode or nests too deeply, a
scanner failure). Such files are still read line by line (:mod:`catalog.scan.lines`), so a
model named in them is found; no file is skipped, and no parser can recurse without bound.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Container, Iterator, Sequence
from pathlib import Path

from catalog.scan import config_files as discovery_config
from catalog.scan import lines as discovery_lines
from catalog.scan import notebook as discovery_notebook
from catalog.scan import python as discovery_python
from catalog.scan import shell as discovery_shell
from catalog.scan.base import (
    Discovery,
    DiscoveryError,
    FileScan,
    IdCheck,
    Reference,
    ScanProblem,
    assemble,
    is_workflow,
)
from catalog.scan.git import references_added_since
from catalog.scan.ids import looks_like_repo_id
from catalog.scan.manifest import covered_locations, scan_catalog_toml, scan_models_txt
from catalog.scan.walk import gitignore_spec, iter_files

__all__ = ["Discovery", "DiscoveryError", "FileScan", "Reference", "ScanProblem", "discover", "discover_unresolved",
           "looks_like_repo_id", "references_added_since", "scan", "scan_files", "scan_one"]

MAX_BYTES = 5 * 1024 * 1024
MAX_CONFIG_BYTES = 1024 * 1024
# Notebooks carry their outputs (images as base64), so their code is a small part of a large file.
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
# A script without a suffix (`scripts/train`, `bin/serve`) says what it is on its first line.
_SHEBANG = re.compile(rb"#!\s*(?:\S*/)?(?:env(?:\s+-\S+)*\s+(?:\S*/)?)?(python|bash|zsh|ksh|dash|sh)[\d.]*(?:\s|$)")
_SHEBANG_TYPE = {b"python": "python"}
_MAKEFILES = ("makefile", "gnumakefile")
# transformers.js code: read by the line rules (pipeline("task", "org/name"), from_pretrained("org/name")).
_SCRIPT_WORDS = (b"pipeline(", b"from_pretrained(", b"huggingface.co/", b"model_id", b"MODEL_ID")
# A script's line comment, after a space or at a line's start (not the // of a URL).
_LINE_COMMENT = re.compile(r"(?:(?<=\s)|^)//[^\n]*", re.MULTILINE)
_BLOCK_COMMENT_START = re.compile(r"^[ \t]*/\*", re.MULTILINE)
# `# catalog: org/name` names the model of a line discovery cannot resolve (this line or the next):
# the id ends the comment (or another `#` follows), so prose ("# catalog: Codex would ...") is not one.
_ANNOTATION = re.compile(rb"#\s*catalog:\s*([^\s#]+)[ \t]*(?=#|\r?$)", re.MULTILINE)
_KIND = {"python": "python-call", "notebook": "python-call", "dockerfile": "dockerfile", "shell": "shell",
         "makefile": "shell", "env": "config", "javascript": "javascript"}


def _file_type(name: str, path: str) -> str | None:
    """How a file is scanned, from its name (and, for workflows, its folder)."""
    lowered = name.lower()
    if lowered.endswith(".py"):
        return "python"
    if lowered.endswith(".ipynb"):
        return "notebook"
    if lowered in ("models.txt", "catalog.toml"):
        return lowered
    if lowered.endswith(discovery_shell.SHELL_SUFFIXES):
        return "shell"
    if lowered.endswith(discovery_lines.SCRIPT_SUFFIXES) and not lowered.endswith((".min.js", ".d.ts")):
        return "javascript"
    if lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env"):
        return "env"
    if (
        lowered in ("dockerfile", "containerfile")
        or lowered.startswith("dockerfile.")
        or lowered.endswith(".dockerfile")
    ):
        return "dockerfile"
    if lowered in _MAKEFILES or lowered.endswith(".mk"):
        return "makefile"
    if "." not in lowered and lowered not in _NOT_SCRIPTS:
        return _shebang_type(path)
    if discovery_config.is_config(name):
        if lowered.endswith((".yml", ".yaml")) and (
            lowered.startswith(("docker-compose", "compose"))
            or is_workflow(path.replace(os.sep, "/"))
        ):
            return "config+commands"
        return "config"
    return None


# The type of a file named on the command line that discovery does not read: a scan-incomplete problem.
UNREAD = "unread"
# Files without a suffix that are never scripts: not opened to look for a shebang.
_NOT_SCRIPTS = frozenset({"license", "licence", "copying", "notice", "readme", "authors", "contributors",
                          "codeowners", "owners", "changelog", "version", "manifest", "procfile"})


def _shebang_type(path: str) -> str | None:
    """"python" or "shell" for a script whose first line names that interpreter, else None."""
    try:
        with open(path, "rb") as file:
            first = file.read(128).split(b"\n", 1)[0]
    except OSError:
        return None
    match = _SHEBANG.match(first)
    return _SHEBANG_TYPE.get(match.group(1), "shell") if match else None


def _scan(data: bytes, path: str, file: str, file_type: str, check: IdCheck) -> list[Reference]:
    if file_type == "python":
        try:
            return discovery_python.scan_python(data, file, check, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            check.problem("scan-incomplete", file, getattr(exc, "lineno", None) or 1, 1,
                          f"{_why(exc)}: read line by line")
            return discovery_lines.scan_lines(data.decode("utf-8", "replace"), file, "python-call", check)
    if file_type == "notebook":
        return discovery_notebook.scan_notebook(data, file, check)
    if file_type == "javascript":
        if not any(word in data for word in _SCRIPT_WORDS):
            return []
        return discovery_lines.scan_lines(_without_comments(data.decode("utf-8", "replace")), file, "javascript",
                                          check)
    if file_type == "models.txt":
        try:
            return scan_models_txt(data.decode("utf-8", "replace"), file)
        except DiscoveryError as exc:
            if "/" not in file:  # the project's own manifest: a mistake in it stops the check
                raise
            # Deeper in the tree, models.txt is as often another tool's list (open_clip's
            # "ViT-B-32,openai" in InternVL): said, not a reason to stop.
            line, why = _manifest_error(exc)
            check.problem("scan-incomplete", file, line, 1,
                          f"not read as a catalog manifest: {why} (a manifest names one org/name a line)")
            return []
    if file_type == "catalog.toml":
        return scan_catalog_toml(data.decode("utf-8", "replace"), file)
    refs: list[Reference] = []
    if file_type.startswith("config"):
        if len(data) > MAX_CONFIG_BYTES:
            check.problem("scan-incomplete", file, 1, 1,
                          f"configuration file over {MAX_CONFIG_BYTES // 1024 // 1024} MiB: read line by line")
            return discovery_lines.scan_lines(data.decode("utf-8", "replace"), file, "config", check)
        if discovery_config.wants(data):
            refs += discovery_config.scan_config(data, file, check)
    if file_type in ("shell", "dockerfile", "makefile", "config+commands", "env") and discovery_shell.wants(data):
        kind = "dockerfile" if file_type == "dockerfile" else "config" if file_type == "env" else "shell"
        text = data.decode("utf-8", "replace")
        refs += discovery_shell.scan_commands(text, file, kind, check, makefile=file_type == "makefile")
    return refs


def _without_comments(text: str) -> str:
    """A script with its comments blanked (lines and columns kept): line comments, and block
    comments that start a line (JSDoc, code commented out). One pass: an unclosed ``/*`` ends it."""
    text = _LINE_COMMENT.sub(lambda m: " " * len(m.group()), text)
    parts, done = [], 0
    for start in _BLOCK_COMMENT_START.finditer(text):
        at = start.end() - 2
        if at < done:
            continue  # inside the comment just blanked
        end = text.find("*/", at + 2)
        if end < 0:
            break
        parts += [text[done:at], re.sub(r"[^\n]", " ", text[at:end + 2])]
        done = end + 2
    return "".join(parts) + text[done:]


def _manifest_error(exc: DiscoveryError) -> tuple[int, str]:
    """The line a manifest error names and what it says (from ``file:LINE: why``)."""
    found = re.match(r".*?:(\d+): (.*)", str(exc), re.DOTALL)
    return (int(found.group(1)), found.group(2)) if found else (1, str(exc))


def _why(exc: BaseException) -> str:
    if isinstance(exc, RecursionError | MemoryError) or "too many nested" in str(exc) or "too complex" in str(exc):
        return "nested too deeply (or an expression too long) for the parser"
    if isinstance(exc, SyntaxError):
        return f"does not parse as Python ({exc.msg}, line {exc.lineno})"
    return f"cannot be parsed ({exc})"


def _scan_file(path: str, file: str, file_type: str, check: IdCheck) -> list[Reference]:
    """Read and scan one file; whatever goes wrong is a ``scan-incomplete`` problem, never a crash."""
    if file_type == UNREAD:
        check.problem("scan-incomplete", file, 1, 1, "not a kind of file discovery reads (the README lists them "
                      "under \"License compliance in CI\"): name its models in catalog.toml or models.txt")
        return []
    try:
        size = os.path.getsize(path)
        limit = MAX_NOTEBOOK_BYTES if file_type == "notebook" else MAX_BYTES
        with open(path, "rb") as handle:
            if size > limit:
                if file_type in ("models.txt", "catalog.toml"):
                    raise DiscoveryError(f"{file}: manifest larger than {MAX_BYTES // 1024 // 1024} MiB")
                streamed = discovery_lines.MAX_STREAMED
                check.problem("scan-incomplete", file, 1, 1,
                              f"larger than {limit // 1024 // 1024} MiB ({size:,} bytes): scanned line by line"
                              + (f", only its first {streamed // 1024 // 1024} MiB" if size > streamed else ""))
                return discovery_lines.scan_stream(handle, file, _KIND.get(file_type, "config"), check)
            data = handle.read()
    except OSError as exc:
        check.problem("scan-incomplete", file, 1, 1, f"cannot be read: {exc.strerror or exc}")
        return []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if file_type != "python":  # Python declares its own encoding; the parser says if it is wrong
            check.problem("scan-incomplete", file, data.count(b"\n", 0, exc.start) + 1, 1,
                          "not valid UTF-8: undecodable bytes replaced")
    try:
        refs = _scan(data, path, file, file_type, check)
    except DiscoveryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one file's failure must not end the check
        check.problem("scan-incomplete", file, 1, 1,
                      f"internal error while scanning ({type(exc).__name__}: {exc}): read line by line")
        refs = discovery_lines.scan_lines(data.decode("utf-8", "replace"), file, _KIND.get(file_type, "config"), check)
    if b"catalog:" in data:
        refs += _annotations(data, file, check)
    return refs


def _annotations(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """``# catalog: org/name`` comments: declared references, which also settle an unresolved
    reference on their own line or the next."""
    refs = []
    for match in _ANNOTATION.finditer(data):
        repo_id, _, revision = match.group(1).decode("utf-8", "replace").partition("@")
        if not looks_like_repo_id(repo_id):
            continue
        line = data.count(b"\n", 0, match.start()) + 1
        column = match.start(1) - data.rfind(b"\n", 0, match.start(1))
        refs.append(Reference(repo_id, file, line, column, "annotation", revision or None, "# catalog:"))
    return refs


def scan(
    paths: Sequence[str | Path],
    *,
    root: Path | None = None,
    known_ids: Callable[[str], bool] | None = None,
    exclude: Sequence[str] = (),
) -> Discovery:
    """Find the model references in ``paths`` (files or directories), and what could not be seen.

    References are sorted and de-duplicated. Each reference's and problem's ``file`` is relative
    to ``root`` when given (every path must lie inside it; pass the repository top for
    ``references_added_since``), otherwise to the directory argument it was found under (a file
    argument: its own folder). ``known_ids(repo_id)`` asks the catalogue whether a model exists;
    see the module docstring for what it changes. ``exclude`` holds ``.gitignore``-style
    patterns matched against those same relative paths; files and folders they match are not
    walked (a file named in ``paths`` is still read).

    Raises:
        DiscoveryError: a path does not exist or lies outside ``root``, or a manifest is malformed.
    """
    return assemble(scan_files(paths, IdCheck(known_ids), root=root, exclude=exclude))


def scan_files(paths: Sequence[str | Path], check: IdCheck, *, root: Path | None = None,
               exclude: Sequence[str] = (), skip: Container[str] = ()) -> Iterator[FileScan]:
    """Each file of :func:`scan` scanned on its own, in walk order (see there for the arguments),
    but those whose path (as opened) is in ``skip``: another process has scanned them."""
    excluded = _excluder(exclude)
    root_dir = os.path.abspath(root) if root is not None else None
    seen: set[str] = set()
    types: dict[str, str | None] = {}  # decided once: a file without a suffix is opened to decide

    def typed(name: str, file: str) -> str | None:
        if file not in types:
            types[file] = _file_type(name, file)
        return types[file]

    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            base = root_dir or path
            files = iter_files(path, lambda name, p, base=base: typed(name, p) is not None
                               and not excluded(_relative(p, base), False),
                               skip_dir=lambda p, base=base: excluded(_relative(p, base), True))
        elif os.path.isfile(path):
            base = root_dir or os.path.dirname(path)
            files = iter([path])
            # A file named on the command line is read whatever its name, or said to be unread.
            types[path] = typed(os.path.basename(path), path) or UNREAD
        else:
            raise DiscoveryError(f"no such file or directory: {given}")
        if os.path.commonpath([base, path]) != base:
            raise DiscoveryError(f"{given} is outside the scan root {root}")
        for file in files:
            file_type = typed(os.path.basename(file), file)
            if file in seen or file_type is None:  # overlapping arguments name a file twice
                continue
            seen.add(file)
            if file not in skip:
                yield scan_one(file, _relative(file, base), file_type, check)


def scan_one(path: str, file: str, file_type: str, check: IdCheck) -> FileScan:
    """Scan the file at ``path`` (reported as ``file``), recording the catalogue answers it used."""
    problems_before = len(check.problems)
    check.answers, check.settled = {}, []
    refs = _scan_file(path, file, file_type, check)
    covered = covered_locations(path, file) if file_type == "catalog.toml" else check.settled
    return FileScan(path, file, file_type, refs, check.problems[problems_before:], covered, check.answers)


def discover(
    paths: Sequence[str | Path],
    *,
    root: Path | None = None,
    known_ids: Callable[[str], bool] | None = None,
    exclude: Sequence[str] = (),
) -> list[Reference]:
    """The references of :func:`scan`, sorted and de-duplicated (see there for the arguments).

    Raises:
        DiscoveryError: a path does not exist or lies outside ``root``, or a manifest is malformed.
    """
    return scan(paths, root=root, known_ids=known_ids, exclude=exclude).references


def discover_unresolved(paths: Sequence[str | Path], **options: object) -> list[ScanProblem]:
    """The ``unresolved-reference`` problems of :func:`scan`: loader calls whose model cannot be seen."""
    return [p for p in scan(paths, **options).problems if p.code == "unresolved-reference"]  # type: ignore[arg-type]


def _relative(path: str, base: str) -> str:
    relative = path[len(base) + 1 :] if path.startswith(base + os.sep) else os.path.relpath(path, base)
    return relative.replace(os.sep, "/")


def _excluder(patterns: Sequence[str]) -> Callable[[str, bool], bool]:
    """``excluded(relative path, is_dir)`` for ``.gitignore``-style ``patterns``."""
    if not patterns:
        return lambda _path, _is_dir: False
    try:
        spec = gitignore_spec(patterns)
    except ValueError as exc:
        raise DiscoveryError(f"bad exclude pattern {exc}") from None
    return lambda path, is_dir: spec.match_file(path + "/" if is_dir else path)
