"""The inbox: files editors drop in, moved to done/ when stored or failed/ with a reason beside.

A file is moved only after its issue is stored, so a crash in between reads it again next time,
which stores nothing new (same content) and then moves it.

The inbox takes regular files only. Looking is done without following links (lstat): a symbolic
link, a pipe, a device or a socket is refused and moved to failed/ itself (a link is moved, never
its target; a pipe is never opened, so nothing waits on it), as is anything that resolves outside
the inbox folder. Sub-folders (done/, failed/, the papers' folders) are not files and are passed.
Nothing is read here: a file's size and times come from one lstat, so an oversize file is refused
by the reader's size check before a byte of it is read.

A file still being written (a slow upload to a shared folder) must not be read half-written: a
file is taken only once its size and times have not changed for the settle time
(`stat_changed`, `InboxFile.age`); the pipeline waits for it within the pass, and leaves a file
still changing for the next pass, untouched.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tingbao.publish.publisher import atomic_write_bytes

SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".error.txt")
LINK_REASON = "a symbolic link, not a file: put the file itself into the inbox"
SPECIAL_REASON = "not a regular file (a pipe, device or socket): put a file into the inbox"
OUTSIDE_REASON = "the file resolves outside the inbox folder: put the file itself into the inbox"


def shown(name: str) -> str:
    """Return a user-supplied file name quoted for a log or stderr line (repr: a newline or
    control character in the name shows as an escape and cannot start a forged line)."""
    return repr(name)


@dataclass(frozen=True)
class InboxFile:
    """A regular file waiting in the inbox, as one lstat saw it."""

    path: Path
    size: int
    mtime_ns: int
    ctime_ns: int

    @property
    def changed_ns(self) -> int:
        """Return when the file last changed: writes move mtime, and arriving (a rename, a copy
        keeping an old mtime) moves ctime."""
        return max(self.mtime_ns, self.ctime_ns)

    def age(self, now_ns: int) -> float:
        """Return the seconds since the file last changed."""
        return (now_ns - self.changed_ns) / 1e9


@dataclass
class InboxScan:
    """What one look at an inbox folder found: files to read, entries to refuse."""

    files: list[InboxFile] = field(default_factory=list)  # oldest first
    refused: list[tuple[Path, str]] = field(default_factory=list)  # entry and one-line reason


def _taken_name(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(SKIPPED_SUFFIXES)


def look(path: Path) -> InboxFile | str | None:
    """Return a regular file as an InboxFile, the reason an entry is refused, or None for what
    is passed over (a folder, or an entry gone meanwhile); never follows a link."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        return LINK_REASON
    if not stat.S_ISREG(info.st_mode):
        return SPECIAL_REASON
    if path.resolve().parent != path.parent.resolve():
        return OUTSIDE_REASON  # a link among the folders above cannot do it; this says so anyway
    return InboxFile(path, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def scan_inbox(inbox: Path) -> InboxScan:
    """Return the files waiting in an inbox folder, oldest first, and the entries it refuses;
    hidden and partial names (.tmp, .part, ...) are left alone."""
    scan = InboxScan()
    if not inbox.is_dir():
        return scan
    for entry in sorted(inbox.iterdir()):
        if not _taken_name(entry.name):
            continue
        seen = look(entry)
        if isinstance(seen, InboxFile):
            scan.files.append(seen)
        elif seen is not None:
            scan.refused.append((entry, seen))
    scan.files.sort(key=lambda f: (f.mtime_ns, f.path.name))
    return scan


def stat_changed(before: InboxFile, path: Path) -> bool:
    """Return whether a file changed (size or times), went, or was replaced since `before`."""
    now = look(path)
    return not isinstance(now, InboxFile) or (now.size, now.mtime_ns, now.ctime_ns) != (
        before.size,
        before.mtime_ns,
        before.ctime_ns,
    )


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = os.path.splitext(name)
    number = 1
    while os.path.lexists(target):  # a dangling link there is still a name taken
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
    """Move a file that failed to failed/ with FILE.error.txt beside it saying why in one line
    (a link or pipe is moved itself: a rename never opens or follows it)."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = _free_name(failed_dir, path.name)
    line = " ".join(reason.split())
    atomic_write_bytes(target.with_name(target.name + ".error.txt"), (line + "\n").encode("utf-8"))
    os.replace(path, target)
    return target
