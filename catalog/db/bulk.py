"""Many-row INSERT and UPDATE-by-id of the sync's hot write path, bound by catalog rather than per row by SQLAlchemy.

``session.execute(insert(table), rows)`` costs SQLAlchemy a pass over every bound name of the
statement for each row (``construct_params``) before the type processors run: for the wide
``hub_models`` row that is more than the driver's own work. Here the statement is compiled once
per process, dialect and set of columns, each row becomes the driver's parameters in one pass
applying the very bind processors (and Python-side column defaults) SQLAlchemy would apply, and
the batch runs as one ``executemany`` through ``exec_driver_sql`` (engine events still see it).
On PostgreSQL an INSERT is a ``COPY ... FROM STDIN`` instead: the rows stream to the server in one
go, where an ``executemany`` (even pipelined) has the server parse and plan an INSERT per row.
The rows written are the same as with ``session.execute``; only the per-row bookkeeping goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

_ID = "id"


class _Plan(NamedTuple):
    sql: str
    # The bound values of a row, in the driver's order: those its keys give, read at once; then
    # the column defaults inserted at their places; then the bind processors applied in place.
    get: Callable[[dict[str, Any]], Any]
    defaults: tuple[tuple[int, Callable[[], Any]], ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    names: tuple[str, ...] | None  # parameter names for a driver with named parameters
    copy: str | None  # the COPY statement of an INSERT on PostgreSQL


_plans: dict[tuple[str, str, str, tuple[str, ...]], _Plan | None] = {}
_lock = threading.Lock()


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` each of ``rows`` (dicts with the same keys) into ``table``, as ``session.execute(insert(table), rows)``."""
    _write(session, "insert", table, rows)


def update_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE`` ``table`` by primary key ``id`` for each of ``rows`` (dicts with the same keys, ``id`` included).

    What the ORM's bulk update by primary key (``session.execute(update(Model), rows)``) does.
    """
    _write(session, "update", table, rows)


def _write(session: Session, kind: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    connection = session.connection()
    keys = tuple(rows[0])
    plan = _plan(connection.dialect, kind, table, keys)
    if plan is None:  # a statement this fast path does not reproduce: SQLAlchemy binds it
        if kind == "insert":
            session.execute(insert(table), rows)
        else:
            session.execute(_update(table, keys), [{f"b_{k}": v for k, v in row.items()} for row in rows])
        return
    if plan.copy is not None:
        # The processed values are what the INSERT would bind (JSON already wrapped for psycopg).
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(plan.copy) as copy:
            for row in rows:
                copy.write_row(_values(plan, row))
        return
    if plan.names is None:
        connection.exec_driver_sql(plan.sql, [tuple(_values(plan, row)) for row in rows])
    else:
        connection.exec_driver_sql(plan.sql, [dict(zip(plan.names, _values(plan, row), strict=True)) for row in rows])


def _values(plan: _Plan, row: dict[str, Any]) -> list[Any]:
    values = list(plan.get(row))
    for index, default in plan.defaults:
        values.insert(index, default())
    for index, process in plan.processors:
        values[index] = process(values[index])
    return values


def _update(table: Table, keys: tuple[str, ...]) -> Any:
    # Bound as b_<key>: a bind named after a column of the SET clause is reserved by SQLAlchemy.
    return (update(table).where(table.c[_ID] == bindparam(f"b_{_ID}"))
            .values({k: bindparam(f"b_{k}") for k in keys if k != _ID}))


def _plan(dialect: Any, kind: str, table: Table, keys: tuple[str, ...]) -> _Plan | None:
    cache_key = (dialect.name, kind, table.name, keys)
    try:
        return _plans[cache_key]
    except KeyError:
        pass
    with _lock:
        if cache_key not in _plans:
            _plans[cache_key] = _compile(dialect, kind, table, keys)
        return _plans[cache_key]


def _compile(dialect: Any, kind: str, table: Table, keys: tuple[str, ...]) -> _Plan | None:
    if kind == "insert":
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        key_of = {k: k for k in keys}
    else:
        compiled = _update(table, keys).compile(dialect=dialect, for_executemany=True)
        key_of = {f"b_{k}": k for k in keys}
    if compiled.escaped_bind_names or compiled.update_prefetch or compiled.postfetch_lastrowid:
        return None
    defaults: dict[str, Callable[[], Any]] = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            return None
        # A callable default is called per row (with no execution context, which these defaults ignore).
        defaults[column.key] = (lambda value=default.arg: value) if default.is_scalar \
            else (lambda call=default.arg: call(None))
    names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.bind_names.values())
    if any(name not in key_of and name not in defaults for name in names):
        return None  # a bound value neither the rows nor a default supplies
    read = [key_of[name] for name in names if name in key_of]
    get = itemgetter(*read) if len(read) > 1 else (lambda row, key=read[0]: (row[key],))
    processors = [(index, compiled._bind_processors[name]) for index, name in enumerate(names)
                  if name in compiled._bind_processors]
    copy = None
    if kind == "insert" and dialect.name == "postgresql":
        quote = dialect.identifier_preparer.quote
        copy = f"COPY {quote(table.name)} ({', '.join(quote(table.c[name].name) for name in names)}) FROM STDIN"
    return _Plan(compiled.string, get, tuple((i, defaults[n]) for i, n in enumerate(names) if n not in key_of),
                 tuple(processors), None if compiled.positional else names, copy)
