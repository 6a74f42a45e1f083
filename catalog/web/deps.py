"""FastAPI dependencies shared by every router: the settings and one transaction per request.

Both are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, a round trip
through another thread for what is a dictionary lookup (the settings) or an object that does no
I/O until the handler's first query (the session). The session's commit does I/O and still runs
in the thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from catalog.config import Settings


async def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session in one transaction for the whole request: committed if the handler returns,
    rolled back if it raises, so a page never sees half of another request's writes."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(session.close)  # closing rolls the transaction back
        raise
    await run_in_threadpool(_commit, session)


def _commit(session: Session) -> None:
    with session:
        session.commit()


# scope="function": the transaction commits when the handler returns, before the response is
# sent. (A request-scoped yield dependency closes after the response: a client could get a 201
# for a row not yet readable, or for a commit that then failed.) A failed commit raises here and
# becomes a 500 in the error shape.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
