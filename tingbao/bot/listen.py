"""Handlers for listeners: an article's voice note or slow reading, and the whole-issue episode.

Handlers only act (see chat.py): the audio comes from the asset store and goes out through the
`AudioSender`, which uploads each file once and re-sends it by its Telegram file_id after that.
Audio that cannot go (too big for Telegram, or the upload failed: a timeout, 413, a refusal) is
never silence: the listener gets a short apology and the link to the web player of that article
or issue.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import NetworkError

from tingbao.bot.chat import (
    Context,
    ReaderDeps,
    button_arg,
    chat_of,
    chat_paper,
    find_article,
    player_url,
    say,
)
from tingbao.bot.files import AudioMeta, Method, published_bytes
from tingbao.bot.keyboards import player_keyboard
from tingbao.chat import render, texts
from tingbao.paper.model import Issue
from tingbao.publish.paths import article_page, issue_page
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_MP3_SLOW, ISSUE_CHAPTERS, ISSUE_MP3, Asset

log = logging.getLogger(__name__)


class Listener:
    """Send audio from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps

    async def article(self, update: Update, context: Context) -> None:
        """Send the reading (收听) or the slow reading (慢速收听) of the article a button names."""
        if (chat_id := chat_of(update)) is not None:
            slow = button_arg(context, "action") == "slow"
            await self.send_reading(context, chat_id, button_arg(context), slow)

    async def send_reading(
        self, context: Context, chat_id: int, article_id: str, slow: bool
    ) -> None:
        """Send an article's reading, or its slow reading; say so when it is not made yet."""
        found = await find_article(self.deps, context, chat_id, article_id)
        if found is None:
            return
        issue, article = found
        # What to send, best first: a voice note plays inline, the MP3 shows a title.
        choices: list[tuple[Asset | None, Method]]
        if slow:
            choices = [(self.deps.assets.get(article.id, ARTICLE_MP3_SLOW), "audio")]
        else:
            mp3 = self.deps.assets.get(article.id, ARTICLE_MP3)
            note = await self._voice_note(context, chat_id, article.id) if mp3 else None
            choices = [(note, "voice"), (mp3, "audio")]
        for asset, method in choices:
            if asset is not None:
                name = self.deps.papers.of(issue.paper).name
                meta = AudioMeta(caption=article.title, title=article.title, performer=name)
                page = self.deps.papers.page(issue.paper, article_page(article.id))
                await self._send(context, chat_id, asset, method, meta, page)
                return
        await say(context, chat_id, texts.AUDIO_PENDING)

    async def _voice_note(self, context: Context, chat_id: int, article_id: str) -> Asset | None:
        """Return the article's voice note, made now on the first request (the listener sees
        "recording a voice message" meanwhile)."""
        notes = self.deps.voice_notes
        note = await asyncio.to_thread(notes.current, article_id)
        if note is None:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.RECORD_VOICE)
            except NetworkError as exc:  # only a courtesy: the note is made all the same
                log.info("chat action for %s failed: %s", chat_id, exc)
            note = await notes.make(article_id)
        return note

    async def latest_issue(self, update: Update, context: Context) -> None:
        """Send the latest whole-issue episode."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is None:
            return
        issue = self.deps.store.latest_issue(paper=self.deps.papers.issue_filter(paper))
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
        """Send the whole-issue episode and its chapter list, with the web player under it."""
        asset = self.deps.assets.get(issue.id, ISSUE_MP3)
        if asset is None:
            await say(context, chat_id, texts.ISSUE_AUDIO_PENDING)
            return
        name = self.deps.papers.of(issue.paper).name
        meta = AudioMeta(caption=issue.title, title=issue.title, performer=name)
        page = self.deps.papers.page(issue.paper, issue_page(issue.id))
        if not await self._send(context, chat_id, asset, "audio", meta, page):
            return
        chapters = self.deps.assets.get(issue.id, ISSUE_CHAPTERS)
        data = await asyncio.to_thread(published_bytes, self.deps.publisher, chapters)
        player = player_keyboard(player_url(self.deps, chat_id, page))
        await say(context, chat_id, render.chapters_text(issue, data), player)

    async def _send(
        self,
        context: Context,
        chat_id: int,
        asset: Asset,
        method: Method,
        meta: AudioMeta,
        page: str,
    ) -> bool:
        """Send an audio asset; when it cannot go, apologise with the link to the web player
        page (a public/ path) and return False."""
        if self.deps.audio.too_big(asset):
            await self._apologise(context, chat_id, texts.AUDIO_TOO_BIG, page)
            return False
        try:
            await self.deps.audio.send(context.bot, chat_id, asset, method, meta)
        except NetworkError as exc:  # BadRequest, TimedOut, 413…; not Forbidden (blocked us)
            log.warning("could not send %s to chat %s: %s", asset.path, chat_id, exc)
            await self._apologise(context, chat_id, texts.AUDIO_FAILED, page)
            return False
        return True

    async def _apologise(self, context: Context, chat_id: int, text: str, page: str) -> None:
        url = self.deps.public_url(page)
        player = player_keyboard(player_url(self.deps, chat_id, page))
        await say(context, chat_id, text.format(url=render.esc(url)), player)
