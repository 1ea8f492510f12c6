"""Voice notes: the latest issue's made in the background once it is published, any other on a
listener's first request.

A voice note (OGG/Opus: what Telegram plays inline) is heard only by someone who asks the bot
for an article, and making one costs about as much as the article's MP3 (decode, encode, then
decode and measure what a player hears). So the build publishes MP3s only. The long-running
worker hands each paper's newest issue, once its readings, pages and feeds are published, to
`NotesAhead`, which makes its notes one at a time on a low-priority thread: nothing is published
later for it, and the first listener of the new issue finds the note made (a few milliseconds
instead of seconds). The bot asks here when a listener wants a note that is not made (an older
issue, or one asked for before the background got to it): it is made from the published MP3,
measured, published next to it and recorded; every later request finds it current. Its key is
derived from the MP3's row, so a corrected or upgraded reading makes the old note stale, and the
service deletes a stale note as soon as the new MP3 is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TypeVar

from tingbao.audio.errors import AudioFormatError
from tingbao.audio.master import voice_note_measured
from tingbao.audio.mp3 import parse_frames
from tingbao.publish.errors import PublishError
from tingbao.publish.publisher import Publisher, write_verified
from tingbao.store import assets as roles
from tingbao.store.assets import Asset, AssetStore

log = logging.getLogger("tingbao.audio")
T = TypeVar("T")

MIME_OGG = "audio/ogg"
# Bump when the voice note's encoding or mastering changes: notes made before are made again.
VOICE_NOTE_VERSION = "opus24k-audio-c1-v1"


def voice_key(mp3: Asset) -> str:
    """Return the content key of the voice note of an article's MP3 row.

    The MP3's engine and size count: an upgrade to the online voice keeps the content key."""
    said = f"{mp3.content_key}|{mp3.engine}|{mp3.size}|{VOICE_NOTE_VERSION}"
    return hashlib.sha256(said.encode("utf-8")).hexdigest()


def voice_path(mp3_path: str) -> str:
    """Return where the voice note of an MP3 is published: beside it, as .ogg."""
    return mp3_path.removesuffix(".mp3") + ".ogg"


def is_current(note: Asset | None, mp3: Asset) -> bool:
    """Return whether a voice note row was made from this MP3 row."""
    return note is not None and note.content_key == voice_key(mp3)


class VoiceNotes:
    """Articles' voice notes: the current one, or a new one made from the published MP3."""

    def __init__(self, assets: AssetStore, publisher: Publisher) -> None:
        self.assets = assets
        self.publisher = publisher
        self._making: dict[str, asyncio.Lock] = {}

    def current(self, article_id: str) -> Asset | None:
        """Return the article's voice note if it is made from its current MP3 and published."""
        mp3 = self.assets.get(article_id, roles.ARTICLE_MP3)
        note = self.assets.get(article_id, roles.ARTICLE_VOICE)
        if mp3 is None or note is None or not is_current(note, mp3):
            return None
        if not self.publisher.exists(note.path) or self.publisher.size(note.path) != note.size:
            return None
        return note

    async def make(self, article_id: str, executor: Executor | None = None) -> Asset | None:
        """Return the article's voice note, made now if it is missing or stale (on executor's
        thread if given, else a default one).

        None when the article has no MP3 yet, or the note could not be made (logged): the
        caller sends the MP3 instead. Listeners asking at once wait for one making."""

        async def off_loop(work: Callable[[], T]) -> T:
            return await asyncio.get_running_loop().run_in_executor(executor, work)

        async with self._making.setdefault(article_id, asyncio.Lock()):
            note = await off_loop(lambda: self.current(article_id))
            if note is not None:
                return note
            mp3 = await off_loop(lambda: self.assets.get(article_id, roles.ARTICLE_MP3))
            if mp3 is None:
                return None
            try:
                return await off_loop(lambda: self._make(mp3))
            except (PublishError, AudioFormatError) as exc:  # storage down, file gone or bad
                log.warning("could not make the voice note of %s: %s", mp3.path, exc)
                return None

    def _make(self, mp3: Asset) -> Asset:
        frames = parse_frames(self.publisher.read_bytes(mp3.path)).data
        note, loudness = voice_note_measured(frames)
        path = voice_path(mp3.path)
        size = write_verified(self.publisher, path, note)
        asset = Asset(
            owner_id=mp3.owner_id,
            issue_id=mp3.issue_id,
            role=roles.ARTICLE_VOICE,
            path=path,
            size=size,
            mime=MIME_OGG,
            duration_s=mp3.duration_s,
            engine=mp3.engine,
            content_key=voice_key(mp3),
            loudness_lufs=round(loudness.lufs, 2),
            true_peak_dbtp=round(loudness.true_peak_db, 2),
        )
        self.assets.put(asset)
        return asset


def _lower_priority() -> None:
    """Give the calling thread (and what it starts) the lowest CPU share but one: on Linux a
    thread has its own nice value. Elsewhere, or where refused, it stays as it is."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)


class NotesAhead:
    """Make published issues' voice notes in the background, one at a time, at low priority.

    `start` only queues (the pipeline's pass goes on at once); a task on the running event loop
    makes each queued article's note on one low-priority thread, skipping those already made.
    A listener asking meanwhile waits for the same making (VoiceNotes' lock), not a second one.
    """

    def __init__(self, notes: VoiceNotes) -> None:
        self.notes = notes
        self.executor = ThreadPoolExecutor(
            1, thread_name_prefix="voice-notes", initializer=_lower_priority
        )
        self.waiting: list[str] = []
        self.task: asyncio.Task[None] | None = None

    def start(self, article_ids: Sequence[str]) -> None:
        """Queue these articles' notes (in this order) and make sure the maker runs."""
        self.waiting += [a for a in article_ids if a not in self.waiting]
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.waiting:
            article_id = self.waiting[0]
            try:
                await self.notes.make(article_id, self.executor)
            except Exception:  # a bug in one note must not stop the others
                log.exception("voice note of %s failed in the background", article_id)
            self.waiting.remove(article_id)

    async def wait(self) -> None:
        """Wait until every queued note is made (benchmarks and tests)."""
        if self.task is not None:
            await self.task

    def close(self) -> None:
        """Stop: the note being made is finished or abandoned, the queued ones are dropped."""
        self.waiting.clear()
        if self.task is not None:
            self.task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)


def drop_stale_note(assets: AssetStore, publisher: Publisher, mp3: Asset) -> None:
    """Delete an article's voice note made from an earlier MP3: the file, then the row (a
    crash in between leaves a row whose file is gone, which is remade on request)."""
    note = assets.get(mp3.owner_id, roles.ARTICLE_VOICE)
    if note is None or is_current(note, mp3):
        return
    publisher.delete(note.path)
    assets.remove(mp3.owner_id, roles.ARTICLE_VOICE)
