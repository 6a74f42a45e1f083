"""The `catalog` command line. Heavy modules are imported inside commands so that quick
commands (`catalog check` in CI above all) do not pay for the web stack or the Hub client."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from catalog.cli.common import hub_client, open_db
from catalog.config import Settings
from catalog.errors import CatalogError, ConfigurationError, DatabaseUnavailable
from catalog.memory import skip_the_last_collection

EXIT_USAGE = 2
# The Hub's shape of a model id: an optional org and a name (checked before asking the Hub, so an
# empty or mangled --model is a usage error, not a listing call).
_REPO_ID = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


# Commands defined in their own modules, imported only when named (or listed by --help), so that
# `catalog check` does not import the account and server commands' modules. Command name -> module;
# each module defines the command as a function of the same name.
_LAZY_COMMANDS = {
    "users": "catalog.cli.accounts", "teams": "catalog.cli.accounts", "tokens": "catalog.cli.accounts",
    "check": "catalog.cli.check", "bom": "catalog.cli.check", "notices": "catalog.cli.check",
    "serve": "catalog.cli.serve",
}


class CatalogGroup(click.Group):
    """Reports catalog's own errors as one line on stderr, never as a stack trace, and loads the
    commands of :data:`_LAZY_COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _LAZY_COMMANDS:
            import importlib

            self.add_command(getattr(importlib.import_module(_LAZY_COMMANDS[cmd_name]), cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(getattr(exc, "exit_code", 1))


@click.group(cls=CatalogGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="catalog")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Catalogue the models of the Hugging Face Hub and audit their licenses.

    Configuration comes from CATALOG_* environment variables (CATALOG_DATABASE_URL, default
    sqlite:///catalog.db) and from the Hub's own HF_ENDPOINT and HF_TOKEN.
    """
    from catalog.config import load_settings

    ctx.obj = load_settings()  # a bad value is a ConfigurationError naming the variable: one line, exit 2


@main.command()
@click.option("--author", "authors", multiple=True, metavar="ORG", help="Only models of this author (repeatable).")
@click.option("--search", metavar="TEXT", help="Only models whose id contains TEXT.")
@click.option("--filter", "filters", multiple=True, metavar="TAG", help="Hub tag filter, e.g. text-generation (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many models.")
@click.option("--full", is_flag=True, help="Walk everything (not only what changed) and mark models gone from the Hub as removed.")
@click.option("--model", "repo_ids", multiple=True, metavar="ID", help="Fetch these models one by one (repeatable).")
@click.option("--license-files", "license_files", flag_value="all",
              help="Read the license files of every model (default: only of models declaring no usable license).")
@click.option("--skip-license-files", "license_files", flag_value="none", help="Read no license file.")
@click.pass_obj
def sync(settings: Settings, authors, search, filters, limit, full, repo_ids, license_files) -> None:
    """Pull model metadata, parameter counts and licenses from the Hub.

    Incremental by default: the listing is walked newest change first and the walk stops at
    the first model already held unchanged. A run killed or interrupted (Ctrl-C) halfway
    resumes where it stopped when run again with the same options (`catalog runs` shows each
    run's command). Exits 1 if the Hub could not be read (the run can be resumed) or a --model
    is not on the Hub, 2 on a bad option or setting (HF_HUB_OFFLINE=1 included), 3 if the
    database cannot be opened, 4 if another sync of the same scope is still running (the second
    one changes nothing), 130 on Ctrl-C.

    Then the license files (LICENSE, USE_POLICY.md, …) of the models whose card declares no
    usable license are read and identified, only where the model's revision changed since.
    """
    from catalog.crawl.hub import hub_offline

    if hub_offline():
        raise ConfigurationError("HF_HUB_OFFLINE is set, so huggingface_hub will not reach the Hub: unset it to "
                                 "sync (`catalog demo` works offline)")
    for repo_id in repo_ids:
        if not _REPO_ID.fullmatch(repo_id):
            raise click.BadParameter(f"{repo_id!r} is not a Hub model id; write org/name (or a legacy name such "
                                     "as gpt2)", param_hint="--model")
    factory = open_db(settings)
    # A scheduled no-change sync is mostly start-up and exit: the process skips collecting what it
    # imported when it ends, and closes its connections itself (below).
    skip_the_last_collection()
    try:
        _sync(settings, factory, repo_ids, authors, search, filters, limit, full, license_files)
    finally:
        factory.kw["bind"].dispose()


def _sync(settings: Settings, factory: Any, repo_ids: tuple[str, ...], authors: tuple[str, ...], search: str | None,
          filters: tuple[str, ...], limit: int | None, full: bool, license_files: str) -> None:
    from catalog.crawl.license_files import fetch_license_files
    from catalog.crawl.progress import SyncProgress
    from catalog.crawl.sync import SyncOptions, run_sync, sync_models

    progress = SyncProgress(limit=limit)
    client = hub_client(settings, on_wait=progress.waiting)
    options = SyncOptions(authors=authors, search=search, filters=filters, limit=limit, full=full,
                          page_size=settings.sync_page_size, bulk_load=settings.sync_bulk_load)
    try:
        with progress:
            if repo_ids:
                summary = sync_models(factory, client, repo_ids)
            else:
                summary = run_sync(factory, client, options, progress=progress.update)
    except KeyboardInterrupt:
        from catalog.facts.queries import sync_command

        again = sync_command({"models": list(repo_ids)} if repo_ids else options.scope())
        click.echo(f"sync interrupted; what was committed is kept. Resume with: {again}", err=True)
        sys.exit(130)
    progress.report(summary)
    if summary.status != "completed":
        sys.exit(1)
    if license_files != "none":
        texts = fetch_license_files(factory, client, every_model=license_files == "all", authors=authors,
                                    repo_ids=repo_ids or None)
        click.echo(f"license files: {texts.models} models, {texts.requests} requests, {texts.fetched} texts read "
                   f"({texts.detected} identified), {texts.unchanged} unchanged, {texts.not_found} not found, "
                   f"{texts.not_readable} not readable, "
                   f"{texts.elapsed:.1f}s", err=True)
        if texts.error:
            click.echo(f"error: license files: {texts.error} (run sync again to carry on)", err=True)
            sys.exit(1)
    if any(p.get("access") == "missing" for p in summary.problems):
        sys.exit(1)  # a named model the Hub does not have is an error the caller must see


@main.command()
@click.argument("repo_id")
@click.option("--json", "as_json", is_flag=True, help="Print the full record as JSON.")
@click.option("--revision", metavar="SHA", help="Show the license recorded at this revision.")
@click.pass_obj
def show(settings: Settings, repo_id: str, as_json: bool, revision: str | None) -> None:
    """Show what the catalogue knows about one model (exits 1 if it does not know it)."""
    from sqlalchemy import select

    from catalog.cli.common import FILL_HINT
    from catalog.cli.render import render_model
    from catalog.db.engine import transaction
    from catalog.db.tables import HubModel
    from catalog.errors import ModelNotFound
    from catalog.facts.record import model_record

    with transaction(open_db(settings, read_only=True)) as session:
        try:
            record = model_record(session, repo_id, revision=revision)
        except ModelNotFound:
            if session.scalar(select(HubModel.id).limit(1)) is None:  # "no model" would mislead here
                raise DatabaseUnavailable(f"the catalogue at {settings.database_url} is empty: {FILL_HINT}") from None
            raise
    if as_json:
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        click.echo(render_model(record, color=sys.stdout.isatty()))


@main.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with each run's problems).")
@click.pass_obj
def runs(settings: Settings, limit: int, as_json: bool) -> None:
    """List recent sync runs: status, counts, errors, and whether one can be resumed."""
    from catalog.db.engine import transaction
    from catalog.facts.queries import sync_runs

    with transaction(open_db(settings, read_only=True)) as session:
        views = sync_runs(session, limit=limit)
    if as_json:
        click.echo(json.dumps(views, indent=2))
        return
    if not views:
        click.echo(f"no sync runs yet in {settings.database_url}: `catalog sync` fills the catalogue")
    for v in views:
        state = v["status"] + (" (resumable)" if v["resumable"] else "")
        click.echo(f"#{v['id']:<5} {v['started_at']}  {state:<22} seen {v['seen']:>8}  new {v['new']:>7}  "
                   f"updated {v['updated']:>6}  removed {v['removed']:>5}  failed {v['failed']:>5}"
                   + (f"  error: {v['error']}" if v["error"] else ""))
        # The scope as a command: the one that runs it again, and resumes it when it is resumable.
        click.echo(f"       {'resume' if v['resumable'] else 'scope'}: {v['command']}")


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Apply pending migrations (also done automatically on first use)."""
    from catalog.db.engine import upgrade_database

    click.echo(f"database at revision {upgrade_database(settings.database_url)}")


@main.command()
@click.option("--recompute", is_flag=True, help="Recompute every model, not only those derived with an older knowledge base.")
@click.pass_obj
def audit(settings: Settings, recompute: bool) -> None:
    """Re-derive licenses and findings from the stored raw fields, without refetching.

    Run it after upgrading catalog: models derived with an older license knowledge base are
    recomputed (all of them with --recompute).
    """
    from sqlalchemy import select

    from catalog.db.engine import transaction
    from catalog.db.tables import HubModel
    from catalog.facts.derive import derive_models, stale_model_ids

    factory = open_db(settings)
    with transaction(factory) as session:
        ids = list(session.scalars(select(HubModel.id))) if recompute else stale_model_ids(session)
    done = 0
    for start in range(0, len(ids), 5000):
        with transaction(factory) as session:
            done += derive_models(session, ids[start:start + 5000])
    click.echo(f"derived {done} models")


@main.command()
@click.argument("license_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def licenses(license_id: str | None, as_json: bool) -> None:
    """List the license knowledge base, or show one license with its obligations and sources."""
    from catalog.cli.render import render_license, render_license_table
    from catalog.licenses import knowledge_base

    kb = knowledge_base()
    if license_id is None:
        entries = kb.all()
        click.echo(json.dumps([e.to_dict() for e in entries], indent=2) if as_json else render_license_table(entries))
        return
    entry = kb.get(license_id)
    if entry is None:
        close = kb.suggest(license_id)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `catalog licenses` lists them"
        raise click.BadParameter(f"no license {license_id!r} in the knowledge base{hint}", param_hint="LICENSE_ID")
    click.echo(json.dumps(entry.to_dict(), indent=2) if as_json else render_license(entry))


@main.command()
@click.option("--database", default="catalog-demo.db", show_default=True, help="SQLite file to (re)create for the demo.")
@click.option("--serve/--no-serve", default=True, help="Serve the web catalogue when the data is in.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port of the web catalogue.")
@click.option("--shared", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A shared/ folder: serve the Meta Llama models' license texts from its hub-data.")
def demo(database: str, serve: bool, port: int, shared: Path | None) -> None:
    """Run the whole pipeline offline on bundled real Hub data.

    Starts a Hub-compatible server on 127.0.0.1 with the bundled snapshot, runs the real
    crawler against it into a fresh SQLite database, prints a summary and serves the catalogue.
    """
    from catalog.hubsim.demo import run_demo

    run_demo(database=database, serve=serve, port=port, shared=shared)
