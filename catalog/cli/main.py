"""The `catalog` command line. Heavy modules are imported inside commands so that quick
commands (`catalog check` in CI above all) do not pay for the web stack or the Hub client."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from catalog.cli.common import open_db
from catalog.config import Settings, SettingsError
from catalog.errors import CatalogError

EXIT_USAGE = 2


class CatalogGroup(click.Group):
    """Reports catalog's own errors as one line on stderr, never as a stack trace."""

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
    try:
        ctx.obj = Settings()
    except SettingsError as exc:  # its text names the bad variable and value
        raise click.UsageError(f"bad CATALOG_* setting: {exc}") from None


@main.command()
@click.option("--author", "authors", multiple=True, metavar="ORG", help="Only models of this author (repeatable).")
@click.option("--search", metavar="TEXT", help="Only models whose id contains TEXT.")
@click.option("--filter", "filters", multiple=True, metavar="TAG", help="Hub tag filter, e.g. text-generation (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many models.")
@click.option("--full", is_flag=True, help="Walk everything (not only what changed) and mark models gone from the Hub as removed.")
@click.option("--model", "repo_ids", multiple=True, metavar="ID", help="Fetch these models one by one (repeatable).")
@click.pass_obj
def sync(settings: Settings, authors, search, filters, limit, full, repo_ids) -> None:
    """Pull model metadata, parameter counts and licenses from the Hub.

    Incremental by default: the listing is walked newest change first and the walk stops at
    the first model already held unchanged. A run killed halfway resumes where it stopped
    when run again with the same options. Exits 1 if the Hub could not be read (the run can
    be resumed), 3 if the database cannot be opened, 4 if another sync of the same scope is
    still running (the second one changes nothing).
    """
    from catalog.crawl.hub import HubClient, RetryPolicy
    from catalog.crawl.progress import SyncProgress
    from catalog.crawl.sync import SyncOptions, run_sync, sync_models

    factory = open_db(settings)
    progress = SyncProgress(limit=limit)
    retry = RetryPolicy(
        max_tries=settings.sync_max_tries,
        backoff_base=settings.sync_backoff_base,
        backoff_max=settings.sync_backoff_max,
        timeout=settings.sync_timeout,
        on_wait=progress.waiting,
    )
    client = HubClient(endpoint=settings.hub_endpoint, retry=retry)
    with progress:
        if repo_ids:
            summary = sync_models(factory, client, repo_ids)
        else:
            options = SyncOptions(authors=authors, search=search, filters=filters, limit=limit, full=full,
                                  page_size=settings.sync_page_size)
            summary = run_sync(factory, client, options, progress=progress.update)
    progress.report(summary)
    if summary.status != "completed":
        sys.exit(1)


@main.command()
@click.argument("repo_id")
@click.option("--json", "as_json", is_flag=True, help="Print the full record as JSON.")
@click.option("--revision", metavar="SHA", help="Show the license recorded at this revision.")
@click.pass_obj
def show(settings: Settings, repo_id: str, as_json: bool, revision: str | None) -> None:
    """Show what the catalogue knows about one model (exits 1 if it does not know it)."""
    from catalog.cli.render import render_model
    from catalog.db.engine import transaction

    with transaction(open_db(settings)) as session:
        from catalog.facts.queries import model_record

        record = model_record(session, repo_id, revision=revision)
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

    with transaction(open_db(settings)) as session:
        views = sync_runs(session, limit=limit)
    if as_json:
        click.echo(json.dumps(views, indent=2))
        return
    for v in views:
        state = v["status"] + (" (resumable)" if v["resumable"] else "")
        click.echo(f"#{v['id']:<5} {v['started_at']}  {state:<22} seen {v['seen']:>8}  new {v['new']:>7}  "
                   f"updated {v['updated']:>6}  removed {v['removed']:>5}  failed {v['failed']:>5}"
                   + (f"  error: {v['error']}" if v["error"] else ""))


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Apply pending migrations (also done automatically on first use)."""
    from catalog.db.engine import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    click.echo(f"database at revision {current_revision(engine)}")


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
        close = [e.id for e in kb.all() if license_id.lower() in e.id or e.id in license_id.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `catalog licenses` lists them"
        raise click.BadParameter(f"no license {license_id!r} in the knowledge base{hint}", param_hint="LICENSE_ID")
    click.echo(json.dumps(entry.to_dict(), indent=2) if as_json else render_license(entry))


@main.command()
@click.option("--database", default="catalog-demo.db", show_default=True, help="SQLite file to (re)create for the demo.")
@click.option("--serve/--no-serve", default=True, help="Serve the web catalogue when the data is in.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port of the web catalogue.")
def demo(database: str, serve: bool, port: int) -> None:
    """Run the whole pipeline offline on bundled real Hub data.

    Starts a Hub-compatible server on 127.0.0.1 with the bundled snapshot, runs the real
    crawler against it into a fresh SQLite database, prints a summary and serves the catalogue.
    """
    from catalog.hubsim.demo import run_demo

    run_demo(database=database, serve=serve, port=port)


def _register_extensions() -> None:
    # Command groups of other areas live in their own modules to keep this one small; those
    # modules import their heavy dependencies inside the commands, so this stays cheap.
    from catalog.cli import accounts as cli_accounts
    from catalog.cli import check as cli_check
    from catalog.cli import serve as cli_serve

    for module in (cli_accounts, cli_check, cli_serve):
        for command in module.COMMANDS:
            main.add_command(command)


_register_extensions()
