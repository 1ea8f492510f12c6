"""File output goes through one Publisher: a local folder (here) or object storage (s3.py).

Every write is atomic: the bytes go to a temporary file beside the target, are flushed to disk,
then replace the target, so a reader (or a crash) never sees a half-written file. A write of the
bytes already published writes nothing, so a rebuild changes only what changed. Writes happen in
call order on every publisher: callers that write audio and pages before feeds (the pipeline,
feeds/build.py) can rely on a reader never seeing a feed whose files are missing.

Every publisher fails the same way (the family in errors.py), so callers catch intent, not a
backend's exceptions: PublishUnavailableError when the storage is down or its I/O fails (worth
retrying on a later pass), PublishRefusedError when it refuses (settings or an unsafe path: must
change), PublishNotFoundError when a file asked for is not published.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Protocol

from tingbao.publish.errors import (
    PublishNotFoundError,
    PublishUnavailableError,
    UnsafePathError,
)


class Publisher(Protocol):
    """Where public files (audio, transcripts, feeds, pages) are written and found.

    Every method raises only the publish part's errors (errors.py) for what goes wrong with the
    storage: PublishUnavailableError when it is down or its I/O fails (transient), and
    PublishRefusedError when it refuses the request (permanent; UnsafePathError for a relpath
    that is absolute or climbs out with '..'). Reading a file that is not published raises
    PublishNotFoundError (a FileNotFoundError too); deleting one is not an error.
    """

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        """Publish data at relpath atomically unless it is there; return whether it was written.

        Raises PublishUnavailableError or PublishRefusedError; nothing half-written is left."""

    def write_file(self, relpath: str, source: Path) -> None:
        """Publish a local file at relpath, atomically; the source is moved or copied.

        Raises PublishUnavailableError (the source unreadable too) or PublishRefusedError."""

    def exists(self, relpath: str) -> bool:
        """Return whether relpath is published.

        Raises PublishUnavailableError or PublishRefusedError, never PublishNotFoundError."""

    def size(self, relpath: str) -> int:
        """Return the size in bytes of a published file.

        Raises PublishNotFoundError when relpath is not published, PublishUnavailableError or
        PublishRefusedError when the storage cannot tell."""

    def read_bytes(self, relpath: str) -> bytes:
        """Return the bytes of a published file.

        Raises PublishNotFoundError when relpath is not published, PublishUnavailableError or
        PublishRefusedError when the storage cannot give them."""

    def delete(self, relpath: str) -> None:
        """Remove a published file if it exists (a missing file is not an error).

        Raises PublishUnavailableError or PublishRefusedError."""


def write_verified(publisher: Publisher, relpath: str, data: bytes) -> int:
    """Publish data at relpath and return its size as the store reports it; raise
    PublishUnavailableError when the store holds another size (so nothing is recorded for a
    file that is not whole), and what the publisher raises."""
    publisher.write_bytes(relpath, data)
    size = publisher.size(relpath)
    if size != len(data):
        raise PublishUnavailableError(f"published {relpath} has {size} bytes, expected {len(data)}")
    return size


def safe_relpath(relpath: str) -> str:
    """Return relpath normalized; raise UnsafePathError for an absolute path, any '..'
    component, or no path at all."""
    path = PurePosixPath(relpath)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise UnsafePathError(f"not a safe public path: {relpath!r}")
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
    """Publish into a local folder (public/ in the data dir).

    The file system's failures, permissions included, are PublishUnavailableError (the disk or
    the folder is fixed, then a later pass succeeds); a file read that is not there is
    PublishNotFoundError."""

    def __init__(self, root: Path) -> None:
        self.root = root
        with self._file_system("creating", "public/"):
            root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _file_system(self, doing: str, relpath: str, *, reading: bool = False) -> Iterator[None]:
        """Turn an OSError into the Publisher's errors: not published (when reading a file
        that is not there), else unavailable."""
        try:
            yield
        except FileNotFoundError as exc:
            if reading:
                raise PublishNotFoundError(f"{relpath} is not published in {self.root}") from exc
            raise PublishUnavailableError(self._failed(doing, relpath, exc)) from exc
        except OSError as exc:
            raise PublishUnavailableError(self._failed(doing, relpath, exc)) from exc

    def _failed(self, doing: str, relpath: str, exc: OSError) -> str:
        return f"{doing} {relpath} in {self.root} failed: {exc.strerror or exc}"

    def local_path(self, relpath: str) -> Path:
        """Return the file of relpath under the root (UnsafePathError if it would leave it)."""
        return self.root / safe_relpath(relpath)

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        target = self.local_path(relpath)
        with self._file_system("writing", relpath):
            if (
                target.is_file()
                and target.stat().st_size == len(data)
                and target.read_bytes() == data
            ):
                return False
            atomic_write_bytes(target, data)
        return True

    def write_file(self, relpath: str, source: Path) -> None:
        target = self.local_path(relpath)
        with self._file_system("writing", relpath):
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.parent == target.parent:
                os.chmod(source, 0o644)
                os.replace(source, target)
            else:
                atomic_write_bytes(target, source.read_bytes())
                source.unlink(missing_ok=True)

    def exists(self, relpath: str) -> bool:
        path = self.local_path(relpath)
        with self._file_system("looking for", relpath):
            return path.is_file()

    def size(self, relpath: str) -> int:
        path = self.local_path(relpath)
        with self._file_system("reading", relpath, reading=True):
            return path.stat().st_size

    def read_bytes(self, relpath: str) -> bytes:
        path = self.local_path(relpath)
        with self._file_system("reading", relpath, reading=True):
            return path.read_bytes()

    def delete(self, relpath: str) -> None:
        path = self.local_path(relpath)
        with self._file_system("deleting", relpath):
            path.unlink(missing_ok=True)


class PrefixPublisher:
    """A publisher seen through a folder of another: relpath here is folder + relpath there
    (a paper's public/<slug>/ in a deployment of several papers), whatever the inner one is."""

    def __init__(self, inner: Publisher, folder: str) -> None:
        self.inner = inner
        self.folder = safe_relpath(folder) + "/"

    def _path(self, relpath: str) -> str:
        return self.folder + safe_relpath(relpath)

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        return self.inner.write_bytes(self._path(relpath), data)

    def write_file(self, relpath: str, source: Path) -> None:
        self.inner.write_file(self._path(relpath), source)

    def exists(self, relpath: str) -> bool:
        return self.inner.exists(self._path(relpath))

    def size(self, relpath: str) -> int:
        return self.inner.size(self._path(relpath))

    def read_bytes(self, relpath: str) -> bytes:
        return self.inner.read_bytes(self._path(relpath))

    def delete(self, relpath: str) -> None:
        self.inner.delete(self._path(relpath))


def in_folder(publisher: Publisher, folder: str) -> Publisher:
    """Return the publisher seen through folder ("slug/"), or itself for "" (public/ itself)."""
    return PrefixPublisher(publisher, folder.rstrip("/")) if folder else publisher


# What each public file is, for whoever serves it (the local server, object storage).
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".txt": "text/plain; charset=utf-8",
}
FEED_TYPES: dict[str, str] = {
    "feed.xml": "application/rss+xml; charset=utf-8",
    "podcast.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
}


def content_type(relpath: str) -> str:
    """Return the Content-Type of a public file (feeds by name, the rest by suffix)."""
    path = PurePosixPath(relpath)
    return FEED_TYPES.get(path.name) or CONTENT_TYPES.get(
        path.suffix.lower(), "application/octet-stream"
    )
