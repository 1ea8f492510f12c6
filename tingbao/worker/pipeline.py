"""The pipeline: inbox file -> stored issue -> audio -> feeds and pages -> notification outbox.

Every stage is idempotent and keyed by content: the store records, per issue, the hash of the
input each stage last finished with, and a stage whose input hash is unchanged is skipped. Any
stage may be killed at any point and redone: files are published atomically, rows are written
after files, and the outbox is queued at most once per issue (the bot part guarantees that per
subscriber).

A deployment may serve several papers: each has its own `PaperWork` (audio in its voice, its site
in its folder of public/, its notifications and channel), its own inbox folder, and its own
site stage, so a new issue of one paper rebuilds only that paper's files.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tingbao.audio.errors import AudioError
from tingbao.audio.master import MASTER_VERSION
from tingbao.audio.plan import issues_with_dropped
from tingbao.audio.settings import AudioSettings
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.errors import InputError
from tingbao.paper.model import Issue, short_hash
from tingbao.paper.settings import PaperSettings
from tingbao.reading.dates import day_of
from tingbao.reading.reader import read_issue
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.faults import Faults
from tingbao.worker.inbox import InboxFile, move_done, move_failed, pending_files
from tingbao.worker.progress import NoProgress, StageProgress
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.worker")

STAGE_AUDIO = "audio"
STAGE_FEEDS = "feeds"
STAGE_NOTIFIED = "notified"
STAGE_SHOWN = "shown"  # the published content the channel was last told about
SITE = "_site"  # the pseudo-issue whose stages are the site-wide ones (one per paper)


class AudioMaker(Protocol):
    """What the pipeline needs of the audio part."""

    async def render_issue(self, issue: Issue, *, remove_dropped: bool = True) -> Any:
        """Make every missing or outdated audio file of an issue."""

    def remove_dropped(self, issue: Issue) -> list[str]:
        """Delete the audio of articles a correction removed."""

    async def upgrade_offline(self) -> int:
        """Re-make offline audio with the online voice when it is reachable."""


SiteBuilder = Callable[[], Any]  # renders feeds and pages from the stores
Notifier = Callable[[str], int]  # queues the "new issue" message; returns rows added
Reviser = Callable[[str], bool]  # tells the channel an issue it carries changed; False if not


def _not_carried(_issue_id: str) -> bool:
    return False


@dataclass
class PaperWork:
    """What the pipeline drives for one paper: its audio, its site, its notifications."""

    paper: PaperSettings
    audio: AudioMaker
    build_site: SiteBuilder
    notify: Notifier
    revise: Reviser = _not_carried


@dataclass
class RunReport:
    """What one pass did."""

    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)
    audio_failed: list[str] = field(default_factory=list)
    site_built: bool = False
    notified: dict[str, int] = field(default_factory=dict)


def issue_words(issue: Issue, paper: PaperSettings) -> str:
    """Return every text the issue's audio reads: its articles, and the paper's name and contact."""
    parts = [paper.name, paper.hotline or "", paper.email or ""]
    parts += [issue.contact.hotline or "", issue.contact.email or ""]
    for article in issue.articles:
        parts += [article.title, article.kicker or "", article.subtitle or ""]
        parts += [section.heading or "" for section in article.sections]
        parts += article.paragraphs
    return "\n".join(parts)


def audio_input_hash(
    issue: Issue, audio: AudioSettings, paper: PaperSettings, lexicon: Lexicon | None = None
) -> str:
    """Return what the audio of an issue depends on: its content, its paper, the voice
    settings (the paper's own voice, with several papers), how audio is mastered, and the
    lexicon's readings of the words it holds (so a new reading redoes only issues with it)."""
    voice = audio.for_paper(paper.slug)
    said = lexicon.fingerprint(issue_words(issue, paper)) if lexicon is not None else ""
    parts: tuple[object, ...] = (issue.content_hash, voice.tts, voice.voice, voice.slow_rate)
    parts += (paper, MASTER_VERSION)
    if said:
        parts += (said,)
    return short_hash(repr(parts), 16)


def site_stage_owner(settings: Settings, paper: PaperSettings) -> str:
    """Return the pseudo-issue holding a paper's site stage ("_site" in the single layout)."""
    return f"{SITE}:{paper.slug}" if settings.per_paper else SITE


def routed_files(settings: Settings) -> list[tuple[InboxFile, PaperSettings | None]]:
    """Return the inbox files with the paper each is for: a paper's folder's files are its own;
    a file at the inbox's top level is the only paper's, or no paper's (None) with several."""
    papers = settings.papers
    top = None if settings.per_paper and len(papers) > 1 else papers[0]
    routed: list[tuple[InboxFile, PaperSettings | None]] = []
    if settings.per_paper:
        for paper in papers:
            routed.extend((item, paper) for item in pending_files(settings.paper_inbox(paper)))
    routed.extend((item, top) for item in pending_files(settings.inbox_dir))
    return routed


def site_input_hash(issues: list[Issue], found: Mapping[tuple[str, str], Asset]) -> str:
    """Return what the site depends on: every issue's content and every published file."""
    signature = sorted(
        (owner, role, a.path, a.size, a.content_key, a.engine or "")
        for (owner, role), a in found.items()
    )
    return short_hash(repr(([(i.id, i.content_hash) for i in issues], signature)), 16)


def arrival_time(path: Path) -> float:
    """Return when a file reached the inbox: a copy may keep its old modification time (cp -p,
    rsync, unzip), but arriving always changes the inode's (ctime)."""
    stat = path.stat()
    return max(stat.st_mtime, stat.st_ctime)


def shown_hash(issue: Issue, found: Mapping[tuple[str, str], Asset]) -> str:
    """Return what a published issue shows: its content and its own audio files."""
    owners = {issue.id, *(a.id for a in issue.articles)}
    files = sorted(
        (owner, role, a.content_key, a.engine or "")
        for (owner, role), a in found.items()
        if owner in owners
    )
    return short_hash(repr((issue.content_hash, files)), 16)


def revision_due(done: dict[str, str], shown: str) -> bool:
    """Return whether an issue announced in an earlier pass changed since it was shown (pure)."""
    return STAGE_NOTIFIED in done and done.get(STAGE_SHOWN) != shown


def due_stages(done: dict[str, str], audio_hash: str) -> list[str]:
    """Return an issue's stages that are due, in order, from what is done (pure).

    Audio is due when it was never made or made for other content or voice settings. The
    notification is due once per issue, whatever its content: a correction is not news.
    """
    due: list[str] = []
    if done.get(STAGE_AUDIO) != audio_hash:
        due.append(STAGE_AUDIO)
    if STAGE_NOTIFIED not in done:
        due.append(STAGE_NOTIFIED)
    return due


class Pipeline:
    """Run the stages; one pass at a time in this process."""

    def __init__(
        self,
        settings: Settings,
        issues: IssueStore,
        assets: AssetStore,
        papers: Sequence[PaperWork],
        progress: StageProgress | None = None,
        faults: Faults | None = None,
        arrived: Callable[[Path], float] = arrival_time,
        lexicon: Callable[[], Lexicon] | None = None,
    ) -> None:
        self.settings = settings
        self.lexicon = lexicon or Lexicon
        self.arrived = arrived  # when a file reached the inbox (epoch seconds)
        self.issues = issues
        self.assets = assets
        self.papers = tuple(papers)
        self.progress: StageProgress = progress or NoProgress()
        self.faults = faults or Faults()
        self._lock = asyncio.Lock()

    async def run_inbox(self) -> RunReport:
        """Store every file waiting in the inbox, then bring every stage up to date."""
        async with self._lock:
            report = RunReport()
            # Reading (a PDF may take a while) runs in a thread, so the web server and the bot
            # sharing this event loop in `tingbao run` keep answering.
            await asyncio.to_thread(self._ingest, report)
            await self._reconcile(report)
            return report

    async def reconcile(self) -> RunReport:
        """Redo whatever stage is not done for the content it should be done for."""
        async with self._lock:
            report = RunReport()
            await self._reconcile(report)
            return report

    async def upgrade(self) -> int:
        """Replace offline audio with online audio where possible, then refresh the site."""
        async with self._lock:
            upgraded = 0
            for work in self.papers:
                upgraded += await work.audio.upgrade_offline()
            if upgraded:
                log.info("upgraded %d offline audio files to the online voice", upgraded)
                await self._reconcile(RunReport())
            return upgraded

    def _ingest(self, report: RunReport) -> None:
        settings = self.settings
        for item, paper in routed_files(settings):
            path = item.path
            done_dir, failed_dir = path.parent / "done", path.parent / "failed"
            if paper is None:
                slugs = ", ".join(p.slug for p in settings.papers)
                reason = f"several papers are served: put the file into inbox/<slug>/ ({slugs})"
                move_failed(path, failed_dir, reason)
                log.warning("inbox: %s failed: %s", path.name, reason)
                report.failed.append(path.name)
                continue
            try:
                # An undated file is published on the day it arrived in the inbox.
                received = day_of(self.arrived(path))
                result = read_issue(path, paper, settings.reading, received=received)
            except InputError as exc:
                target = move_failed(path, failed_dir, str(exc))
                log.warning("inbox: %s failed: %s (moved to %s)", path.name, exc, target)
                report.failed.append(path.name)
                continue
            except Exception as exc:  # a bug in a reader must not block the files after it
                log.exception("inbox: %s could not be read (internal error)", path.name)
                reason = f"internal error while reading ({exc.__class__.__name__}): report it"
                target = move_failed(path, failed_dir, reason)
                report.failed.append(path.name)
                continue
            for warning in result.warnings:
                log.warning("inbox: %s: %s", path.name, warning)
            saved = self.issues.save_issue(result.issue, path.name)
            self.faults.crash_point("inbox.stored")
            move_done(path, done_dir)
            if saved.status == "unchanged":
                log.info("inbox: %s is %s again, unchanged", path.name, saved.issue.id)
                report.unchanged.append(saved.issue.id)
            else:
                log.info(
                    "inbox: %s %s %s (%d articles)",
                    path.name,
                    "stored" if saved.status == "new" else "corrected",
                    saved.issue.id,
                    len(saved.issue.articles),
                )
                report.stored.append(saved.issue.id)

    async def _reconcile(self, report: RunReport) -> None:
        for work in self.papers:
            await self._reconcile_paper(work, report)

    async def _reconcile_paper(self, work: PaperWork, report: RunReport) -> None:
        """Bring one paper's stages up to date: its audio, its site, its notifications."""
        settings = self.settings
        # The single-paper layout keeps showing every stored issue, as it always did.
        issues = self.issues.recent_issues(paper=work.paper.slug if settings.per_paper else None)
        ready: list[Issue] = []
        earlier: dict[str, dict[str, str]] = {}  # stages done before this pass, per issue
        lexicon = self.lexicon()
        for issue in issues:
            audio_hash = audio_input_hash(issue, settings.audio, work.paper, lexicon)
            done = earlier[issue.id] = self.issues.stages(issue.id)
            due = due_stages(done, audio_hash)
            if STAGE_AUDIO in due:
                readings = 2 * len(issue.articles) + 1  # normal and slow each, and the episode
                try:
                    with self.progress.task(f"audio {issue.id}", readings):
                        # Dropped articles' audio goes only once the site no longer links it.
                        await work.audio.render_issue(issue, remove_dropped=False)
                except AudioError as exc:  # keep the issue due; the next pass retries
                    log.error("audio for %s failed, will retry: %s", issue.id, exc)
                    report.audio_failed.append(issue.id)
                    continue
                self.issues.mark_stage(issue.id, STAGE_AUDIO, audio_hash)
                log.info("audio for %s is ready", issue.id)
                report.audio.append(issue.id)
            if STAGE_NOTIFIED in due:
                ready.append(issue)
        published = self.assets.for_issues(i.id for i in issues)
        site_hash = site_input_hash(issues, published)
        site = site_stage_owner(settings, work.paper)
        if not self.issues.stage_done(site, STAGE_FEEDS, site_hash):
            built = await asyncio.to_thread(work.build_site)
            self.issues.mark_stage(site, STAGE_FEEDS, site_hash)
            written = len(getattr(built, "written", ()))
            log.info("%s: feeds and pages built: %d files written", work.paper.slug, written)
            report.site_built = True
        # The site links no dropped article now; their audio can go (every pass, so a crash
        # between the build and this step is made good by the next one).
        for issue in issues_with_dropped(issues, published.values()):
            removed = work.audio.remove_dropped(issue)
            if removed:
                log.info("removed %d audio files dropped from %s", len(removed), issue.id)
        newest = issues[0].id if issues else None
        for issue in ready:
            if issue.id != newest:
                # A back issue imported late is not news: announcing each one would send every
                # subscriber a message per old issue.
                self.issues.mark_stage(issue.id, STAGE_NOTIFIED, "skipped")
                log.info("back issue %s: no notification", issue.id)
                continue
            self.faults.crash_point("notify.before")
            queued = work.notify(issue.id)
            self.faults.crash_point("notify.after")
            self.issues.mark_stage(issue.id, STAGE_NOTIFIED, "1")
            report.notified[issue.id] = queued
            log.info("new issue %s: %d notifications queued", issue.id, queued)
        self._tell_revisions(work.revise, issues, earlier, published, report)

    def _tell_revisions(
        self,
        revise: Reviser,
        issues: list[Issue],
        earlier: dict[str, dict[str, str]],
        published: Mapping[tuple[str, str], Asset],
        report: RunReport,
    ) -> None:
        """Tell the channel about corrections of issues it carries, once each is published whole.

        Recorded as a stage, so a crash before the mark tells it again (the channel job compares
        content, so telling twice costs nothing)."""
        for issue in issues:
            if issue.id in report.audio_failed:
                continue  # not published whole yet; the pass that makes its audio tells it
            shown = shown_hash(issue, published)
            done = earlier[issue.id]
            if revision_due(done, shown) and revise(issue.id):
                log.info("issue %s changed: its channel posts will be brought up to date", issue.id)
            if done.get(STAGE_SHOWN) != shown:
                self.issues.mark_stage(issue.id, STAGE_SHOWN, shown)
