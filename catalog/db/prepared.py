"""Statements of the hot read paths (the API's model record): compiled once per dialect, run as
plain SQL.

Executing a Core statement costs SQLAlchemy a cache key over the whole statement tree on every
call (~0.3 ms for a record's statement, more than SQLite takes to answer it); a
:class:`Prepared` statement pays for compilation once per process and dialect, then runs through
``exec_driver_sql``, so that engine events (statement counting, tracing) still see it. Rows are
decoded by the same result processors SQLAlchemy would apply (JSON columns, UTC timestamps), so
callers get the values an ordinary ``select`` gives.

:func:`json_rows` aggregates a one-to-many collection into one JSON column, so that a row and
its collections come back in one statement without multiplying rows.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Select, cast, func, literal_column, select
from sqlalchemy.types import JSON, Text

from catalog.db.engine import UTCDateTime
from catalog.db.jsontext import loads_stored


class _Compiled(NamedTuple):
    sql: str
    order: tuple[str, ...] | None  # bound names in order, for a driver with positional parameters
    fixed: dict[str, Any]
    processors: list[Callable[[Any], Any] | None]
    row: type[tuple[Any, ...]]


class Prepared:
    """A select built per dialect by ``build(dialect_name)``, compiled on first use."""

    def __init__(self, build: Callable[[str], Select[Any]]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            with self._lock:
                found = self._compiled.get(dialect.name)  # another thread may have compiled it meanwhile
                if found is not None:
                    return found
                compiled = self._build(dialect.name).compile(dialect=dialect)
                processors = [type_._cached_result_processor(dialect, None)
                              for _, _, _, type_ in compiled._result_columns]
                # Values fixed in the statement (a LIMIT, a literal compared with) are bound too.
                fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
                order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
                row = namedtuple("Row", [column[0] for column in compiled._result_columns], rename=True)  # type: ignore[misc]
                found = self._compiled[dialect.name] = _Compiled(compiled.string, order, fixed, processors, row)
        return found

    def rows(self, connection: Connection, **params: Any) -> list[Any]:
        """Run the statement with these bound values; each row (a named tuple of the result's
        column names) decoded like a Core result's."""
        sql, order, fixed, processors, make = self._for(connection)
        values = {**fixed, **params}
        bound: Any = tuple(values[name] for name in order) if order is not None else values
        raw = connection.exec_driver_sql(sql, bound).fetchall()
        return [make(*(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))) for row in raw]


def json_rows(dialect: str, outer: Any, columns: Sequence[ColumnElement[Any]], where: ColumnElement[bool],
              order_by: Sequence[ColumnElement[Any]], *, limit: int | None = None,
              joins: Sequence[tuple[Any, ColumnElement[bool]]] = (),
              outer_joins: Sequence[tuple[Any, ColumnElement[bool]]] = ()) -> ColumnElement[Any]:
    """A scalar subquery: the rows matching ``where`` (correlated with the ``outer`` table) as a
    JSON array of arrays, in ``order_by`` order.

    Decode its value with :func:`decode_rows`. JSON-typed columns travel as their text and
    timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC on both databases.
    """
    values = [_portable(dialect, c) for c in columns]
    source = columns[0].table
    if dialect == "postgresql" and limit is None:
        # Imported here: the PostgreSQL dialect is a fifth of SQLAlchemy's import time, which
        # `catalog check` on SQLite must not pay.
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        inner = select(func.json_agg(aggregate_order_by(func.json_build_array(*values), *order_by)))
        query = inner.select_from(source)
        for target, on in joins:
            query = query.join(target, on)
        for target, on in outer_joins:
            query = query.outerjoin(target, on)
        return query.where(where).correlate(outer).scalar_subquery()
    # SQLite (before 3.44) has no ORDER BY inside an aggregate: it aggregates an ordered subquery,
    # whose order it keeps (an aggregate over an ORDER BY subquery is never flattened).
    labelled = [v.label(f"c{i}") for i, v in enumerate(values)]
    rows = select(*labelled).select_from(source)
    for target, on in joins:
        rows = rows.join(target, on)
    for target, on in outer_joins:
        rows = rows.outerjoin(target, on)
    # Correlated with the enclosing query explicitly: a FROM subquery is not correlated by itself.
    rows = rows.where(where).order_by(*order_by).limit(limit).correlate(outer).subquery()
    array = func.json_build_array if dialect == "postgresql" else func.json_array
    aggregate = func.json_agg if dialect == "postgresql" else func.json_group_array
    return select(aggregate(array(*rows.c))).correlate(outer).scalar_subquery()


def _portable(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    type_ = column.type
    # JSONType decorates JSON (JSONB on PostgreSQL): the decorator is what the column carries.
    if isinstance(type_, JSON) or isinstance(getattr(type_, "impl", None), JSON):
        return cast(column, Text) if dialect == "postgresql" else column
    if isinstance(type_, UTCDateTime) and dialect == "postgresql":
        return func.to_char(func.timezone(literal_column("'UTC'"), column), literal_column("'YYYY-MM-DD HH24:MI:SS.US'"))
    return column


def decode_rows(value: Any, kinds: str) -> list[list[Any]]:
    """The rows of a :func:`json_rows` value; ``kinds`` has a letter per column: ``j`` JSON,
    ``t`` timestamp, ``.`` as is."""
    if value is None:
        return []
    rows = loads_stored(value) if isinstance(value, str | bytes) else value
    decoders = [_DECODERS[k] for k in kinds]
    return [[d(v) if d is not None and v is not None else v for d, v in zip(decoders, row, strict=True)]
            for row in rows]


def _timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_DECODERS: dict[str, Callable[[Any], Any] | None] = {"j": loads_stored, "t": _timestamp, ".": None}
