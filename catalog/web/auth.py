"""Who is asking: FastAPI dependencies for the signed-in user, roles, CSRF and sign-in throttling.

A request is authenticated, in this order, by an ``Authorization: Bearer`` API token, by the
trusted reverse-proxy header (only when ``trusted_user_header`` is configured), or by the signed
session cookie. HTML forms carry a per-session CSRF token kept inside that signed cookie. API
writes accept bearer tokens only, so a browser's cookie can never be replayed against the API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from catalog.config import Settings
from catalog.db.tables import User
from catalog.teams.accounts import Actor, generated_secret, user_for_token
from catalog.web.deps import SessionDep, SettingsDep

SESSION_COOKIE = "catalog_session"
CSRF_FIELD = "csrf_token"
ROLE_RANK = {"viewer": 0, "reviewer": 1, "admin": 2}
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5
_KEY_SETTING = "session_signing_key"


@dataclass(frozen=True)
class SessionData:
    """What the signed cookie holds: the user (None before sign-in) and the session's CSRF token."""

    user_id: int | None
    csrf: str
    generation: int = 0  # the user's session generation at sign-in; a bumped one ends the session


def _signing_key(request: Request, session: Session, settings: Settings) -> str:
    key = getattr(request.app.state, "catalog_signing_key", None)
    if key is None:
        if settings.secret_key is not None:
            key = settings.secret_key.get_secret_value()
        else:
            # Its own transaction: the key must survive even if this request's work rolls back.
            key = _stored_key(session)
        request.app.state.catalog_signing_key = key
    return key


def _stored_key(session: Session) -> str:
    bind = session.get_bind()
    for _ in range(2):
        try:
            with Session(bind) as own, own.begin():
                return generated_secret(own, _KEY_SETTING)
        except IntegrityError:
            continue  # another process generated it at the same moment: read theirs
    raise RuntimeError("cannot store the session signing key")


def _serializer(request: Request, session: Session, settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_signing_key(request, session, settings), salt="catalog-session")


def read_session(request: Request, session: Session, settings: Settings) -> SessionData | None:
    """The session in the request's cookie, if it is present, authentic and not too old."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request, session, settings).loads(raw, max_age=settings.session_max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    user_id = data.get("uid")
    generation = data.get("gen", 0)
    return SessionData(user_id=user_id if isinstance(user_id, int) else None, csrf=data["csrf"],
                       generation=generation if isinstance(generation, int) else -1)


def start_session(response: Response, request: Request, session: Session, settings: Settings,
                  user: User | None) -> str:
    """Set a fresh session cookie (new CSRF token) on ``response``; returns the CSRF token."""
    csrf = secrets.token_urlsafe(32)
    payload = {"uid": None, "csrf": csrf} if user is None else {
        "uid": user.id, "csrf": csrf, "gen": user.session_generation or 0}
    value = _serializer(request, session, settings).dumps(payload)
    response.set_cookie(SESSION_COOKIE, value, max_age=settings.session_max_age, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    request.state.csrf = csrf
    return csrf


def end_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


async def viewer(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The user making the request, or None. A bearer token that does not work is a 401, not anonymous.

    A request without any credential (a token, the trusted header, the session cookie) is
    anonymous without a query, on the event loop; any other goes to the thread pool to be looked up.
    """
    if hasattr(request.state, "viewer"):
        return request.state.viewer
    headers = request.headers
    if ("authorization" not in headers and SESSION_COOKIE not in request.cookies
            and not (settings.trusted_user_header and headers.get(settings.trusted_user_header))):
        request.state.via = None
        request.state.viewer = None
        return None
    return await run_in_threadpool(_identify, request, session, settings)


