"""Progress of long CLI work: a bar on a terminal, periodic plain lines in logs and CI."""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Self

import click

from catalog.facts.queries import describe_problem

# Without a terminal, a line every few seconds shows life without flooding a CI log.
_LOG_EVERY = 5.0


class SyncProgress:
    """Shows a sync run's progress on stderr and prints its summary."""

    def __init__(self, *, limit: int | None = None, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.limit = limit
        self.tty = self.stream.isatty()
        self._bar: Any = None
        self._last_log = time.monotonic()

    def __enter__(self) -> Self:
        if self.tty:
            from tqdm import tqdm

            self._bar = tqdm(total=self.limit, unit="model", file=self.stream, dynamic_ncols=True, desc="sync")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, summary: Any, items: int) -> None:
        """Called after each committed page with the running totals."""
        if self._bar is not None:
            self._bar.set_postfix(new=summary.new, updated=summary.updated, failed=summary.failed, refresh=False)
            # The bar counts the whole run, like new= and the summary, also after a resume.
            self._bar.update(summary.seen - self._bar.n)
        elif time.monotonic() - self._last_log >= _LOG_EVERY:
            self._last_log = time.monotonic()
            self._line(f"sync: {summary.seen} models seen ({summary.new} new, {summary.updated} updated, "
                       f"{summary.unchanged} unchanged, {summary.failed} failed), {summary.pages} pages")

    def waiting(self, problem: str, seconds: float) -> None:
        """Called before sleeping for a retry: say why the crawl is paused."""
        self._line(f"sync: {problem}; retrying in {seconds:.1f}s")

    def report(self, summary: Any) -> None:
        """Print the end-of-run summary (and, after a failure, how to resume)."""
        verb = "resumed and " if summary.resumed else ""
        self._line(
            f"sync {verb}{summary.status}: {summary.new} new, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.removed} removed, {summary.failed} failed; {summary.seen} models in {summary.elapsed:.1f}s "
            f"({summary.models_per_second:.0f} models/s)"
        )
        for problem in summary.problems[:10]:
            self._line(f"  problem: {describe_problem(problem)}")
        if len(summary.problems) > 10:
            self._line(f"  ... and {len(summary.problems) - 10} more (see `catalog runs --json` or the /sync page)")
        if summary.error:
            self._line(f"error: {summary.error}")
            self._line("the position is saved: run the same `catalog sync` command again to resume")

    def _line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            click.echo(text, file=self.stream)
