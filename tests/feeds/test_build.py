"""build_public: writes public/ from the stores, links only published audio, never rewrites."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import feedparser

from tests.feeds.conftest import Published
from tingbao.feeds.build import MANIFEST
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import ARTICLE_MP3


class CountingPublisher(LocalPublisher):
    """A real local publisher that remembers which paths it wrote (changed bytes only)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes: list[str] = []

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        written = super().write_bytes(relpath, data)
        if written:
            self.writes.append(relpath)
        return written


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_build_writes_feeds_pages_and_static(published: Published) -> None:
    report = published.build()
    root = published.settings.public_dir
    issue = published.issue
    for path in (
        "feed.xml",
        "atom.xml",
        "podcast.xml",
        "index.html",
        "static/tingbao.css",
        "static/player.js",
        "static/cover.png",
        f"issues/{issue.id}.html",
        MANIFEST,
    ):
        assert (root / path).is_file(), path
    for article in issue.articles:
        assert (root / f"articles/{article.id}.html").is_file()
    assert report.issues == 1
    assert report.feed_items == 3
    assert report.missing_audio == ()
    entries = feedparser.parse((root / "feed.xml").read_bytes()).entries
    mp3 = root / f"audio/{issue.id}/{issue.articles[0].id}.mp3"
    assert entries[1].enclosures[0].length == str(mp3.stat().st_size)
    assert (root / "static/cover.png").read_bytes().startswith(b"\x89PNG")


def test_second_build_rewrites_nothing(published: Published) -> None:
    root = published.settings.public_dir
    published.build()
    before = snapshot(root)
    counting = CountingPublisher(root)
    report = published.build(counting)
    assert counting.writes == []
    assert not report.changed
    assert report.unchanged > 5
    assert snapshot(root) == before


def test_fresh_builds_give_identical_bytes(published: Published, tmp_path: Path) -> None:
    published.build()
    other = LocalPublisher(tmp_path / "other")
    for path, data in snapshot(published.settings.public_dir).items():
        if path.startswith("audio/"):
            other.write_bytes(path, data)
    published.build(other)
    assert snapshot(tmp_path / "other") == snapshot(published.settings.public_dir)


def test_audio_not_on_disk_is_not_linked(published: Published) -> None:
    issue = published.issue
    article = issue.articles[0]
    asset = published.assets.get(article.id, ARTICLE_MP3)
    assert asset is not None
    published.publisher.delete(asset.path)
    report = published.build()
    assert report.missing_audio == (asset.path,)
    root = published.settings.public_dir
    entries = feedparser.parse((root / "feed.xml").read_bytes()).entries
    by_title = {e.title: e for e in entries}
    assert by_title[article.title].enclosures == []
    assert by_title[issue.articles[1].title].enclosures
    assert asset.path not in (root / f"articles/{article.id}.html").read_text("utf-8")


def test_audio_with_wrong_size_is_not_linked(published: Published) -> None:
    article = published.issue.articles[1]
    asset = published.assets.get(article.id, ARTICLE_MP3)
    assert asset is not None
    published.assets.put(replace(asset, size=asset.size + 1))  # row says more than the file has
    report = published.build()
    assert asset.path in report.missing_audio


def test_corrected_issue_removes_dropped_article_page(published: Published) -> None:
    published.build()
    issue = published.issue
    dropped = issue.articles[1]
    published.store.save_issue(replace(issue, articles=issue.articles[:1]))
    report = published.build()
    root = published.settings.public_dir
    assert report.removed == (f"articles/{dropped.id}.html",)
    assert not (root / f"articles/{dropped.id}.html").exists()
    assert dropped.title not in (root / "feed.xml").read_text("utf-8")
