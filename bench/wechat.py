"""Benchmark the WeChat endpoint as WeChat's servers call it: many followers at once.

A `tingbao wechat` child process (safe mode: every request decrypted, every reply encrypted)
answers followers who each send a mix of what followers send — 最新, a number, 慢, 热线, 搜 词,
plain words, a voice message with recognised text — over an archive of stored issues. Prints
p50/p95/max of the reply time per request, one follower at a time and N at once (goal: p95 under
200 ms, never over 4.5 s: WeChat gives up at 5 s).

    .venv/bin/python bench/wechat.py [--followers 50] [--rounds 20] [--issues 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from tests.bot.test_webhook import free_port, listening, wait
from tests.conftest import build_issue
from tests.wechat.follower import Follower, WechatServer
from tests.wechat.test_endpoint import new_aes_key
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import load_settings

TOKEN = "bench-token-7c1d"
APPID = "wx6c0b0e1d2a3f4b5c"
SAID = ("最新", "1", "慢", "热线", "搜 垃圾分类", "2", "往期", "精神文明建设", "3", "电话多少")


def store_archive(data_dir: Path, issues: int) -> None:
    """Store issues a week apart (the newest last), as the worker would."""
    settings = load_settings(
        {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}, data_dir=data_dir
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    create_schema(db)
    store = IssueStore(db)
    newest = date(2024, 12, 26)
    for n in range(issues):
        published = newest - timedelta(days=7 * (issues - 1 - n))
        titles = (
            f"虹桥镇召开工作会议 第{n}期",
            f"精神文明建设推进大会召开 第{n}期",
            f"垃圾分类进小区 第{n}期",
            f"社区简讯 第{n}期",
        )
        store.save_issue(build_issue(published=published, titles=titles))
    db.dispose()


async def follower_session(
    server: WechatServer, session: aiohttp.ClientSession, n: int, rounds: int
) -> list[float]:
    """Send rounds messages as one follower; return each reply's time in seconds."""
    follower = Follower(server, session, openid=f"oBench{n:022d}")
    times = []
    for r in range(rounds):
        said = SAID[(n + r) % len(SAID)]
        started = time.perf_counter()
        reply = await (follower.speak(said + "。") if r % 7 == 6 else follower.say(said))
        times.append(time.perf_counter() - started)
        assert reply.status == 200 and reply.fields, (said, reply.body[:200])
    return times


async def measure(server: WechatServer, followers: int, rounds: int) -> list[float]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        batches = await asyncio.gather(
            *(follower_session(server, session, n, rounds) for n in range(followers))
        )
    return [t for batch in batches for t in batch]


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label}: {len(times)} replies, p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--issues", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        store_archive(data_dir, args.issues)
        port, key = free_port(), new_aes_key()
        env = {
            **os.environ,
            "TINGBAO_TTS": "offline",
            "TINGBAO_OFFLINE_VOICE": "espeak",
            "WECHAT_TOKEN": TOKEN,
            "WECHAT_AES_KEY": key,
            "WECHAT_APPID": APPID,
            "TINGBAO_WECHAT_PORT": str(port),
        }
        command = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir)]
        child = subprocess.Popen(
            [*command, "wechat"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait(lambda: listening(port), what="tingbao wechat")
            server = WechatServer(f"http://127.0.0.1:{port}/wechat", TOKEN, key, APPID)
            print(f"archive: {args.issues} issues; safe mode (AES) on every request and reply")
            report("1 follower", asyncio.run(measure(server, 1, args.rounds * 2)))
            report(
                f"{args.followers} followers at once",
                asyncio.run(measure(server, args.followers, args.rounds)),
            )
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=15)


if __name__ == "__main__":
    main()
