"""How catalog's commands use Python's cycle collector: less often while a command allocates
much, not at all for the last collection of a process that is about to exit, and never over what
a server holds from its start.

Imports no package of catalog, so that every command may use it (``catalog check`` above all,
which must not import the crawler).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young-generation collections inside fewer_collections (Python's default: 700).
_YOUNG_THRESHOLD = 10_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a command does its work.

    A sync page allocates hundreds of thousands of short-lived objects (parsed items, rows, facts)
    that reference counting frees, and a check imports most of SQLAlchemy, which frees almost
    nothing; at the default threshold the cycle collector still runs over a thousand times in a
    20k-model sync (a seventh of its CPU) and a few hundred times in a check (~60 ms; ~17 ms
    inside this block), each time walking the long-lived heap. What exists when the block starts is moved out of the
    collector's sight (``gc.freeze``) and young collections run 14 times less often; both are
    undone when the block ends.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def settle_after_start() -> None:
    """Hide what a started server holds from the cycle collector, for as long as it runs.

    A started server holds ~120,000 objects that live as long as it does (modules, functions,
    SQLAlchemy's mappers, the knowledge base, the stored facet counts), and every full collection
    walks all of them: 30 - 40 ms on the standard machine, about once every 15 searches, each time
    inside one request (``bench_search.py`` at 100k: ten full collections in 150 searches, and the
    query they kept landing on took 55 ms instead of 14). Collected once (the start-up's own
    garbage), then frozen, a full collection walks only what came after.

    For a process that serves until it is stopped: frozen objects caught in reference cycles are
    never freed, so a process that builds and drops applications (the tests) must not call it.
    """
    gc.collect()
    gc.freeze()


def skip_the_last_collection() -> None:
    """Have the process skip the interpreter's last garbage collection when it exits.

    At exit every object a command imported (SQLAlchemy's, pydantic's, the knowledge base's: some
    80,000 in a check) is garbage, and the collector walks and frees them one by one, which the
    operating system does at once by taking the process's memory back. ``gc.freeze`` at exit
    hides them from that collection. What must happen at exit still does: Python flushes the
    output and runs the other exit handlers; a caller must close what holds an outside resource
    itself (a SQLite connection left to the collector would leave its -wal and -shm files beside
    the database). Registered for the exit only, so a process that runs the command and carries on
    (the tests) collects as usual until it ends.
    """
    atexit.unregister(gc.freeze)  # once per process, however many commands it runs
    atexit.register(gc.freeze)
