"""Accounts: teams, users, passwords, API tokens and the audit log of everything users write.

Service functions here add and ``flush()``; the caller (a request, a CLI command) commits, so a
write and its audit-log entry land together or not at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db.engine import utcnow
from catalog.db.tables import ApiToken, AppSetting, AuditLogEntry, Team, User
from catalog.errors import CatalogError

ROLES = ("viewer", "reviewer", "admin")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "cat_"
# last_used_at is informative; writing it on every request would turn reads into writes.
_LAST_USED_GRANULARITY = timedelta(minutes=5)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(CatalogError):
    """An account operation that cannot be done as asked (duplicate name, unknown user, weak password)."""


@dataclass(frozen=True)
class Actor:
    """Who performs a write and from where, as the audit log records it."""

    name: str
    user_id: int | None = None
    address: str | None = None

    @classmethod
    def of(cls, user: User, address: str | None) -> Actor:
        """The actor for a signed-in user."""
        return cls(name=user.name, user_id=user.id, address=address)


def record(session: Session, actor: Actor, action: str, target: str | None = None,
           detail: dict[str, Any] | None = None) -> AuditLogEntry:
    """Append an entry to the audit log. ``detail`` must never hold a secret."""
    entry = AuditLogEntry(user_id=actor.user_id, actor=actor.name, action=action, target=target,
                          detail=detail or {}, address=actor.address, at=utcnow())
    session.add(entry)
    session.flush()
    return entry


def audit_log(session: Session, *, limit: int = 100, before: int | None = None,
              action: str | None = None) -> list[AuditLogEntry]:
    """Audit-log entries, newest first; ``before`` is an entry id to page back from."""
    query = select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditLogEntry.id < before)
    if action:
        query = query.where(AuditLogEntry.action == action)
    return list(session.scalars(query))


def audit_entry_view(entry: AuditLogEntry) -> dict[str, Any]:
    """One audit-log entry as JSON."""
    return {"id": entry.id, "at": entry.at.isoformat().replace("+00:00", "Z"), "actor": entry.actor,
            "user_id": entry.user_id, "action": entry.action, "target": entry.target,
            "detail": entry.detail, "address": entry.address}


# --- passwords ----------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.name == name))
    stored = user.password_hash if user is not None and not user.disabled else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None or user is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def recent_failures(session: Session, name: str, address: str | None, window: timedelta) -> int:
    """Failed sign-ins for this name from this address within ``window``."""
    return session.scalar(
        select(func.count()).select_from(AuditLogEntry).where(
            AuditLogEntry.action == "login.failed", AuditLogEntry.target == name[:300],
            AuditLogEntry.address == address, AuditLogEntry.at > utcnow() - window,
        )
    ) or 0


# --- teams and users ----------------------------------------------------------------------------


def add_team(session: Session, name: str, actor: Actor) -> Team:
    """Create a team."""
    _check_name(name, "team")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise AccountError(f"team {name!r} already exists")
    team = Team(name=name, created_at=utcnow())
    session.add(team)
    session.flush()
    record(session, actor, "team.add", name)
    return team


def teams(session: Session) -> list[Team]:
    """Every team, by name."""
    return list(session.scalars(select(Team).order_by(Team.name)))


def find_team(session: Session, name: str) -> Team:
    """The team with this name."""
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise AccountError(f"no team {name!r}")
    return team


def add_user(session: Session, name: str, *, role: str, password: str | None, actor: Actor,
             team: str | None = None) -> User:
    """Create a user; ``password`` None makes an account that signs in only through the SSO header."""
    _check_name(name, "user")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise AccountError(f"user {name!r} already exists")
    user = User(name=name, role=role, team=find_team(session, team) if team else None,
                password_hash=hash_password(password) if password is not None else None, created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, actor, "user.add", name, {"role": role, "team": team})
    return user


def users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def find_user(session: Session, name: str) -> User:
    """The user with this name."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError(f"no user {name!r}")
    return user


def disable_user(session: Session, name: str, actor: Actor) -> User:
    """Disable a user: sign-in, sessions and every token of theirs stop working at once."""
    user = find_user(session, name)
    user.disabled = True
    end_sessions(user)
    session.flush()
    record(session, actor, "user.disable", name)
    return user


def set_password(session: Session, name: str, password: str, actor: Actor) -> User:
    """Give a user a new password; every session signed in with the old one ends."""
    user = find_user(session, name)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.flush()
    record(session, actor, "user.password", name)
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user`` (cookies carry the generation they were issued under)."""
    user.session_generation = (user.session_generation or 0) + 1


# --- API tokens ---------------------------------------------------------------------------------


def create_token(session: Session, user: User, *, name: str, actor: Actor,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the token itself, which is not stored anywhere."""
    if user.disabled:
        raise AccountError(f"user {user.name!r} is disabled")
    if expires_at is not None and expires_at <= utcnow():
        raise AccountError("the expiry date is in the past")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:64], token_hash=_digest(secret), prefix=secret[:12],
                     created_at=utcnow(), expires_at=expires_at)
    session.add(token)
    session.flush()
    record(session, actor, "token.create", user.name, {"token_id": token.id, "name": token.name,
                                                       "prefix": token.prefix})
    return token, secret


def tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Tokens (of one user, or all), newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, actor: Actor) -> ApiToken:
    """Revoke a token for good."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(f"no token #{token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record(session, actor, "token.revoke", token.user.name, {"token_id": token.id, "prefix": token.prefix})
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    """The enabled user a valid (known, unrevoked, unexpired) token belongs to, or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.user.disabled:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        token.last_used_at = now
        session.flush()
    return token.user


def token_status(token: ApiToken) -> str:
    """active | expired | revoked."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "expired"
    return "active"


# --- generated settings -------------------------------------------------------------------------


def generated_secret(session: Session, key: str) -> str:
    """A random value generated on first use and kept in ``app_settings`` (e.g. the cookie key)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    if value is None:
        value = secrets.token_urlsafe(48)
        session.add(AppSetting(key=key, value=value))
        session.flush()
    return value


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name):
        raise AccountError(f"{what} names are 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
