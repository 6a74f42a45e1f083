"""The Hub boundary: the only module that imports ``huggingface_hub``.

Listing pages are fetched through huggingface_hub's own HTTP session and header builder, so
``HF_ENDPOINT``, ``HF_TOKEN``, proxies and the user agent behave exactly as in any other
huggingface_hub program. We drive the pages ourselves (instead of ``HfApi.list_models``) because
a resumable crawl must know the ``Link`` cursor of every page, and we retry with our own policy
(Retry-After, RateLimit headers, exponential backoff with jitter, a bounded number of tries)
so that a run gives up with a clear error and a resumable position instead of an exception.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
from huggingface_hub import constants
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, get_session, parse_ratelimit_headers

from catalog import __version__
from catalog.errors import HubError, HubUnavailable

log = logging.getLogger(__name__)

# Everything one listing page must carry so that no per-model call is needed.
LISTING_EXPAND: tuple[str, ...] = (
    "author",
    "cardData",
    "createdAt",
    "disabled",
    "downloads",
    "gated",
    "gguf",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "private",
    "safetensors",
    "sha",
    "siblings",
    "tags",
)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_NETWORK_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
# A Retry-After longer than this is treated as a broken header, not as an order to sleep for hours.
_MAX_RATE_LIMIT_WAIT = 900.0


@dataclass(frozen=True)
class ListingScope:
    """Which models a listing walks: the Hub's own filters."""

    authors: tuple[str, ...] = ()
    search: str | None = None
    filters: tuple[str, ...] = ()

    def queries(self) -> list[dict[str, Any]]:
        """One query per author (the Hub takes a single ``author``), or one for everything."""
        base: dict[str, Any] = {}
        if self.search:
            base["search"] = self.search
        if self.filters:
            base["filter"] = list(self.filters)
        if not self.authors:
            return [base]
        return [{**base, "author": author} for author in self.authors]


@dataclass(frozen=True)
class ListingPage:
    """One page of ``GET /api/models``: raw items and where the next page is."""

    items: list[Any]
    next_path: str | None  # path + query of the next page, None on the last page


@dataclass(frozen=True)
class ModelLookup:
    """The answer to a per-model call: the body, or why the Hub would not give it."""

    status: str  # "ok" | "gated" | "private" | "missing"
    data: dict[str, Any] | None = None


