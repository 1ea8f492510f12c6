"""The outbox: 2000 subscribers, injected 429s, 403s and timeouts, a restart in the middle, leases
left by a dead drain, and concurrent drains."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.bot.conftest import ADMIN, FAST, StartBot
from tests.bot.data import save_issues
from tests.bot.fake_api import FakeBotApi
from tingbao.bot.app import BotOptions, stop_embedded
from tingbao.bot.outbox import drain_outbox
from tingbao.chat.pacing import SendPacer
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.chat.tables import SENDING, SENT, OutboxRow
from tingbao.store.clock import utc_now
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore


def delivered(api: FakeBotApi) -> Counter[int]:
    return Counter(
        c.chat_id for c in api.calls if c.method == "sendMessage" and c.delivered and c.chat_id
    )


@pytest.mark.slow
async def test_broadcast_2000_exactly_once_across_restart(
    start_bot: StartBot, api: FakeBotApi, bot_db: Database, store: IssueStore
) -> None:
    issue = save_issues(store)[0]
    subscribers = SubscriberStore(bot_db)
    chats = list(range(100_000, 102_000))
    subscribers.add_many(chats)
    limited = set(chats[5:2000:200])  # 10 chats answered 429 first
    blocked = set(chats[7:2000:100])  # 20 chats blocked the bot
    slow = set(chats[11:2000:150])  # 14 chats whose answer comes after the read timeout
    for chat in limited:
        api.faults[chat] = ["429"]
    for chat in blocked:
        api.faults[chat] = ["403"]
    for chat in slow:
        api.faults[chat] = ["slow"]
    # Answers come well within the read timeout, the slow ones well after it, even on a busy
    # machine (a send that merely ran late would count as maybe-delivered).
    api.slow_s = 4.0
    assert enqueue_new_issue(bot_db, issue.id) == 2000
    assert enqueue_new_issue(bot_db, issue.id) == 0  # a correction queues nothing more

    options = BotOptions(**{**FAST.__dict__, "send_rate": 800.0, "send_read_timeout_s": 2.0})
    first = await start_bot(options=options)
    await api.wait_for(lambda: sum(delivered(api).values()) >= 600, timeout=60)
    api.release_polls()
    await stop_embedded(first.app)  # a restart in the middle
    halfway = sum(delivered(api).values())
    assert 600 <= halfway < 1900
    counts = subscribers.outbox_counts(issue.id)
    assert counts["pending"] > 0 and counts["sending"] == 0  # in-flight sends were settled

    api.resume_polls()
    await start_bot(options=options)

    def settled() -> bool:
        c = subscribers.outbox_counts(issue.id)
        return c["pending"] == 0 and c["sending"] == 0

    await api.wait_for(settled, timeout=120)
    got = delivered(api)
    assert set(got) == set(chats) - blocked
    assert set(got.values()) == {1}  # everyone exactly once, the slow ones included
    assert all(not subscribers.is_active(chat) for chat in blocked)
    assert subscribers.count() == 2000 - len(blocked)
    counts = subscribers.outbox_counts(issue.id)
    assert counts["blocked"] == len(blocked)
    assert counts["unknown"] == len(slow)  # maybe delivered: never retried
    assert counts["sent"] == 2000 - len(blocked) - len(slow)
    refused = [c for c in api.calls if c.status == 429]
    assert len(refused) == len(limited)
    message = next(c for c in api.calls if c.method == "sendMessage" and c.delivered)
    assert "新一期《金虹桥》出版了" in message.text
    assert [label for label, _ in message.buttons()][:3] == [
        f"{n}. {a.title}" for n, a in enumerate(issue.articles, 1)
    ]


async def test_row_claimed_by_a_dead_drain_is_sent_again_when_its_lease_expires(
    start_bot: StartBot, api: FakeBotApi, bot_db: Database, store: IssueStore
) -> None:
    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1, 2, 3])
    enqueue_new_issue(bot_db, issue.id)
    lease_until = utc_now() + timedelta(minutes=5)
    with bot_db.session() as session:  # a replica died after claiming chat 2's row
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == 2)
            .values(state=SENDING, owner="dead:1:x", lease_until=lease_until, attempts=1)
        )
    bot = await start_bot()
    subscribers = SubscriberStore(bot_db)
    await api.wait_for(lambda: subscribers.outbox_counts(issue.id)["sent"] == 2)
    report = await drain_outbox(bot.app.bot, bot_db, paper_name="金虹桥", pacer=SendPacer(0, 0))
    assert report.attempted == 0  # its lease still runs: nobody else may send it
    assert set(delivered(api)) == {1, 3}
    [stats] = await bot.chat(ADMIN).say("/stats")  # shown to editors as 发送中 meanwhile
    assert "已送达2，待发送0，发送中1，不确定0" in stats.text

    later = lambda: utc_now() + timedelta(minutes=6)  # noqa: E731  the lease has expired
    report = await drain_outbox(
        bot.app.bot, bot_db, paper_name="金虹桥", pacer=SendPacer(0, 0), clock=later
    )
    assert report.sent == 1
    assert delivered(api) == {1: 1, 2: 1, 3: 1, ADMIN: 1}  # ADMIN: the /stats answer
    with bot_db.session() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.chat_id == 2)).one()
        assert (row.state, row.attempts, row.lease_until) == (SENT, 2, None)
        assert row.owner not in ("", "dead:1:x")  # the drain that sent it


async def test_row_whose_lease_expired_too_often_becomes_unknown(
    api: FakeBotApi, bot_db: Database, store: IssueStore
) -> None:
    from telegram import Bot

    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1, 2])
    enqueue_new_issue(bot_db, issue.id)
    long_ago = utc_now() - timedelta(hours=1)
    with bot_db.session() as session:  # chat 2's message killed its sender eight times
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == 2)
            .values(state=SENDING, owner="dead:8:x", lease_until=long_ago, attempts=8)
        )
    async with Bot(api.token, base_url=api.base_url) as bot:
        report = await drain_outbox(bot, bot_db, paper_name="金虹桥", pacer=SendPacer(0, 0))
    assert report.sent == 1 and set(delivered(api)) == {1}
    counts = SubscriberStore(bot_db).outbox_counts(issue.id)
    assert (counts["sent"], counts["unknown"], counts["sending"]) == (1, 1, 0)


async def test_claims_are_atomic_between_concurrent_drains(
    api: FakeBotApi, bot_db: Database, store: IssueStore
) -> None:
    from telegram import Bot

    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many(list(range(1, 301)))
    enqueue_new_issue(bot_db, issue.id)
    api.latency_s = 0.005
    async with Bot(api.token, base_url=api.base_url) as bot:
        reports = await asyncio.gather(
            *(
                drain_outbox(bot, bot_db, paper_name="金虹桥", pacer=SendPacer(0, 0), owner=name)
                for name in ("a", "b", "c")
            )
        )
    assert sum(r.sent for r in reports) == 300
    assert all(r.sent > 0 for r in reports)  # all three took part
    assert set(delivered(api).values()) == {1}
    with bot_db.session() as session:
        owners = Counter(session.scalars(select(OutboxRow.owner)))
    assert owners == {name: r.sent for name, r in zip("abc", reports, strict=True)}


async def test_unreachable_telegram_keeps_rows_pending(
    bot_db: Database, store: IssueStore, api: FakeBotApi
) -> None:
    from telegram import Bot

    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1, 2])
    enqueue_new_issue(bot_db, issue.id)
    bot = Bot(api.token, base_url=api.base_url)
    async with bot:
        await api.stop()  # Telegram goes away: connections are refused
        report = await drain_outbox(bot, bot_db, paper_name="金虹桥", pacer=SendPacer(0, 0))
    assert report.stopped and report.sent == 0
    counts = SubscriberStore(bot_db).outbox_counts(issue.id)
    assert counts["pending"] == 2 and counts["sending"] == 0


async def test_new_subscriber_after_announcement_is_not_queued(
    bot_db: Database, store: IssueStore
) -> None:
    issue = save_issues(store)[0]
    subscribers = SubscriberStore(bot_db)
    subscribers.add_many([1, 2])
    subscribers.unsubscribe(2)
    assert enqueue_new_issue(bot_db, issue.id) == 1
    subscribers.subscribe(3)
    assert enqueue_new_issue(bot_db, issue.id) == 0
    assert subscribers.outbox_counts(issue.id)["pending"] == 1
