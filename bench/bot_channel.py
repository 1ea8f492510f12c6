"""Benchmark posting the sample issue to a channel on the fake Bot API server on 127.0.0.1.

Times one sync of a new issue with pacing off (the machinery: plan, records, uploads, requests),
a second sync that finds nothing to do, and reports the wall time Telegram's channel limit
(20 posts a minute, one a second) implies for the same posts.

    .venv/bin/python bench/bot_channel.py [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot

from tests.bot.fake_api import FakeBotApi
from tingbao.bot.channel import sync_channel
from tingbao.bot.files import AudioSender, FileIdCache
from tingbao.bot.settings import ptb_environment
from tingbao.chat.channel_store import queue_channel_issue, revise_channel_issue
from tingbao.chat.pacing import ChannelPacer
from tingbao.cli.services import bot_papers
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.reading.reader import read_issue
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import Settings, load_settings

os.environ.update(ptb_environment(os.environ))  # as the CLI does at start-up

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "jinhongqiao-2020-07.txt"
CHANNEL = "@tingbao_news"
MP3_BYTES_PER_S = 6000  # 48 kbit/s mono
SPOKEN_CHARS_PER_S = 4.0  # a Mandarin reading


def publish_stand_in_audio(
    issue: Issue, publisher: LocalPublisher, assets: AssetStore
) -> list[Asset]:
    """Publish MP3-sized stand-ins for the issue's readings (no speech engine in a bench)."""
    owners = [(a.id, a.char_count) for a in issue.articles]
    owners.append((issue.id, sum(a.char_count for a in issue.articles)))
    made = []
    for owner, chars in owners:
        for role, rate in (("mp3", 1.0), ("mp3_slow", 0.8)):
            if owner == issue.id and role == "mp3_slow":
                continue
            seconds = chars / SPOKEN_CHARS_PER_S / rate
            size = int(seconds * MP3_BYTES_PER_S)
            path = f"audio/{issue.id}/{owner}-{role}.mp3"
            publisher.write_bytes(path, b"\xff" * size)
            key = f"{owner}-{role}"
            asset = Asset(owner, issue.id, role, path, size, "audio/mpeg", seconds, "offline", key)
            assets.put(asset)
            made.append(asset)
    return made


async def paced_seconds(posts: int) -> float:
    """Return when the last of `posts` requests may go under the default channel pacing."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = ChannelPacer(clock=lambda: now[0], sleep=sleep)
    for _ in range(posts):
        await pacer.wait()
    return now[0]


async def _sync(bot: Bot, db: Database, settings: Settings, audio: AudioSender) -> int:
    report = await sync_channel(
        bot,
        db,
        papers=bot_papers(settings),
        public_url=settings.feeds.url,
        audio=audio,
        pacer=ChannelPacer(per_minute=0, min_gap_s=0),
    )
    if report.errors:
        raise RuntimeError(report.summary())
    return report.changed


async def measure_channel_posting(latency_s: float = 0.0) -> dict[str, float]:
    """Post the sample issue to a fake channel unthrottled; return posts, seconds, resync seconds,
    the upload size, and the wall time the 20-a-minute pacing implies."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "TINGBAO_TTS": "offline",
            "TINGBAO_OFFLINE_VOICE": "espeak",
            "TINGBAO_BASE_URL": "https://news.example/",
        }
        settings = load_settings(env, data_dir=Path(tmp))
        db = Database(settings.database_url)
        create_schema(db)
        issue = read_issue(SAMPLE, settings.paper, settings.reading).issue
        IssueStore(db).save_issue(issue)
        publisher = LocalPublisher(settings.public_dir)
        uploaded = publish_stand_in_audio(issue, publisher, AssetStore(db))
        queue_channel_issue(db, issue.id, CHANNEL)
        api = FakeBotApi()
        api.latency_s = latency_s
        await api.start()
        try:
            audio = AudioSender(publisher, FileIdCache(db))
            async with Bot(api.token, base_url=api.base_url) as bot:
                t0 = time.perf_counter()
                posts = await _sync(bot, db, settings, audio)
                t1 = time.perf_counter()
                revise_channel_issue(db, issue.id)  # a correction that changed nothing
                unchanged = await _sync(bot, db, settings, audio)
                t2 = time.perf_counter()
        finally:
            await api.stop()
            db.dispose()
    assert unchanged == 0, "a correction that changed nothing must not touch the channel"
    return {
        "posts": float(posts),
        "seconds": t1 - t0,
        "resync_seconds": t2 - t1,
        "upload_mb": sum(a.size for a in uploaded if a.role == "mp3") / 1e6,
        "paced_seconds": await paced_seconds(posts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="fake Telegram latency (s)")
    args = parser.parse_args()
    result = asyncio.run(measure_channel_posting(args.latency))
    print(
        f"channel: {result['posts']:.0f} posts of the sample issue "
        f"({result['upload_mb']:.1f} MB of MP3) in {result['seconds']:.2f} s unthrottled, "
        f"{result['posts'] / result['seconds']:.1f} posts/s; a correction that changed nothing "
        f"{result['resync_seconds'] * 1000:.0f} ms; at Telegram's 20/min and 1/s: "
        f"{result['paced_seconds']:.0f} s"
    )


if __name__ == "__main__":
    main()
