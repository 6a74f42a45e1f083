"""``catalog check``, ``catalog bom`` and ``catalog notices``: the commands that read a code base.

``check`` runs on every push, so this module imports only click at load time and each command
imports what its path needs: the local path never loads the web stack, the Hub client or Alembic
(unless the database needs migrating).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from catalog.config import Settings
from catalog.errors import CatalogError
from catalog.memory import fewer_collections, skip_the_last_collection

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from catalog.compliance.policy import Policy
    from catalog.scan.background import Scan
    from catalog.scan.discovery import Reference, ScanProblem

POLICY_FILE = ".catalog-policy.yaml"
POLICY_NAMES = (POLICY_FILE, ".catalog-policy.yml")  # never scanned for references, wherever they are
DEFAULT_CONTEXT = "internal"
CONTEXTS = ("research", "internal", "saas", "redistribution")
FORMATS = ("text", "json", "sarif", "junit", "markdown")
EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 1, 2, 3, 4


class CheckUsageError(CatalogError):
    """A configuration problem the user must fix: a bad policy file, git ref, manifest or path."""

    exit_code = EXIT_USAGE


class CatalogueUnreachable(CatalogError):
    """The database, the catalog server or (with --fetch-missing) the Hub could not be used."""

    exit_code = EXIT_UNREACHABLE


_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=str))
_exclude = click.option("--exclude", "exclude", multiple=True, metavar="PATTERN",
                        help="Skip files and folders matching this .gitignore-style pattern, relative to the "
                             "repository (or PATH) as reports show them, e.g. 'tests/fixtures/' (repeatable).")


@click.command(epilog="""\b
Exit codes:
  0  every model passes (warnings allowed)
  1  at least one model violates the policy
  2  usage or configuration error (bad option, policy file, git ref or manifest)
  3  the catalogue is unreachable (database, --server, or the Hub with --fetch-missing)
  4  internal error (a bug in catalog: please report it with the message)""")
@_paths
@_exclude
@click.option("--diff", "base_ref", metavar="BASE_REF",
              help="Check only references this branch added since it left this git ref (e.g. origin/main).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=str),
              help=f"Policy file [default: {POLICY_FILE} in the first PATH or the current folder, if present; "
                   "else the built-in policy].")
@click.option("--context", type=click.Choice(CONTEXTS),
              help=f"Use context; overrides the policy's [default: the policy's, else {DEFAULT_CONTEXT}].")
@click.option("--team", metavar="NAME", help="Whose flags (approvals, bans) count.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write the report here instead of stdout.")
@click.option("--server", metavar="URL", help="Ask this catalog server (POST URL/api/v1/check) instead of the "
                                              "local database.")
@click.option("--token", envvar="CATALOG_TOKEN", metavar="TOKEN", help="API token for --server [env: CATALOG_TOKEN].")
@click.option("--fetch-missing", is_flag=True, help="Fetch models the catalogue lacks from the Hub (HF_ENDPOINT) "
                                                    "first, instead of reporting them as not-in-catalogue.")
@click.pass_obj
def check(settings: Settings, paths: tuple[str, ...], exclude: tuple[str, ...], base_ref: str | None,
          policy_path: str | None,
          context: str | None, team: str | None, fmt: str, output: str | None, server: str | None,
          token: str | None, fetch_missing: bool) -> None:
    """Check the Hugging Face models a code base uses against a license policy.

    PATHs (default: the current folder) are searched for model references in Python, configuration,
    shell, Dockerfiles, Makefiles, CI workflows and models.txt/catalog.toml manifests. Each model is
    looked up in the catalogue (CATALOG_DATABASE_URL, or --server) and judged by the policy.
    Loader calls whose model cannot be resolved and files that cannot be read in full are
    reported too (unresolved-reference, scan-incomplete; the policy's findings lists decide).
    """
    skip_the_last_collection()  # the local path closes its connection itself (see _check)
    try:
        with fewer_collections():  # the check imports most of SQLAlchemy, garbage-free
            _check(settings, paths, exclude, base_ref, policy_path, context, team, fmt, output, server, token,
                   fetch_missing)
    except (CatalogError, click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must not look like a violation (1) or a usage error (2)
        click.echo(f"internal error: {type(exc).__name__}: {exc} (this is a bug in catalog; please report it)",
                   err=True)
        sys.exit(EXIT_INTERNAL)


def _check(settings: Settings, paths: tuple[str, ...], exclude: tuple[str, ...], base_ref: str | None,
           policy_path: str | None, context: str | None, team: str | None, fmt: str, output: str | None,
           server: str | None, token: str | None, fetch_missing: bool) -> None:
    paths = paths or (".",)
    root = _scan_root(paths)
    background = None
    if server is None:
        # Read the tree in a child process (where that helps) while this one imports the database
        # layer and opens the catalogue: first thing, before either has imported much.
        from catalog.scan.background import start

        background = start(paths, root=root, exclude=exclude)
    try:
        _check_paths(settings, paths, root, exclude, base_ref, policy_path, context, team, fmt, output, server,
                     token, fetch_missing, background)
    finally:
        if background is not None:  # an error or Ctrl-C before the result was taken: leave no child behind
            background.close()


def _check_paths(settings: Settings, paths: tuple[str, ...], root: Path | None, exclude: tuple[str, ...],
                 base_ref: str | None, policy_path: str | None, context: str | None, team: str | None, fmt: str,
                 output: str | None, server: str | None, token: str | None, fetch_missing: bool,
                 background: Scan | None) -> None:
    from catalog.scan.outcome import CheckedModel, CheckedProblem, CheckReport
    from catalog.scan.reports import render

    policy = _load_policy(policy_path, paths)
    context = context or policy.context or DEFAULT_CONTEXT
    own = (None if policy.source == "<default>" else policy.source, output)
    if server is not None:
        if fetch_missing:
            raise click.UsageError("--fetch-missing works on the local database only; the server fetches itself")
        from catalog.scan.check import check_remote, remote_known

        # Discovery asks the catalogue about ids found outside an unambiguous model position (a bare
        # `teacher_model: gpt2`); the server answers them, so both checks report the same references.
        asked: set[str] = set()
        refs, problems = _discover_all(paths, root, base_ref, known=lambda repo_id: asked.add(repo_id) or False,
                                       exclude=exclude, own_files=own)
        known = remote_known(server, sorted(asked), token=token) if asked else set()
        if known:
            refs, problems = _discover_all(paths, root, base_ref, known=known.__contains__, exclude=exclude,
                                           own_files=own)
        keys = _model_keys(refs)

        # The server validates the policy again; sending the text keeps its own line numbers in errors.
        source = None if policy.source == "<default>" else Path(policy.source).read_text(encoding="utf-8")
        verdicts = check_remote(server, keys, policy=source, context=context, team=team, token=token) if keys else []
    else:
        factory = _open_catalogue(settings, writable=fetch_missing)
        from catalog.scan.check import check_local, known_ids

        try:
            with factory() as session:
                refs, problems = _discover_all(paths, root, base_ref, known=known_ids(session), exclude=exclude,
                                               own_files=own, background=background)
            keys = _model_keys(refs)
            fetch = _fetcher(settings, factory) if fetch_missing else None
            verdicts = check_local(factory, keys, policy, context=context, team=team, fetch_missing=fetch)
        finally:
            # Closed here, not by the last collection, which the process skips (skip_the_last_collection).
            factory.kw["bind"].dispose()
    by_key: dict[tuple[str, str | None], list[Reference]] = {}
    for ref in refs:
        by_key.setdefault((ref.repo_id, ref.revision), []).append(ref)
    report = CheckReport(
        models=tuple(CheckedModel(verdict, tuple(by_key[key])) for key, verdict in zip(keys, verdicts, strict=True)),
        context=context, policy=policy.source, scanned=paths,
        notes=(f"only references added since {base_ref}",) if base_ref else (),
        problems=tuple(CheckedProblem(p, outcome) for p in problems
                       if (outcome := policy.scan_outcome(p.code)) != "ignore"),
    )
    _emit(render(report, fmt, color=fmt == "text" and output is None and sys.stdout.isatty()), output)
    if output is not None or fmt != "text":
        from catalog.scan.outcome import summary_line

        click.echo(summary_line(report), err=True)
    if report.overall == "fail":
        sys.exit(EXIT_VIOLATIONS)


@click.command()
@_paths
@_exclude
@click.option("--format", "fmt", type=click.Choice(["cyclonedx"]), default="cyclonedx", show_default=True,
              help="BOM format (CycloneDX 1.6 JSON).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write the BOM here instead of stdout.")
@click.pass_obj
def bom(settings: Settings, paths: tuple[str, ...], exclude: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Write a CycloneDX 1.6 ML-BOM of the models a code base uses.

    Each model the catalogue knows becomes a machine-learning-model component with its license,
    revision, parameter count and model card; base models become dependencies. Models the
    catalogue lacks are listed with what the code says (id and pinned revision) only.
    Exits 2 on a usage error, 3 if the database cannot be opened.
    """
    from catalog.scan.bom import build_bom

    factory = _open_catalogue(settings, writable=False)
    from catalog.scan.check import known_ids

    paths = paths or (".",)
    root = _scan_root(paths)
    with factory() as session:
        refs = _discover(paths, root, None, known=known_ids(session), exclude=exclude, own_files=(output,))
        project = (root or Path(paths[0]).resolve()).name or "code base"
        _emit(build_bom(session, _model_keys(refs), project=project), output)


@click.command()
@_paths
@_exclude
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write the notices here instead of stdout.")
@click.pass_obj
def notices(settings: Settings, paths: tuple[str, ...], exclude: tuple[str, ...], output: str | None) -> None:
    """Write the attribution and NOTICE text the licenses of a code base's models require (Markdown).

    Grouped by license: the models under it, the notices to display (e.g. "Built with Llama"),
    the license copies to ship, acceptable-use policies to pass on and naming rules.
    Exits 2 on a usage error, 3 if the database cannot be opened.
    """
    from catalog.scan.notices import build_notices

    factory = _open_catalogue(settings, writable=False)
    from catalog.scan.check import known_ids

    with factory() as session:
        refs = _discover(paths or (".",), _scan_root(paths or (".",)), None, known=known_ids(session), exclude=exclude,
                         own_files=(output,))
        _emit(build_notices(session, _model_keys(refs)), output)


def _load_policy(policy_path: str | None, paths: Sequence[str]) -> Policy:
    from catalog.compliance.policy import DEFAULT_POLICY, PolicyError, load_policy_file

    if policy_path is None:
        first = Path(paths[0])
        candidates = ([first / POLICY_FILE] if first.is_dir() else []) + [Path(POLICY_FILE)]
        policy_path = next((str(c) for c in candidates if c.is_file()), None)
        if policy_path is None:
            return DEFAULT_POLICY
    try:
        return load_policy_file(policy_path)
    except PolicyError as exc:
        raise CheckUsageError(f"bad policy: {exc}") from None
    except OSError as exc:
        raise CheckUsageError(f"cannot read the policy file {policy_path}: {exc.strerror}") from None


def _scan_root(paths: Sequence[str]) -> Path | None:
    """The git work tree holding every path (so SARIF paths are repository-relative), if there is one."""
    absolute = [os.path.abspath(p) for p in paths]
    start = Path(os.path.commonpath(absolute))
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _discover(paths: Sequence[str], root: Path | None, base_ref: str | None, *, known: Any,
              exclude: Sequence[str] = (), own_files: Sequence[str | None] = ()) -> list[Reference]:
    return _discover_all(paths, root, base_ref, known=known, exclude=exclude, own_files=own_files)[0]


def _discover_all(paths: Sequence[str], root: Path | None, base_ref: str | None, *, known: Any,
                  exclude: Sequence[str] = (), own_files: Sequence[str | None] = (), background: Scan | None = None
                  ) -> tuple[list[Reference], list[ScanProblem]]:
    """References and scan problems, only those added since ``base_ref`` when given; catalog's own
    inputs and outputs (policies, the report being written) are neither. With ``background``, the
    scan of those same paths already under way in a child process is completed instead."""
    from catalog.scan.base import DiscoveryError

    try:
        if base_ref is not None and root is None:
            raise CheckUsageError(f"--diff {base_ref} needs the paths to be inside a git work tree")
        if background is not None:
            found = background.result(known)
        else:
            from catalog.scan.discovery import scan

            found = scan(paths, root=root, known_ids=known, exclude=exclude)
        if base_ref is None:
            refs, problems = found.references, found.problems
        else:
            from catalog.scan.git import added_since

            refs, problems = added_since(base_ref, found.references, found.problems,
                                         repo_dir=root)  # type: ignore[arg-type]
    except DiscoveryError as exc:
        raise CheckUsageError(str(exc)) from None
    skipped = _own_file_names(paths, root, own_files)

    def own(file: str) -> bool:
        return file in skipped or Path(file).name in POLICY_NAMES

    return [ref for ref in refs if not own(ref.file)], [p for p in problems if not own(p.file)]


def _own_file_names(paths: Sequence[str], root: Path | None, own_files: Sequence[str | None]) -> set[str]:
    """The report paths (as discovery writes them) of catalog's own inputs and outputs in the scan.

    A policy file names models in its exceptions and a report or BOM names every model checked:
    they are what catalog reads or writes, not code that loads models, so they are never references.
    """
    names: set[str] = set()
    for own in filter(None, own_files):
        target = os.path.abspath(own)
        for given in paths:
            absolute = os.path.abspath(given)
            base = str(root) if root is not None else absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
            names.add(os.path.relpath(target, base).replace(os.sep, "/"))
    return names


def _model_keys(refs: Sequence[Reference]) -> list[tuple[str, str | None]]:
    """Each (model, pinned revision) once, in the order references were found."""
    return list(dict.fromkeys((ref.repo_id, ref.revision) for ref in refs))


def _open_catalogue(settings: Settings, *, writable: bool) -> sessionmaker[Session]:
    """Open the database; migrate only when it is behind, so a current one costs no Alembic import."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from catalog.db.engine import ensure_schema, make_engine, make_sessionmaker

    url = make_url(settings.database_url)
    safe = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not os.path.exists(url.database) and not writable:
        # Connecting would create an empty file and then report every model as unknown.
        raise CatalogueUnreachable(f"cannot open the database {safe}: no such file (set CATALOG_DATABASE_URL, "
                                   "run `catalog sync`, or use --server)")
    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CatalogueUnreachable(f"cannot open the database {safe}: {detail}") from None
    return make_sessionmaker(engine)


def _fetcher(settings: Settings, factory: sessionmaker[Session]):  # -> Callable[[list[str]], None]
    def fetch(repo_ids: list[str]) -> None:
        from catalog.cli.common import hub_client
        from catalog.crawl.sync import sync_models

        click.echo(f"fetching {len(repo_ids)} model(s) missing from the catalogue from the Hub...", err=True)
        summary = sync_models(factory, hub_client(settings), repo_ids)
        if summary.status != "completed":
            raise CatalogueUnreachable(f"cannot fetch missing models from the Hub: {summary.error}")
        from catalog.facts.queries import describe_problem

        for problem in summary.problems:  # gated, private, missing, renamed: each worth a line
            click.echo(f"  {describe_problem(problem)}", err=True)

    return fetch


def _emit(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CheckUsageError(f"cannot write {output}: {exc.strerror}") from None
