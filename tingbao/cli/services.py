"""Wiring: each paper's audio service, site builder and notifier, the pipeline over them, and
the bot (imported only by the functions that build it: `tingbao build` and the worker never
pay for the bot's libraries at start-up)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tingbao.audio.engines import Engines, make_synthesizers
from tingbao.audio.service import AudioService
from tingbao.audio.voice_notes import NotesAhead, VoiceNotes
from tingbao.chat.channel_store import queue_channel_issue, revise_channel_issue
from tingbao.chat.papers import ChatPapers, Papers
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.cli.context import Context
from tingbao.feeds.build import BuildReport, build_papers_index, build_public
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import Publisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.lexicon import LexiconStore
from tingbao.wechat.mass import queue_mass_send
from tingbao.worker.faults import Faults
from tingbao.worker.pipeline import Notifier, PaperWork, Pipeline, Reviser, SiteBuilder
from tingbao.worker.progress import make_progress
from tingbao.worker.settings import Settings

if TYPE_CHECKING:
    from tingbao.bot.app import BotApp, BotStores, Neighbours


class FaultPublisher:
    """A publisher that passes crash points after each write (crash tests; see faults.py)."""

    def __init__(self, inner: Publisher, faults: Faults) -> None:
        self.inner = inner
        self.faults = faults

    def _point(self, relpath: str) -> None:
        audio = "audio" in relpath.split("/")[:2]  # audio/… or <paper>/audio/…
        self.faults.crash_point("publish.audio" if audio else "publish.site")

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        written = self.inner.write_bytes(relpath, data)
        self._point(relpath)
        return written

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


@dataclass
class Services:
    """The pipeline and what it drives; close() when done."""

    pipeline: Pipeline
    audio: tuple[AudioService, ...]  # one per paper, sharing one set of engines
    notes_ahead: NotesAhead | None = None  # the newest issues' voice notes, in the background

    @property
    def engines(self) -> Engines:
        """Return the speech engines the papers share."""
        return self.audio[0].engines

    def close(self) -> None:
        if self.notes_ahead is not None:
            self.notes_ahead.close()
        self.audio[0].close()


def make_services(ctx: Context, *, notes_ahead: bool = False) -> Services:
    """Build each paper's audio service and site builder, and the pipeline over them (with the
    crash point armed); notes_ahead (a long-running worker): each paper's newest issue gets its
    voice notes made in the background once it is published."""
    settings = ctx.settings
    faults = Faults(settings.fault)
    out: Publisher = FaultPublisher(ctx.publisher, faults) if faults.armed else ctx.publisher
    progress = make_progress()
    engines = make_synthesizers(settings.audio)
    services: list[AudioService] = []
    works: list[PaperWork] = []
    ahead = NotesAhead(VoiceNotes(ctx.assets, out)) if notes_ahead else None
    for paper in settings.working_papers:
        folder = settings.public_folder(paper)
        audio = AudioService(
            settings.audio.for_paper(paper.slug),
            paper,
            ctx.issues,
            ctx.assets,
            out,
            engines,
            paper_folder=folder,
            lexicon=ctx.lexicon.lexicon,
        )
        audio.on_reading = progress.advance
        services.append(audio)
        works.append(
            PaperWork(
                paper,
                audio,
                _site_builder(ctx, out, paper),
                _notifier(ctx, paper.slug, settings.bot.channel_for(paper.slug)),
                _reviser(ctx, settings.bot.channel_for(paper.slug)),
                _ahead(ahead),
            )
        )
    pipeline = Pipeline(
        settings,
        ctx.issues,
        ctx.assets,
        works,
        progress=progress,
        faults=faults,
        lexicon=ctx.lexicon.lexicon,
    )
    return Services(pipeline, tuple(services), ahead)


def _ahead(notes: NotesAhead | None) -> Callable[[Issue], None]:
    """Return what the pipeline tells of a newly published issue: its voice notes, queued."""

    def after_publish(issue: Issue) -> None:
        if notes is not None:
            notes.start([article.id for article in issue.articles])

    return after_publish


def _site_builder(ctx: Context, out: Publisher, paper: PaperSettings) -> SiteBuilder:
    """Return what builds a paper's site (and, with several papers, the index of them all)."""
    settings = ctx.settings
    folder = settings.public_folder(paper)

    def build_site() -> BuildReport:
        report = build_public(
            settings.feeds, paper, ctx.issues, ctx.assets, out, paper_folder=folder
        )
        if settings.per_paper:
            index = build_papers_index(settings.papers, out)
            report = replace(report, written=(*report.written, *index))
        return report

    return build_site


def _notifier(ctx: Context, paper: str, channel: str | None) -> Notifier:
    """Return what announces a new issue: the bot's subscribers, the channel, and (a verified
    WeChat account) the mass send, each queued once per issue."""
    wechat = ctx.settings.wechat.can_call_api

    def notify(issue_id: str) -> int:
        if channel is not None:
            queue_channel_issue(ctx.db, issue_id, channel)
        if wechat:
            queue_mass_send(ctx.db, issue_id, paper)
        return enqueue_new_issue(ctx.db, issue_id)

    return notify


def _reviser(ctx: Context, channel: str | None) -> Reviser:
    def revise(issue_id: str) -> bool:
        return channel is not None and revise_channel_issue(ctx.db, issue_id)

    return revise


def bot_papers(settings: Settings) -> Papers:
    """Return the papers the bot serves, and whether each has its own folder of public/."""
    return Papers(settings.papers, folders=settings.per_paper)


def bot_neighbours(
    settings: Settings, publisher: Publisher, db: Database | None = None
) -> Neighbours:
    """Return what the bot uses of this deployment: the papers, their reader and inboxes,
    public/, and (given the database) the telephone line's calls for /stats, which the line
    records there whichever process answers it, and the voice notes, made on first request."""
    from tingbao.bot.admin import InboxDrop, paper_reader
    from tingbao.bot.app import Neighbours
    from tingbao.phone.stats import phone_stats, stats_lines

    def more_stats() -> list[str]:
        return stats_lines(phone_stats(db)) if db is not None else []

    return Neighbours(
        papers=bot_papers(settings),
        publisher=publisher,
        parse=paper_reader(settings.reading),
        publish=InboxDrop(settings.paper_inbox),
        public_url=settings.feeds.url,
        more_stats=more_stats,
        voice_notes=VoiceNotes(AssetStore(db), publisher) if db is not None else None,
    )


def bot_stores(settings: Settings, db: Database) -> BotStores:
    """Return the stores the bot reads and writes, on this deployment's database."""
    from tingbao.bot.app import BotStores
    from tingbao.bot.files import FileIdCache
    from tingbao.bot.updates import SeenUpdates

    papers = bot_papers(settings)
    return BotStores(
        db=db,
        issues=IssueStore(db),
        assets=AssetStore(db),
        subscribers=SubscriberStore(db, paper=papers.first.slug),
        chats=ChatPapers(db, papers),
        lexicon=LexiconStore(db),
        seen=SeenUpdates(db),
        file_ids=FileIdCache(db),
    )


def build_bot(settings: Settings, db: Database, publisher: Publisher) -> BotApp | None:
    """Build the bot of this deployment, or None (said once) when it has no token."""
    from tingbao.bot.app import build_application

    neighbours = bot_neighbours(settings, publisher, db)
    return build_application(settings.bot, bot_stores(settings, db), neighbours)
