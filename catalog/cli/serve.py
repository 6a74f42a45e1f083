"""`catalog serve`: the web catalogue and the REST API under uvicorn."""

from __future__ import annotations

import click

from catalog.config import Settings

# uvicorn's supervisor SIGKILLs a worker whose health-check thread has not answered within this
# many seconds, resetting every connection the worker holds. Its default, 5 s, is reached by a
# worker busy with CPU-bound requests on saturated cores (the thread waits for the GIL), which is
# busy, not hung: seen as a connection reset in the API benchmark's check phase.
HEALTHCHECK_TIMEOUT = 60


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CATALOG_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port (default: CATALOG_PORT, 8000).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port; about one per CPU core.")
@click.pass_obj
def serve(settings: Settings | None, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web catalogue and the REST API, upgrading the database schema first.

    With --workers N, N processes answer on the same port. Everything they must agree on is in
    the database (sessions' signing key, sign-in failures, flags, accounts), so any number of
    processes, on one host or several, can serve one PostgreSQL catalogue.
    """
    import uvicorn

    from catalog.cli.common import open_db

    settings = settings or Settings()
    factory = open_db(settings)  # applies pending migrations, and fails early with a readable error
    host, port = host or settings.host, settings.port if port is None else port
    # X-Forwarded-* are believed only from CATALOG_TRUSTED_PROXIES (none by default): from anyone
    # else they are the caller's own words (see catalog.web.auth.client_address).
    proxies = [str(network) for network in settings.proxy_networks]
    proxy = {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or None}
    if workers == 1:
        from catalog.web.app import create_app

        app = create_app(settings, engine=factory.kw["bind"], long_running=True)
        uvicorn.run(app, host=host, port=port, log_level="info", **proxy)
        return
    factory.kw["bind"].dispose()  # the workers open their own connections; none is inherited
    # Each worker process builds its application from the same CATALOG_* environment.
    uvicorn.run("catalog.web.app:create_server_app", factory=True, workers=workers, host=host, port=port,
                log_level="info", timeout_worker_healthcheck=HEALTHCHECK_TIMEOUT, **proxy)
