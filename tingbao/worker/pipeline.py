"""The pipeline: inbox file -> stored issue -> audio -> feeds and pages -> notification outbox.

Every stage is idempotent and keyed by content: the store records, per issue, the hash of the
input each stage last finished with, and a stage whose input hash is unchanged is skipped. Any
stage may be killed at any point and redone: files are published atomically, rows are written
after files, and the outbox is queued at most once per issue (the bot part guarantees that per
subscriber).

A deployment may serve several papers: each has its own `PaperWork` (audio in its voice, its site
in its folder of public/, its notifications and channel), its own inbox folder, and its own
site stage, so a new issue of one paper rebuilds only that paper's files.

One bad file or issue never stops the paper. In the inbox each file is read, stored and moved on
its own: a file the reader refuses goes to failed/ with its reason, a bug while reading does too,
a failure to store leaves the file for the next pass, and the pass goes on with the next file.
Files are taken oldest first, one at a time; each read is bounded by the reader's size limit and
its child processes' time limits, and a pass stops taking new files once it has read for an inbox
interval (TINGBAO_INBOX_INTERVAL), so the files stored so far reach the feeds now and the rest
are read in the next pass. A file still being written waits for the settle time (inbox.py).

In the stages, each issue's work (its audio, its notification, telling the channel) runs on its
own: a failure is logged, recorded with its reason (IssueStore.mark_failed, table
stage_failures), leaves that stage due so the next pass retries it, and the pass goes on with the
other issues and with the feeds and pages. A paper's failing site build is recorded the same way
and does not stop the other papers.

Nothing is published twice (duplicates.py compares content, never file names): a drop whose
articles are the same as one of the paper's `COMPARED_ISSUES` latest stored issues is that issue,
renamed or undated (one log line, moved to done/, nothing stored, made or announced). An undated
issue (published on the day received; its id carries a key from its titles, see paper/model.py)
whose articles mostly match a stored issue's is its correction: it takes that issue's id and date
and replaces it, with a warning naming it. Otherwise it is a new issue, even when its file name is
the same (newsrooms reuse names like 扫描.pdf). A dated correction replaces its date's issue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tingbao.audio.errors import AudioError
from tingbao.audio.master import MASTER_VERSION
from tingbao.audio.plan import issues_with_dropped
from tingbao.audio.settings import AudioSettings
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper import notices
from tingbao.paper.errors import InputError
from tingbao.paper.model import Issue, short_hash, with_issue_id
from tingbao.paper.notices import ReadingWarning
from tingbao.paper.settings import PaperSettings
from tingbao.reading.dates import day_of
from tingbao.reading.reader import ReadResult, read_issue
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.duplicates import Verdict, judge
from tingbao.worker.faults import Faults
from tingbao.worker.inbox import (
    InboxFile,
    move_done,
    move_failed,
    scan_inbox,
    shown,
    stat_changed,
)
from tingbao.worker.progress import NoProgress, StageProgress
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.worker")

STAGE_AUDIO = "audio"
STAGE_FEEDS = "feeds"
STAGE_NOTIFIED = "notified"
STAGE_SHOWN = "shown"  # the published content the channel was last told about
SITE = "_site"  # the pseudo-issue whose stages are the site-wide ones (one per paper)
COMPARED_ISSUES = 60  # a drop is compared with this many of its paper's latest stored issues


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


def _nothing_after(_issue: Issue) -> None:
    return None


@dataclass
class PaperWork:
    """What the pipeline drives for one paper: its audio, its site, its notifications."""

    paper: PaperSettings
    audio: AudioMaker
    build_site: SiteBuilder
    notify: Notifier
    revise: Reviser = _not_carried
    # Told each pass the paper's newest issue once its site is built, for work that must never
    # delay publishing: it only starts that work (the voice notes, made in the background).
    after_publish: Callable[[Issue], None] = _nothing_after


@dataclass
class RunReport:
    """What one pass did."""

    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # file names moved to failed/
    waiting: list[str] = field(default_factory=list)  # file names left in the inbox for later
    audio: list[str] = field(default_factory=list)
    audio_failed: list[str] = field(default_factory=list)
    site_built: bool = False
    site_failed: list[str] = field(default_factory=list)  # papers whose site build failed
    notified: dict[str, int] = field(default_factory=dict)
    stage_failed: list[tuple[str, str]] = field(default_factory=list)  # (issue id, stage)


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


Routed = list[tuple[InboxFile, PaperSettings | None]]


def routed_files(settings: Settings) -> tuple[Routed, list[tuple[Path, str]]]:
    """Return the inbox files with the paper each is for, and the entries the inbox refuses (a
    link, a pipe, ...) with why: a paper's folder's files are its own; a file at the inbox's top
    level is the only paper's, or no paper's (None) with several."""
    papers = settings.papers
    top = None if settings.per_paper and len(papers) > 1 else papers[0]
    routed: Routed = []
    refused: list[tuple[Path, str]] = []
    folders: list[tuple[Path, PaperSettings | None]] = []
    if settings.per_paper:
        folders += [(settings.paper_inbox(paper), paper) for paper in papers]
    folders.append((settings.inbox_dir, top))
    for folder, paper in folders:
        scan = scan_inbox(folder)
        routed.extend((item, paper) for item in scan.files)
        refused.extend(scan.refused)
    return routed, refused


def judged(issues: IssueStore, result: ReadResult) -> Verdict:
    """Compare an issue read with its paper's latest stored issues (duplicates.py): the inbox
    and `tingbao ingest` ask the same question."""
    issue = result.issue
    stored = issues.recent_issues(limit=COMPARED_ISSUES, paper=issue.paper)
    if all(s.id != issue.id for s in stored):
        own = issues.find_issue(issue.id)
        stored += [own] if own is not None else []
    return judge(issue, result.undated, stored)


def correction_warning(verdict: Verdict) -> ReadingWarning:
    """Return the warning that names the stored issue an undated file is taken to correct."""
    assert verdict.stored is not None
    corrected = verdict.stored
    return ReadingWarning(
        notices.CORRECTS_STORED,
        f"an undated file whose articles mostly match {corrected.id} ({corrected.title}, "
        f"{verdict.share:.0%} of its articles): stored as its correction",
        corrected.title,
    )


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
        sleep: Callable[[float], None] = time.sleep,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.settings = settings
        self.sleep = sleep  # waits for inbox files to settle (in the reading thread)
        self.clock_ns = clock_ns  # wall clock, compared with the files' times
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
        """Refuse what is not a file, wait for files still being written, then read and store
        the rest one at a time, each on its own, for at most an inbox interval of reading."""
        settings = self.settings
        routed, refused = routed_files(settings)
        for path, reason in refused:
            self._refuse(path, path.parent / "failed", reason, report)
        budget = float(settings.inbox_interval_s)
        started = time.monotonic()
        taken = 0
        for item, paper in self._settled(routed, report):
            # At least one file a pass, so a pass always makes progress.
            if taken and time.monotonic() - started > budget:
                log.info(
                    "inbox: read for %.0f s this pass; %s waits for the next",
                    budget,
                    shown(item.path.name),
                )
                report.waiting.append(item.path.name)
                continue
            taken += 1
            self._ingest_file(item, paper, report)

    def _settled(self, routed: Routed, report: RunReport) -> Routed:
        """Return the files unchanged for the settle time, waiting (once, at most the settle
        time) for those that changed more recently; a file that changed meanwhile is still being
        written and is left in the inbox for the next pass."""
        settle = self.settings.inbox_settle_s
        now = self.clock_ns()
        young = [item for item, _ in routed if item.age(now) < settle]
        if not young:
            return routed
        self.sleep(max(0.0, min(settle, settle - min(item.age(now) for item in young))))
        settled: Routed = []
        for item, paper in routed:
            if item in young and stat_changed(item, item.path):
                log.info("inbox: %s is still being written; read next time", shown(item.path.name))
                report.waiting.append(item.path.name)
                continue
            settled.append((item, paper))
        return settled

    def _refuse(self, path: Path, failed_dir: Path, reason: str, report: RunReport) -> None:
        """Move a file to failed/ with its reason (never lets a failing move stop the pass)."""
        try:
            target = move_failed(path, failed_dir, reason)
        except OSError as exc:
            log.error(
                "inbox: %s failed (%s) and could not be moved: %s", shown(path.name), reason, exc
            )
            return
        log.warning(
            "inbox: %s failed: %s (moved to %s)", shown(path.name), reason, shown(str(target))
        )
        report.failed.append(path.name)

    def _ingest_file(self, item: InboxFile, paper: PaperSettings | None, report: RunReport) -> None:
        """Read, store and move one inbox file; whatever goes wrong stays with this file."""
        settings = self.settings
        path = item.path
        name = shown(path.name)
        failed_dir = path.parent / "failed"
        if paper is None:
            slugs = ", ".join(p.slug for p in settings.papers)
            reason = f"several papers are served: put the file into inbox/<slug>/ ({slugs})"
            self._refuse(path, failed_dir, reason, report)
            return
        try:
            # An undated file is published on the day it arrived in the inbox (the reader
            # takes today for a file stamped in the future).
            received = day_of(self.arrived(path))
            result = read_issue(
                path,
                paper,
                settings.reading,
                received=received,
                days_ahead=settings.max_days_ahead,
            )
        except InputError as exc:
            self._refuse(path, failed_dir, str(exc), report)
            return
        except Exception as exc:  # a bug in a reader must not block the files after it
            log.exception("inbox: %s could not be read (internal error)", name)
            reason = f"internal error while reading ({exc.__class__.__name__}): report it"
            self._refuse(path, failed_dir, reason, report)
            return
        if stat_changed(item, path):
            # Written to while it was read: what was read may be half of it.
            log.info("inbox: %s changed while it was read; read again next time", name)
            report.waiting.append(path.name)
            return
        try:
            verdict = self._judged(result)
            if verdict.kind == "same" and verdict.stored is not None:
                move_done(path, path.parent / "done")
                log.info(
                    "inbox: %s holds the same articles as %s: nothing stored or announced",
                    name,
                    verdict.stored.id,
                )
                report.unchanged.append(verdict.stored.id)
                return
            for warning in result.warnings:  # of a file stored: a copy's guesses are moot
                log.warning("inbox: %s: %s", name, warning)
            issue = self._identified(result.issue, verdict, name)
            saved = self.issues.save_issue(issue, path.name)
            self.faults.crash_point("inbox.stored")
            move_done(path, path.parent / "done")
        except Exception:  # the store or the disk: the file stays and is read again next pass
            log.exception("inbox: %s could not be stored; it stays in the inbox", name)
            report.waiting.append(path.name)
            return
        if saved.status == "unchanged":
            log.info("inbox: %s is %s again, unchanged", name, saved.issue.id)
            report.unchanged.append(saved.issue.id)
        else:
            log.info(
                "inbox: %s %s %s (%d articles)",
                name,
                "stored" if saved.status == "new" else "corrected",
                saved.issue.id,
                len(saved.issue.articles),
            )
            report.stored.append(saved.issue.id)

    def _judged(self, result: ReadResult) -> Verdict:
        """Compare the issue read with its paper's latest stored issues (duplicates.py)."""
        return judged(self.issues, result)

    def _identified(self, issue: Issue, verdict: Verdict, name: str) -> Issue:
        """Return the issue read, under the id of the stored issue it corrects, if any."""
        if verdict.kind != "correction" or verdict.stored is None:
            return issue
        log.warning("inbox: %s: %s", name, correction_warning(verdict))
        return with_issue_id(issue, verdict.stored)

    async def _reconcile(self, report: RunReport) -> None:
        for work in self.papers:
            await self._reconcile_paper(work, report)

    async def _reconcile_paper(self, work: PaperWork, report: RunReport) -> None:
        """Bring one paper's stages up to date: its audio, its site, its notifications; each
        issue's failure stays with that issue (recorded, retried next pass)."""
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
            if STAGE_AUDIO in due and not await self._make_audio(work, issue, audio_hash, report):
                continue
            if STAGE_NOTIFIED in due:
                ready.append(issue)
        published = self.assets.for_issues(i.id for i in issues)
        if not await self._build_site(work, issues, published, report):
            return  # nothing is announced or told until the pages that show it are built
        # The site links no dropped article now; their audio can go (every pass, so a crash
        # between the build and this step is made good by the next one).
        for issue in issues_with_dropped(issues, published.values()):
            try:
                removed = work.audio.remove_dropped(issue)
            except Exception:  # this issue's files stay; the next pass removes them
                log.exception("could not remove the audio dropped from %s", issue.id)
                continue
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
            try:
                self.faults.crash_point("notify.before")
                queued = work.notify(issue.id)
                self.faults.crash_point("notify.after")
            except Exception as exc:  # the per-issue boundary: stays due, retried next pass
                self._failed(issue.id, STAGE_NOTIFIED, exc, report)
                continue
            self.issues.mark_stage(issue.id, STAGE_NOTIFIED, "1")
            report.notified[issue.id] = queued
            log.info("new issue %s: %d notifications queued", issue.id, queued)
        self._tell_revisions(work.revise, issues, earlier, published, report)
        if issues:
            work.after_publish(issues[0])

    async def _make_audio(
        self, work: PaperWork, issue: Issue, audio_hash: str, report: RunReport
    ) -> bool:
        """Make an issue's audio; False when it failed (recorded, due again next pass)."""
        readings = 2 * len(issue.articles) + 1  # normal and slow each, and the episode
        try:
            with self.progress.task(f"audio {issue.id}", readings):
                # Dropped articles' audio goes only once the site no longer links it.
                await work.audio.render_issue(issue, remove_dropped=False)
        except AudioError as exc:  # the voice is down: keep the issue due; the next pass retries
            log.error("audio for %s failed, will retry: %s", issue.id, exc)
            self.issues.mark_failed(issue.id, STAGE_AUDIO, str(exc))
            report.audio_failed.append(issue.id)
            return False
        except Exception as exc:  # the per-issue boundary: one issue's bug never blocks others
            self._failed(issue.id, STAGE_AUDIO, exc, report)
            report.audio_failed.append(issue.id)
            return False
        self.issues.mark_stage(issue.id, STAGE_AUDIO, audio_hash)
        log.info("audio for %s is ready", issue.id)
        report.audio.append(issue.id)
        return True

    async def _build_site(
        self,
        work: PaperWork,
        issues: list[Issue],
        published: Mapping[tuple[str, str], Asset],
        report: RunReport,
    ) -> bool:
        """Build a paper's feeds and pages when what they show changed; False when it failed."""
        site_hash = site_input_hash(issues, published)
        site = site_stage_owner(self.settings, work.paper)
        if self.issues.stage_done(site, STAGE_FEEDS, site_hash):
            return True
        try:
            built = await asyncio.to_thread(work.build_site)
        except Exception as exc:  # this paper's pages stay as they were; the other papers go on
            self._failed(site, STAGE_FEEDS, exc, report)
            report.site_failed.append(work.paper.slug)
            return False
        self.issues.mark_stage(site, STAGE_FEEDS, site_hash)
        written = len(getattr(built, "written", ()))
        log.info("%s: feeds and pages built: %d files written", work.paper.slug, written)
        report.site_built = True
        return True

    def _failed(self, owner: str, stage: str, exc: Exception, report: RunReport) -> None:
        """Log and record a stage that failed for one issue (or a paper's site); it stays due."""
        reason = f"{exc.__class__.__name__}: {exc}"
        log.error("%s for %s failed, will retry next pass: %s", stage, owner, reason, exc_info=exc)
        try:
            failure = self.issues.mark_failed(owner, stage, reason)
        except Exception:  # the database itself is failing: the log line is all there is
            log.exception("could not record that %s for %s failed", stage, owner)
        else:
            log.info("%s for %s has failed %d times in a row", stage, owner, failure.attempts)
        report.stage_failed.append((owner, stage))

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
            now_shown = shown_hash(issue, published)
            done = earlier[issue.id]
            try:
                if revision_due(done, now_shown) and revise(issue.id):
                    log.info("issue %s changed: its channel posts will be updated", issue.id)
            except Exception as exc:  # the per-issue boundary: told again next pass
                self._failed(issue.id, STAGE_SHOWN, exc, report)
                continue
            if done.get(STAGE_SHOWN) != now_shown:
                self.issues.mark_stage(issue.id, STAGE_SHOWN, now_shown)
