"""Audio for an issue: every article (normal, slow, transcript) and the episode.

Voice notes for Telegram are made on a listener's first request (voice_notes.py).

Idempotent: each file's row holds the content key of what it says (script, voice, rate, tags,
preferred engine). A file whose key, path and size still match is left alone, so a second run
makes no request and changes no byte; a corrected article re-renders that article only.
Every audio file's loudness, as a player decodes it, is recorded with its row: measured on the
profiles its pieces got when they were made (loudness.Profile), else on the file decoded whole;
a file off the norm is mastered again as a whole (master.loudness_as_heard) before it is
published.
What to make, keep or drop is decided in `plan` (pure); this module gathers the facts, renders
(falling back to the offline voice), publishes and records. Files are assembled in memory,
verified, published atomically, and only then recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from tingbao.audio.engines import Engines, make_synthesizers
from tingbao.audio.errors import AudioFormatError, SynthesisError
from tingbao.audio.loudness import Loudness
from tingbao.audio.master import loudness_as_heard
from tingbao.audio.mp3 import FRAME_BYTES, FRAME_SECONDS, parse_frames
from tingbao.audio.plan import (
    KIND_ISSUE,
    KIND_SLOW,
    NORMAL_RATE,
    Found,
    Reading,
    Step,
    current_assets,
    dropped_assets,
    issues_to_upgrade,
    next_step,
    plan_readings,
    reading_key,
)
from tingbao.audio.render import Rendered
from tingbao.audio.settings import AudioSettings
from tingbao.audio.speech import ENGINE_OFFLINE
from tingbao.audio.tags import tag_mp3
from tingbao.audio.transcript import render_chapters_json, render_vtt
from tingbao.audio.voice_notes import drop_stale_note
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import Publisher, write_verified
from tingbao.store import assets as roles
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.issues import IssueStore

log = logging.getLogger("tingbao.audio")

MIME_MP3 = "audio/mpeg"
MIME_VTT = "text/vtt"
MIME_CHAPTERS = "application/json+chapters"


@dataclass
class AudioReport:
    """What a run did."""

    issue_id: str
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    fallbacks: int = 0  # readings made offline because edge failed (auto mode)
    upgraded: int = 0  # offline readings replaced by edge ones
    requests: int = 0  # synthesis calls made, retries included
    cache_hits: int = 0
    audio_seconds: float = 0.0
    engines: dict[str, str] = field(default_factory=dict)  # owner_id/kind -> engine
    loudness: dict[str, Loudness] = field(default_factory=dict)  # owner_id/kind -> as measured


class AudioService:
    """Make and publish the audio of issues; the worker calls render_issue and upgrade_offline."""

    def __init__(
        self,
        settings: AudioSettings,
        paper: PaperSettings,
        issues: IssueStore,
        assets: AssetStore,
        publisher: Publisher,
        engines: Engines | None = None,
        paper_folder: str = "",
        lexicon: Callable[[], Lexicon] | None = None,
    ) -> None:
        self.settings = settings
        self.paper = paper
        # With several papers each has a service writing under its folder of public/ ("slug/"),
        # sharing one set of engines, and minding only its own paper's issues.
        self.paper_folder = paper_folder
        self.issues = issues
        self.assets = assets
        self.publisher = publisher
        self.engines = engines if engines is not None else make_synthesizers(settings)
        # The editors' readings (paper.lexicon_store), read afresh for every issue rendered.
        self.lexicon = lexicon or Lexicon
        # Called with "owner/kind" after each reading is done (progress display); optional.
        self.on_reading: Callable[[str], None] | None = None

    def close(self) -> None:
        """Stop the engines' worker processes."""
        self.engines.close()

    def readings(self, issue: Issue) -> list[Reading]:
        """Return every file an issue needs (see plan.plan_readings)."""
        settings = self.settings
        return plan_readings(
            issue,
            self.paper,
            settings.tts_chunk_chars,
            settings.slow_rate,
            self.paper_folder,
            self.lexicon(),
        )

    def content_key(self, reading: Reading) -> str:
        """Return the key of a reading as the preferred engine would say it."""
        speaker = self.engines.preferred()
        return reading_key(reading, speaker.name, speaker.engine.voice_id(self.settings.voice))

    # -- running --------------------------------------------------------------------------

    async def render_issue(
        self, issue: Issue, *, upgrade: bool = False, remove_dropped: bool = True
    ) -> AudioReport:
        """Make every missing or outdated file; with upgrade, redo offline-made ones by edge.

        remove_dropped=False leaves the files of articles a correction removed, for a caller
        that must first stop linking to them (the pipeline rebuilds the feeds, then calls
        remove_dropped).
        """
        report = AudioReport(issue.id)
        before = [(s.stats.requests, s.stats.cache_hits) for s in self.engines.speakers()]
        # Normal readings first: the episode needs all their pieces, and its measuring then
        # runs while the slow readings are still being spoken.
        readings = sorted(self.readings(issue), key=lambda r: r.kind == KIND_SLOW)
        results = await asyncio.gather(
            *(self._reading(issue, r, report, upgrade) for r in readings), return_exceptions=True
        )
        if remove_dropped:
            report.removed = self.remove_dropped(issue)
        for speaker, (requests, hits) in zip(self.engines.speakers(), before, strict=True):
            report.requests += speaker.stats.requests - requests
            report.cache_hits += speaker.stats.cache_hits - hits
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return report

    def _found(self, reading: Reading) -> dict[str, Found]:
        """Gather the rows of a reading's files, and the published size where a row exists."""
        found: dict[str, Found] = {}
        for role, path in reading.files.items():
            asset = self.assets.get(reading.owner_id, role)
            size = None
            if asset is not None and self.publisher.exists(path):
                size = self.publisher.size(path)
            found[role] = Found(asset, size)
        return found

    async def _reading(
        self, issue: Issue, reading: Reading, report: AudioReport, upgrade: bool
    ) -> None:
        key = self.content_key(reading)
        current = current_assets(reading, key, self._found(reading))
        step = next_step(current, upgrade=upgrade, edge=self.engines.edge is not None)
        if step is Step.SKIP:
            return  # not upgrade work: the next ordinary run makes it
        if step is Step.KEEP and current is not None:
            report.unchanged += len(current)
            report.engines[reading.label] = current[0].engine or ""
            self._done(reading.label)
            return
        rendered = await self._render(reading, report, allow_fallback=step is Step.MAKE)
        if step is Step.UPGRADE:
            report.upgraded += 1
        report.engines[reading.label] = rendered.engine
        report.audio_seconds += rendered.duration_s
        await self._publish(issue, reading, rendered, key, report)
        self._done(reading.label)

    def _done(self, label: str) -> None:
        if self.on_reading is not None:
            self.on_reading(label)

    async def _render(
        self, reading: Reading, report: AudioReport, *, allow_fallback: bool
    ) -> Rendered:
        rendered, fell_back = await self.engines.render(
            reading.script,
            self.settings.voice,
            reading.rate,
            self.settings.tts_chunk_chars,
            fallback=allow_fallback,
        )
        report.fallbacks += fell_back
        return rendered

    async def _publish(
        self, issue: Issue, reading: Reading, rendered: Rendered, key: str, report: AudioReport
    ) -> None:
        frames, loudness = await asyncio.to_thread(
            loudness_as_heard, rendered.frames, rendered.heard
        )
        report.loudness[reading.label] = loudness
        if not loudness.meets_norm():  # published all the same, and recorded as it is
            log.warning(
                "%s is off the loudness norm even mastered again: %.1f LUFS, %.1f dBTP",
                reading.label,
                loudness.lufs,
                loudness.true_peak_db,
            )
        duration_s = len(frames) // FRAME_BYTES * FRAME_SECONDS
        chapters = rendered.chapters if reading.kind == KIND_ISSUE else ()
        mp3 = tag_mp3(frames, reading.tags, duration_s, chapters)
        # Verify before publishing: the tagged file must hold exactly the assembled frames.
        if parse_frames(mp3).data != frames:
            raise AudioFormatError(f"tagging changed the audio frames of {reading.label}")
        outputs: list[tuple[str, bytes, str]] = []
        for role in reading.files:
            if role.endswith("vtt"):
                outputs.append((role, render_vtt(rendered.cues).encode("utf-8"), MIME_VTT))
            elif role == roles.ISSUE_CHAPTERS and reading.kind == KIND_ISSUE:
                chapters_json = render_chapters_json(rendered.chapters, reading.tags.title)
                outputs.append((role, chapters_json.encode("utf-8"), MIME_CHAPTERS))
            else:
                outputs.append((role, mp3, MIME_MP3))
        for role, data, mime in outputs:
            path = reading.files[role]
            size = write_verified(self.publisher, path, data)
            timed = mime == MIME_MP3
            asset = Asset(
                owner_id=reading.owner_id,
                issue_id=issue.id,
                role=role,
                path=path,
                size=size,
                mime=mime,
                duration_s=round(duration_s, 3) if timed else None,
                engine=rendered.engine,
                content_key=key,
                loudness_lufs=round(loudness.lufs, 2) if timed else None,
                true_peak_dbtp=round(loudness.true_peak_db, 2) if timed else None,
            )
            # A reading re-made after a crash keeps the rows of the files it had recorded.
            if self.assets.get(reading.owner_id, role) != asset:
                self.assets.put(asset)
            if role == roles.ARTICLE_MP3:  # the voice note of the reading before is stale
                drop_stale_note(self.assets, self.publisher, asset)
            report.written.append(path)

    def remove_dropped(self, issue: Issue) -> list[str]:
        """Delete the files, then the rows, of articles a correction removed; return the paths.

        Files go before rows, so a crash in between leaves rows the next call finds again.
        """
        dropped = dropped_assets(issue, self.assets.for_issue(issue.id))
        for asset in dropped:
            self.publisher.delete(asset.path)
        for owner_id in dict.fromkeys(a.owner_id for a in dropped):
            self.assets.remove_owner(owner_id)
        return [a.path for a in dropped]

    async def upgrade_offline(self) -> int:
        """Re-make offline audio with edge-tts once it is reachable; return files upgraded."""
        if self.engines.edge is None or not await self.edge_reachable():
            return 0
        upgraded = 0
        for issue_id in issues_to_upgrade(self.assets.with_engine(ENGINE_OFFLINE)):
            issue = self.issues.find_issue(issue_id)
            if issue is None or (self.paper_folder and issue.paper != self.paper.slug):
                continue
            try:
                report = await self.render_issue(issue, upgrade=True)
            except SynthesisError:
                break  # edge failed again: keep the offline audio, try at the next interval
            upgraded += len(report.written)
        return upgraded

    async def edge_reachable(self, timeout_s: float = 15.0) -> bool:
        """Return whether edge-tts answers a two-character request (a cheap health probe)."""
        probe = self.engines.probe
        if probe is None:
            return False
        try:
            async with asyncio.timeout(timeout_s):
                await probe.synthesize("你好。", self.settings.voice, NORMAL_RATE)
        except (SynthesisError, TimeoutError):
            return False
        if self.engines.edge is not None:
            self.engines.edge.reset()
        return True