def _identify(request: Request, session: Session, settings: Settings) -> User | None:
    user: User | None = None
    request.state.via = None
    token = _bearer(request)
    if token is not None:
        user = user_for_token(session, token)
        if user is None:
            raise _unauthorized("the API token is unknown, expired or revoked")
        request.state.via = "token"
    elif settings.trusted_user_header and request.headers.get(settings.trusted_user_header):
        name = request.headers[settings.trusted_user_header].strip()
        user = session.scalar(select(User).where(User.name == name, User.disabled.is_(False)))
        request.state.via = "header" if user is not None else None
    if request.state.via is None:
        data = read_session(request, session, settings)
        if data is not None:
            request.state.csrf = data.csrf
            if data.user_id is not None:
                user = session.get(User, data.user_id)
                # Checked on every request: logout, a new password or disabling ends the session.
                if user is None or user.disabled or (user.session_generation or 0) != data.generation:
                    user = None
                request.state.via = "cookie" if user is not None else None
    if request.state.via == "header" and not getattr(request.state, "csrf", None) and user is not None:
        # No cookie behind an SSO proxy: derive a per-user token from the signing key instead.
        key = _signing_key(request, session, settings).encode()
        request.state.csrf = hmac.new(key, f"csrf:{user.id}".encode(), hashlib.sha256).hexdigest()
    request.state.viewer = user
    return user


ViewerDep = Annotated[User | None, Depends(viewer)]


async def require_viewer(user: ViewerDep, settings: SettingsDep) -> User | None:
    """The user, or None when the catalogue is public; 401 when it is not and nobody signed in."""
    if user is None and not settings.public_read:
        raise _unauthorized("sign in or send an API token to read the catalogue")
    return user


ReaderDep = Annotated[User | None, Depends(require_viewer)]


def has_role(user: User | None, role: str) -> bool:
    """Whether ``user`` holds ``role`` or a higher one."""
    return user is not None and ROLE_RANK.get(user.role, -1) >= ROLE_RANK[role]


def require_role(role: str) -> Callable[..., User]:
    """A dependency: the signed-in user (any way of signing in) if they hold ``role``; 401 or 403 otherwise."""

    async def dependency(user: ViewerDep) -> User:
        if user is None:
            raise _unauthorized("sign in first")
        if not has_role(user, role):
            raise HTTPException(status_code=403, detail=f"this needs the {role} role")
        return user

    return dependency


def require_token_role(role: str) -> Callable[..., User]:
    """A dependency for API writes: a bearer token whose user holds ``role``; 401 or 403 otherwise."""

    async def dependency(request: Request, user: ViewerDep) -> User:
        if user is None or request.state.via != "token":
            raise _unauthorized("API writes need 'Authorization: Bearer <token>'")
        if not has_role(user, role):
            raise HTTPException(status_code=403, detail=f"this needs a token of a user with the {role} role")
        return user

    return dependency


def csrf_token(request: Request) -> str | None:
    """The CSRF token that HTML forms must send back (None for anonymous visitors without a session)."""
    return getattr(request.state, "csrf", None)


async def check_csrf(request: Request, user: ViewerDep) -> None:
    """A dependency for HTML form POSTs: the form's token must match the session's."""
    del user  # resolved first so that request.state.csrf is set
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = csrf_token(request)
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="the form expired or did not come from this site; reload it")


def client_address(request: Request) -> str | None:
    """The caller's address: the peer, or, when the peer is a configured trusted proxy
    (``CATALOG_TRUSTED_PROXIES``), the nearest address in ``X-Forwarded-For`` that is not one.

    Anyone can send an ``X-Forwarded-For`` header, so from any other peer it is ignored: the
    sign-in limit and the audit log then see the real peer, not an address the caller chose.
    """
    peer = request.client.host if request.client else None
    settings: Settings = request.app.state.settings
    if peer is None or not settings.is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not settings.is_trusted_proxy(hop):
            return hop[:64]
    return peer


def actor_for(request: Request, user: User) -> Actor:
    """The audit-log actor of a request."""
    return Actor.of(user, client_address(request))


def user_view(user: User | None) -> dict[str, Any] | None:
    """The signed-in user as templates and JSON see them (never the password hash)."""
    if user is None:
        return None
    return {"name": user.name, "role": user.role, "team": user.team.name if user.team else None}
