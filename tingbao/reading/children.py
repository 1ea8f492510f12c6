"""The readers' child processes (PDF text, OCR), and stopping them all when the process stops.

A reader runs its parser in a child under time and memory limits (pdf.py, ocr.py), started here.
When the worker is told to stop (SIGTERM, SIGINT), `cancel()` kills every running child at once
and refuses to start new ones; the reader then raises ReadingCancelledError, which is no verdict
on the file: it stays in the inbox and is read again at the next start. Process-wide, as signals
are; `allow()` undoes a cancel (tests, or a process that goes on reading).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from tingbao.paper.errors import ReadingCancelledError

_lock = threading.Lock()  # held while a child starts, so a cancel never misses one
_running: set[subprocess.Popen[bytes]] = set()
_cancelled = threading.Event()


def cancel() -> int:
    """Kill every reader's child and refuse new ones; return how many were killed."""
    with _lock:
        _cancelled.set()
        children = list(_running)
    for child in children:
        child.kill()
    return len(children)


def allow() -> None:
    """Let readers start children again after a cancel."""
    _cancelled.clear()


def cancelled() -> bool:
    """Return whether reading was cancelled (the process is stopping)."""
    return _cancelled.is_set()


def check() -> None:
    """Raise ReadingCancelledError when reading was cancelled (before a reader starts a file)."""
    if _cancelled.is_set():
        raise _refusal()


def _refusal() -> ReadingCancelledError:
    return ReadingCancelledError("reading stopped: the process is stopping; the file stays")


@contextmanager
def running(
    command: Sequence[str], env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a reader's child with stdout and stderr piped and yield it; on leaving, kill it if it
    still runs and reap it. Raises ReadingCancelledError, instead of whatever the reader made of
    a killed child, when reading was cancelled before or while it ran."""
    with _lock:
        if _cancelled.is_set():
            raise _refusal()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        _running.add(child)
    try:
        with child:
            try:
                yield child
            finally:
                if child.poll() is None:
                    child.kill()
    finally:
        with _lock:
            _running.discard(child)
        if _cancelled.is_set():
            raise _refusal()  # the cancel, not what a killed child looked like, is what happened
