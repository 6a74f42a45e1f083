"""Switchable misbehaviour for the fake Hub: the failures a crawler meets on the real one.

Counters count down as requests use them, so a test can inject N failures and then watch the
client recover; all fields can be changed while the server runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

# What a listing item of a ``bad_items`` model carries instead of its real values: each one is
# the wrong type, or the right type with an unparseable value.
GARBAGE: dict[str, Any] = {
    "cardData": "license: mit",
    "safetensors": [8030261248],
    "gguf": "q4_k_m",
    "tags": None,
    "lastModified": "not-a-date",
    "createdAt": "not-a-date",
    "gated": "sometimes",
    "private": "no",
    "disabled": "no",
    "downloads": "many",
    "likes": None,
    "siblings": {"rfilename": "README.md"},
    "config": "bert",
    "pipeline_tag": 7,
    "library_name": ["transformers"],
    "author": {"name": "someone"},
    "sha": 0,
}


@dataclass
class Faults:
    """Switchable faults; counters so tests can inject N failures then recover.

    ``rate_limit``, ``server_error`` and ``drop`` count any request; ``malformed`` counts listing
    responses only. When several are armed, a request meets them in the order drop, rate limit,
    server error.
    """

    rate_limit: int = 0  # next N requests: 429 with Retry-After and RateLimit headers
    retry_after: int = 1  # seconds, in Retry-After and in RateLimit's ``t``; 0 is allowed
    quota: int = 500  # the ``q`` and ``w`` announced in RateLimit-Policy (the Hub's anonymous policy)
    window: int = 300
    server_error: int = 0  # next N requests answer ``server_error_status``
    server_error_status: int = 500  # 500, 502, 503 or 504
    slow: float = 0.0  # seconds to sleep before answering each request
    drop: int = 0  # next N requests: connection closed without a response
    malformed: int = 0  # next N listing responses: 200 with a truncated JSON body
    bad_items: set[str] = field(default_factory=set)  # repo ids whose listing item carries GARBAGE
    fail_after_pages: int | None = None  # after N listing pages, every further request answers 500
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self, counter: str) -> bool:
        """Use one unit of ``counter`` if any is left; True when this request must fail."""
        with self._lock:
            left = getattr(self, counter)
            if left <= 0:
                return False
            setattr(self, counter, left - 1)
            return True


def garble(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with garbage in place of every property it carries that GARBAGE covers.

    ``_id`` and ``id`` stay intact so that the client can tell which model was broken.
    """
    return {
        key: GARBAGE.get(key, value) if key not in ("_id", "id") else value for key, value in item.items()
    }
