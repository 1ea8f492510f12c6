"""The channel against the fake Bot API: each issue once and in order, corrections edited in place,
dropped articles withdrawn, Telegram's limits and refusals respected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from telegram import Bot

from tests.bot.data import FakeClock, put_audio, put_chapters, save_issues
from tests.bot.fake_api import FakeBotApi
from tests.conftest import build_issue
from tingbao.bot.channel import ChannelJob, ChannelReport, channel_lease, sync_channel
from tingbao.bot.files import AudioSender, FileIdCache
from tingbao.chat.channel_store import issues_behind, posts_of, queue_channel_issue, record_sending
from tingbao.chat.channel_store import revise_channel_issue as revise
from tingbao.chat.leases import take_lease
from tingbao.chat.pacing import ChannelPacer
from tingbao.cli.services import bot_papers
from tingbao.paper.model import Issue, Section
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings

CHANNEL = "@tingbao_news"
UNPACED = ChannelPacer(per_minute=0, min_gap_s=0)


@dataclass
class Channel:
    """One issue queued for the channel, and the means to sync it."""

    api: FakeBotApi
    bot: Bot
    db: Database
    settings: Settings
    issue: Issue
    store: IssueStore
    assets: AssetStore
    publisher: LocalPublisher

    async def sync(self, pacer: ChannelPacer = UNPACED) -> ChannelReport:
        return await sync_channel(
            self.bot,
            self.db,
            papers=bot_papers(self.settings),
            public_url=self.settings.feeds.url,
            audio=AudioSender(self.publisher, FileIdCache(self.db)),
            pacer=pacer,
        )

    def job(self, **kwargs: Any) -> ChannelJob:
        sender = AudioSender(self.publisher, FileIdCache(self.db))
        pacer = kwargs.pop("pacer", UNPACED)
        return ChannelJob(
            self.db, bot_papers(self.settings), self.settings.feeds.url, sender, pacer, **kwargs
        )

    def live(self) -> list[dict[str, Any]]:
        return self.api.live(CHANNEL)

    def publish_audio(self, issue: Issue, key: str = "k1") -> None:
        put_audio(self.publisher, self.assets, issue.id, issue.id, "mp3", key)
        put_chapters(self.publisher, self.assets, issue)
        for article in issue.articles:
            for role in ("mp3", "mp3_slow"):
                put_audio(self.publisher, self.assets, article.id, issue.id, role, key)


@pytest.fixture
async def channel(
    api: FakeBotApi,
    settings: Settings,
    db: Database,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> AsyncIterator[Channel]:
    issue = save_issues(store)[0]
    async with Bot(api.token, base_url=api.base_url) as bot:
        found = Channel(api, bot, db, settings, issue, store, assets, publisher)
        found.publish_audio(issue)
        queue_channel_issue(db, issue.id, CHANNEL)
        yield found


def shown(message: dict[str, Any]) -> str:
    """Return what a reader sees of a message: its text, or its audio's title and caption."""
    if "audio" in message:
        return f"[audio {message['audio'].get('title')}] {message.get('caption', '')}"
    return str(message.get("text", ""))


def urls(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["url"] for row in rows for b in row]


def channel_calls(api: FakeBotApi, after: int = 0) -> list[str]:
    return [c.method for c in api.sends(CHANNEL, after)]


async def test_new_issue_is_posted_once_in_reading_order(channel: Channel) -> None:
    report = await channel.sync()
    issue = channel.issue
    live = channel.live()
    assert report.posted == len(live) == 2 + 2 * len(issue.articles) and not report.errors
    assert live[0]["text"].startswith("<b>《金虹桥》</b> 2020年7月30日")
    assert shown(live[1]).startswith(f"[audio {issue.title}] 全刊目录：\n00:00")
    for n, article in enumerate(issue.articles):
        text, audio = live[2 + 2 * n], live[3 + 2 * n]
        assert f"<b>{article.title}</b>" in text["text"]
        assert article.paragraphs[0] in text["text"]
        assert shown(audio) == f"[audio {article.title}] 🔊 {article.title}"
        assert urls(audio) == [
            f"https://t.me/tingbao_bot?start=slow-{article.id}",
            f"http://127.0.0.1:8080/articles/{article.id}.html",
        ]
    assert issues_behind(channel.db) == []

    calls = len(channel.api.calls)
    again = await channel.sync()
    assert again.changed == 0 and channel.api.calls[calls:] == []


