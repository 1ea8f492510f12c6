"""Fixtures for the bot: a fake Bot API server, and the real Application polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from tests.bot.fake_api import Call, FakeBotApi
from tingbao.bot.app import BotApp, BotOptions, build_application, start_embedded, stop_embedded
from tingbao.cli.redaction import redact_secrets
from tingbao.cli.services import bot_neighbours, bot_stores
from tingbao.paper.settings import Secret
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.engine import Database
from tingbao.worker.settings import Settings

ADMIN = 9001
READER = 1001

FAST = BotOptions(
    outbox_interval_s=0.1,
    send_rate=0,
    per_chat_interval_s=0.0,
    overall_rate=None,
    send_concurrency=16,
    send_read_timeout_s=0.3,
    poll_timeout_s=1,
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def bot_settings(settings: Settings, api: FakeBotApi) -> Settings:
    return settings.with_overrides(
        telegram_token=Secret(api.token),
        telegram_base_url=api.base_url,
        admins=frozenset({ADMIN}),
    )


@pytest.fixture
def bot_db(db: Database) -> Database:
    """The shared database; its schema (every part's tables) is made by the `db` fixture."""
    return db


class Chat:
    """One user talking to the bot through the fake server."""

    def __init__(self, api: FakeBotApi, chat_id: int) -> None:
        self.api = api
        self.chat_id = chat_id

    async def _exchange(
        self, push: Callable[[], int], expect: int, settle: float, timeout: float = 10.0
    ) -> list[Call]:
        start = len(self.api.calls)
        push()
        await self.api.wait_for(lambda: len(self.api.sends(self.chat_id, start)) >= expect, timeout)
        if settle:
            import asyncio

            await asyncio.sleep(settle)
        return self.api.sends(self.chat_id, start)

    async def say(self, text: str, expect: int = 1, settle: float = 0.05) -> list[Call]:
        return await self._exchange(lambda: self.api.push_text(self.chat_id, text), expect, settle)

    async def press(self, data: str, expect: int = 1, settle: float = 0.05) -> list[Call]:
        return await self._exchange(
            lambda: self.api.push_callback(self.chat_id, data), expect, settle
        )

    async def upload(self, name: str, content: bytes, expect: int = 1) -> list[Call]:
        # An upload is read (a PDF, a scan by OCR) before the preview: allow a busy machine.
        return await self._exchange(
            lambda: self.api.push_document(self.chat_id, name, content), expect, 0.05, timeout=60
        )

    async def photo(self, content: bytes, size: tuple[int, int], expect: int = 1) -> list[Call]:
        # A photo of a page is read by OCR before the preview: seconds, more on a busy machine.
        return await self._exchange(
            lambda: self.api.push_photo(self.chat_id, content, *size), expect, 0.05, timeout=120
        )


@dataclass
class Harness:
    api: FakeBotApi
    app: BotApp

    def chat(self, chat_id: int = READER) -> Chat:
        return Chat(self.api, chat_id)


StartBot = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start_bot(
    api: FakeBotApi, bot_settings: Settings, bot_db: Database
) -> AsyncIterator[StartBot]:
    """Return a coroutine that starts the real Application; all are stopped at the end."""
    running: list[BotApp] = []

    async def start(settings: Settings | None = None, **kwargs: Any) -> Harness:
        """Start the bot as the worker wires it; keyword arguments replace its neighbours."""
        chosen = settings or bot_settings
        options = kwargs.pop("options", FAST)
        neighbours = replace(
            bot_neighbours(chosen, LocalPublisher(chosen.public_dir), bot_db), **kwargs
        )
        redact_secrets(chosen)  # as the command does at start-up
        stores = bot_stores(chosen, bot_db)
        app = build_application(chosen.bot, stores, neighbours, options=options)
        assert app is not None
        await start_embedded(app, poll_timeout_s=1)
        running.append(app)
        return Harness(api, app)

    yield start
    api.release_polls()
    for app in running:
        if app.running or (app.updater and app.updater.running):
            await stop_embedded(app)
