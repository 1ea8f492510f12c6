"""The inbox: files editors drop in, moved to done/ when stored or failed/ with a reason beside.

A file is moved only after its issue is stored, so a crash in between reads it again next time,
which stores nothing new (same content) and then moves it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tingbao.publish.publisher import atomic_write_bytes

SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".error.txt")


@dataclass(frozen=True)
class InboxFile:
    """A file waiting in the inbox."""

    path: Path
    sha256: str


def pending_files(inbox: Path) -> list[InboxFile]:
    """Return the files waiting in the inbox, oldest first, skipping hidden and partial ones."""
    if not inbox.is_dir():
        return []
    files = [
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SKIPPED_SUFFIXES)
    ]
    files.sort(key=lambda p: (p.stat().st_mtime, p.name))
    return [InboxFile(p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = os.path.splitext(name)
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{stem}.{number}{suffix}"
    return target


def move_done(path: Path, done_dir: Path) -> Path:
    """Move a processed file to done/ (never overwriting an earlier file of the same name)."""
    done_dir.mkdir(parents=True, exist_ok=True)
    target = _free_name(done_dir, path.name)
    os.replace(path, target)
    return target


def move_failed(path: Path, failed_dir: Path, reason: str) -> Path:
    """Move a file that failed to failed/ with FILE.error.txt beside it saying why in one line."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = _free_name(failed_dir, path.name)
    line = " ".join(reason.split())
    atomic_write_bytes(target.with_name(target.name + ".error.txt"), (line + "\n").encode("utf-8"))
    os.replace(path, target)
    return target
