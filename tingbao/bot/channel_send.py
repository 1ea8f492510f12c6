"""Telegram requests for a channel: send, edit and withdraw posts, paced, each audio uploaded once.

Every request waits for `ChannelPacer` (about 20 per minute into one chat, as Telegram asks of
groups and channels) and is retried after a 429 once its retry_after has passed. Other refusals
and failures are raised to the caller, which decides what they mean for the post (channel.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaAudio,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from tingbao.bot.files import AudioSender
from tingbao.bot.sending import retry_after_seconds
from tingbao.chat.channel_plan import WITHDRAWN_NOTE, PlannedPost
from tingbao.chat.channel_store import DELETED, WITHDRAWN
from tingbao.chat.pacing import ChannelPacer
from tingbao.store.assets import Asset

T = TypeVar("T")
M = TypeVar("M", bound=Message | bool)  # what a send or an edit of a message answers

UPLOAD_TIMEOUT_S = 120.0  # writing a file of audio up
# Waiting for Telegram's answer: it answers an upload only once it has taken the whole file, and
# a post whose answer timed out is sent again (a duplicate), so wait long rather than often.
ANSWER_TIMEOUT_S = 60.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def is_refusal(exc: BadRequest, *phrases: str) -> bool:
    """Return whether Telegram's 400 says one of phrases (its descriptions are stable text)."""
    message = exc.message.lower()
    return any(phrase in message for phrase in phrases)


def is_gone(exc: BadRequest) -> bool:
    """Return whether a 400 says the message is no longer in the chat."""
    return is_refusal(exc, "message to edit not found", "message to delete not found")


def keyboard(post: PlannedPost) -> InlineKeyboardMarkup | None:
    """Return the post's URL buttons, one per row, or None.

    An edit without reply_markup removes the buttons a message had (Telegram's behaviour), so
    edits always send what the post should have.
    """
    if not post.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, url=b.url)] for b in post.buttons])


class ChannelPoster:
    """Make the requests for one channel's posts; one instance per channel and sync."""

    def __init__(
        self, bot: Bot, chat: str, pacer: ChannelPacer, audio: AudioSender, max_429: int = 5
    ) -> None:
        self.bot = bot
        self.chat = chat
        self.pacer = pacer
        self.audio = audio
        self.max_429 = max_429

    async def request(self, call: Callable[[], Awaitable[T]]) -> T:
        """Make one paced request, again after each 429 once its retry_after has passed."""
        refused = 0
        while True:
            await self.pacer.wait()
            try:
                return await call()
            except RetryAfter as exc:
                refused += 1
                if refused > self.max_429:
                    raise
                self.pacer.pause(retry_after_seconds(exc))

    async def send(self, post: PlannedPost) -> Message:
        """Post a new message and return it."""
        if post.kind == "text" or post.audio is None:
            return await self.request(
                lambda: self.bot.send_message(
                    self.chat,
                    post.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(post),
                    link_preview_options=NO_PREVIEW,
                    read_timeout=ANSWER_TIMEOUT_S,
                )
            )
        asset = post.audio

        async def send_audio(payload: str | InputFile) -> Message:
            return await self.bot.send_audio(
                self.chat,
                payload,
                caption=post.text,
                parse_mode=ParseMode.HTML,
                title=post.title,
                performer=post.performer,
                duration=_duration(asset),
                reply_markup=keyboard(post),
                write_timeout=UPLOAD_TIMEOUT_S,
                read_timeout=ANSWER_TIMEOUT_S,
            )

        return await self.with_file(asset, send_audio)

    async def edit(self, post: PlannedPost, message_id: int, media_key: str) -> None:
        """Change a message in place to show post ("message is not modified" is success);
        media_key is what the message shows now."""
        try:
            if post.kind == "text" or post.audio is None:
                await self.edit_text(message_id, post.text, keyboard(post))
            elif media_key != post.media_key:
                await self.edit_media(message_id, post, post.audio)
            else:
                await self.edit_caption(message_id, post.text, keyboard(post))
        except BadRequest as exc:
            if not is_refusal(exc, "message is not modified"):
                raise

    async def withdraw(self, message_id: int, kind: str) -> str:
        """Delete a message; one too old to delete is edited to say 已撤回. Return the new state."""
        try:
            await self.request(lambda: self.bot.delete_message(self.chat, message_id))
        except BadRequest as exc:
            if is_gone(exc):
                return DELETED
            if not is_refusal(exc, "can't be deleted", "can not be deleted"):
                raise
        else:
            return DELETED
        try:
            if kind == "text":
                await self.edit_text(message_id, WITHDRAWN_NOTE, None)
            else:
                await self.edit_caption(message_id, WITHDRAWN_NOTE, None)
        except BadRequest as exc:
            if not is_refusal(exc, "message is not modified"):
                raise
        return WITHDRAWN

    async def edit_text(
        self, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        await self.request(
            lambda: self.bot.edit_message_text(
                text,
                self.chat,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
                read_timeout=ANSWER_TIMEOUT_S,
            )
        )

    async def edit_caption(
        self, message_id: int, caption: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        await self.request(
            lambda: self.bot.edit_message_caption(
                self.chat,
                message_id,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                read_timeout=ANSWER_TIMEOUT_S,
            )
        )

    async def edit_media(self, message_id: int, post: PlannedPost, asset: Asset) -> None:
        """Replace the audio of a message (a re-synthesized reading), with its caption."""

        async def edit(payload: str | InputFile) -> Message | bool:
            media = InputMediaAudio(
                payload,
                caption=post.text,
                parse_mode=ParseMode.HTML,
                duration=_duration(asset),
                performer=post.performer,
                title=post.title,
            )
            return await self.bot.edit_message_media(
                media,
                self.chat,
                message_id,
                reply_markup=keyboard(post),
                write_timeout=UPLOAD_TIMEOUT_S,
                read_timeout=ANSWER_TIMEOUT_S,
            )

        await self.with_file(asset, edit)

    async def with_file(self, asset: Asset, call: Callable[[str | InputFile], Awaitable[M]]) -> M:
        """Make call with the asset's known file_id, else upload it; remember the file_id."""
        cache = self.audio.cache
        file_id = cache.get(asset, "audio")
        if file_id is not None:
            try:
                return await self.request(lambda: call(file_id))
            except BadRequest as exc:
                if not is_refusal(exc, "file"):
                    raise
                cache.forget(asset, "audio")  # Telegram no longer knows it: upload again
        data = await asyncio.to_thread(self.audio.publisher.read_bytes, asset.path)
        upload = InputFile(data, filename=asset.path.rsplit("/", 1)[-1])
        answer = await self.request(lambda: call(upload))
        if isinstance(answer, Message) and answer.audio is not None:
            cache.put(asset, "audio", answer.audio.file_id)  # inline mode reuses it too
        return answer


def _duration(asset: Asset) -> int | None:
    return round(asset.duration_s) if asset.duration_s else None
