"""A Hub-compatible HTTP server on 127.0.0.1, for tests, benchmarks and the offline demo.

It answers ``GET /api/models`` (filters, sort, expand, keyset ``Link`` cursors),
``GET /api/models/{repo_id}[/revision/{rev}]`` and file downloads (``GET``/``HEAD
/{repo_id}/resolve/{rev}/{path}``, see ``catalog.hubsim.files``) in the Hub's wire format, errors and rename
redirects included, so that the official ``huggingface_hub`` client pointed at it
(``HF_ENDPOINT`` or ``HfApi(endpoint=...)``) behaves as it does against huggingface.co and
raises the same typed errors. Faults (429, 5xx, dropped connections, truncated bodies, garbage
items) can be switched on while it runs. Standard library only, so it starts in milliseconds.

Run it on its own with ``python -m catalog.hubsim.server DATA.jsonl[.gz] --port N``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Self
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

from catalog.hubsim.faults import Faults, garble
from catalog.hubsim.files import LFS_PREFIX, lfs_download, resolve_file, split_resolve
from catalog.hubsim.httpd import Handler, ThreadedServer
from catalog.hubsim.listing import BadRequest, info_body, list_item, page, parse_expand, parse_listing_query
from catalog.hubsim.store import HubStore, iter_jsonl
from catalog.hubsim.wire import NOT_FOUND_PAGE, Answer, error, json_body, server_error

__all__ = ["Faults", "HubServer", "HubStore", "RequestRecord", "main"]

MAX_RECORDS = 10_000


@dataclass
class RequestRecord:
    """One request the server received. Header names are lower-cased; ``status`` is None for a
    dropped connection."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int | None = None


