"""Engines, sessions and schema upgrades. No engine is created at import time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from catalog.db.jsontext import loads_stored
from catalog.errors import ConfigurationError, DatabaseUnavailable
from catalog.resources import resource_dir

# The revision lines of a migration script, as Alembic writes them.
_REVISION_LINE = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _JSON(TypeDecorator[Any]):
    """JSONB on PostgreSQL: indexable and compact; plain JSON text elsewhere.

    Python None is stored as SQL NULL (not JSON 'null'), so "IS NULL" means "not declared".
    The PostgreSQL type is imported only when a PostgreSQL engine uses it: importing
    ``sqlalchemy.dialects.postgresql`` costs about a fifth of SQLAlchemy's import time, which
    ``catalog check`` on SQLite would pay on every push (``with_variant`` needs the type up front).
    """

    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(self.impl)


JSONType = _JSON()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no timezone type and hands back naive values; normalising here keeps
    comparisons between stored and fresh timestamps correct on both engines.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None and dialect.name == "sqlite":
            # Stored naive so that SQLite's text comparisons and ORDER BY stay chronological.
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, :meth:`process_bind_param` fused with the driver's formatting, at a third of the cost.

        SQLite's DATETIME processor formats the value's fields; those of an aware value's UTC time
        are those of the naive value ``process_bind_param`` makes, so the ``replace`` (the costly
        step, for every timestamp a sync writes) is skipped and the text stored is the same.
        """
        impl_processor = self.impl_instance.bind_processor(dialect) if dialect.name == "sqlite" else None
        if impl_processor is None:
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> Any:
            if value is not None and value.tzinfo is not None and value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return impl_processor(value)

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every catalog table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[Any]: JSONType, datetime: UTCDateTime}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only clock the catalogue uses)."""
    return datetime.now(UTC)


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """Apply the settings catalog uses on every SQLite connection (a connect-event listener)."""
    cursor = dbapi_connection.cursor()
    # WAL lets `catalog serve` read while `catalog sync` writes; the busy timeout makes the
    # writer wait instead of failing when both touch the file at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A sync page rewrites the same index pages commit after commit; checkpointing every 64 MB
    # of WAL instead of every 4 MB copies each of them back far less often (-12% on a 100k-model
    # sync). The WAL file is cut back to that size after a checkpoint.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.execute("PRAGMA journal_size_limit=67108864")
    cursor.close()


# How much of a SQLite catalogue a serving process reads through a memory map (SQLite lowers it
# to its compile-time maximum, 2 GiB unless built otherwise).
SERVER_MMAP_BYTES = 1 << 40


def map_for_reads(engine: Engine) -> None:
    """Have a server's SQLite connections read the database file through a memory map.

    A search at a million models reads tens of thousands of rows scattered over the projection
    and its indexes; through SQLite's own 2 MB page cache every page missed is a read() system
    call and a copy. Mapped, the pages are the operating system's cached file, shared by all
    connections and worker processes: 20 - 45% less CPU for such reads at 250k models. Only the
    server maps (a sync would count the mapped file in its resident memory). Applied when a
    connection is checked out, so connections the pool already holds are mapped too.
    """
    if engine.dialect.name == "sqlite" and not event.contains(engine, "checkout", _map_on_checkout):
        event.listen(engine, "checkout", _map_on_checkout)


def _map_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if not record.info.get("mapped"):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA mmap_size={SERVER_MMAP_BYTES}")
        cursor.close()
        record.info["mapped"] = True


def plan_per_execution(engine: Engine) -> None:
    """Have a server's PostgreSQL connections plan each statement for the values it runs with.

    psycopg prepares a statement its connection runs often, and after five executions
    PostgreSQL may keep one generic plan for it, made without the values. For the model
    record's lineage query (a recursive walk with its depth and limits bound) that plan read
    whole tables: under load some connections ran it in 300 - 900 ms instead of 2, and the
    record's p95 at 32 clients swung between 83 ms and 3 s from run to run, by which plans the
    connections happened to keep (``bench_api.py --postgres``). Custom plans cost a few tenths
    of a millisecond of planning each; a sync, which runs the same statements thousands of
    times with values the generic plan suits, keeps the default.
    """
    if engine.dialect.name == "postgresql" and not event.contains(engine, "checkout", _plan_on_checkout):
        event.listen(engine, "checkout", _plan_on_checkout)


def _plan_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if not record.info.get("custom_plans"):
        set_on_checkout(dbapi_connection, "SET plan_cache_mode = force_custom_plan")
        record.info["custom_plans"] = True


def set_on_checkout(dbapi_connection: Any, statement: str) -> None:
    """Run a PostgreSQL ``SET`` on a connection being checked out, for the rest of its life.

    A checkout is outside any transaction (the pool rolled back on return), and the ``SET`` is
    committed at once: whatever the connection's next transaction does, the setting stays.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute(statement)
    dbapi_connection.commit()


