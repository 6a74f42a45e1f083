"""The fake Hub's answers on the wire: JSON bodies (with verbatim raw values) and the Hub's error shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# (status, headers, body): what a route of the fake Hub returns for the transport to send.
Answer = tuple[int, dict[str, str], bytes]

NOT_FOUND_PAGE = "Sorry, we can't find the page you are looking for."
# Status line plus body a proxy in front of the Hub sends when the app behind it fails.
_GATEWAY_PAGES = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


@dataclass(frozen=True)
class RawJSON:
    """A value the fake Hub sends as this JSON text, verbatim.

    For what Python cannot build or encode but a Hub can send: cards nested 1,500 deep, numbers
    of 5,000 digits. Put it anywhere in a model given to :class:`HubStore`.
    """

    text: str


def json_body(data: Any) -> bytes:
    """``data`` as the Hub's compact UTF-8 JSON, :class:`RawJSON` values spliced in verbatim."""
    raws: list[str] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, RawJSON):
            raise TypeError(f"{type(value).__name__} is not JSON")
        raws.append(value.text)
        return f"\x00raw{len(raws) - 1}\x00"

    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=placeholder)
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: the Hub sends it as a \ud800 escape
        raws.clear()
        text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), default=placeholder)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{index}\x00"), raw, 1)
    return text.encode()


def error(status: int, message: str, code: str | None = None) -> Answer:
    """An error the Hub's way: JSON body, and the message in ``X-Error-Message`` for the client."""
    headers = {"X-Error-Message": message.encode("ascii", "backslashreplace").decode()}
    if code is not None:
        headers["X-Error-Code"] = code
    return status, headers, json_body({"error": message})


def server_error(status: int) -> Answer:
    """A 5xx as the Hub sends it: a gateway's HTML page for 502-504, the app's JSON error otherwise."""
    if status in _GATEWAY_PAGES:
        title = f"{status} {_GATEWAY_PAGES[status]}"
        html = (
            f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center></body></html>"
        )
        return status, {"Content-Type": "text/html"}, html.encode()
    return error(status, "Internal Error - We're working hard to fix this as soon as possible!")
