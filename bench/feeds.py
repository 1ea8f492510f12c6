"""Benchmark the feeds build: 1 issue, then generated archives up to 500 issues.

Prints, per archive size, the first build (every file written) and a rebuild (nothing changed),
with files written and the size of feed.xml. Run: .venv/bin/python bench/feeds.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tingbao.feeds.build import build_public
from tingbao.paper.model import (
    Article,
    Contact,
    Issue,
    Section,
    make_article_id,
    make_issue_id,
)
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import (
    ARTICLE_MP3,
    ARTICLE_MP3_SLOW,
    ARTICLE_VTT,
    ISSUE_MP3,
    Asset,
    AssetStore,
)
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import Settings, load_settings

PARAGRAPH = "7月27日，虹桥镇召开2020年年中工作会议，进一步明确下半年工作重点。" * 6
SIZES = (1, 10, 100, 500)


def make_issue(n: int) -> Issue:
    """Return issue n of a generated archive: five articles of about 1500 characters."""
    published = date(2000, 1, 1) + timedelta(days=14 * n)
    issue_id = make_issue_id("jinhongqiao", published)
    articles = tuple(
        Article(
            id=make_article_id(issue_id, f"第{n}期文章{k}"),
            title=f"第{n}期文章{k}",
            sections=(Section(None, (PARAGRAPH,) * 4), Section("小标题", (PARAGRAPH,) * 4)),
        )
        for k in range(5)
    )
    return Issue(
        issue_id,
        "jinhongqiao",
        f"金虹桥 第{n}期",
        published,
        articles,
        Contact(hotline="021-64059791", email="jinhongqiao@163.com"),
    )


def fill(count: int, root: Path) -> tuple[IssueStore, AssetStore, LocalPublisher, Settings]:
    """Store count issues with small stand-in audio files."""
    settings = load_settings({"TINGBAO_BASE_URL": "https://example.org/"}, data_dir=root)
    root.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    create_schema(db)
    store, assets, publisher = IssueStore(db), AssetStore(db), LocalPublisher(settings.public_dir)
    blob = b"\xff\xf3" * 512
    for n in range(count):
        issue = make_issue(n)
        store.save_issue(issue)
        owners = [
            (a.id, role)
            for a in issue.articles
            for role in (ARTICLE_MP3, ARTICLE_MP3_SLOW, ARTICLE_VTT)
        ]
        for owner, role in [*owners, (issue.id, ISSUE_MP3)]:
            path = f"audio/{issue.id}/{owner}-{role}.bin"
            publisher.write_bytes(path, blob)
            assets.put(Asset(owner, issue.id, role, path, len(blob), "audio/mpeg", 180.0))
    return store, assets, publisher, settings


def main() -> None:
    """Print build times for growing archives."""
    print(
        f"{'issues':>6} {'files':>6} {'first build s':>14} {'rebuild s':>10} "
        f"{'ms/issue':>9} {'feed.xml KB':>12}"
    )
    for count in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            store, assets, publisher, settings = fill(count, Path(tmp) / "data")
            started = time.perf_counter()
            report = build_public(settings.feeds, settings.paper, store, assets, publisher)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = build_public(settings.feeds, settings.paper, store, assets, publisher)
            rebuild = time.perf_counter() - started
            assert not again.changed
            feed_kb = publisher.size("feed.xml") / 1024
            print(
                f"{count:>6} {len(report.written):>6} {first:>14.3f} {rebuild:>10.3f} "
                f"{1000 * first / count:>9.1f} {feed_kb:>12.0f}"
            )


if __name__ == "__main__":
    main()