# Values bound in one ``IN (...)`` list: few enough for any driver's limit on bound parameters
# (SQLite's is 32,766, PostgreSQL's 65,535), many enough that a batch of ids costs few round trips.
IN_LIST_SIZE = 500


def in_batches(values: Iterable[Any], size: int = IN_LIST_SIZE) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size``, each to be bound as one ``IN (...)`` list."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def dumps_json(value: Any) -> str:
    """The JSON text of a column value.

    orjson is several times faster than the standard library, which matters for the ten JSON
    columns of every model a sync writes; integers beyond 64 bits, which it refuses, take the
    slow path.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a catalogue database URL (SQLite or PostgreSQL with psycopg 3).

    ``postgresql://`` URLs are routed to psycopg 3, the only PostgreSQL driver catalog installs.
    """
    from sqlalchemy.exc import ArgumentError

    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        # Reads decode through loads_stored so that a value an older version stored unclean (a lone
        # surrogate, NaN in SQLite's JSON text) is served cleaned instead of failing the page.
        engine = create_engine(url, json_serializer=dumps_json, json_deserializer=loads_stored, **kwargs)
    except ModuleNotFoundError as exc:  # the URL names a driver that is not installed
        hint = " (pip install 'catalog[postgres]')" if "psycopg" in str(exc.name) else ""
        raise ConfigurationError(f"the database URL needs the Python module {exc.name!r}, which is not "
                                 f"installed{hint}") from None
    except ArgumentError as exc:
        raise ConfigurationError(f"bad CATALOG_DATABASE_URL: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (we hand them to templates)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises."""
    with factory() as session, session.begin():
        yield session


# The columns a sync looks rows up by while it writes (see catalog.crawl.sync._FIRST_ANALYZE): only
# theirs, as the wide JSON columns of hub_models cost most of a whole-table ANALYZE. A page deletes
# the findings of the models it re-derives by model id: unanalysed, that DELETE scanned the whole
# table (64 of a 100k first load's pages, 19 ms each).
LOOKUP_COLUMNS = ("hub_models (repo_id, hub_object_id)", "hub_model_bases (base_repo_id, model_id)",
                  "audit_findings (model_id)")
_SEARCHED_TABLES = ("hub_models", "hub_model_search", "hub_model_bases", "hub_model_formats", "audit_findings")


def refresh_statistics(session: Session, tables: tuple[str, ...] = _SEARCHED_TABLES) -> None:
    """Refresh PostgreSQL's planner statistics of ``tables`` (each a table, optionally with the
    columns to analyse; by default every table search and derivation read) after a bulk load.

    Autovacuum gets to a freshly filled table only after a while; until then the planner
    guesses from an empty table's statistics and the next sync or search picks slow plans
    (seen: an incremental sync just after a first 100k-model sync took 5 s instead of 1.5 s).
    SQLite is left alone: its search queries are written for its default planner.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))


def alembic_config(engine: Engine):  # -> alembic.config.Config, imported lazily: alembic is slow to import
    """An Alembic configuration bound to ``engine`` and to the migrations shipped with catalog."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(url: str) -> str:
    """Apply pending migrations to the database at ``url``; returns the revision it is at.

    Raises:
        DatabaseUnavailable: the database cannot be reached, opened or written (one line naming
            the URL, without its password).
    """
    engine = make_engine(url)
    with _unavailable_as_error(url):
        upgrade(engine)
        revision = current_revision(engine)
    return revision or "(none)"


@contextmanager
def _unavailable_as_error(url: str) -> Iterator[None]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        yield
    except (OperationalError, DatabaseError) as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"cannot open the database {safe}: {detail}") from None


def open_database(url: str) -> sessionmaker[Session]:
    """Open a catalogue database, applying pending migrations first.

    Raises:
        DatabaseUnavailable: the database cannot be reached or opened (the URL is named,
            without its password).
    """
    engine = make_engine(url)
    with _unavailable_as_error(url):
        ensure_schema(engine)
    return make_sessionmaker(engine)


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the newest schema on first use (cheap when it already is: Alembic
    is imported only to migrate)."""
    if not schema_is_current(engine):
        upgrade(engine)


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration, without importing Alembic (~150 ms).

    Reads ``alembic_version`` and the ``revision``/``down_revision`` lines of the shipped
    migration files. False for an empty or older database (or several heads); the caller then
    migrates, through Alembic.
    """
    with engine.connect() as connection:
        try:
            current = connection.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:  # noqa: BLE001 - no such table: not migrated yet
            return False
    revisions, parents = set(), set()
    for script in (resource_dir("migrations") / "versions").glob("*.py"):
        for down, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            names = set(re.findall(r"['\"]([0-9A-Za-z_]+)['\"]", value))
            (parents if down else revisions).update(names)
    heads = revisions - parents
    return len(heads) == 1 and current in heads
