"""Post each new issue to the newsroom's channel, and keep the posts true to corrections.

(Being built: the lead wired `ChannelJob` into app.py; `sync_channel` is the channel helper's.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.ext import ContextTypes

from tingbao.bot.files import AudioSender
from tingbao.paper.db import Database
from tingbao.paper.settings import PaperSettings

log = logging.getLogger(__name__)


@dataclass
class ChannelReport:
    """What one sync of the channel did."""

    posted: int = 0
    edited: int = 0
    withdrawn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.posted + self.edited + self.withdrawn

    def summary(self) -> str:
        return f"{self.posted} posted, {self.edited} edited, {self.withdrawn} withdrawn"


async def sync_channel(
    bot: Bot,
    db: Database,
    *,
    paper: PaperSettings,
    public_url: Callable[[str], str],
    audio: AudioSender,
    should_stop: Callable[[], bool] = lambda: False,
) -> ChannelReport:
    """Bring the channel up to date with every issue it carries that it does not yet show."""
    raise NotImplementedError


class ChannelJob:
    """The repeating job that keeps the channel up to date; one sync at a time."""

    def __init__(
        self,
        db: Database,
        paper: PaperSettings,
        public_url: Callable[[str], str],
        audio: AudioSender,
    ) -> None:
        self.db = db
        self.paper = paper
        self.public_url = public_url
        self.audio = audio
        self.lock = asyncio.Lock()
        self.last: ChannelReport | None = None

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.lock.locked():
            return
        app = context.application
        await self.sync(context.bot, should_stop=lambda: not app.running)

    async def sync(
        self, bot: Bot, should_stop: Callable[[], bool] = lambda: False
    ) -> ChannelReport:
        """Bring the channel up to date once and log what changed."""
        async with self.lock:
            report = await sync_channel(
                bot,
                self.db,
                paper=self.paper,
                public_url=self.public_url,
                audio=self.audio,
                should_stop=should_stop,
            )
            if report.changed or report.errors:
                log.info("channel: %s", report.summary())
            self.last = report
            return report
