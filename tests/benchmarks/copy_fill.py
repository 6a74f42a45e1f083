"""Fill an empty PostgreSQL catalogue from a filled SQLite one with ``COPY`` (benchmarks only).

Ingesting a million synthetic models through sync takes most of an hour on the shared
machine, once per database. The search benchmark needs the same catalogue on both engines,
so it fills SQLite through the real ingest path once and copies that file into PostgreSQL
table by table: ``COPY ... FROM STDIN`` streams the rows as text, which PostgreSQL parses
into its own types (JSON text into jsonb, 0/1 into booleans, timestamps read as UTC).

The search projection is not copied: the triggers on ``hub_models`` write it (and its search
document) row by row, as for any other write, and those on the findings and formats its masks,
so the copy also exercises them. Indexes that
back no constraint are dropped during the copy and built again after it: building an index
once is several times faster than maintaining 20 of them row by row.
"""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import Engine, text

from catalog.db.engine import Base

SKIPPED = {"hub_model_search"}  # written by the triggers on hub_models
BATCH = 10_000


def copy_catalogue(sqlite_path: str, target: Engine) -> int:
    """Copy every table of a migrated, filled SQLite catalogue into the empty, migrated ``target``.

    Returns the number of models copied.
    """
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    raw = target.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET TimeZone = 'UTC'")  # SQLite holds UTC timestamps without a zone
        cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                       "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relnamespace = current_schema()::regnamespace "
                       "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)")
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED:
                continue
            started = time.perf_counter()
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            rows = source.execute(f"SELECT {columns} FROM {table.name}")
            copied = 0
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                while batch := rows.fetchmany(BATCH):
                    for row in batch:
                        copy.write_row(row)
                    copied += len(batch)
            if copied:
                print(f"  copied {copied:,} rows of {table.name} in {time.perf_counter() - started:.0f}s", flush=True)
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and copied:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f"(SELECT max(id) FROM {table.name}))")
        cursor.execute("DELETE FROM app_settings WHERE key LIKE 'counts:%'")  # counted by the source, not here
        started = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        print(f"  built {len(indexes)} indexes in {time.perf_counter() - started:.0f}s", flush=True)
        raw.commit()
        # The triggers wrote each projection row three times (the row, then its formats' and
        # its findings' masks, catalog.db.marks): compact it to the one version a sync's bulk
        # first load writes, so that scans read what they would after a real load.
        started = time.perf_counter()
        driver = raw.driver_connection
        driver.autocommit = True  # VACUUM runs outside a transaction
        try:
            driver.execute("VACUUM FULL hub_model_search")
        finally:
            driver.autocommit = False
        print(f"  compacted hub_model_search in {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        raw.close()
        source.close()
    with target.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM hub_models")) or 0
