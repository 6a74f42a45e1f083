"""FastAPI dependencies shared by every router: the settings and one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from catalog.config import Settings


def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session in one transaction for the whole request: committed if the handler returns,
    rolled back if it raises, so a page never sees half of another request's writes."""
    factory = request.app.state.sessionmaker
    with factory() as session, session.begin():
        yield session


# scope="function": the transaction commits when the handler returns, before the response is
# sent. (A request-scoped yield dependency closes after the response: a client could get a 201
# for a row not yet readable, or for a commit that then failed.) A failed commit raises here and
# becomes a 500 in the error shape.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
