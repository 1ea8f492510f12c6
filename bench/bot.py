"""Benchmark the bot through the fake Bot API server on 127.0.0.1.

Prints: updates handled per second and p50/p95 latency for 最新一期 (one user at a time, and many
users at once), and the outbox broadcast rate to N subscribers as a fraction of Telegram's 30/s
(with a simulated Telegram latency), plus the unthrottled rate to show the headroom; the first
listener: 收听 on each article of an issue whose voice notes are not made (the bot makes each on
the tap) and of one whose notes the worker made in the background (NotesAhead) once it was
published, and how long that background work took; then search
latency over a 500-issue archive (bench/bot_search.py), the time to post an issue to a channel
(bench/bot_channel.py) and outbox throughput with one and two replica processes
(bench/bot_replicas.py).

    .venv/bin/python bench/bot.py [--subscribers 5000] [--latency 0.05] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_channel import measure_channel_posting
from bench.bot_replicas import measure_replicas
from bench.bot_search import measure_search
from tests.bot.data import put_real_mp3
from tests.bot.fake_api import FakeBotApi
from tests.conftest import build_issue
from tingbao.audio.voice_notes import NotesAhead, VoiceNotes
from tingbao.bot.app import BotOptions, build_application, start_embedded, stop_embedded
from tingbao.bot.outbox import drain_outbox
from tingbao.bot.settings import ptb_environment
from tingbao.chat.pacing import SendPacer
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.cli.services import bot_neighbours, bot_stores
from tingbao.paper.settings import Secret
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import Settings, load_settings

os.environ.update(ptb_environment(os.environ))  # as the CLI does at start-up


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latest_latency(api: FakeBotApi, sequential: int, burst: int) -> None:
    """Measure 最新一期 one at a time, then as a burst from many users."""
    latencies: list[float] = []
    for n in range(sequential):
        chat = 500_000 + n
        start_calls = len(api.calls)
        t0 = time.perf_counter()
        api.push_text(chat, "最新一期")
        while not api.sends(chat, start_calls):
            await asyncio.sleep(0.0005)
        latencies.append(time.perf_counter() - t0)
    print(
        f"最新一期, one user at a time: n={sequential} "
        f"p50={statistics.median(latencies) * 1000:.1f} ms "
        f"p95={percentile(latencies, 95) * 1000:.1f} ms "
        f"=> {sequential / sum(latencies):.0f} updates/s"
    )
    start_calls = len(api.calls)
    pushed: dict[int, float] = {}
    t0 = time.perf_counter()
    for n in range(burst):
        chat = 600_000 + n
        pushed[chat] = time.perf_counter()
        api.push_text(chat, "最新一期")
    await api.wait_for(lambda: len(api.sends(None, start_calls)) >= burst, timeout=120)
    elapsed = time.perf_counter() - t0
    done = {c.chat_id: c.at for c in api.sends(None, start_calls)}
    # Call.at is time.monotonic; perf_counter differs, so measure from the burst's start instead.
    first = min(done.values())
    spread = [t - first for t in done.values()]
    print(
        f"最新一期, burst of {burst} users: {burst / elapsed:.0f} updates/s, "
        f"completion p95 {percentile(spread, 95) * 1000:.0f} ms after the first reply"
    )


async def broadcast(
    db: Database, api: FakeBotApi, token: str, issue_id: str, n: int, rate: float, latency: float
) -> None:
    from telegram import Bot

    subscribers = SubscriberStore(db)
    chats = list(range(1_000_000 + int(rate * 10_000), 1_000_000 + int(rate * 10_000) + n))
    subscribers.add_many(chats)
    api.latency_s = latency
    queued = enqueue_new_issue(db, issue_id)
    bot = Bot(token, base_url=api.base_url)
    async with bot:
        report = await drain_outbox(
            bot, db, paper_name="金虹桥", pacer=SendPacer(rate, 1.0), concurrency=8
        )
    achieved = report.sent / report.elapsed_s
    label = f"{rate:.0f}/s pacing" if rate > 0 else "no pacing"
    print(
        f"broadcast to {queued} subscribers ({label}, {latency * 1000:.0f} ms simulated latency): "
        f"{report.sent} sent in {report.elapsed_s:.1f} s = {achieved:.1f} msg/s "
        f"= {achieved / 30:.2f} of 30 msg/s"
    )
    for chat in chats:
        subscribers.unsubscribe(chat)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true", help="1000 subscribers, smaller bursts")
    args = parser.parse_args()
    n = 1000 if args.quick else args.subscribers
    api = FakeBotApi()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}, data_dir=Path(tmp)
        ).with_overrides(
            telegram_token=Secret(api.token),
            telegram_base_url=api.base_url,
            bot_user_messages_per_minute=10_000,
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.database_url)
        create_schema(db)
        store = IssueStore(db)
        issue = build_issue()
        store.save_issue(issue)
        for overall in (None, 30.0):
            # None: the bot's own machinery; 30.0: with AIORateLimiter at Telegram's 30/s.
            label = "no AIORateLimiter" if overall is None else "AIORateLimiter 30/s"
            print(f"-- {label}")
            options = BotOptions(outbox_interval_s=3600, overall_rate=overall)
            neighbours = bot_neighbours(settings, LocalPublisher(settings.public_dir))
            app = build_application(
                settings.bot, bot_stores(settings, db), neighbours, options=options
            )
            assert app is not None
            api.resume_polls()
            await start_embedded(app, poll_timeout_s=1)
            try:
                small = args.quick or overall is not None
                await latest_latency(api, 100 if small else 500, 300 if small else 2000)
            finally:
                api.release_polls()
                await stop_embedded(app)
        from datetime import date

        second = build_issue(published=date(2020, 8, 30))
        store.save_issue(second)
        await broadcast(db, api, api.token, second.id, n, 0.0, args.latency)
        await broadcast(db, api, api.token, issue.id, n, 30.0, args.latency)
        api.latency_s = 0.0
        await first_listener(api, settings, db, 3 if args.quick else 8)
        db.dispose()
    await api.stop()
    await issue_ten(args.quick)


READING_S = (60.0, 150.0, 300.0)  # stand-in article readings: short, typical, long


async def tap_listen(api: FakeBotApi, chat: int, article_id: str) -> float:
    """Press 收听 under an article and return the seconds until its audio arrives."""
    start_calls = len(api.calls)
    t0 = time.perf_counter()
    api.push_callback(chat, f"say:{article_id}")
    while not [c for c in api.sends(chat, start_calls) if c.method in ("sendVoice", "sendAudio")]:
        await asyncio.sleep(0.001)
    return time.perf_counter() - t0


async def first_listener(api: FakeBotApi, settings: Settings, db: Database, articles: int) -> None:
    """Measure 收听 on the latest issue's articles without and with notes made ahead."""
    from datetime import date

    store, assets = IssueStore(db), AssetStore(db)
    publisher = LocalPublisher(settings.public_dir)
    titles = tuple(f"第{n + 1}篇 虹桥镇社区新闻" for n in range(articles))
    issues = {}
    for label, day in (("made on the tap", date(2021, 1, 7)), ("made ahead", date(2021, 1, 14))):
        issues[label] = build_issue(published=day, titles=titles)
        store.save_issue(issues[label])
        for n, article in enumerate(issues[label].articles):
            seconds = READING_S[n % len(READING_S)]
            put_real_mp3(publisher, assets, article.id, issues[label].id, seconds)
    ahead = NotesAhead(VoiceNotes(assets, publisher))
    app = build_application(
        settings.bot,
        bot_stores(settings, db),
        bot_neighbours(settings, publisher, db),
        options=BotOptions(outbox_interval_s=3600),
    )
    assert app is not None
    api.resume_polls()
    await start_embedded(app, poll_timeout_s=1)
    try:
        for label, issue in issues.items():
            if label == "made ahead":
                t0 = time.perf_counter()
                ahead.start([a.id for a in issue.articles])
                await ahead.wait()
                print(
                    f"-- voice notes made ahead in the background: {len(issue.articles)} in "
                    f"{time.perf_counter() - t0:.1f} s (low-priority thread)"
                )
            waits = [await tap_listen(api, 700_000, a.id) for a in issue.articles]
            print(
                f"-- 收听, first listener, notes {label}: n={len(waits)} "
                f"p50={statistics.median(waits) * 1000:.0f} ms "
                f"p95={percentile(waits, 95) * 1000:.0f} ms (readings of "
                f"{', '.join(f'{s:.0f}' for s in READING_S)} s)"
            )
    finally:
        ahead.close()
        api.release_polls()
        await stop_embedded(app)


