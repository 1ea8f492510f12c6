"""kill -9 the bot right after Telegram took a channel post and before the bot recorded it: the
next run finishes the issue in order, at the cost of at most that one post twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.bot.data import put_audio, put_chapters, save_issues
from tests.bot.fake_api import Call, FakeBotApi, ThreadedFakeBotApi
from tingbao.chat.channel_store import issues_behind, queue_channel_issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]
CHANNEL = "@tingbao_news"
KILL_AFTER = 3  # accepted posts
LEASE_S = 12.0  # the channel lease; renewed every 4 s, so it outlives a kill by 8 s or more


def bot_once(api: FakeBotApi, data_dir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_BASE_URL": "http://127.0.0.1:8080/",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_CHANNEL": CHANNEL,
        "TINGBAO_CHANNEL_LEASE": str(LEASE_S),
    }
    command = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [*command, "bot", "--once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def shown(message: dict[str, Any]) -> str:
    if "audio" in message:
        return f"[audio] {message.get('caption', '')}"
    return str(message.get("text", ""))


def test_kill_9_between_post_and_record_costs_at_most_one_duplicate(
    settings: Settings,
    db: Database,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    put_chapters(publisher, assets, issue)
    for article in issue.articles:
        put_audio(publisher, assets, article.id, issue.id, "mp3")
    queue_channel_issue(db, issue.id, CHANNEL)
    expected_posts = 2 + 2 * len(issue.articles)

    with ThreadedFakeBotApi() as api:
        child: list[subprocess.Popen[str]] = []

        def kill_on_third(call: Call) -> None:
            if call.chat_id == CHANNEL and len(api.live(CHANNEL)) == KILL_AFTER - 1:
                os.kill(child[0].pid, signal.SIGKILL)  # Telegram took it; the bot never hears

        api.on_accept.append(kill_on_third)
        child.append(bot_once(api, settings.data_dir))
        _out, err = child[0].communicate(timeout=60)
        assert child[0].returncode == -signal.SIGKILL, err
        assert len(api.live(CHANNEL)) == KILL_AFTER
        api.on_accept.clear()
        killed_at = time.monotonic()

        # The dead process still holds the channel lease: a bot started at once does not post
        # (it might be a live replica), one started after the lease lapsed resumes.
        waiting = bot_once(api, settings.data_dir)
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
        assert time.monotonic() - killed_at < 2 * LEASE_S / 3, "the machine is too slow"
        assert "channel: another bot process is posting" in out
        assert len(api.live(CHANNEL)) == KILL_AFTER
        time.sleep(max(0.0, killed_at + LEASE_S - time.monotonic()))

        again = bot_once(api, settings.data_dir)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        live = [shown(m) for m in api.live(CHANNEL)]

    assert f"channel: {expected_posts - KILL_AFTER + 1} posted" in out
    deduped = [m for n, m in enumerate(live) if n == 0 or live[n - 1] != m]
    assert len(deduped) == expected_posts  # every post, in order
    assert len(live) - len(deduped) <= 1  # at most the one in the crash window, twice
    assert live[KILL_AFTER - 1] == live[KILL_AFTER]  # ... right after itself
    assert deduped[0].startswith("<b>《金虹桥》</b>") and deduped[1].startswith("[audio] 全刊目录")
    for n, article in enumerate(issue.articles):
        assert article.title in deduped[2 + 2 * n] and article.title in deduped[3 + 2 * n]
    assert issues_behind(db) == []
