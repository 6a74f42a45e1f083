"""`catalog users`, `catalog teams` and `catalog tokens`: account administration from the shell.

Every change is audit-logged with the actor ``cli:<os user>``: whoever can run the CLI against
the database is an administrator.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from datetime import UTC, datetime, timedelta

import click

from catalog.config import Settings

_RELATIVE = re.compile(r"^(\d{1,5})d$")


def _actor():
    from catalog.teams.accounts import Actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(name=f"cli:{who}"[:64])


def _session(settings: Settings, *, existing: bool = False):
    """A transaction on the catalogue; ``existing``: commands that only read or change what is
    already there (list, disable, revoke) never create a database."""
    from catalog.cli.common import open_db
    from catalog.db.engine import transaction

    return transaction(open_db(settings, read_only=existing))


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else "-"


@click.group()
def users() -> None:
    """Add, list and disable user accounts, and set their passwords."""


@users.command("add")
@click.argument("name")
@click.option("--team", metavar="TEAM", help="The team whose decisions the user takes part in.")
@click.option("--role", type=click.Choice(["viewer", "reviewer", "admin"]), default="viewer", show_default=True,
              help="viewer reads; reviewer also flags models; admin also reads the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="No password: the user signs in through the SSO header only.")
@click.pass_obj
def users_add(settings: Settings, name: str, team: str | None, role: str, password_stdin: bool,
              no_password: bool) -> None:
    """Create user NAME, asking for the password twice (or reading it with --password-stdin)."""
    from catalog.teams.accounts import add_user

    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session(settings) as session:
        user = add_user(session, name, role=role, team=team, password=password, actor=_actor())
    click.echo(f"added user {user.name} ({role}{', team ' + team if team else ''})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def users_list(settings: Settings, as_json: bool) -> None:
    """List users with their team, role and state."""
    from catalog.teams.accounts import users as all_users

    with _session(settings, existing=True) as session:
        rows = [{"name": u.name, "team": u.team.name if u.team else None, "role": u.role,
                 "disabled": u.disabled, "password": u.password_hash is not None,
                 "created_at": _iso(u.created_at)} for u in all_users(session)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        state = "disabled" if r["disabled"] else "active"
        click.echo(f"{r['name']:<24} {r['team'] or '-':<16} {r['role']:<9} {state:<9} created {r['created_at']}")


@users.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(settings: Settings, name: str) -> None:
    """Disable user NAME: their sessions and tokens stop working at once."""
    from catalog.teams.accounts import disable_user

    with _session(settings, existing=True) as session:
        disable_user(session, name, _actor())
    click.echo(f"disabled user {name}")


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def users_password(settings: Settings, name: str, password_stdin: bool) -> None:
    """Set a new password for user NAME; every session they have open ends."""
    from catalog.teams.accounts import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _session(settings) as session:
        set_password(session, name, password, _actor())
    click.echo(f"new password set for {name}; their sessions ended")


@click.group()
def teams() -> None:
    """Add and list teams."""


@teams.command("add")
@click.argument("name")
@click.pass_obj
def teams_add(settings: Settings, name: str) -> None:
    """Create team NAME."""
    from catalog.teams.accounts import add_team

    with _session(settings) as session:
        add_team(session, name, _actor())
    click.echo(f"added team {name}")


@teams.command("list")
@click.pass_obj
def teams_list(settings: Settings) -> None:
    """List teams."""
    from catalog.teams.accounts import teams as all_teams

    with _session(settings, existing=True) as session:
        for team in all_teams(session):
            click.echo(team.name)


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens."""


def _expiry_text(value: datetime | None) -> str:
    """An expiry as the user gave it: a token valid through 2027-01-31 ends at 2027-02-01T00:00Z,
    which reads as the wrong day; show the last valid day instead."""
    if value is None:
        return "never"
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return f"end of {(value - timedelta(days=1)).date().isoformat()} UTC"
    return _iso(value)


def _expiry(value: str | None) -> datetime | None:
    if value is None:
        return None
    relative = _RELATIVE.match(value.strip())
    if relative:
        return datetime.now(UTC) + timedelta(days=int(relative.group(1)))
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter(f"{value!r}: write a date (2027-01-31) or a number of days (30d)",
                                 param_hint="--expires") from None
    # A date means "valid through that day".
    return day.replace(tzinfo=UTC) + timedelta(days=1)


@tokens.command("create")
@click.option("--user", "user_name", required=True, metavar="NAME", help="The user the token acts as.")
@click.option("--name", default="api", show_default=True, help="A label to recognise the token by.")
@click.option("--expires", metavar="DATE|Nd", help="Expiry: a date (2027-01-31, valid through that day) or days (30d).")
@click.pass_obj
def tokens_create(settings: Settings, user_name: str, name: str, expires: str | None) -> None:
    """Create an API token and print it once (it cannot be shown again)."""
    from catalog.teams.accounts import create_token, find_user

    expires_at = _expiry(expires)
    with _session(settings) as session:
        token, secret = create_token(session, find_user(session, user_name), name=name, actor=_actor(),
                                     expires_at=expires_at)
        token_id = token.id
    click.echo(f"token #{token_id} for {user_name} (expires {_expiry_text(expires_at)}); store it now, it is not shown "
               "again:",
               err=True)
    click.echo(secret)


@tokens.command("list")
@click.option("--user", "user_name", metavar="NAME", help="Only this user's tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def tokens_list(settings: Settings, user_name: str | None, as_json: bool) -> None:
    """List tokens (never the tokens themselves: only their first characters)."""
    from catalog.teams.accounts import find_user, token_status
    from catalog.teams.accounts import tokens as all_tokens

    with _session(settings, existing=True) as session:
        user = find_user(session, user_name) if user_name else None
        rows = [{"id": t.id, "user": t.user.name, "name": t.name, "prefix": t.prefix, "status": token_status(t),
                 "created_at": _iso(t.created_at), "expires_at": _iso(t.expires_at),
                 "expires": _expiry_text(t.expires_at),
                 "last_used_at": _iso(t.last_used_at)} for t in all_tokens(session, user)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['prefix']}…  {r['user']:<20} {r['name']:<16} {r['status']:<8} "
                   f"expires {r['expires']:<22} last used {r['last_used_at']}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def tokens_revoke(settings: Settings, token_id: int) -> None:
    """Revoke token ID (see `catalog tokens list`)."""
    from catalog.teams.accounts import revoke_token

    with _session(settings, existing=True) as session:
        revoke_token(session, token_id, _actor())
    click.echo(f"revoked token #{token_id}")
