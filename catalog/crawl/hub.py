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
from urllib.parse import quote, urlencode, urlsplit

import httpx2
from huggingface_hub import constants
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, get_session, get_token, parse_ratelimit_headers

from catalog import __version__
from catalog.db.jsontext import loads_bounded
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


@dataclass(frozen=True)
class FileFetch:
    """The answer to a file download.

    ``status``: "ok" (``content`` holds the bytes), "unchanged" (the ETag given still holds),
    "too-large", "gated" or "private" (not readable with the token at hand), "missing" (no such
    repository) or "not-found" (no such file or revision).
    """

    status: str
    content: bytes | None = None
    etag: str | None = None
    commit: str | None = None


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

    def __init__(self, *, endpoint: str | None = None, retry: RetryPolicy | None = None,
                 token: str | None = None) -> None:
        # constants.ENDPOINT is what HfApi itself defaults to (HF_ENDPOINT, else the public Hub);
        # importing HfApi would cost every sync and `check --fetch-missing` 0.2 s of start-up.
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self.retry = retry or RetryPolicy()
        # None: huggingface_hub's own (HF_TOKEN, else a saved login, else anonymous).
        self.token = token

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
        except TokenRefused:
            raise  # the token is the problem, not the model: never "private"
        except (RepositoryNotFoundError, HubError) as exc:
            return ModelLookup(_refusal(exc, on_404="missing"))
        if not isinstance(data, dict):
            raise HubUnavailable(f"the Hub answered model {repo_id} with a {type(data).__name__}, not an object")
        return ModelLookup("ok", data)

    def has_token(self) -> bool:
        """Whether requests carry a token (given, ``HF_TOKEN`` or a saved login): without one, a
        gated model's files cannot be read, so they are not asked for."""
        return self.token is not None or get_token() is not None

    def fetch_file(self, repo_id: str, revision: str, path: str, *, etag: str | None = None,
                   max_bytes: int = 1_000_000) -> FileFetch:
        """Download one file of a model at ``revision`` (``GET /{repo_id}/resolve/{revision}/{path}``).

        With ``etag`` (the one a previous fetch returned), an unchanged file comes back as
        ``unchanged`` without its body (``If-None-Match``; a Hub that ignores it sends the file
        and the ETag comparison gives the same answer). Gated, private, missing and oversized
        files are answers, not errors.

        Raises:
            HubUnavailable: the Hub kept failing after every try.
            HubError: the Hub refused the request for another reason.
        """
        url = f"{self.endpoint}/{quote(repo_id)}/resolve/{quote(revision, safe='')}/{quote(path)}"
        extra = {"If-None-Match": f'"{etag}"'} if etag else {}
        try:
            response, body = self._get(url, what=f"{repo_id}/{path}", extra_headers=extra,
                                       read=lambda r: _read_bounded(r, max_bytes))
        except (RepositoryNotFoundError, HubError) as exc:
            return FileFetch(_refusal(exc, on_404="not-found"))
        new_etag = (response.headers.get("x-linked-etag") or response.headers.get("etag") or "").strip('"') or None
        commit = response.headers.get("x-repo-commit")
        if response.status_code == 304 or (etag is not None and new_etag == etag):
            return FileFetch("unchanged", etag=etag, commit=commit)
        if body is None:
            return FileFetch("too-large", etag=new_etag, commit=commit)
        return FileFetch("ok", content=body, etag=new_etag, commit=commit)

    def _get_json(self, url: str, *, what: str) -> tuple[httpx2.Response, Any]:
        """GET and decode JSON, retrying what a retry can fix; typed errors for the rest."""
        return self._get(url, what=what, read=lambda r: decode_body(r.read()))

    def _get(self, url: str, *, what: str, read: Callable[[httpx2.Response], Any],
             extra_headers: Mapping[str, str] | None = None) -> tuple[httpx2.Response, Any]:
        """GET and ``read`` the body (a ValueError from it means a garbled body: retried), retrying
        what a retry can fix; typed errors for the rest. A 304 is returned with a body of None."""
        last_problem = "no answer"
        for attempt in range(1, self.retry.max_tries + 1):
            headers: Mapping[str, str] | None = None
            try:
                with get_session().stream(
                    "GET",
                    url,
                    headers={**build_hf_headers(token=self.token, library_name="catalog",
                                                library_version=__version__),
                             **(extra_headers or {})},
                    timeout=self.retry.timeout,
                    follow_redirects=True,
                ) as response:
                    if response.status_code == 304:
                        return response, None
                    if response.status_code < 400:
                        try:
                            return response, read(response)
                        except ValueError:
                            # A truncated or garbled body (a proxy, a deploy): worth another try.
                            last_problem = f"HTTP {response.status_code} with a malformed body"
                    elif response.status_code in RETRYABLE_STATUS:
                        last_problem = f"HTTP {response.status_code}"
                        headers = response.headers
                    else:
                        response.read()
                        refused = response.status_code == 401 and _token_refused(response)
                        if refused:
                            raise TokenRefused(f"the Hub refused the token (HF_TOKEN) on {what}: {refused}; "
                                               "check it, or unset HF_TOKEN for public models", status=401)
                        _raise_for_status(response, what)
            except OfflineModeIsEnabled:
                raise HubError("HF_HUB_OFFLINE is set, so huggingface_hub will not reach the Hub; unset it") from None
            except _NETWORK_ERRORS as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
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


def _refusal(exc: Exception, *, on_404: str) -> str:
    """What a refused per-repository request means: gated, private, missing or ``on_404``.

    Raises:
        HubError: ``exc`` itself when it is another refusal.
    """
    if isinstance(exc, GatedRepoError):  # a subclass of RepositoryNotFoundError
        return "gated"
    if isinstance(exc, RepositoryNotFoundError):
        return "missing"
    if isinstance(exc, HubError) and exc.status in (401, 403):
        return "private"
    if isinstance(exc, HubError) and exc.status == 404:
        return on_404
    raise exc


def _read_bounded(response: httpx2.Response, max_bytes: int) -> bytes | None:
    """The body, or None once it passes ``max_bytes`` (the rest is never read)."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def decode_body(content: bytes) -> Any:
    """Decode a Hub answer; one hostile value (1,500-deep card, 5,000-digit number) never costs the page.

    The fast C decoder first; on what it cannot take, the bounded iterative decoder, which
    leaves :class:`~catalog.db.jsontext.Dropped` markers for ingest to record as problems.

    Raises:
        ValueError: the body is not JSON at all (truncated, garbled).
    """
    try:
        return json.loads(content)
    except (RecursionError, ValueError):
        return loads_bounded(content)


class TokenRefused(HubError):
    """The Hub refused the access token itself (expired, revoked, mistyped): no model is readable."""


def _token_refused(response: httpx2.Response) -> str | None:
    """The Hub's message when a 401 is about the token sent, not about the repository."""
    sent = response.request.headers.get("authorization", "")
    message = response.headers.get("x-error-message") or _error_message(response) or ""
    if sent and ("invalid credentials" in message.lower() or "invalid token" in message.lower()):
        return message
    return None


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
