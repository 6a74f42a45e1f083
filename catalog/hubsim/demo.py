"""`catalog demo`: the whole pipeline on bundled real data, with no network.

A Hub-compatible server on 127.0.0.1 serves the bundled snapshot; the real crawler (the same
code `catalog sync` runs against the Hub) fills a fresh SQLite database; the web catalogue
serves it with public read access.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import sys
from pathlib import Path

import click

from catalog.config import Settings
from catalog.crawl.hub import HubClient, RetryPolicy
from catalog.crawl.license_files import fetch_license_files
from catalog.crawl.progress import SyncProgress
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import open_database, transaction
from catalog.errors import ConfigurationError
from catalog.hubsim.demo_files import attach_license_texts

DEMO_TOKEN = "hf_catalog_demo_token"


def run_demo(*, database: str, serve: bool, port: int, shared: Path | None = None) -> None:
    """Build the demo database from the bundled snapshot, summarise it, and serve it.

    With ``shared`` (a folder holding ``hub-data``), the Meta Llama models' license texts are
    served from there and read by the license-file pass (see ``catalog.hubsim.demo_files``).
    """
    from catalog.facts.queries import license_overview
    from catalog.hubsim.server import HubServer, HubStore
    from catalog.hubsim.snapshot import SNAPSHOT_PATH, describe_sources

    if serve:
        _check_port_free(port)  # before the crawl, not after it
    click.echo(describe_sources() + "\n")

    path = Path(database)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{path.resolve()}", public_read=True)
    factory = open_database(settings.database_url)

    store = HubStore.from_jsonl(SNAPSHOT_PATH)
    if shared is not None:
        given = attach_license_texts(store, shared)
        click.echo(f"license texts served from {shared}: {len(given)} files")
    # The demo's own token has access to the gated models (Meta's), so their license files are read.
    with HubServer(store, token=DEMO_TOKEN) as server:
        click.echo(f"Hub-compatible server with {len(store)} models on {server.url}; crawling it into {path}")
        client = HubClient(endpoint=server.url, retry=RetryPolicy(max_tries=3, backoff_base=0.1), token=DEMO_TOKEN)
        progress = SyncProgress()
        with progress:
            summary = run_sync(factory, client, SyncOptions(full=True, page_size=1000), progress=progress.update)
        progress.report(summary)
        if summary.status == "completed":
            texts = fetch_license_files(factory, client, every_model=True)
            click.echo(f"license files: {texts.requests} requests, {texts.fetched} texts read "
                       f"({texts.detected} identified), {texts.not_found} not found, "
                       f"{texts.not_readable} not readable")
    if summary.status != "completed":
        raise click.ClickException("the demo crawl did not complete")

    with transaction(factory) as session:
        overview = license_overview(session)
    click.echo("\nlicense categories: " + ", ".join(f"{k} {v}" for k, v in overview["categories"].items()))
    click.echo("top licenses:       " + ", ".join(f"{k} {v}" for k, v in overview["licenses"].items()))
    click.echo("top findings:       " + ", ".join(f"{k} {v}" for k, v in overview["findings"].items()))
    click.echo(f"\ntry: {try_command(path)}")
    if serve:
        import uvicorn

        from catalog.web.app import create_app

        click.echo(f"serving the catalogue on http://127.0.0.1:{port}/models (Ctrl-C to stop)")
        uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


def try_command(path: Path) -> str:
    """A `catalog show` command line that works pasted into any shell, from any folder: the
    database by absolute path, and the console script by full path when it is not on PATH."""
    catalog = "catalog"
    if shutil.which("catalog") is None:
        beside = Path(sys.executable).parent / "catalog"
        catalog = shlex.quote(str(beside)) if beside.exists() else f"{shlex.quote(sys.executable)} -m catalog"
    url = shlex.quote(f"sqlite:///{path.resolve()}")
    return f"CATALOG_DATABASE_URL={url} {catalog} show meta-llama/Llama-3.1-8B-Instruct"


def _check_port_free(port: int) -> None:
    """Fail at once when the web catalogue could not listen, instead of after a crawl."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ConfigurationError(f"cannot serve the demo on 127.0.0.1:{port}: {exc.strerror}; "
                                     "choose another port with --port, or use --no-serve") from None
