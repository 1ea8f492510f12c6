"""One pipeline per data dir: an exclusive lock, released when the process ends (even kill -9)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunningError(Exception):
    """Another worker holds the lock on this data dir."""


class WorkerLock:
    """An exclusive, non-blocking flock on DATA_DIR/worker.lock."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "worker.lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunningError."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 (held open for the life of the lock)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunningError(
                f"another tingbao worker is running on {self.path.parent}: "
                "run only one per deployment"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Release the lock."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