async def test_audio_goes_up_once_and_a_crashed_send_goes_out_again_by_file_id(
    channel: Channel,
) -> None:
    await channel.sync()
    assert all("audio" in c.files for c in channel.api.sends(CHANNEL) if c.method == "sendAudio")
    article = channel.issue.articles[0]
    mp3 = channel.assets.get(article.id, "mp3")
    assert mp3 is not None
    file_id = FileIdCache(channel.db).get(mp3, "audio")  # the inline mode can send it too
    assert file_id is not None and file_id.startswith("audio-")
    key = "article:1:audio"
    record_sending(channel.db, channel.issue.id, key, 3, "audio")  # as a crash leaves it
    revise(channel.db, channel.issue.id)
    start = len(channel.api.calls)

    report = await channel.sync()

    assert report.posted == 1 and report.changed == 1
    [again] = channel.api.sends(CHANNEL, start)
    assert again.method == "sendAudio" and again.params["audio"] == file_id and not again.files
    live = channel.live()
    assert len(live) == 9 and shown(live[-1]) == shown(live[3])  # the one duplicate a crash costs
    assert posts_of(channel.db, channel.issue.id)[key].message_id == live[-1]["message_id"]


async def test_correction_edits_in_place_and_withdraws_dropped_articles(channel: Channel) -> None:
    await channel.sync()
    before = {m["message_id"]: m for m in channel.live()}
    issue = channel.issue
    first, _second, third = issue.articles
    fixed = replace(
        first, sections=(Section(None, ("7月28日，虹桥镇召开年中工作会议（更正）。",)),)
    )
    corrected = replace(issue, articles=(fixed, issue.articles[1]))
    channel.store.save_issue(corrected)
    channel.assets.remove_owner(third.id)
    put_audio(channel.publisher, channel.assets, first.id, issue.id, "mp3", key="k2")
    put_chapters(channel.publisher, channel.assets, corrected)
    assert revise(channel.db, issue.id)
    start = len(channel.api.calls)

    report = await channel.sync()

    live = channel.live()
    assert (report.posted, report.edited, report.withdrawn) == (0, 4, 2), report
    assert set(channel_calls(channel.api, start)) == {
        "editMessageText",  # contents and article text
        "editMessageCaption",  # the chapter list under the whole-issue audio
        "editMessageMedia",  # the first article's new reading
        "deleteMessage",  # the third article's text and audio
    }
    assert {m["message_id"] for m in live} < set(before)  # the same messages, fewer
    assert len(live) == 2 + 2 * 2
    assert "（更正）" in live[2]["text"] and "edit_date" in live[2]
    assert live[3]["audio"]["file_id"].startswith("audio-") and live[3]["edit_date"]
    assert third.title not in "".join(shown(m) for m in live)
    assert issues_behind(channel.db) == []
    assert (await channel.sync()).changed == 0


async def test_a_corrected_title_edits_its_posts_in_reading_order(channel: Channel) -> None:
    """An article's id follows its title; its posts follow its place, so they stay in order."""
    await channel.sync()
    before = [m["message_id"] for m in channel.live()]
    issue = channel.issue
    first = issue.articles[0]
    retitled = replace(first, id="a00000000001", title="虹桥镇召开年中工作会议（标题更正）")
    corrected = replace(issue, articles=(retitled, *issue.articles[1:]))
    channel.store.save_issue(corrected)
    channel.publish_audio(corrected)
    revise(channel.db, issue.id)

    report = await channel.sync()

    assert report.posted == report.withdrawn == 0 and report.edited >= 2, report
    live = channel.live()
    assert [m["message_id"] for m in live] == before  # the same posts, in the same order
    assert "（标题更正）" in live[2]["text"] and "（标题更正）" in shown(live[3])
    assert f"start=slow-{retitled.id}" in urls(live[3])[0]


async def test_posts_too_old_to_delete_are_marked_withdrawn(channel: Channel) -> None:
    await channel.sync()
    issue = channel.issue
    third = issue.articles[2]
    records = [r for r in posts_of(channel.db, issue.id).values() if "article:3:" in r.key]
    old = sorted(r.message_id for r in records if r.message_id is not None)
    for message_id in old:
        channel.api.age(CHANNEL, message_id, 49 * 3600)
    channel.store.save_issue(replace(issue, articles=issue.articles[:2]))
    channel.assets.remove_owner(third.id)
    revise(channel.db, issue.id)

    report = await channel.sync()

    assert report.withdrawn == 2 and not report.errors
    kept = {m["message_id"]: m for m in channel.live()}
    text, audio = (kept[message_id] for message_id in old)
    assert text["text"] == "（已撤回）" and audio["caption"] == "（已撤回）"
    assert urls(text) == urls(audio) == []
    states = {r.state for r in posts_of(channel.db, issue.id).values() if "article:3:" in r.key}
    assert states == {"withdrawn"}
    assert (await channel.sync()).changed == 0


async def test_a_post_deleted_by_hand_is_posted_again_on_correction(channel: Channel) -> None:
    await channel.sync()
    issue = channel.issue
    head = channel.live()[0]
    del channel.api.chats[CHANNEL][head["message_id"]]  # an admin deleted it in the app
    channel.store.save_issue(replace(issue, title="金虹桥 2020年7月刊（更正）"))
    revise(channel.db, issue.id)
    report = await channel.sync()
    assert report.posted == 1 and not report.errors
    assert "（更正）" in channel.live()[-1]["text"]


