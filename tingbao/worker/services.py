"""Wiring: the audio service, site builder, notifier and pipeline of a context, and the bot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tingbao.audio.service import AudioService
from tingbao.bot.admin import InboxDrop, paper_reader
from tingbao.bot.app import BotApp, Neighbours, build_application
from tingbao.bot.channel_store import queue_channel_issue, revise_channel_issue
from tingbao.bot.subscribers import enqueue_new_issue
from tingbao.feeds.build import BuildReport, build_public
from tingbao.paper.db import Database
from tingbao.paper.publish import Publisher
from tingbao.worker.context import Context
from tingbao.worker.faults import Faults
from tingbao.worker.pipeline import Pipeline
from tingbao.worker.progress import make_progress
from tingbao.worker.settings import Settings


class FaultPublisher:
    """A publisher that passes crash points after each write (crash tests; see faults.py)."""

    def __init__(self, inner: Publisher, faults: Faults) -> None:
        self.inner = inner
        self.faults = faults

    def _point(self, relpath: str) -> None:
        self.faults.crash_point("publish.audio" if relpath.startswith("audio/") else "publish.site")

    def write_bytes(self, relpath: str, data: bytes) -> None:
        self.inner.write_bytes(relpath, data)
        self._point(relpath)

    def write_file(self, relpath: str, source: Path) -> None:
        self.inner.write_file(relpath, source)
        self._point(relpath)

    def exists(self, relpath: str) -> bool:
        return self.inner.exists(relpath)

    def size(self, relpath: str) -> int:
        return self.inner.size(relpath)

    def read_bytes(self, relpath: str) -> bytes:
        return self.inner.read_bytes(relpath)

    def delete(self, relpath: str) -> None:
        self.inner.delete(relpath)

    def local_path(self, relpath: str) -> Path:
        return self.inner.local_path(relpath)


@dataclass
class Services:
    """The pipeline and what it drives; close() when done."""

    pipeline: Pipeline
    audio: AudioService

    def close(self) -> None:
        self.audio.close()


def make_services(ctx: Context) -> Services:
    """Build the audio service and the pipeline for a context (with the crash point armed)."""
    settings = ctx.settings
    faults = Faults(settings.fault)
    out: Publisher = FaultPublisher(ctx.publisher, faults) if faults.armed else ctx.publisher
    audio = AudioService(settings.audio, settings.paper, ctx.issues, ctx.assets, out)

    def build_site() -> BuildReport:
        return build_public(settings.feeds, settings.paper, ctx.issues, ctx.assets, out)

    channel = settings.bot.channel

    def notify(issue_id: str) -> int:
        if channel is not None:
            queue_channel_issue(ctx.db, issue_id, channel)
        return enqueue_new_issue(ctx.db, issue_id)

    def revise(issue_id: str) -> bool:
        return channel is not None and revise_channel_issue(ctx.db, issue_id)

    progress = make_progress()
    audio.on_reading = progress.advance
    pipeline = Pipeline(
        settings,
        ctx.issues,
        ctx.assets,
        audio,
        build_site,
        notify,
        progress=progress,
        faults=faults,
        revise=revise,
    )
    return Services(pipeline, audio)


def bot_neighbours(settings: Settings, publisher: Publisher) -> Neighbours:
    """Return what the bot uses of this deployment: the paper's reader, the inbox and public/."""
    return Neighbours(
        publisher=publisher,
        parse=paper_reader(settings.paper, settings.reading),
        publish=InboxDrop(settings.inbox_dir),
        public_url=settings.feeds.url,
    )


def build_bot(settings: Settings, db: Database, publisher: Publisher) -> BotApp | None:
    """Build the bot of this deployment, or None (said once) when it has no token."""
    neighbours = bot_neighbours(settings, publisher)
    return build_application(settings.bot, settings.paper, db, neighbours)
