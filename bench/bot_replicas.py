"""Benchmark outbox throughput with one and with two replica processes on one database.

Each replica is a real process that claims, sends and settles rows (tingbao.bot.outbox) against
the fake Bot API on 127.0.0.1 with a simulated Telegram latency; the database is SQLite in WAL
mode. Measured unthrottled (what the claiming machinery can do) and at Telegram's 30 messages/s
per bot, which replicas share (each paces at 30/N).

    .venv/bin/python bench/bot_replicas.py [--rows 2000] [--throttled-rows 300] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.bot.fake_api import ThreadedFakeBotApi
from tests.conftest import build_issue
from tingbao.bot.outbox import drain_outbox
from tingbao.bot.settings import ptb_environment
from tingbao.chat.pacing import TELEGRAM_MESSAGES_PER_S, SendPacer
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.chat.tables import SENT, OutboxRow
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema

os.environ.update(ptb_environment(os.environ))  # as the CLI does at start-up


def _replica(
    db_url: str, base_url: str, token: str, rate: float, concurrency: int, go: Any
) -> None:
    """Run one replica: connect, wait for the start signal, drain until nothing is due."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    async def run() -> None:
        db = Database(db_url)
        request = HTTPXRequest(connection_pool_size=concurrency * 2)
        async with Bot(token, base_url=base_url, request=request) as bot:
            go.wait()
            await drain_outbox(
                bot,
                db,
                paper_name="金虹桥",
                pacer=SendPacer(rate, 0.0),
                concurrency=concurrency,
                read_timeout=5.0,
                lease_s=60.0,
            )
        db.dispose()

    asyncio.run(run())


def _outbox(folder: Path, rows: int) -> str:
    """Make a database with one issue queued to `rows` subscribers; return its URL."""
    url = f"sqlite:///{folder / 'tingbao.db'}"
    db = Database(url)
    create_schema(db)
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    SubscriberStore(db).add_many(list(range(1_000_000, 1_000_000 + rows)))
    enqueue_new_issue(db, issue.id)
    db.dispose()
    return url


def run_replicas(
    url: str, api_url: str, token: str, replicas: int, rate: float, concurrency: int
) -> float:
    """Start `replicas` bot processes on the database at url, let them drain its outbox together
    (Telegram's `rate` shared between them; 0: unpaced) and return the seconds it took."""
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    each = rate / replicas if rate > 0 else 0.0  # Telegram's limit is per bot: shared
    procs = [
        ctx.Process(target=_replica, args=(url, api_url, token, each, concurrency, go))
        for _ in range(replicas)
    ]
    for proc in procs:
        proc.start()
    time.sleep(3.0)  # let every replica import, connect and ask getMe
    started = time.perf_counter()
    go.set()
    for proc in procs:
        proc.join(600)
    return time.perf_counter() - started


def _drain(
    api_url: str, token: str, rows: int, replicas: int, rate: float, concurrency: int
) -> float:
    """Return messages per second for `replicas` processes draining `rows` rows."""
    with tempfile.TemporaryDirectory(prefix="tingbao-replicas-") as tmp:
        url = _outbox(Path(tmp), rows)
        elapsed = run_replicas(url, api_url, token, replicas, rate, concurrency)
        db = Database(url)
        with db.session() as session:
            sent = session.query(OutboxRow).filter(OutboxRow.state == SENT).count()
        db.dispose()
        if sent != rows:
            raise RuntimeError(f"{sent} of {rows} rows sent")
        return rows / elapsed


def measure_replicas(
    rows: int = 2000,
    throttled_rows: int = 300,
    latency_s: float = 0.05,
    concurrency: int = 8,
) -> dict[str, float]:
    """Return outbox throughput (messages/s) with 1 and 2 replica processes, unthrottled and at
    Telegram's 30/s; keys like "replicas_2_unthrottled_msgs_per_s"."""
    results: dict[str, float] = {}
    server = ThreadedFakeBotApi()
    with server:
        api = server.api
        api.latency_s = latency_s
        for label, n_rows, rate in (
            ("unthrottled", rows, 0.0),
            ("30_per_s", throttled_rows, TELEGRAM_MESSAGES_PER_S),
        ):
            for replicas in (1, 2):
                key = f"replicas_{replicas}_{label}_msgs_per_s"
                results[key] = _drain(api.base_url, api.token, n_rows, replicas, rate, concurrency)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows drained unthrottled")
    parser.add_argument("--throttled-rows", type=int, default=300, help="rows drained at 30/s")
    parser.add_argument("--latency", type=float, default=0.05, help="fake Telegram latency (s)")
    parser.add_argument("--concurrency", type=int, default=8, help="sends in flight per replica")
    args = parser.parse_args()
    results = measure_replicas(args.rows, args.throttled_rows, args.latency, args.concurrency)
    print(f"outbox throughput, latency {args.latency * 1000:.0f} ms, {args.concurrency} in flight:")
    for key, value in results.items():
        print(f"  {key}: {value:.1f}")


if __name__ == "__main__":
    main()
