"""`/api/v1/docs`: Swagger UI served from this server, so that it works under the app's CSP.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; the CSP
(``script-src 'self'``, no inline script) blocks both, leaving a blank page. The assets come
from the ``fastapi-offline`` package (MIT; it vendors Swagger UI 5, Apache-2.0, which reads the
OpenAPI 3.1 FastAPI writes) and the start-up script is a file of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS = "/api/v1/docs"
OPENAPI = "/api/v1/openapi.json"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>catalog REST API</title>
<link rel="stylesheet" href="{DOCS}/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{DOCS}/assets/swagger-ui-bundle.js"></script>
<script src="{DOCS}/init.js"></script>
</body>
</html>
"""
_INIT = f'window.ui = SwaggerUIBundle({{url: "{OPENAPI}", dom_id: "#swagger-ui", deepLinking: true}});\n'

router = APIRouter(include_in_schema=False)


@router.get(DOCS)
def docs() -> HTMLResponse:
    """The interactive API documentation."""
    return HTMLResponse(_PAGE)


@router.get(DOCS + "/init.js")
def docs_init() -> Response:
    """Starts Swagger UI on the page (a file, since the CSP allows no inline script)."""
    return Response(_INIT, media_type="text/javascript")


def mount(app: FastAPI) -> None:
    """Serve the documentation page and its assets on ``app``."""
    from importlib.resources import files

    app.include_router(router)
    app.mount(DOCS + "/assets", StaticFiles(directory=str(files("fastapi_offline") / "static")), name="swagger-ui")
