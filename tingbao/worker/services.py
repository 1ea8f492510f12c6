"""Wiring: the audio service, site builder, notifier and pipeline of a context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tingbao.audio.service import AudioService
from tingbao.bot.subscribers import enqueue_new_issue
from tingbao.feeds.build import BuildReport, build_public
from tingbao.paper.publish import Publisher
from tingbao.worker.context import Context
from tingbao.worker.faults import crash_point
from tingbao.worker.pipeline import Pipeline
from tingbao.worker.progress import make_progress


class FaultPublisher:
    """A publisher that passes crash points after each write (crash tests; see faults.py)."""

    def __init__(self, inner: Publisher) -> None:
        self.inner = inner

    def _point(self, relpath: str) -> None:
        crash_point("publish.audio" if relpath.startswith("audio/") else "publish.site")

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


def make_services(ctx: Context, publisher: Publisher | None = None) -> Services:
    """Build the audio service and the pipeline for a context."""
    out: Publisher = publisher or ctx.publisher
    audio = AudioService(ctx.settings, ctx.issues, ctx.assets, out)

    def build_site() -> BuildReport:
        return build_public(ctx.settings, ctx.issues, ctx.assets, out)

    def notify(issue_id: str) -> int:
        return enqueue_new_issue(ctx.db, issue_id)

    progress = make_progress()
    audio.on_reading = progress.advance
    pipeline = Pipeline(
        ctx.settings, ctx.issues, ctx.assets, audio, build_site, notify, progress=progress
    )
    return Services(pipeline, audio)
