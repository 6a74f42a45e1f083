"""Find the Hugging Face models a codebase uses: the discovery half of ``catalog check``.

What counts as a reference
==========================

A string is reported only from a *model position* listed below, and only if it looks like a
Hub repo id (:func:`looks_like_repo_id`): ``org/name`` or a legacy bare name such as ``gpt2``,
never a path (``./ckpt``, ``/models/x``, ``~/x``, ``a/b/c``), a URL or a file name
(``org/config.json``). A bare name is ambiguous with local folders and other vendors' models
(``gpt-4o``), so it counts in the positions marked *(bare ok)* and elsewhere only when the
catalogue lookup (``known_ids``) knows it. The catalogue never removes a reference: an
``org/name`` it lacks is still reported, so the check can flag it.

Python (``*.py``, parsed with ``ast``; comments, docstrings and bare string statements are not values)
    * ``<Anything>.from_pretrained(X)``, ``pretrained_model_name_or_path=X`` or ``repo_id=X``
      (llama-cpp) (bare ok): ``AutoModel``, ``AutoTokenizer``, ``AutoConfig``, ``DiffusionPipeline``, ...
      For ``PeftModel*.from_pretrained(base, X)`` the adapter: second argument or ``model_id=X``.
    * ``pipeline(task, X)``, ``pipeline(..., model=X)`` (bare ok).
    * ``hf_hub_download(X)`` / ``snapshot_download(X)`` or ``repo_id=X`` (bare ok).
    * ``SentenceTransformer(X)`` (bare ok; reported as ``sentence-transformers/X``, the repo the
      library downloads, unless the catalogue knows only the bare name), ``CrossEncoder(X)``,
      vLLM ``LLM(X)`` / ``LLM(model=X)``, ``InferenceClient(X)`` / ``InferenceClient(model=X)``
      (bare ok).
    * ``model_name_or_path=X`` / ``pretrained_model_name_or_path=X`` passed to any call, and a
      variable or dataclass field of either name assigned ``X`` or ``field(default=X)`` (bare ok).
    * The default ``X`` of ``os.getenv(KEY, X)`` / ``os.environ.get(KEY, X)`` when ``KEY``
      contains "model" (any case).

    ``X`` is a string literal, an f-string without placeholders, or a name bound to one in the
    same module: a module-level or function-level assignment or a parameter default. Through a
    name the reference has kind ``python-constant``, points at the *use* and names the constant
    in its context (``AutoModel.from_pretrained via MODEL_ID``); a name assigned several
    literals gives one reference per literal. A ``revision=`` keyword of the same call (literal
    or constant) is the pin. Arguments of ``load_dataset(...)`` and of any call with a
    ``repo_type=`` other than ``"model"`` are never models.

    With ``known_ids``, any other ``"org/name"`` string literal the catalogue knows is reported
    too (kind ``python-constant``, context ``catalogue match``).

Notebooks (``*.ipynb``)
    The code cells, joined in order, are read as one Python module by the rules above (so a
    constant set in one cell counts where another uses it); ``!`` shell escapes and
    ``%%bash``/``%%sh``/``%%script`` cells by the command rules below; other ``%`` magics are
    ignored. A reference points at the line of the ``.ipynb`` file holding the source line
    and names its cell in the context (``cell 3``).

Configuration (``*.yaml``, ``*.yml``, ``*.json``, ``*.toml``, ``*.cfg``, ``*.ini``)
    The string value of a key named ``model``, ``model_id``, ``model_name``,
    ``model_name_or_path``, ``pretrained_model_name_or_path``, ``base_model``, ``repo_id``,
    ``tokenizer_name``, ``teacher_model`` or ``reward_model`` at any depth (case-insensitive,
    ``-`` read as ``_``); bare ok for ``model_name_or_path``, ``pretrained_model_name_or_path``
    and ``tokenizer_name``. A sibling ``revision`` or ``model_revision`` key in the same mapping
    is the pin (not for ``.cfg``/``.ini``, which are read as ``key = value`` lines). A file that
    does not parse (Helm or Jinja templates, JSON with comments) gets a ``key: value`` line scan.
    Skipped: ``package.json``, ``package-lock.json``, ``npm-shrinkwrap.json``, ``tsconfig*.json``,
    ``jsconfig.json``, ``composer.json``, ``*-lock.*``, ``pnpm-lock.yaml``,
    ``.pre-commit-config.yaml``, ``.pre-commit-hooks.yaml``, ``tokenizer.json``, ``vocab.json``.

Commands: shell scripts (``*.sh``, ``*.bash``, ``*.zsh``), Dockerfiles (``Dockerfile``,
``Dockerfile.*``, ``*.dockerfile``, ``Containerfile``), Makefiles (``Makefile``,
``GNUmakefile``, ``*.mk``), and every line of GitHub workflows (``.github/workflows/*.yml``)
and compose files (``docker-compose*.yml``, ``compose*.yml``), which are also read as
configuration. Kind ``dockerfile`` for Dockerfiles, ``shell`` otherwise.
    * ``huggingface-cli download X`` / ``hf download X`` (bare ok; ignored with
      ``--repo-type dataset`` or ``space``) and ``vllm serve X`` (bare ok).
    * ``--model X`` and ``--tokenizer X`` in any command; ``--model-id``, ``--model_id``,
      ``--model_name_or_path``, ``--model-name-or-path``, ``--pretrained_model_name_or_path``
      and ``--tokenizer_name`` (bare ok). ``--flag=X`` works too.
    * ``--revision REV`` in the same command is the pin.
    * A variable whose name contains "model" (any case): ``MODEL=X``, ``export MODEL_ID=X``,
      Dockerfile ``ENV``/``ARG``, Makefile ``MODEL ?= X`` / ``:=`` / ``=``.
    * ``snapshot_download('X')``, ``hf_hub_download('X')``, ``from_pretrained('X')`` inside an
      inline ``python -c "..."`` (bare ok).

    Lines are joined at a trailing ``\\``, commands split at ``;``, ``&&``, ``||``, ``|`` and ``&``,
    ``#`` starts a comment, and quotes, brackets and commas around a word are ignored, so the
    exec form ``CMD ["--model-id", "org/name"]`` reads like the shell form.

Manifests (kind ``manifest``; every entry counts, bare names included)
    * ``models.txt``: one ``org/name`` or ``org/name@revision`` per line; ``#`` comments.
    * ``catalog.toml``: ``models = ["org/name@rev", ...]`` or ``[[models]]`` tables with
      ``id = "org/name"`` and an optional ``revision = "..."``.

    A malformed manifest raises :class:`DiscoveryError` naming the file and line.

Which files are read
    Directories are walked honouring every ``.gitignore`` from the top of the enclosing git
    work tree down (nested ones included, ``!`` re-includes too), without following symlinked
    folders, and always skipping ``.git``, ``.hg``, ``.svn``, ``.venv``, ``venv``,
    ``node_modules``, ``__pycache__``, ``site-packages``, ``.tox``, ``.nox``, ``.mypy_cache``,
    ``.pytest_cache``, ``.ruff_cache`` and ``.ipynb_checkpoints``, and whatever the caller's
    ``exclude`` patterns match (``catalog check --exclude``). A file named on the command line
    is always read.
    Files over 5 MiB, and configuration files over 1 MiB, are skipped; a file is parsed only if
    its bytes contain one of the words its rules look for.

Known limits
    A one-level relative path in a model position (``from_pretrained("outputs/final")``) is
    indistinguishable from ``org/name`` and is reported; write ``./outputs/final``. Names
    imported from another module, attributes (``args.model``) and computed strings are not
    followed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from catalog.scan import config_files as discovery_config
from catalog.scan import lines as discovery_lines
from catalog.scan import notebook as discovery_notebook
from catalog.scan import python as discovery_python
from catalog.scan import shell as discovery_shell
from catalog.scan.base import DiscoveryError, IdCheck, Reference, ScanProblem, looks_like_repo_id
from catalog.scan.git import references_added_since
from catalog.scan.manifest import covered_locations, scan_catalog_toml, scan_models_txt
from catalog.scan.walk import iter_files

__all__ = ["Discovery", "DiscoveryError", "Reference", "ScanProblem", "discover", "discover_unresolved",
           "looks_like_repo_id", "references_added_since", "scan"]

MAX_BYTES = 5 * 1024 * 1024
MAX_CONFIG_BYTES = 1024 * 1024
_SHELL_SUFFIXES = (".sh", ".bash", ".zsh")
_MAKEFILES = ("makefile", "gnumakefile")
# `# catalog: org/name` names the model of a line discovery cannot resolve (this line or the next).
_ANNOTATION = re.compile(rb"#\s*catalog:\s*([^\s#]+)")
_KIND = {"python": "python-call", "notebook": "python-call", "dockerfile": "dockerfile", "shell": "shell",
         "makefile": "shell", "env": "config"}


@dataclass(frozen=True)
class Discovery:
    """What a scan found: the references, and what it could not see (:class:`ScanProblem`)."""

    references: list[Reference]
    problems: list[ScanProblem]


def _file_type(name: str, path: str) -> str | None:
    """How a file is scanned, from its name (and, for workflows, its folder)."""
    lowered = name.lower()
    if lowered.endswith(".py"):
        return "python"
    if lowered.endswith(".ipynb"):
        return "notebook"
    if lowered in ("models.txt", "catalog.toml"):
        return lowered
    if lowered.endswith(_SHELL_SUFFIXES):
        return "shell"
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
    if discovery_config.is_config(name):
        if lowered.endswith((".yml", ".yaml")) and (
            lowered.startswith(("docker-compose", "compose"))
            or path.replace(os.sep, "/").split("/")[-3:-1] == [".github", "workflows"]
        ):
            return "config+commands"
        return "config"
    return None


def _scan(data: bytes, file: str, file_type: str, check: IdCheck) -> list[Reference]:
    if file_type == "python":
        try:
            return discovery_python.scan_python(data, file, check)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            check.problem("scan-incomplete", file, getattr(exc, "lineno", None) or 1, 1,
                          f"{_why(exc)}: read line by line")
            return discovery_lines.scan_lines(data.decode("utf-8", "replace"), file, "python-call", check)
    if file_type == "notebook":
        return discovery_notebook.scan_notebook(data, file, check)
    if file_type == "models.txt":
        return scan_models_txt(data.decode("utf-8", "replace"), file)
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


def _why(exc: BaseException) -> str:
    if isinstance(exc, RecursionError | MemoryError) or "too many nested" in str(exc) or "too complex" in str(exc):
        return "nested too deeply (or an expression too long) for the parser"
    if isinstance(exc, SyntaxError):
        return f"does not parse as Python ({exc.msg}, line {exc.lineno})"
    return f"cannot be parsed ({exc})"


def _scan_file(path: str, file: str, file_type: str, check: IdCheck) -> list[Reference]:
    """Read and scan one file; whatever goes wrong is a ``scan-incomplete`` problem, never a crash."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            if size > MAX_BYTES:
                if file_type in ("models.txt", "catalog.toml"):
                    raise DiscoveryError(f"{file}: manifest larger than {MAX_BYTES // 1024 // 1024} MiB")
                limit = discovery_lines.MAX_STREAMED
                check.problem("scan-incomplete", file, 1, 1,
                              f"larger than {MAX_BYTES // 1024 // 1024} MiB ({size:,} bytes): scanned line by line"
                              + (f", only its first {limit // 1024 // 1024} MiB" if size > limit else ""))
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
        refs = _scan(data, file, file_type, check)
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
    check = IdCheck(known_ids)
    excluded = _excluder(exclude)
    root_dir = os.path.abspath(root) if root is not None else None
    seen: set[str] = set()
    refs: set[Reference] = set()
    covered: set[tuple[str, int]] = set()
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            base = root_dir or path
            files = iter_files(path, lambda name, p, base=base: _file_type(name, p) is not None
                               and not excluded(_relative(p, base), False),
                               skip_dir=lambda p, base=base: excluded(_relative(p, base), True))
        elif os.path.isfile(path):
            base = root_dir or os.path.dirname(path)
            files = iter([path])
        else:
            raise DiscoveryError(f"no such file or directory: {given}")
        if os.path.commonpath([base, path]) != base:
            raise DiscoveryError(f"{given} is outside the scan root {root}")
        for file in files:
            file_type = _file_type(os.path.basename(file), file)
            if file in seen or file_type is None:  # overlapping arguments name a file twice
                continue
            seen.add(file)
            relative = _relative(file, base)
            found = _scan_file(file, relative, file_type, check)
            refs.update(found)
            if file_type == "catalog.toml":
                covered |= covered_locations(file, relative)
    annotated = {(r.file, r.line) for r in refs if r.kind == "annotation"}
    covered |= annotated | {(file, line + 1) for file, line in annotated}
    problems = sorted({p for p in check.problems if (p.file, p.line) not in covered})
    return Discovery(_distinct(refs), problems)


def _distinct(refs: set[Reference]) -> list[Reference]:
    """One reference per (id, file, line, revision): two rules seeing the same place count once."""
    chosen: dict[tuple[str, str, int, str | None], Reference] = {}
    for ref in sorted(refs):
        chosen.setdefault((ref.repo_id, ref.file, ref.line, ref.revision), ref)
    return sorted(chosen.values())


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
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    except (ValueError, TypeError) as exc:  # pathspec's GitWildMatchPatternError is a ValueError
        raise DiscoveryError(f"bad exclude pattern: {exc}") from None
    return lambda path, is_dir: spec.match_file(path + "/" if is_dir else path)
