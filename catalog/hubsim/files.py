"""File downloads of the fake Hub: ``GET``/``HEAD /{repo_id}/resolve/{revision}/{path}``.

Answered as huggingface.co answers them: ``ETag`` (the git blob sha1; for a Git LFS file a
redirect to storage carrying ``X-Linked-Etag``, the sha256, and ``X-Linked-Size``),
``X-Repo-Commit`` (the revision resolved), 304 to an ``If-None-Match`` naming the current ETag,
401/403 with ``X-Error-Code: GatedRepo`` for a gated model without a token that has access, and
404 with ``RepoNotFound``, ``RevisionNotFound`` or ``EntryNotFound``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, unquote

from catalog.hubsim.store import HubStore, RepoFile

Answer = tuple[int, dict[str, str], bytes]
ErrorFn = Callable[..., Answer]
LFS_PREFIX = "/__lfs/"


def split_resolve(path: str) -> tuple[str, str, str] | None:
    """(repo id, revision, file path) of a resolve URL path, or None when it is not one."""
    segments = path.lstrip("/").split("/")
    for at in (1, 2):  # "gpt2/resolve/..." or "org/name/resolve/..."
        if len(segments) > at + 2 and segments[at] == "resolve" and all(segments[:at]):
            file_path = "/".join(unquote(s) for s in segments[at + 2:])
            if file_path and ".." not in file_path.split("/"):
                return "/".join(unquote(s) for s in segments[:at]), unquote(segments[at + 1]), file_path
    return None


def resolve_file(store: HubStore, repo_id: str, revision: str, file_path: str, *, if_none_match: str | None,
                 authorized: bool, base: str, error: ErrorFn, gated: ErrorFn,
                 not_found: ErrorFn) -> Answer:
    """The answer to one resolve request (the body is dropped by the caller for HEAD).

    ``base`` (scheme and host) makes the LFS redirect absolute, as the Hub's CDN URLs are.
    """
    model = store.peek(repo_id)
    access = store.access(repo_id)
    if model is None or access == "missing" or (access == "private" and not authorized):
        return not_found()
    if (access == "gated" or model.get("gated") not in (False, None, "false")) and not authorized:
        return gated()
    sha = str(model.get("sha", ""))
    if revision not in ("main", sha) and not (len(revision) >= 7 and sha.startswith(revision)):
        return error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
    repo_file = store.file(repo_id, file_path)
    if repo_file is None:
        return error(404, "Entry not found", "EntryNotFound")
    headers = {"X-Repo-Commit": sha, "ETag": f'"{repo_file.etag}"', "Accept-Ranges": "bytes"}
    if repo_file.lfs:
        headers.update({
            "X-Linked-Etag": f'"{repo_file.sha256}"', "X-Linked-Size": str(len(repo_file.content)),
            "Location": base + LFS_PREFIX + quote(repo_file.sha256) + "?commit=" + sha + "&path=" + quote(file_path),
        })
        return 302, headers, b""
    if if_none_match is not None and repo_file.etag in _etags(if_none_match):
        return 304, headers, b""
    headers["Content-Type"] = _content_type(repo_file)
    return 200, headers, repo_file.content


def lfs_download(store: HubStore, path: str, query: dict[str, list[str]], if_none_match: str | None,
                 error: ErrorFn) -> Answer:
    """What the storage behind an LFS redirect answers.

    The Hub's storage is another host, where huggingface_hub stops following the redirect and
    reads the file's metadata from the redirect itself; this one shares the fake Hub's host, so
    the client follows it, and it repeats that metadata.
    """
    repo_file = store.lfs_object(path[len(LFS_PREFIX):])
    if repo_file is None:
        return error(404, "Not found")
    headers = {"ETag": f'"{repo_file.sha256}"', "Content-Type": "application/octet-stream",
               "X-Linked-Etag": f'"{repo_file.sha256}"', "X-Linked-Size": str(len(repo_file.content)),
               "X-Repo-Commit": query.get("commit", [""])[-1]}
    if if_none_match is not None and repo_file.sha256 in _etags(if_none_match):
        return 304, headers, b""
    return 200, headers, repo_file.content


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}


def _content_type(repo_file: RepoFile) -> str:
    return "text/plain; charset=utf-8" if not repo_file.lfs else "application/octet-stream"
