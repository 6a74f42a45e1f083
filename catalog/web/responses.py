"""The API's JSON response: encoded by orjson, several times faster than the standard library
on a model record (~6 kB), with the same output (compact, UTF-8, keys in order)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import JSONResponse as StarletteJSONResponse


class JSONResponse(StarletteJSONResponse):
    """Starlette's JSON response, rendered by orjson."""

    def render(self, content: Any) -> bytes:
        """The body. What orjson refuses (integers beyond 64 bits, non-string keys: a stored card
        may hold either) takes the standard library's path, as before."""
        try:
            return orjson.dumps(content)
        except TypeError:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