async def test_429_waits_retry_after_then_posts_that_post(channel: Channel) -> None:
    channel.api.faults[CHANNEL] = ["", "429"]  # the second post is refused once
    channel.api.retry_after = 1
    report = await channel.sync()
    calls = [c for c in channel.api.sends(CHANNEL)]
    assert [c.status for c in calls[:3]] == [200, 429, 200]
    assert calls[2].at - calls[1].at >= 1.0
    assert report.posted == len(channel.live()) == 8 and not report.errors


async def test_the_pacer_keeps_to_n_posts_a_minute(channel: Channel) -> None:
    clock = FakeClock()
    sent_at: list[float] = []
    channel.api.on_accept.append(lambda call: sent_at.append(clock.now))
    pacer = ChannelPacer(per_minute=3, min_gap_s=1.0, clock=clock, sleep=clock.sleep)
    report = await channel.sync(pacer)
    assert report.posted == 8
    assert sent_at == [0.0, 1.0, 2.0, 60.0, 61.0, 62.0, 120.0, 121.0]


async def test_chat_not_found_is_reported_once_and_not_looped(
    channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    channel.api.faults[CHANNEL] = ["400", "400"]
    clock = FakeClock()
    job = channel.job(error_pause_s=60.0, monotonic=clock)
    with caplog.at_level(logging.ERROR, logger="tingbao.bot.channel"):
        first = await job.sync(channel.bot)
        second = await job.sync(channel.bot)
    assert (
        first.errors == second.errors == [f"{channel.issue.id} head:1: BadRequest: Chat not found"]
    )
    assert channel_calls(channel.api) == ["sendMessage", "sendMessage"]  # one request a sync
    assert len([r for r in caplog.records if "Chat not found" in r.getMessage()]) == 1
    assert job.quiet_until == 60.0
    assert posts_of(channel.db, channel.issue.id) == {}  # refused: it never went out
    assert issues_behind(channel.db) == [(channel.issue.id, CHANNEL, 1)]

    report = await job.sync(channel.bot)  # the bot was made an admin
    assert report.posted == 8 and job.last_error == ""


async def test_two_replicas_post_each_issue_once(channel: Channel) -> None:
    """Two bot processes share the database: only the holder of the channel lease posts."""
    first, second = channel.job(), channel.job()
    reports = await asyncio.gather(first.sync(channel.bot), second.sync(channel.bot))
    expected = 2 + 2 * len(channel.issue.articles)
    assert sorted(r.posted for r in reports) == [0, expected]
    assert len(channel.live()) == expected and issues_behind(channel.db) == []


async def test_a_dead_replicas_lease_is_taken_over_once_it_lapses(channel: Channel) -> None:
    take_lease(channel.db, channel_lease(CHANNEL), "dead-replica", 300)
    waiting = await channel.sync()
    assert waiting.changed == 0 and channel.live() == []  # it might still be posting
    take_lease(channel.db, channel_lease(CHANNEL), "dead-replica", -1)  # its lease lapsed
    resumed = await channel.sync()
    assert resumed.posted == len(channel.live()) == 2 + 2 * len(channel.issue.articles)


OTHER = "@tingbao_other"


def second_channel_issue(channel: Channel) -> Issue:
    """Store a later issue with its audio and queue it for another channel (another paper's)."""
    issue = build_issue(published=date(2020, 8, 6), titles=("七宝镇新闻", "七宝镇通知"))
    channel.store.save_issue(issue)
    channel.publish_audio(issue)
    queue_channel_issue(channel.db, issue.id, OTHER)
    return issue


async def test_each_channel_has_its_own_lease(channel: Channel) -> None:
    """A replica holding one paper's channel does not hold up another paper's."""
    other = second_channel_issue(channel)
    take_lease(channel.db, channel_lease(CHANNEL), "other-replica", 300)
    report = await channel.sync()
    expected = 2 + 2 * len(other.articles)
    assert report.busy and report.posted == len(channel.api.live(OTHER)) == expected
    assert channel.live() == [] and issues_behind(channel.db) == [(channel.issue.id, CHANNEL, 1)]


async def test_channels_post_in_parallel(channel: Channel) -> None:
    """Two papers' channels are posted at the same time, each in its own reading order."""
    second_channel_issue(channel)
    channel.api.latency_s = 0.01
    report = await channel.job(pacer=None).sync(channel.bot)
    order = [c.chat_id for c in channel.api.calls if c.chat_id in (CHANNEL, OTHER)]
    assert report.posted == len(channel.live()) + len(channel.api.live(OTHER))
    assert order.index(OTHER) < len(order) - 1 - order[::-1].index(CHANNEL)  # interleaved
