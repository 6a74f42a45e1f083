"""The web application: routers, error handling and the protections every response gets."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.config import Settings
from catalog.db.engine import make_engine, make_sessionmaker, map_for_reads, plan_per_execution
from catalog.db.limits import limit_statements
from catalog.errors import CatalogError
from catalog.licenses import knowledge_base
from catalog.memory import settle_after_start
from catalog.resources import resource_dir
from catalog.search import facet_cache
from catalog.web import render
from catalog.web.errors import (
    catalog_error,
    database_error,
    error_response,
    http_error,
    internal_error,
    validation_error,
)

log = logging.getLogger(__name__)

# No inline script or style anywhere: the pages' CSS and JS are files under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]

def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               long_running: bool = False) -> FastAPI:
    """Build the application. ``engine`` overrides ``settings.database_url`` (tests pass theirs).

    ``long_running``: the application of a server process that runs until stopped (`catalog
    serve`): once started, what it holds is hidden from the cycle collector
    (:func:`catalog.memory.settle_after_start`).

    Migrations are not run here: `catalog serve` brings the schema up to date before starting.
    """
    settings = settings or Settings()
    owns_engine = engine is None
    engine = engine if engine is not None else make_engine(settings.database_url)
    map_for_reads(engine)
    plan_per_execution(engine)
    limit_statements(engine, settings.query_timeout)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Before the first request, not during it: the license labels and the stored facet
        # counts (the author facet alone is megabytes of JSON at a million models).
        knowledge_base()
        facet_cache.preload(engine)
        if long_running:
            settle_after_start()
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(title="catalog", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = templates()

    from catalog.web import account_pages, api, docs, pages

    # The API first: routes are tried in order, and the API's requests are the many (no page
    # route matches an /api/v1 path, so the order changes nothing else).
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.include_router(account_pages.router)
    docs.mount(app)
    app.mount("/static", StaticFiles(directory=resource_dir("templates") / "static"), name="static")

    app.add_exception_handler(CatalogError, catalog_error)
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body)
    app.add_middleware(AllowOptions)
    app.add_middleware(SecurityHeaders)
    return app


def create_server_app() -> FastAPI:
    """The application of one `catalog serve --workers N` process (uvicorn's factory)."""
    return create_app(long_running=True)


def templates() -> Jinja2Templates:
    """The Jinja2 environment of the pages (autoescaping on for every template)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(resource_dir("templates")), autoescape=True)
    render.register(env)
    return Jinja2Templates(env=env)


class SecurityHeaders:
    """Adds the security headers to every response, error pages and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in SECURITY_HEADERS if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


_PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class AllowOptions:
    """Answers ``OPTIONS`` with 204 and the ``Allow`` header of the path's methods (405 used to
    say only that OPTIONS itself is not allowed). A path nothing serves stays a 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods: set[str] = set()
        routes = scope["app"].router.routes
        for method in _PROBED_METHODS:
            probe = {**scope, "method": method}
            # A mount (static files, docs assets) answers any method by path; they serve reads only.
            if any(route.matches(probe)[0] == Match.FULL for route in routes
                   if method == "GET" or not isinstance(route, Mount)):
                methods.add(method)
        if not methods:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())))
        await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)


class BodyTooLarge(StarletteHTTPException):
    """A request body went past the configured limit while it was being read.

    An HTTPException so that FastAPI's body parsing lets it through as a 413 instead of
    reporting a generic parse failure.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body exceeds {max_bytes} bytes")


class BodySizeLimit:
    """Refuses request bodies larger than ``max_request_body``: by Content-Length up front, and
    by counting while reading for chunked uploads that announce no length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = error_response(request, 413, f"the request body exceeds {self.max_bytes} bytes")
        await response(scope, receive, send)
