"""Handlers for listeners: an article's voice note or slow reading, and the whole-issue episode.

Handlers only act (see chat.py): the audio comes from the asset store and goes out through the
`AudioSender`, which uploads each file once and re-sends it by its Telegram file_id after that.
"""

from __future__ import annotations

from telegram import Update

from tingbao.bot import render, texts
from tingbao.bot.chat import Context, ReaderDeps, button_arg, chat_of, find_article, say
from tingbao.bot.files import AudioMeta, Method
from tingbao.paper.assets import (
    ARTICLE_MP3,
    ARTICLE_MP3_SLOW,
    ARTICLE_VOICE,
    ISSUE_CHAPTERS,
    ISSUE_MP3,
    Asset,
)
from tingbao.paper.model import Issue

# What to send for a reading, best first: a voice note plays inline, the MP3 shows a title.
NORMAL: tuple[tuple[str, Method], ...] = ((ARTICLE_VOICE, "voice"), (ARTICLE_MP3, "audio"))
SLOW: tuple[tuple[str, Method], ...] = ((ARTICLE_MP3_SLOW, "audio"),)


class Listener:
    """Send audio from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps
        self.paper_name = deps.paper.name

    async def article(self, update: Update, context: Context) -> None:
        """Send the reading (收听) or the slow reading (慢速收听) of the article a button names."""
        if (chat_id := chat_of(update)) is None:
            return
        found = await find_article(self.deps, context, chat_id, button_arg(context))
        if found is None:
            return
        _issue, article = found
        choices = SLOW if button_arg(context, "action") == "slow" else NORMAL
        for role, method in choices:
            asset = self.deps.assets.get(article.id, role)
            if asset is not None:
                meta = AudioMeta(
                    caption=article.title, title=article.title, performer=self.paper_name
                )
                await self._send(context, chat_id, asset, method, meta)
                return
        await say(context, chat_id, texts.AUDIO_PENDING)

    async def latest_issue(self, update: Update, context: Context) -> None:
        """Send the latest whole-issue episode."""
        if (chat_id := chat_of(update)) is None:
            return
        issue = self.deps.store.latest_issue()
        if issue is None:
            await say(context, chat_id, texts.NO_ISSUE)
            return
        await self._send_issue(context, chat_id, issue)

    async def issue(self, update: Update, context: Context) -> None:
        """Send the whole-issue episode of the issue a button names."""
        if (chat_id := chat_of(update)) is None:
            return
        issue = self.deps.store.find_issue(button_arg(context))
        if issue is None:
            await say(context, chat_id, texts.STALE_BUTTON)
            return
        await self._send_issue(context, chat_id, issue)

    async def _send_issue(self, context: Context, chat_id: int, issue: Issue) -> None:
        """Send the whole-issue episode and its chapter list."""
        asset = self.deps.assets.get(issue.id, ISSUE_MP3)
        if asset is None:
            await say(context, chat_id, texts.ISSUE_AUDIO_PENDING)
            return
        meta = AudioMeta(caption=issue.title, title=issue.title, performer=self.paper_name)
        await self._send(context, chat_id, asset, "audio", meta)
        chapters = self.deps.assets.get(issue.id, ISSUE_CHAPTERS)
        data = None
        if chapters is not None and self.deps.publisher.exists(chapters.path):
            data = self.deps.publisher.read_bytes(chapters.path)
        await say(context, chat_id, render.chapters_text(issue, data))

    async def _send(
        self, context: Context, chat_id: int, asset: Asset, method: Method, meta: AudioMeta
    ) -> None:
        """Send an audio asset, or a link when it is over the upload limit."""
        if self.deps.audio.too_big(asset):
            url = render.esc(self.deps.public_url(asset.path))
            await say(context, chat_id, texts.AUDIO_TOO_BIG.format(url=url))
            return
        await self.deps.audio.send(context.bot, chat_id, asset, method, meta)
