"""The one error shape of the web face: JSON ``{"ok": false, ...}`` for JSON clients, an HTML page
otherwise, and the exception handlers that produce it (pages, the API and the app factory use it)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.db.limits import is_timeout
from catalog.errors import InvalidQuery, ModelNotFound

log = logging.getLogger("catalog.web.app")

_ERROR_CODES = {400: "invalid_query", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 422: "invalid_request", 500: "internal_error",
                503: "query_timeout"}


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


async def catalog_error(request: Request, exc: Exception) -> Response:
    """Exception handler: catalog errors in the one error shape."""
    if isinstance(exc, InvalidQuery):
        return error_response(request, 400, exc.summary,
                              errors=[{"field": exc.field, "message": exc.message}])
    if isinstance(exc, ModelNotFound):
        return error_response(request, 404, str(exc), context={"suggestions": exc.suggestions})
    field = getattr(exc, "field", None)
    errors = [{"field": field, "message": str(exc)}] if field else []
    return error_response(request, getattr(exc, "status", None) or 400, str(exc), errors=errors)


async def http_error(request: Request, exc: Exception) -> Response:
    """Exception handler: http errors in the one error shape."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401 and not wants_json(request) and request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


async def validation_error(request: Request, exc: Exception) -> Response:
    """Exception handler: validation errors in the one error shape."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":  # its loc is ("body", character offset), not a field
            offset = error.get("loc", ("body", None))[-1]
            detail = (error.get("ctx") or {}).get("error")
            errors.append({"field": "body", "message": f"not valid JSON (at character {offset}"
                                                       f"{': ' + str(detail) if detail else ''}); send a JSON object"})
            continue
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        errors.append({"field": ".".join(loc) or "request", "message": str(error.get("msg", "invalid"))})
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    # A body that is not JSON at all cannot be validated: it is a bad request, like a bad parameter.
    unparseable = any(error.get("type") == "json_invalid" for error in exc.errors())
    return error_response(request, 400 if unparseable else 422, message, errors=errors)


async def database_error(request: Request, exc: Exception) -> Response:
    """Exception handler: a statement stopped by the query time limit is the request's own
    failure, told in one line (503: the same request may pass on a less busy server); any
    other database error is an internal one."""
    if not is_timeout(exc):
        return await internal_error(request, exc)
    limit = request.app.state.settings.query_timeout
    log.warning("%s %s stopped: a query ran past CATALOG_QUERY_TIMEOUT (%g s)", request.method, request.url.path, limit)
    return error_response(request, 503, f"this request's database query ran longer than the {limit:g} s allowed "
                                        "(CATALOG_QUERY_TIMEOUT) and was stopped; narrow the search and try again")


async def internal_error(request: Request, exc: Exception) -> Response:
    """Exception handler: internal errors in the one error shape."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "something went wrong on our side; the error was logged")
