"""Send audio files, uploading each file once and re-sending it by its Telegram file_id after.

The file_id is stored per (path, file key, method), the file key being content key, engine and
size: a re-synthesized or upgraded file has a new key and is uploaded again. A file_id Telegram
no longer accepts is forgotten and the file re-uploaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import delete
from telegram import Bot, InputFile, Message
from telegram.error import BadRequest

from tingbao.chat.tables import FileIdRow
from tingbao.publish.publisher import Publisher
from tingbao.store.assets import ARTICLE_VOICE, Asset, AssetStore, file_key
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database

log = logging.getLogger(__name__)

Method = Literal["voice", "audio"]
MB = 1024 * 1024
CLOUD_UPLOAD_LIMIT = 50 * MB  # api.telegram.org
LOCAL_UPLOAD_LIMIT = 2000 * MB  # a self-hosted Bot API server
UPLOAD_WRITE_TIMEOUT_S = 120.0
UPLOAD_READ_TIMEOUT_S = 60.0  # Telegram answers an upload once it has taken the whole file in


@dataclass(frozen=True)
class AudioMeta:
    """What Telegram shows with an audio file."""

    caption: str
    title: str | None = None
    performer: str | None = None


class VoiceNoteSource(Protocol):
    """Where an article's voice note comes from. The worker hands in the audio part's, which
    makes a note on a listener's first request (audio/voice_notes.py)."""

    def current(self, article_id: str) -> Asset | None:
        """Return the article's voice note if one is made and current."""

    async def make(self, article_id: str) -> Asset | None:
        """Return the article's voice note, made now if need be; None if it cannot be."""


class StoredVoiceNotes:
    """The voice notes recorded in the asset store, none made here (a bot on its own)."""

    def __init__(self, assets: AssetStore) -> None:
        self.assets = assets

    def current(self, article_id: str) -> Asset | None:
        return self.assets.get(article_id, ARTICLE_VOICE)

    async def make(self, article_id: str) -> Asset | None:
        return self.current(article_id)


def published_bytes(publisher: Publisher, asset: Asset | None) -> bytes | None:
    """Return the bytes of a published file, or None when there is none (yet, or any more).

    Reads public/ or the bucket: call it off the event loop (asyncio.to_thread)."""
    if asset is None or not publisher.exists(asset.path):
        return None
    return publisher.read_bytes(asset.path)


class FileIdCache:
    """Telegram file ids of uploaded files, in the database."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def get(self, asset: Asset, method: Method) -> str | None:
        """Return the file_id of this exact file sent this way, or None."""
        with self.db.session() as session:
            row = session.get(FileIdRow, (asset.path, file_key(asset), method))
            return row.file_id if row is not None else None

    def put(self, asset: Asset, method: Method, file_id: str) -> None:
        """Remember the file_id of an uploaded file."""
        with self.db.session() as session:
            row = session.get(FileIdRow, (asset.path, file_key(asset), method))
            if row is None:
                session.add(
                    FileIdRow(
                        path=asset.path,
                        content_key=file_key(asset),
                        method=method,
                        file_id=file_id,
                        created_at=self.clock(),
                    )
                )
            else:
                row.file_id = file_id

    def forget(self, asset: Asset, method: Method) -> None:
        """Drop a file_id Telegram refused."""
        with self.db.session() as session:
            session.execute(
                delete(FileIdRow).where(
                    FileIdRow.path == asset.path,
                    FileIdRow.content_key == file_key(asset),
                    FileIdRow.method == method,
                )
            )


class AudioSender:
    """Send an Asset as a voice note or an audio file, uploading it at most once.

    A failed send raises python-telegram-bot's error (NetworkError: BadRequest, TimedOut, a 413
    and the like); callers that face a person turn it into an apology with a link.
    """

    def __init__(
        self,
        publisher: Publisher,
        cache: FileIdCache,
        upload_limit: int = CLOUD_UPLOAD_LIMIT,
        read_timeout_s: float = UPLOAD_READ_TIMEOUT_S,
    ) -> None:
        self.publisher = publisher
        self.cache = cache
        self.upload_limit = upload_limit
        self.read_timeout_s = read_timeout_s
        self.locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def too_big(self, asset: Asset) -> bool:
        """Return whether the file is over the upload limit (send a link instead)."""
        return asset.size > self.upload_limit

    async def send(
        self, bot: Bot, chat_id: int, asset: Asset, method: Method, meta: AudioMeta
    ) -> Message:
        """Send the asset to chat_id by file_id if known, else upload it and store its file_id."""
        file_id = self.cache.get(asset, method)
        if file_id is not None:
            try:
                return await self._call(bot, chat_id, asset, method, meta, file_id)
            except BadRequest as exc:
                log.warning("file_id of %s refused (%s); uploading again", asset.path, exc)
                self.cache.forget(asset, method)
        key = (asset.path, file_key(asset), method)
        # One upload per file even when many people ask at the same moment.
        async with self.locks.setdefault(key, asyncio.Lock()):
            file_id = self.cache.get(asset, method)
            if file_id is not None:
                return await self._call(bot, chat_id, asset, method, meta, file_id)
            data = await asyncio.to_thread(self.publisher.read_bytes, asset.path)
            upload = InputFile(data, filename=asset.path.rsplit("/", 1)[-1])
            message = await self._call(bot, chat_id, asset, method, meta, upload)
            sent = message.voice if method == "voice" else message.audio
            if sent is not None:
                self.cache.put(asset, method, sent.file_id)
            return message

    async def _call(
        self,
        bot: Bot,
        chat_id: int,
        asset: Asset,
        method: Method,
        meta: AudioMeta,
        payload: str | InputFile,
    ) -> Message:
        duration = round(asset.duration_s) if asset.duration_s else None
        send: Callable[..., Awaitable[Message]]
        if method == "voice":
            send = bot.send_voice
            return await send(
                chat_id,
                payload,
                caption=meta.caption[:1024],
                duration=duration,
                write_timeout=UPLOAD_WRITE_TIMEOUT_S,
                read_timeout=self.read_timeout_s,
            )
        send = bot.send_audio
        return await send(
            chat_id,
            payload,
            caption=meta.caption[:1024],
            title=meta.title,
            performer=meta.performer,
            duration=duration,
            write_timeout=UPLOAD_WRITE_TIMEOUT_S,
            read_timeout=self.read_timeout_s,
        )
