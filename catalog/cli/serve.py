"""`catalog serve`: the web catalogue and the REST API under uvicorn."""

from __future__ import annotations

import click

from catalog.config import Settings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CATALOG_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port (default: CATALOG_PORT, 8000).")
@click.pass_obj
def serve(settings: Settings | None, host: str | None, port: int | None) -> None:
    """Serve the web catalogue and the REST API, upgrading the database schema first."""
    import uvicorn

    from catalog.cli.common import open_db
    from catalog.web.app import create_app

    settings = settings or Settings()
    factory = open_db(settings)  # applies pending migrations, and fails early with a readable error
    app = create_app(settings, engine=factory.kw["bind"])
    # X-Forwarded-* are believed only from CATALOG_TRUSTED_PROXIES (none by default): from anyone
    # else they are the caller's own words (see catalog.web.auth.client_address).
    proxies = [str(network) for network in settings.proxy_networks]
    uvicorn.run(app, host=host or settings.host, port=settings.port if port is None else port,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None, log_level="info")


COMMANDS = [serve]
