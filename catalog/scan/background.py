"""Discovery in a forked child process, while the parent opens the catalogue.

``catalog check`` spends about as long importing SQLAlchemy and opening the catalogue as it
spends reading the tree, and the two need not wait for each other: on a machine with a CPU to
spare, :func:`start` forks a child (before the parent imports the database layer, so the fork is
cheap) that scans the tree while the parent opens the catalogue. When the parent is ready,
:meth:`Scan.result` tells the child to stop (a shared byte it reads between files), takes what
it found, and reads the files it did not reach itself: the child is a head start, and a large
tree never waits for a child scanning alone on one CPU (splitting the rest between the two would
gain more there, at the price of both agreeing on the files; measured in the README).

The catch is that discovery consults the catalogue: a bare ``teacher_model: gpt2`` counts only
if the catalogue knows ``gpt2``. The child cannot ask, so it guesses, and records for each file
every id it asked about and the answer it assumed (:class:`~catalog.scan.base.FileScan`). A
file's scan depends on nothing else, so the parent asks the catalogue about those ids and keeps
every file whose guesses were right; only the others are scanned again, with the real answers.
The result is the sequential scan's, byte for byte. The guesses: first "unknown" for every id;
then, in the files that asked about an id the tree names as a model somewhere, "known" for those
ids (a code base mostly names models the catalogue holds), which settles the common case, a file
that loads a catalogued model, in the child (if it gets there before the parent is ready).

The child is an optimisation only. Without ``os.fork``, without an idle CPU (one CPU, or all
busy: :func:`idle_cpus`), or when threads are running (a fork copies their locks, held or not),
:func:`start` returns None and the caller scans as before. If the child fails for any reason
but a :class:`~catalog.scan.base.DiscoveryError` (which is the user's to fix, and re-raised as
is), the parent scans the tree itself. The child is killed and reaped whenever the parent leaves
early (an error, Ctrl-C), and on Linux it dies with a parent killed outright, so no process is
left behind.
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from catalog.scan.base import Discovery, DiscoveryError, FileScan, IdCheck, assemble


def idle_cpus() -> int:
    """How many of the CPUs this process may use are idle now, besides the one it runs on.

    On Linux, the CPUs of its affinity less the tasks running right now (``/proc/loadavg``, which
    counts this one): a second process only slows the first down on a machine that is already
    busy (a CI runner's parallel jobs). Elsewhere every CPU counts as idle.
    """
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        with open("/proc/loadavg", "rb") as handle:
            running = int(handle.read().split()[3].partition(b"/")[0])
    except (OSError, ValueError, IndexError):
        running = 1
    return count - max(running, 1)


def start(paths: Sequence[str], *, root: Path | None, exclude: Sequence[str]) -> Scan | None:
    """Fork a child scanning ``paths`` (as :func:`catalog.scan.discovery.scan` would), or return
    None where that cannot help or is not safe. Whoever starts it must :meth:`Scan.close` it."""
    threading = sys.modules.get("threading")
    if not hasattr(os, "fork") or (threading is not None and threading.active_count() > 1) or idle_cpus() < 1:
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:  # out of file descriptors: the sequential scan will do
        return None
    stop = mmap.mmap(-1, 1)  # shared with the child: set when the parent takes over
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: likewise
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never return into the parent's code, run its exit handlers or flush its output
        code = 1
        try:
            os.close(read_end)
            _die_with(parent)
            # The parent's imports are the check's critical path: should the machine get busy after
            # all, the child yields to them (and to the neighbours), and runs when the parent waits.
            os.nice(19)
            code = _serve(write_end, paths, root, exclude, stop)
        finally:
            os._exit(code)
    os.close(write_end)
    return Scan(pid, read_end, stop, paths, root, exclude)


class Scan:
    """A discovery scan running in a child process (see :func:`start`)."""

    def __init__(self, pid: int, read_end: int, stop: mmap.mmap, paths: Sequence[str], root: Path | None,
                 exclude: Sequence[str]) -> None:
        self._pid: int | None = pid
        self._read_end = read_end
        self._stop = stop
        self._arguments = (paths, root, exclude)

    def result(self, known_ids: Callable[[str], bool]) -> Discovery:
        """What :func:`catalog.scan.discovery.scan` would return with ``known_ids``.

        The child stops at the next file and sends what it has; the parent reads the files it did
        not reach itself, so a large tree costs no more than the sequential scan less the part the
        child read while the parent was importing.

        Raises:
            DiscoveryError: as the scan would (the child's, or the parent's own scan's).
        """
        self._stop[0] = 1
        with os.fdopen(self._read_end, "rb") as pipe:
            self._read_end = -1
            data = pipe.read()
        status = self._reap(kill=False)
        try:
            outcome, value = pickle.loads(data) if status == 0 else (None, None)
        except Exception:  # noqa: BLE001 - a child cut short: the parent scans itself
            outcome, value = None, None
        if outcome == "error":
            raise DiscoveryError(value)
        paths, root, exclude = self._arguments
        if outcome != "found":
            from catalog.scan.discovery import scan

            return scan(paths, root=root, known_ids=known_ids, exclude=exclude)
        scans, reached = value
        check = IdCheck(known_ids)  # one cache for the answers and the scans again
        check.prefetch(repo_id for found in scans for repo_id in found.answers)
        right = [found for found in scans if all(check.known(repo_id) == answer
                                                 for repo_id, answer in found.answers.items())]
        if len(right) == len(scans) and reached is None:
            return assemble(right)
        from catalog.scan.discovery import scan_files, scan_one

        kept = {id(found) for found in right}
        again = [scan_one(found.path, found.file, found.file_type, check) for found in scans if id(found) not in kept]
        if reached is not None:  # the files the child did not reach
            again += scan_files(paths, check, root=root, exclude=exclude, skip=reached)
        return assemble(right + again)

    def close(self) -> None:
        """Stop the child if it still runs, and reap it (idempotent)."""
        if self._read_end >= 0:
            os.close(self._read_end)
            self._read_end = -1
        self._reap(kill=True)

    def _reap(self, *, kill: bool) -> int | None:
        """Wait for the child (killing it first if ``kill``); its exit code, None if already reaped."""
        if self._pid is None:
            return None
        pid, self._pid = self._pid, None
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # already exited, not yet reaped
                pass
        while True:
            try:
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            except InterruptedError:  # pragma: no cover - retried by Python itself since 3.5
                continue


def _die_with(parent: int) -> None:
    """End the child with its parent, however the parent ends (``kill -9`` included), on Linux;
    elsewhere a parent killed outright leaves the child to finish its scan and exit alone."""
    if sys.platform == "linux":
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no C library to ask: the scan is bounded anyway
            pass
    if os.getppid() != parent:  # the parent ended before that took effect
        os._exit(1)


def _serve(write_end: int, paths: Sequence[str], root: Path | None, exclude: Sequence[str], stop: mmap.mmap) -> int:
    """The child's work: scan, send ``("found", (scans, reached))`` (see :func:`_guessed_scan`) or
    ``("error", message)``; the exit code."""
    try:
        payload: tuple[str, object] = ("found", _guessed_scan(paths, root, exclude, stop))
    except DiscoveryError as exc:
        payload = ("error", str(exc))
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(write_end, "wb") as pipe:
        pipe.write(data)
    return 0


def _guessed_scan(paths: Sequence[str], root: Path | None, exclude: Sequence[str], stop: mmap.mmap
                  ) -> tuple[list[FileScan], set[str] | None]:
    """The tree's files scanned with guessed catalogue answers (see the module docstring), until
    ``stop`` is set; files that found nothing and asked nothing are left out, as they add nothing to
    the result. With the paths of the files read when stopped before the last, else None."""
    from catalog.scan.discovery import scan_files, scan_one

    first = IdCheck(lambda _repo_id: False)
    scans: list[FileScan] = []
    reached: set[str] = set()
    for found in scan_files(paths, first, root=root, exclude=exclude):
        reached.add(found.path)
        if found.references or found.problems or found.covered or found.answers:
            scans.append(found)
        if stop[0]:
            return scans, reached
    # The parent still imports: guess again where the tree itself suggests a better answer.
    named = {ref.repo_id for found in scans for ref in found.references}
    guess = IdCheck(named.__contains__)
    for index, found in enumerate(scans):
        if stop[0]:
            break
        if not named.isdisjoint(found.answers):
            scans[index] = scan_one(found.path, found.file, found.file_type, guess)
    return scans, None
