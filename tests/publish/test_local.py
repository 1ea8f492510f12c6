"""LocalPublisher keeps the Publisher's error contract: the file system's failures are
PublishUnavailableError, a missing file is PublishNotFoundError, an unsafe path is refused; and
importing the S3 publisher does not import boto3."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tingbao.paper.errors import PaperError
from tingbao.publish.errors import (
    PublishError,
    PublishNotFoundError,
    PublishRefusedError,
    PublishUnavailableError,
    UnsafePathError,
)
from tingbao.publish.publisher import LocalPublisher, in_folder, write_verified


@pytest.fixture
def publisher(tmp_path: Path) -> LocalPublisher:
    return LocalPublisher(tmp_path / "public")


def test_the_family_is_written_at_the_top() -> None:
    assert issubclass(PublishError, PaperError)
    for kind in (PublishUnavailableError, PublishRefusedError, PublishNotFoundError):
        assert issubclass(kind, PublishError)
    assert issubclass(UnsafePathError, PublishRefusedError)
    # What callers caught before there was a family still catches these two.
    assert issubclass(PublishNotFoundError, FileNotFoundError)
    assert issubclass(UnsafePathError, ValueError)


def test_write_read_size_delete(publisher: LocalPublisher) -> None:
    assert publisher.write_bytes("audio/i/a.mp3", b"ID3 one")
    assert not publisher.write_bytes("audio/i/a.mp3", b"ID3 one")  # unchanged: not written
    assert publisher.exists("audio/i/a.mp3")
    assert publisher.size("audio/i/a.mp3") == 7
    assert publisher.read_bytes("audio/i/a.mp3") == b"ID3 one"
    publisher.delete("audio/i/a.mp3")
    publisher.delete("audio/i/a.mp3")  # deleting what is gone is fine
    assert not publisher.exists("audio/i/a.mp3")


def test_a_missing_file_is_not_found(publisher: LocalPublisher) -> None:
    with pytest.raises(PublishNotFoundError, match="not published") as caught:
        publisher.read_bytes("audio/i/gone.mp3")
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    with pytest.raises(PublishNotFoundError):
        publisher.size("audio/i/gone.mp3")
    with pytest.raises(FileNotFoundError):  # as before: a FileNotFoundError still
        publisher.read_bytes("gone.xml")


def test_a_directory_where_the_file_goes_is_unavailable(publisher: LocalPublisher) -> None:
    (publisher.root / "feed.xml").mkdir()
    with pytest.raises(PublishUnavailableError, match=r"writing feed\.xml") as caught:
        publisher.write_bytes("feed.xml", b"<rss/>")
    assert isinstance(caught.value.__cause__, OSError)
    assert [p.name for p in publisher.root.iterdir()] == ["feed.xml"]  # no temporary file left
    with pytest.raises(PublishUnavailableError):
        publisher.read_bytes("feed.xml")


def test_a_file_where_the_folder_goes_is_unavailable(publisher: LocalPublisher) -> None:
    (publisher.root / "audio").write_bytes(b"not a folder")
    with pytest.raises(PublishUnavailableError):
        publisher.write_bytes("audio/i/a.mp3", b"ID3")
    source = publisher.root / "staged.mp3"
    source.write_bytes(b"ID3 staged")
    with pytest.raises(PublishUnavailableError):
        publisher.write_file("audio/i/a.mp3", source)
    assert source.read_bytes() == b"ID3 staged"  # kept for another try


def test_a_failing_disk_is_unavailable(
    publisher: LocalPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(PublishUnavailableError, match="Input/output error"):
        publisher.write_bytes("feed.xml", b"<rss/>")
    assert not publisher.exists("feed.xml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_unavailable(publisher: LocalPublisher) -> None:
    publisher.root.chmod(0o555)
    try:
        with pytest.raises(PublishUnavailableError):
            publisher.write_bytes("feed.xml", b"<rss/>")
    finally:
        publisher.root.chmod(0o755)


def test_a_path_leaving_the_root_is_refused(publisher: LocalPublisher, tmp_path: Path) -> None:
    for relpath in ("../outside.xml", "/etc/outside.xml", "audio/../../outside.xml", ""):
        with pytest.raises(PublishRefusedError, match="not a safe public path"):
            publisher.write_bytes(relpath, b"x")
        with pytest.raises(ValueError):  # as before
            publisher.read_bytes(relpath)
    assert not (tmp_path / "outside.xml").exists()
    with pytest.raises(UnsafePathError):
        in_folder(publisher, "../other")


def test_a_folder_passes_the_errors_through(publisher: LocalPublisher) -> None:
    paper = in_folder(publisher, "news")
    with pytest.raises(PublishNotFoundError):
        paper.read_bytes("feed.xml")
    with pytest.raises(PublishRefusedError):
        paper.write_bytes("../feed.xml", b"x")


def test_write_verified_refuses_a_short_file(publisher: LocalPublisher) -> None:
    class Short(LocalPublisher):
        def size(self, relpath: str) -> int:
            return super().size(relpath) - 1

    short = Short(publisher.root)
    with pytest.raises(PublishUnavailableError, match="expected 6"):
        write_verified(short, "feed.xml", b"<rss/>")
    assert write_verified(publisher, "feed.xml", b"<rss/>") == 6


def test_importing_the_s3_publisher_leaves_boto3_out() -> None:
    code = (
        "import sys, tingbao.publish.s3, tingbao.cli.context; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
