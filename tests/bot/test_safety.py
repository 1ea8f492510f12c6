"""No token: off, said once. The token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from tests.bot.conftest import StartBot
from tests.bot.data import save_issues
from tests.bot.fake_api import FakeBotApi
from tingbao.bot.app import build_application, file_base_url, run_bot
from tingbao.cli.services import bot_neighbours, bot_stores
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


def test_no_token_means_off_said_once(
    settings: Settings,
    bot_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert settings.bot.telegram_token is None
    neighbours = bot_neighbours(settings, LocalPublisher(settings.public_dir))
    with caplog.at_level(logging.INFO):
        assert build_application(settings.bot, bot_stores(settings, bot_db), neighbours) is None
        assert build_application(settings.bot, bot_stores(settings, bot_db), neighbours) is None
        assert (
            run_bot(build_application(settings.bot, bot_stores(settings, bot_db), neighbours))
            is False
        )
    said = [r for r in caplog.records if "TELEGRAM_BOT_TOKEN" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING


async def test_token_never_logged(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore, caplog: pytest.LogCaptureFixture
) -> None:
    save_issues(store)
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    await bot.chat().say("最新一期")
    api.faults[1001] = ["403"]
    await bot.chat().say("热线", expect=1)  # a handler error (403) is logged with its traceback
    logging.getLogger("anything").error("url was %s", f"{api.base_url}{api.token}/getMe")
    assert logging.getLogger("httpx").level == logging.WARNING
    assert caplog.records, "nothing was captured"
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert api.token not in text
    assert api.token.split(":")[1] not in text
    assert "/bot***/getMe" in caplog.text


@pytest.mark.parametrize(
    ("base", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://botapi:8081/bot/", "http://botapi:8081/file/bot"),
        ("http://botapi:8081", "http://botapi:8081/file/bot"),
    ],
)
def test_file_base_url(base: str, files: str) -> None:
    assert file_base_url(base) == files
