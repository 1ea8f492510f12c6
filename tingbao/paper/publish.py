"""File output goes through one Publisher: local files today, object storage later.

Every write is atomic: the bytes go to a temporary file beside the target, are flushed to disk,
then replace the target, so a reader (or a crash) never sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Protocol


class Publisher(Protocol):
    """Where public files (audio, transcripts, feeds, pages) are written and found."""

    def write_bytes(self, relpath: str, data: bytes) -> None:
        """Publish data at relpath, atomically."""

    def write_file(self, relpath: str, source: Path) -> None:
        """Publish a local file at relpath, atomically; the source is moved or copied."""

    def exists(self, relpath: str) -> bool:
        """Return whether relpath is published."""

    def size(self, relpath: str) -> int:
        """Return the size in bytes of a published file."""

    def read_bytes(self, relpath: str) -> bytes:
        """Return the bytes of a published file."""

    def delete(self, relpath: str) -> None:
        """Remove a published file if it exists."""

    def local_path(self, relpath: str) -> Path:
        """Return a local path for relpath (for tools that need a real file)."""


def safe_relpath(relpath: str) -> str:
    """Return relpath normalized, refusing absolute paths and any '..' component."""
    path = PurePosixPath(relpath)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a safe public path: {relpath!r}")
    return path.as_posix()


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write data to target through a temporary file in the same folder, then replace."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalPublisher:
    """Publish into a local folder (public/ in the data dir)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def local_path(self, relpath: str) -> Path:
        return self.root / safe_relpath(relpath)

    def write_bytes(self, relpath: str, data: bytes) -> None:
        atomic_write_bytes(self.local_path(relpath), data)

    def write_file(self, relpath: str, source: Path) -> None:
        target = self.local_path(relpath)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.parent == target.parent:
            os.chmod(source, 0o644)
            os.replace(source, target)
        else:
            atomic_write_bytes(target, source.read_bytes())
            source.unlink(missing_ok=True)

    def exists(self, relpath: str) -> bool:
        return self.local_path(relpath).is_file()

    def size(self, relpath: str) -> int:
        return self.local_path(relpath).stat().st_size

    def read_bytes(self, relpath: str) -> bytes:
        return self.local_path(relpath).read_bytes()

    def delete(self, relpath: str) -> None:
        self.local_path(relpath).unlink(missing_ok=True)