class HubServer:
    """A fake Hub serving ``store`` over HTTP on ``host:port`` (0: any free port, kept once bound).

    ``faults`` can be changed while it runs. With ``token`` set, gated and private models
    (see :meth:`HubStore.set_access`) answer only requests carrying ``Authorization: Bearer
    <token>`` (without ``token``, never), and any other bearer token is refused as invalid, as the
    Hub does.
    """

    def __init__(
        self,
        store: HubStore,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        page_size_max: int = 1000,
        token: str | None = None,
    ) -> None:
        if page_size_max < 1:
            raise ValueError("page_size_max must be at least 1")
        self.store = store
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else Faults()
        self.page_size_max = page_size_max
        self.token = token
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._pages_served = 0
        self._httpd: ThreadedServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint to give huggingface_hub (``HF_ENDPOINT``), e.g. ``http://127.0.0.1:54321``."""
        if self._httpd is None:
            raise RuntimeError("the HubServer is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def pages_served(self) -> int:
        """Listing pages answered with 200 so far (what ``Faults.fail_after_pages`` counts)."""
        with self._lock:
            return self._pages_served

    def start(self) -> Self:
        """Bind and serve from a background thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("the HubServer is already started")
        self._httpd = ThreadedServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]  # so that a stop() and start() keep the same URL
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hubserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_open_connections()
        httpd.server_close()
        if thread is not None:
            thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- request handling (runs on the server's threads) --------------------------------------

    def _serve(self, handler: Handler) -> None:
        parts = urlsplit(handler.path)
        record = RequestRecord(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(record)
            if len(self.requests) > MAX_RECORDS:
                del self.requests[: len(self.requests) - MAX_RECORDS]
        if self.faults.slow > 0:
            time.sleep(self.faults.slow)
        if self.faults.take("drop"):
            handler.close_connection = True  # the socket closes with nothing written
            return
        try:
            status, headers, body = self._answer(parts.path, parts.query, record.headers)
            if record.method == "HEAD":
                # Content-Length stays that of the GET body, as HTTP wants of a HEAD answer.
                headers["Content-Length"], body = str(len(body)), b""
        except Exception as exc:  # noqa: BLE001 -- a bug here must reach the client as a 500, not a hang
            traceback.print_exc()
            status, headers, body = error(500, f"catalog.hubsim.server failed: {exc!r}")
        record.status = status
        handler.send_response(status)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            handler.send_header(name, value)
        if "Content-Length" not in headers:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, path: str, raw_query: str, headers: dict[str, str]) -> Answer:
        faults = self.faults
        if faults.take("rate_limit"):
            return self._rate_limited()
        if faults.take("server_error"):
            return server_error(faults.server_error_status)
        if faults.fail_after_pages is not None and self.pages_served >= faults.fail_after_pages:
            return server_error(500)
        authorization = headers.get("authorization")
        if self.token is not None and authorization is not None and authorization != f"Bearer {self.token}":
            return error(401, "Invalid credentials in Authorization header")
        query = parse_qs(raw_query, keep_blank_values=True)
        if path.startswith(LFS_PREFIX):
            return lfs_download(self.store, path, query, headers.get("if-none-match"), error)
        resolved = split_resolve(path)
        if resolved is not None:
            return resolve_file(
                self.store, *resolved, if_none_match=headers.get("if-none-match"),
                authorized=self.token is not None and authorization == f"Bearer {self.token}",
                base=f"http://{headers['host']}" if headers.get("host") else self.url, error=error,
                gated=lambda: self._gated(resolved[0], authorization),
                not_found=lambda: self._repo_not_found(authorization))
        try:
            if path.rstrip("/") == "/api/models":
                return self._listing(query, raw_query, headers.get("host"))
            if path.startswith("/api/models/"):
                return self._model(path[len("/api/models/") :], query, raw_query, authorization)
        except BadRequest as exc:
            return error(400, str(exc))
        return error(404, NOT_FOUND_PAGE)

    def _rate_limited(self) -> Answer:
        faults = self.faults
        status, headers, body = error(
            429, f"You have reached your 'api' rate limit. Retry after {faults.retry_after} seconds."
        )
        headers.update(
            {
                "Retry-After": str(faults.retry_after),
                "RateLimit": f'"api";r=0;t={faults.retry_after}',
                "RateLimit-Policy": f'"fixed window";"api";q={faults.quota};w={faults.window}',
            }
        )
        return status, headers, body

    def _listing(self, query: dict[str, list[str]], raw_query: str, host: str | None) -> Answer:
        q = parse_listing_query(query, page_size_max=self.page_size_max)
        models, next_cursor = page(self.store, q)
        bad = set(self.faults.bad_items)
        items = [list_item(model, q) for model in models]
        body = json_body([garble(item) if item["id"] in bad else item for item in items])
        if self.faults.take("malformed"):
            body = body[: len(body) // 2]  # cut mid-document, as a dropped proxy stream would
        headers = {}
        if next_cursor is not None:
            pairs = [(k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True) if k != "cursor"]
            base = f"http://{host}" if host else self.url
            headers["Link"] = (
                f'<{base}/api/models?{urlencode([*pairs, ("cursor", next_cursor)])}>; rel="next"'
            )
        with self._lock:
            self._pages_served += 1
        return 200, headers, body

    def _model(self, rest: str, query: dict[str, list[str]], raw_query: str, authorization: str | None) -> Answer:
        segments = rest.split("/")
        revision, auth_check, suffix = None, False, ""
        if len(segments) >= 3 and segments[-2] == "revision":
            revision, segments, suffix = unquote(segments[-1]), segments[:-2], "/" + "/".join(segments[-2:])
        elif segments[-1] == "auth-check":
            auth_check, segments, suffix = True, segments[:-1], "/auth-check"
        if not 1 <= len(segments) <= 2 or not all(segments):
            return error(404, NOT_FOUND_PAGE)
        repo_id = "/".join(unquote(s) for s in segments)
        new_id = self.store.renamed_to(repo_id)
        if new_id is not None:
            # As recorded from the Hub: a relative Location and a one-line text body.
            location = f"/api/models/{new_id}{suffix}" + (f"?{raw_query}" if raw_query else "")
            return 307, {"Location": location, "Content-Type": "text/plain; charset=utf-8"}, \
                f"Temporary Redirect. Redirecting to {location}".encode()

        model = self.store.peek(repo_id)
        access = self.store.access(repo_id)
        authorized = self.token is not None and authorization == f"Bearer {self.token}"
        if model is None or access == "missing" or (access == "private" and not authorized):
            return self._repo_not_found(authorization)
        # Model info of a gated repo is public on the real Hub; only set_access(..., "gated") gates
        # it here. auth-check, like file downloads on the Hub, also honours the model's own flag.
        gated = access == "gated" or (auth_check and model.get("gated") not in (False, None))
        if gated and not authorized:
            return self._gated(repo_id, authorization)
        if auth_check:
            return 200, {}, b"{}"
        if revision is not None:
            sha = str(model.get("sha", ""))
            if revision not in ("main", sha) and not (len(revision) >= 7 and sha.startswith(revision)):
                return error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return 200, {}, json_body(info_body(model, parse_expand(query)))

    @staticmethod
    def _repo_not_found(authorization: str | None) -> Answer:
        # The Hub answers an anonymous caller 401 (so a private repo cannot be told from a missing
        # one) and a signed-in one 404. huggingface_hub recognises the anonymous 401 by URL only on
        # https endpoints, so the RepoNotFound code is sent on both to work over plain http.
        if authorization is None:
            return error(401, "Invalid username or password.", "RepoNotFound")
        return error(404, "Repository not found", "RepoNotFound")

    @staticmethod
    def _gated(repo_id: str, authorization: str | None) -> Answer:
        if authorization is None:
            message = (
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated"
                " to access it. Please log in."
            )
            return error(401, message, "GatedRepo")
        message = (
            f"Access to model {repo_id} is restricted and you are not in the authorized list."
            f" Visit https://huggingface.co/{repo_id} to ask for access."
        )
        return error(403, message, "GatedRepo")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m catalog.hubsim.server",
        description="Serve models from JSON-lines files with the Hugging Face Hub's API. "
        "Prints the endpoint URL as the first line of output, then serves until SIGTERM or SIGINT.",
    )
    parser.add_argument(
        "data", nargs="*", help="model files, one API-shaped model per line (.jsonl or .jsonl.gz); "
                                "default: the bundled demo snapshot (9,630 real models)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    parser.add_argument("--page-size-max", type=int, default=1000, help="largest listing page (default 1000)")
    parser.add_argument("--token", help="the one token that unlocks gated and private models")
    faults = parser.add_argument_group("faults")
    faults.add_argument("--rate-limit", type=int, default=0, help="answer the first N requests with 429")
    faults.add_argument(
        "--retry-after", type=int, default=1, help="seconds announced by each 429 (default 1)"
    )
    faults.add_argument("--server-error", type=int, default=0, help="answer the first N requests with a 5xx")
    faults.add_argument("--server-error-status", type=int, default=500, choices=(500, 502, 503, 504))
    faults.add_argument("--slow", type=float, default=0.0, help="seconds to wait before every answer")
    faults.add_argument("--drop", type=int, default=0, help="close the first N connections without answering")
    faults.add_argument("--malformed", type=int, default=0, help="truncate the first N listing bodies")
    faults.add_argument("--fail-after-pages", type=int, help="answer 500 to everything after N listing pages")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Command line entry point: serve until SIGTERM/SIGINT, printing the URL first."""
    args = _parser().parse_args(argv)
    from catalog.hubsim.snapshot import SNAPSHOT_PATH

    # Without files it serves what `catalog demo` crawls, so `catalog sync` can be tried offline.
    store = HubStore(model for path in (args.data or [SNAPSHOT_PATH]) for model in iter_jsonl(path))
    faults = Faults(
        rate_limit=args.rate_limit,
        retry_after=args.retry_after,
        server_error=args.server_error,
        server_error_status=args.server_error_status,
        slow=args.slow,
        drop=args.drop,
        malformed=args.malformed,
        fail_after_pages=args.fail_after_pages,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with HubServer(
        store,
        host=args.host,
        port=args.port,
        faults=faults,
        page_size_max=args.page_size_max,
        token=args.token,
    ) as server:
        print(server.url, flush=True)
        print(f"serving {len(store)} models; stop with Ctrl-C", file=sys.stderr, flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
