"""The web application: routers, error handling and the protections every response gets."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.config import Settings
from catalog.db.engine import make_engine, make_sessionmaker
from catalog.errors import CatalogError, InvalidQuery, ModelNotFound
from catalog.resources import resource_dir

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
_ERROR_CODES = {400: "invalid_query", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 422: "invalid_request", 500: "internal_error"}


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the application. ``engine`` overrides ``settings.database_url`` (tests pass theirs).

    Migrations are not run here: `catalog serve` brings the schema up to date before starting.
    """
    settings = settings or Settings()
    owns_engine = engine is None
    engine = engine if engine is not None else make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(title="catalog", lifespan=lifespan, docs_url="/api/v1/docs", redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = templates()

    from catalog.web import api

    from catalog.web import pages as web

    from catalog.web import account_pages as web_accounts

    app.include_router(web.router)
    app.include_router(web_accounts.router)
    app.include_router(api.router, prefix="/api/v1")
    app.mount("/static", StaticFiles(directory=resource_dir("templates") / "static"), name="static")

    app.add_exception_handler(CatalogError, _catalog_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body)
    app.add_middleware(SecurityHeaders)
    return app


def templates() -> Jinja2Templates:
    """The Jinja2 environment of the pages (autoescaping on for every template)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(resource_dir("templates")), autoescape=True)
    t = Jinja2Templates(env=env)
    t.env.filters["thousands"] = lambda n: "" if n is None else f"{n:,}"
    t.env.filters["params"] = human_parameters
    t.env.filters["path"] = lambda s: quote(str(s), safe="/")
    t.env.filters["bytes"] = human_bytes
    # Readable JSON for display; unlike tojson it leaves <, > and & to autoescaping.
    t.env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True)
    return t


def human_parameters(n: int | None) -> str:
    """7000000000 -> '7B', 350000000 -> '350M'; '' for unknown."""
    if n is None:
        return ""
    for size, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if n >= size:
            value = n / size
            return f"{value:.1f}".rstrip("0").rstrip(".") + suffix
    return str(n)


def human_bytes(n: float) -> str:
    """Bytes in decimal units, as disk and GPU vendors quote them: '14 GB'."""
    for size, suffix in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + " " + suffix
    return f"{n:.0f} B"


def wants_json(request: Request) -> bool:
    """JSON for the API, for ``.json`` URLs and for clients that ask for JSON rather than HTML."""
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(request: Request, status: int, message: str, *, errors: list[dict[str, str]] | None = None,
                   headers: dict[str, str] | None = None, context: dict[str, Any] | None = None) -> Response:
    """The one error shape: JSON ``{"ok": false, ...}`` for JSON clients, an HTML page otherwise."""
    code = _ERROR_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    if wants_json(request):
        body: dict[str, Any] = {"ok": False, "status": status, "error": code, "message": message,
                                "errors": errors or []}
        return JSONResponse(body, status_code=status, headers=headers)
    try:
        return request.app.state.templates.TemplateResponse(
            request, "error.html",
            {"status": status, "title": HTTPStatus(status).phrase, "message": message, "errors": errors or [],
             "user": None, **(context or {})},
            status_code=status, headers=headers)
    except Exception:  # a broken template must not turn an error page into a stack trace
        log.exception("error page failed to render")
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status, headers=headers)


async def _catalog_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, InvalidQuery):
        return error_response(request, 400, f"bad value for {exc.field}: {exc.message}",
                              errors=[{"field": exc.field, "message": exc.message}])
    if isinstance(exc, ModelNotFound):
        return error_response(request, 404, str(exc), context={"suggestions": exc.suggestions})
    field = getattr(exc, "field", None)
    errors = [{"field": field, "message": str(exc)}] if field else []
    return error_response(request, getattr(exc, "status", None) or 400, str(exc), errors=errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401 and not wants_json(request) and request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        errors.append({"field": ".".join(loc) or "request", "message": str(error.get("msg", "invalid"))})
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return error_response(request, 422, message, errors=errors)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "something went wrong on our side; the error was logged")


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
