"""The mass send of a new issue against the fake WeChat server: once per issue whatever happens
(a correction, a second replica, a crash between the claim and the send), and a quota refusal
left for a later try."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import update

from tests.conftest import build_issue
from tests.wechat.fake_api import FakeWechatApi
from tingbao.chat.papers import Papers
from tingbao.cli.context import Context
from tingbao.cli.services import _notifier
from tingbao.feeds.cover import solid_png
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.lexicon import LexiconStore
from tingbao.wechat.api import WechatApi
from tingbao.wechat.mass import (
    LEASE_S,
    PENDING,
    RETRY_AFTER_S,
    SENDING,
    SENT,
    THUMB_MAX_BYTES,
    mass_send_loop,
    news_articles,
    queue_mass_send,
    send_pending,
    thumb_image,
)
from tingbao.wechat.settings import WechatSettings
from tingbao.wechat.tables import MassSendRow
from tingbao.worker.settings import Settings

BASE = "https://paper.example.org/"


class Clock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Sender:
    """One replica's mass sender: its API client and the arguments send_pending takes."""

    def __init__(
        self, settings: WechatSettings, db: Database, papers: Papers, clock: Clock, holder: str
    ) -> None:
        self.db = db
        self.papers = papers
        self.clock = clock
        self.api = WechatApi(settings, db, holder=holder, clock=clock)

    def send(self) -> int:
        return send_pending(
            self.db, self.api, IssueStore(self.db), self.papers, page_url, clock=self.clock
        )


def page_url(path: str) -> str:
    return BASE + path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def papers(settings: Settings) -> Papers:
    return Papers(settings.papers)


@pytest.fixture
def issue(store: IssueStore, small_issue: Issue) -> Issue:
    store.save_issue(small_issue)
    return small_issue


@pytest.fixture
def sender(wechat_settings: WechatSettings, db: Database, papers: Papers, clock: Clock) -> Sender:
    return Sender(wechat_settings, db, papers, clock, "replica-1")


def row(db: Database, issue_id: str) -> MassSendRow:
    with db.session() as session:
        found = session.get(MassSendRow, issue_id)
        assert found is not None
        return found


def test_a_new_issue_is_mass_sent_once(
    sender: Sender, issue: Issue, db: Database, fake_wechat: FakeWechatApi, clock: Clock
) -> None:
    assert queue_mass_send(db, issue.id, issue.paper, clock)
    assert sender.send() == 1
    assert sender.send() == 0
    (delivery,) = fake_wechat.deliveries
    assert delivery.clientmsgid == issue.id
    assert [a["title"] for a in delivery.articles] == [a.title for a in issue.articles]
    first = issue.articles[0]
    assert delivery.articles[0]["content_source_url"] == f"{BASE}articles/{first.id}.html"
    assert first.summary.strip()[:20] in delivery.articles[0]["digest"]
    assert f"{BASE}articles/{first.id}.html" in delivery.articles[0]["content"]
    sent = row(db, issue.id)
    assert (sent.state, sent.msg_id) == (SENT, str(delivery.msg_id))


def test_a_correction_sends_nothing_new(
    sender: Sender,
    issue: Issue,
    store: IssueStore,
    db: Database,
    fake_wechat: FakeWechatApi,
    clock: Clock,
) -> None:
    queue_mass_send(db, issue.id, issue.paper, clock)
    assert sender.send() == 1
    corrected = replace(issue, title=issue.title + "（更正）")
    store.save_issue(corrected)
    assert not queue_mass_send(db, corrected.id, corrected.paper, clock)
    assert sender.send() == 0
    assert len(fake_wechat.deliveries) == 1
    assert len(fake_wechat.made("message/mass/sendall")) == 1


def test_replicas_sending_at_once_send_once(
    wechat_settings: WechatSettings,
    issue: Issue,
    db: Database,
    papers: Papers,
    clock: Clock,
    fake_wechat: FakeWechatApi,
) -> None:
    replicas = [Sender(wechat_settings, db, papers, clock, f"replica-{n}") for n in range(3)]
    queued = [queue_mass_send(db, issue.id, issue.paper, clock) for _ in replicas]
    assert queued.count(True) == 1
    counts: list[int] = []
    start = threading.Barrier(len(replicas))

    def run(replica: Sender) -> None:
        start.wait()
        counts.append(replica.send())

    threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(counts) == [0, 0, 1]
    assert len(fake_wechat.made("message/mass/sendall")) == 1
    assert len(fake_wechat.deliveries) == 1


def _left_sending(db: Database, issue_id: str, since: datetime) -> None:
    """Leave the row as a sender that crashed after claiming it at `since` would."""
    with db.session() as session:
        session.execute(
            update(MassSendRow)
            .where(MassSendRow.issue_id == issue_id)
            .values(state=SENDING, msg_id="", due_at=since + timedelta(seconds=LEASE_S))
        )