@dataclass
class RetryPolicy:
    """How hard to try before giving up on one request."""

    max_tries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    on_wait: Callable[[str, float], None] | None = field(default=None, repr=False)

    def delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        """Seconds to wait before try ``attempt + 1``: the server's word first, else backoff with jitter."""
        if headers is not None:
            info = parse_ratelimit_headers(headers)
            if info is not None and info.remaining == 0:
                return min(float(info.reset_in_seconds), _MAX_RATE_LIMIT_WAIT)
            retry_after = headers.get("retry-after")
            if retry_after is not None and retry_after.strip().isdigit():
                return min(float(retry_after.strip()), _MAX_RATE_LIMIT_WAIT)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        # "Equal jitter": never less than half the ceiling, so retries stay spread but polite.
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class HubClient:
    """Reads model metadata from a Hub (the public one, or whatever ``HF_ENDPOINT`` names)."""

    def __init__(self, *, endpoint: str | None = None, retry: RetryPolicy | None = None) -> None:
        # constants.ENDPOINT is what HfApi itself defaults to (HF_ENDPOINT, else the public Hub);
        # importing HfApi would cost every sync and `check --fetch-missing` 0.2 s of start-up.
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self.retry = retry or RetryPolicy()

    def first_page_path(self, query: Mapping[str, Any], *, page_size: int, sort: str | None) -> str:
        """Path + query of the first listing page for one scope query."""
        params: list[tuple[str, Any]] = []
        for key, value in query.items():
            values = value if isinstance(value, list) else [value]
            params.extend((key, v) for v in values)
        if sort:
            params += [("sort", sort), ("direction", "-1")]
        params.append(("limit", page_size))
        params.extend(("expand[]", prop) for prop in LISTING_EXPAND)
        return "/api/models?" + urlencode(params)

    def list_page(self, path: str) -> ListingPage:
        """Fetch one listing page.

        Raises:
            HubUnavailable: the Hub kept failing (5xx, 429, timeouts, garbage) after every try.
            HubError: the Hub refused the request itself (e.g. an expired cursor), no retry helps.
        """
        response, items = self._get_json(self.endpoint + path, what="model listing")
        if not isinstance(items, list):
            raise HubUnavailable(f"the Hub answered {path} with a {type(items).__name__}, not a list of models")
        next_url = response.links.get("next", {}).get("url")
        return ListingPage(items=items, next_path=_path_of(next_url) if next_url else None)

    def model_info(self, repo_id: str) -> ModelLookup:
        """Fetch one model's full metadata (``GET /api/models/{repo_id}``).

        A gated, private or deleted repository is an answer, not an error: it is returned as
        such so that a run can record it and carry on.
        """
        path = "/api/models/" + repo_id + "?" + urlencode([("expand[]", p) for p in LISTING_EXPAND])
        try:
            _response, data = self._get_json(self.endpoint + path, what=f"model {repo_id}")
        except GatedRepoError:
            return ModelLookup("gated")
        except RepositoryNotFoundError:
            return ModelLookup("missing")
        except HubError as exc:
            if exc.status in (401, 403):
                return ModelLookup("private")
            if exc.status == 404:
                return ModelLookup("missing")
            raise
        if not isinstance(data, dict):
            raise HubUnavailable(f"the Hub answered model {repo_id} with a {type(data).__name__}, not an object")
        return ModelLookup("ok", data)

    def _get_json(self, url: str, *, what: str) -> tuple[httpx2.Response, Any]:
        """GET and decode JSON, retrying what a retry can fix; typed errors for the rest."""
        last_problem = "no answer"
        for attempt in range(1, self.retry.max_tries + 1):
            headers: Mapping[str, str] | None = None
            try:
                response = get_session().get(
                    url,
                    headers=build_hf_headers(library_name="catalog", library_version=__version__),
                    timeout=self.retry.timeout,
                    follow_redirects=True,
                )
            except OfflineModeIsEnabled:
                raise HubError("HF_HUB_OFFLINE is set, so huggingface_hub will not reach the Hub; unset it") from None
            except _NETWORK_ERRORS as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    try:
                        return response, json.loads(response.content)
                    except ValueError:
                        # A truncated or garbled body (a proxy, a deploy): worth another try.
                        last_problem = f"HTTP {response.status_code} with a malformed JSON body"
                elif response.status_code in RETRYABLE_STATUS:
                    last_problem = f"HTTP {response.status_code}"
                    headers = response.headers
                else:
                    _raise_for_status(response, what)
            if attempt == self.retry.max_tries:
                break
            wait = self.retry.delay(attempt, headers)
            # One line per retry, naming the endpoint (without the long expand[] query): through
            # the caller's progress display when it has one, else the log.
            problem = f"GET {url.split('?', 1)[0]} ({what}): {last_problem} (try {attempt} of {self.retry.max_tries})"
            if self.retry.on_wait is not None:
                self.retry.on_wait(problem, wait)
            else:
                log.warning("%s; retrying in %.1fs", problem, wait)
            self.retry.sleep(wait)
        raise HubUnavailable(f"gave up on {what} (GET {url.split('?', 1)[0]}) after {self.retry.max_tries} tries; "
                             f"last problem: {last_problem}")


def hub_offline() -> bool:
    """Whether huggingface_hub was told not to reach the Hub (``HF_HUB_OFFLINE=1``)."""
    return bool(constants.HF_HUB_OFFLINE)


def fetch_only(endpoint: str, paths: Sequence[str]) -> int:
    """Walk listing pages with a bare httpx loop that only parses JSON (benchmark baseline).

    Returns the number of items seen.
    """
    count = 0
    with httpx2.Client(timeout=60) as client:
        for path in paths:
            url: str | None = endpoint + path
            while url:
                response = client.get(url)
                count += len(response.json())
                url = response.links.get("next", {}).get("url")
    return count


def _raise_for_status(response: httpx2.Response, what: str) -> None:
    """Turn a non-retryable 4xx into huggingface_hub's typed errors, then into ours."""
    from huggingface_hub.utils import hf_raise_for_status

    try:
        hf_raise_for_status(response)
    except (GatedRepoError, RepositoryNotFoundError):
        raise
    except HfHubHTTPError as exc:
        message = _error_message(response) or str(exc).splitlines()[0]
        raise HubError(f"the Hub refused {what}: HTTP {response.status_code}: {message}",
                       status=response.status_code) from None
    raise HubError(f"the Hub refused {what}: HTTP {response.status_code}", status=response.status_code)


def _error_message(response: httpx2.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