async def issue_ten(quick: bool) -> None:
    """Search latency, channel posting and outbox throughput with replicas (bot_*.py each)."""
    issues = 100 if quick else 500
    found = measure_search(issues=issues, articles=10, rounds=5 if quick else 20)
    print(
        f"-- search, {issues} issues x 10 articles: p50 {found['search_p50_ms']:.1f} ms, "
        f"p95 {found['search_p95_ms']:.1f} ms, max {found['search_max_ms']:.1f} ms "
        f"(database {found['db_mb']:.0f} MB, index rebuilt in {found['index_build_s']:.1f} s)"
    )
    posted = await measure_channel_posting(latency_s=0.05)
    print(
        f"-- channel, the sample issue: {posted['posts']:.0f} posts in {posted['seconds']:.2f} s "
        f"unthrottled (50 ms latency); {posted['paced_seconds']:.0f} s at Telegram's 20/min"
    )
    rates = measure_replicas(rows=500 if quick else 2000, throttled_rows=150 if quick else 300)
    print(
        "-- outbox with replicas (msgs/s): unthrottled "
        f"{rates['replicas_1_unthrottled_msgs_per_s']:.0f} with one, "
        f"{rates['replicas_2_unthrottled_msgs_per_s']:.0f} with two; at 30/s "
        f"{rates['replicas_1_30_per_s_msgs_per_s']:.1f} and "
        f"{rates['replicas_2_30_per_s_msgs_per_s']:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
