"""Worker test helpers: a small issue file that speaks in a second, a counting audio maker, and a
pipeline world over a temporary data dir."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.feeds.build import BuildReport, build_public
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher, Publisher
from tingbao.store.assets import ARTICLE_MP3, Asset, AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.pipeline import PaperWork, Pipeline
from tingbao.worker.settings import Settings

SMALL_ISSUE = """金虹桥
社区食堂开张
7月1日，虹桥镇第一家社区食堂开张。
食堂每天供应午餐，老人八折。
消夏活动开始
7月2日，社区消夏活动开始。
本报编审团:
刘芬
投稿邮箱:news@example.cn
新闻热线:021-64059791
"""


def write_small_issue(folder: Path, name: str = "news-2021-07-02.txt", extra: str = "") -> Path:
    """Write a two-article issue file into folder (an inbox) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(SMALL_ISSUE.replace("老人八折。", "老人八折。" + extra), encoding="utf-8")
    return path


@dataclass
class CountingAudio:
    """A fake audio maker: publishes a tiny file per article and counts what it was asked."""

    assets: AssetStore
    publisher: Publisher
    rendered: list[str] = field(default_factory=list)
    fail: bool = False

    removed: list[str] = field(default_factory=list)
    folder: str = ""  # the paper's folder of public/ ("slug/" with several papers)

    async def render_issue(self, issue: Issue, *, remove_dropped: bool = True) -> None:
        from tingbao.audio.errors import SynthesisFailedError

        if self.fail:
            raise SynthesisFailedError("the voice is down")
        self.rendered.append(issue.id)
        for article in issue.articles:
            path = f"{self.folder}audio/{issue.id}/{article.id}.mp3"
            data = f"{article.id}:{issue.content_hash}".encode()
            self.publisher.write_bytes(path, data)
            self.assets.put(
                Asset(
                    article.id, issue.id, ARTICLE_MP3, path, len(data), "audio/mpeg", 1.0, "offline"
                )
            )

    def remove_dropped(self, issue: Issue) -> list[str]:
        """Delete published files of articles no longer in the issue (as the real one does)."""
        keep = {a.id for a in issue.articles}
        gone: list[str] = []
        for asset in self.assets.for_issue(issue.id):
            if asset.owner_id not in keep:
                self.publisher.delete(asset.path)
                self.assets.remove_owner(asset.owner_id)
                gone.append(asset.path)
        self.removed.extend(gone)
        return gone

    async def upgrade_offline(self) -> int:
        return 0


class World:
    """A pipeline over a temporary data dir with a counting audio maker and real feeds."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.issues = IssueStore(db)
        self.assets = AssetStore(db)
        self.publisher = LocalPublisher(settings.public_dir)
        self.audio = CountingAudio(self.assets, self.publisher)
        self.builds: list[BuildReport] = []
        self.subscribers = SubscriberStore(db)
        self.subscribers.add_many([101, 102, 103])
        self.work = PaperWork(settings.paper, self.audio, self.build, self.notify, self.revise)
        self.pipeline = Pipeline(settings, self.issues, self.assets, [self.work])
        self.notified: list[str] = []
        self.revised: list[str] = []

    def build(self) -> BuildReport:
        report = build_public(
            self.settings.feeds, self.settings.paper, self.issues, self.assets, self.publisher
        )
        self.builds.append(report)
        return report

    def notify(self, issue_id: str) -> int:
        self.notified.append(issue_id)
        return enqueue_new_issue(self.db, issue_id)

    def revise(self, issue_id: str) -> bool:
        self.revised.append(issue_id)
        return True

    def outbox_rows(self) -> list[tuple[int, str]]:
        from sqlalchemy import select

        from tingbao.chat.tables import OutboxRow

        with self.db.session() as session:
            return sorted(session.execute(select(OutboxRow.chat_id, OutboxRow.issue_id)).all())  # type: ignore[arg-type]


@pytest.fixture
def world(settings: Settings, db: Database) -> World:
    return World(settings, db)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with inbox files taken at once: these tests write each file whole
    before the pass (tests/worker/test_inbox_safety.py waits for growing files itself)."""
    return settings.with_overrides(inbox_settle_s=0.0)
