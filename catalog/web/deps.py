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


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