def test_a_crash_after_sendall_is_not_sent_twice(
    sender: Sender, issue: Issue, db: Database, fake_wechat: FakeWechatApi, clock: Clock
) -> None:
    queue_mass_send(db, issue.id, issue.paper, clock)
    sender.send()
    first = fake_wechat.deliveries[0]
    _left_sending(db, issue.id, clock.now)  # the send went out, its outcome was never recorded
    assert sender.send() == 0  # within the crashed sender's lease: left alone
    assert len(fake_wechat.made("message/mass/sendall")) == 1
    clock.now += timedelta(seconds=LEASE_S + 1)
    assert sender.send() == 0
    sendalls = fake_wechat.made("message/mass/sendall")
    assert [c.body["clientmsgid"] for c in sendalls] == [issue.id, issue.id]
    assert [c.errcode for c in sendalls] == [0, 45065]
    assert fake_wechat.deliveries == [first]
    taken_over = row(db, issue.id)
    assert (taken_over.state, taken_over.msg_id) == (SENT, str(first.msg_id))


def test_a_crash_before_sendall_is_sent_after_the_lease(
    sender: Sender, issue: Issue, db: Database, fake_wechat: FakeWechatApi, clock: Clock
) -> None:
    queue_mass_send(db, issue.id, issue.paper, clock)
    _left_sending(db, issue.id, clock.now)
    clock.now += timedelta(seconds=LEASE_S + 1)
    assert sender.send() == 1
    assert [d.clientmsgid for d in fake_wechat.deliveries] == [issue.id]


def test_over_the_quota_waits_for_a_later_try(
    sender: Sender,
    issue: Issue,
    db: Database,
    fake_wechat: FakeWechatApi,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_wechat.mass_quota = 0
    queue_mass_send(db, issue.id, issue.paper, clock)
    with caplog.at_level(logging.WARNING, logger="tingbao.wechat"):
        assert sender.send() == 0
    (line,) = [r for r in caplog.records if r.name.startswith("tingbao.wechat")]
    assert "45009" in line.getMessage() and "\n" not in line.getMessage()
    waiting = row(db, issue.id)
    assert waiting.state == PENDING and "45009" in waiting.error
    assert sender.send() == 0  # not before the retry time
    assert len(fake_wechat.made("message/mass/sendall")) == 1
    fake_wechat.mass_quota = 1
    clock.now += timedelta(seconds=RETRY_AFTER_S + 1)
    assert sender.send() == 1
    assert [d.clientmsgid for d in fake_wechat.deliveries] == [issue.id]
    assert row(db, issue.id).error == ""


def test_a_long_issue_is_seven_articles_and_the_issue_page(papers: Papers) -> None:
    titles = tuple(f"第{n}篇文章" for n in range(1, 11))
    issue = build_issue(titles=titles)
    cards = news_articles(issue, papers, page_url, "THUMB")
    assert len(cards) == 8
    assert [c["title"] for c in cards[:7]] == list(titles[:7])
    assert cards[7]["content_source_url"] == f"{BASE}issues/{issue.id}.html"
    assert "10" in cards[7]["title"]
    assert {c["thumb_media_id"] for c in cards} == {"THUMB"}


@pytest.mark.parametrize("cover", [solid_png(), None, b"not an image"])
def test_the_thumbnail_is_a_small_jpeg(cover: bytes | None) -> None:
    data = thumb_image(cover)
    assert data.startswith(b"\xff\xd8") and len(data) <= THUMB_MAX_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (200, 200)


@pytest.mark.parametrize("verified", [True, False])
def test_the_pipeline_queues_a_mass_send_for_a_verified_account(
    verified: bool,
    settings: Settings,
    wechat_settings: WechatSettings,
    db: Database,
    issue: Issue,
    publisher: LocalPublisher,
) -> None:
    chosen = settings.with_overrides(wechat=replace(wechat_settings, verified=verified))
    ctx = Context(chosen, db, IssueStore(db), AssetStore(db), publisher, LexiconStore(db))
    notify = _notifier(ctx, issue.paper, None)
    notify(issue.id)
    notify(issue.id)  # a second run of the stage (a restart) adds nothing
    with db.session() as session:
        queued = session.query(MassSendRow).all()
    assert [(r.issue_id, r.paper, r.state) for r in queued] == (
        [(issue.id, issue.paper, PENDING)] if verified else []
    )


async def test_the_loop_sends_every_interval_until_stopped() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    rounds: list[int] = []

    def send() -> int:
        rounds.append(1)
        if len(rounds) == 3:
            loop.call_soon_threadsafe(stop.set)
        return 0

    await asyncio.wait_for(mass_send_loop(send, stop, interval_s=0.01), 10)
    assert len(rounds) == 3
