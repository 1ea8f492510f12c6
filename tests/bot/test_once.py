"""`tingbao bot --once`: send the due outbox rows once and exit (a burst, like arq's --burst)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.bot.conftest import FAST
from tests.bot.data import save_issues
from tests.bot.fake_api import FakeBotApi
from tingbao.bot.app import drain_once
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.cli.main import main
from tingbao.cli.services import bot_neighbours, bot_stores
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


def delivered(api: FakeBotApi) -> Counter[int]:
    return Counter(c.chat_id for c in api.sends() if c.delivered and c.chat_id)


async def test_one_pass_sends_every_due_row_once_and_returns(
    api: FakeBotApi, bot_settings: Settings, bot_db: Database, store: IssueStore
) -> None:
    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1, 2, 3])
    enqueue_new_issue(bot_db, issue.id)
    api.faults[2] = ["429"]  # refused once: sent again within the same pass
    neighbours = bot_neighbours(bot_settings, LocalPublisher(bot_settings.public_dir))
    once = await drain_once(bot_settings.bot, bot_stores(bot_settings, bot_db), neighbours, FAST)
    assert once is not None and once.channel is None  # no channel set
    report = once.outbox
    assert report.sent == 3 and report.retried == 1
    assert delivered(api) == {1: 1, 2: 1, 3: 1}
    assert "getUpdates" not in {c.method for c in api.calls}  # it never started polling
    again = await drain_once(bot_settings.bot, bot_stores(bot_settings, bot_db), neighbours, FAST)
    assert again is not None and again.outbox.attempted == 0
    assert SubscriberStore(bot_db).outbox_counts(issue.id)["sent"] == 3


def bot_once(data_dir: str) -> int:
    return main(["--data-dir", data_dir, "bot", "--once"])


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, api: FakeBotApi) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TINGBAO_TTS", "offline")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
    return monkeypatch


async def test_command_prints_one_line_and_exits_0(
    api: FakeBotApi,
    settings: Settings,
    bot_db: Database,
    store: IssueStore,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1, 2])
    enqueue_new_issue(bot_db, issue.id)
    status = await asyncio.to_thread(bot_once, str(settings.data_dir))
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("outbox: 2 sent, 0 retried, 0 blocked, 0 failed, 0 unknown in ")
    assert delivered(api) == {1: 1, 2: 1}


@pytest.mark.parametrize("fault", ["bad token", "unreachable"])
async def test_command_fails_in_one_line_without_the_token(
    api: FakeBotApi,
    settings: Settings,
    bot_db: Database,
    store: IssueStore,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    issue = save_issues(store)[0]
    SubscriberStore(bot_db).add_many([1])
    enqueue_new_issue(bot_db, issue.id)
    token = "654321:WRONG-token-abcdefghijklmnop"
    if fault == "bad token":
        cli_env.setenv("TELEGRAM_BOT_TOKEN", token)
        expected = f"tingbao: bot: 127.0.0.1:{api.port} refused the token"
    else:
        cli_env.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
        token = api.token
        expected = "tingbao: bot: cannot reach 127.0.0.1:9"
    status = await asyncio.to_thread(bot_once, str(settings.data_dir))
    captured = capsys.readouterr()
    assert status == 1
    [line] = captured.err.strip().splitlines()[-1:]
    assert line.startswith(expected), captured.err
    assert token not in captured.err + captured.out
    assert token.split(":")[1] not in captured.err + captured.out
    assert SubscriberStore(bot_db).outbox_counts(issue.id)["pending"] == 1
