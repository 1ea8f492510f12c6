"""Progress: the rich display shows the audio stage and counts what the audio part reports."""

from __future__ import annotations

import io

from rich.console import Console

from tests.worker.conftest import CountingAudio, write_small_issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.pipeline import PaperWork, Pipeline
from tingbao.worker.progress import RichProgress
from tingbao.worker.settings import Settings


class ProgressCountingAudio(CountingAudio):
    """Advances the progress once per reading, as the real audio service does."""

    progress: RichProgress | None = None

    async def render_issue(self, issue: object, *, remove_dropped: bool = True) -> None:
        await super().render_issue(issue)  # type: ignore[arg-type]
        assert self.progress is not None
        for _ in range(5):
            self.progress.advance()


async def test_audio_stage_shows_a_progress_bar(settings: Settings, db: Database) -> None:
    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=100))
    assets = AssetStore(db)
    publisher = LocalPublisher(settings.public_dir)
    audio = ProgressCountingAudio(assets, publisher)
    audio.progress = progress
    work = PaperWork(settings.paper, audio, lambda: None, lambda _i: 0)
    pipeline = Pipeline(settings, IssueStore(db), assets, [work], progress=progress)
    write_small_issue(settings.inbox_dir)
    await pipeline.run_inbox()
    shown = out.getvalue()
    assert "audio jinhongqiao-2021-07-02" in shown
    assert "5/5" in shown
