"""Progress of long work on a terminal (rich); plain log lines say the same when not on one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class StageProgress(Protocol):
    """Shows how far a stage has come."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[None]:
        """Show a task while the block runs."""
        yield

    def advance(self, _label: str = "") -> None:
        """Count one unit of the current task as done."""


class NoProgress:
    """No display: for services, tests and pipes (the logs tell the story)."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[None]:
        yield

    def advance(self, _label: str = "") -> None:
        return None


class RichProgress:
    """A progress bar per task on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[None]:
        with self._progress:
            self._task = self._progress.add_task(description, total=total)
            try:
                yield
            finally:
                self._progress.remove_task(self._task)
                self._task = None

    def advance(self, _label: str = "") -> None:
        if self._task is not None:
            self._progress.advance(self._task)
            self._progress.refresh()


def make_progress() -> StageProgress:
    """Return a rich progress display on a terminal, else none."""
    return RichProgress() if sys.stderr.isatty() else NoProgress()
