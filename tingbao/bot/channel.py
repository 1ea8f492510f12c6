"""Post each new issue to the newsroom's channel, and keep the posts true to corrections.

Delivery semantics, written here once (channel_store.py names the states):
AT LEAST ONCE per planned post, in reading order: a crash can cost one duplicate post, no more.
 - Each post is recorded (state `sending`, committed) BEFORE its request, and its message_id and
   content hash after (`posted`). A restart resumes at the first post not recorded as posted.
 - A row left in `sending` by a crash (no message_id): the post may or may not have gone out;
   Telegram has no idempotency key: send it again (at-least-once; at most one duplicate per
   crash). The same holds for a request that timed out after it left (a read timeout): it is sent
   again on the next sync, so each such timeout can also cost one duplicate. A post that provably
   did not leave (Telegram refused it, or the connection never opened) costs nothing.
 - Posts go out strictly one after another, in the plan's order (channel_plan.py), and the sync
   stops at the first post it cannot make, so readers never see a later post before an earlier
   one. A correction adds a post only when it has more to say than before (an article added, an
   article grown past one message); such a post appears at the end of the channel.
 - A posted row whose content hash differs from the plan is edited in place (editMessageText,
   editMessageCaption, or editMessageMedia when the audio or its title changed); editing is
   idempotent ("message is not modified" is success), so a crash between an edit and its record
   costs nothing. A post someone deleted by hand is posted again (at the end) when it must change.
 - A posted row no longer planned (an article dropped by a correction) is deleted; one older than
   48 hours, which Telegram will not delete, is edited to say 已撤回.
 - An issue is marked shown (its revision) only once every post is done. A refusal that is not a
   429 (chat not found, not an admin) stops the sync; it is reported, and `ChannelJob` waits
   `error_pause_s` before trying again and logs the same refusal only once.
 - One process posts to a channel at a time: the sync holds that channel's database lease
   (`channel_lease`, leases.py), kept renewed while it works and checked before each post, so bot
   replicas sharing a database never post the same issue twice; when the holder dies, another
   replica takes over once the lease lapses (TINGBAO_CHANNEL_LEASE, 30 s) and resumes as after
   any crash. Each paper's channel has its own lease and its own pace, so papers post in
   parallel (one replica may hold one channel while another holds the next).
Pacing: `ChannelPacer` keeps to 20 requests per minute and one per second into a channel, and
waits out every 429's retry_after before retrying that request; `PerChannel` gives each channel
its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from tingbao.bot.channel_send import ChannelPoster, is_gone
from tingbao.bot.files import AudioSender, published_bytes
from tingbao.bot.sending import classify, new_owner
from tingbao.chat.channel_plan import IssueAudio, Links, PlannedPost, plan_issue, withdrawn_hash
from tingbao.chat.channel_store import (
    DELETED,
    POSTED,
    SENDING,
    WITHDRAWN,
    PostRecord,
    forget_post,
    issues_behind,
    mark_shown,
    posts_of,
    record_deleted,
    record_sending,
    record_shown,
)
from tingbao.chat.leases import hold_lease
from tingbao.chat.pacing import ChannelPacer
from tingbao.chat.papers import Papers
from tingbao.paper.model import Issue
from tingbao.store.assets import ISSUE_CHAPTERS, AssetStore
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore

log = logging.getLogger(__name__)


def channel_lease(channel: str) -> str:
    """Return the name of the lease a process holds while it posts to channel."""
    return f"channel:{channel}"


class PerChannel:
    """One pacer per channel: Telegram's limit is per chat, so two channels do not share it."""

    def __init__(self, make: Callable[[], ChannelPacer] = ChannelPacer) -> None:
        self.make = make
        self.pacers: dict[str, ChannelPacer] = {}

    def __call__(self, channel: str) -> ChannelPacer:
        if channel not in self.pacers:
            self.pacers[channel] = self.make()
        return self.pacers[channel]


Pacing = ChannelPacer | PerChannel  # one pace for every channel (tests), or one each


@dataclass
class ChannelReport:
    """What one sync of the channel did."""

    posted: int = 0
    edited: int = 0
    withdrawn: int = 0
    errors: list[str] = field(default_factory=list)
    busy: bool = False  # another bot process holds a channel's lease: nothing was done there

    @property
    def changed(self) -> int:
        return self.posted + self.edited + self.withdrawn

    def summary(self) -> str:
        if self.busy:
            return "another bot process is posting to the channel; nothing done here"
        line = f"{self.posted} posted, {self.edited} edited, {self.withdrawn} withdrawn"
        return f"{line}; stopped: {self.errors[0]}" if self.errors else line


def may_have_left(exc: TelegramError) -> bool:
    """Return whether a failed send may still have reached the channel (it left, then timed out).

    Any answer from Telegram (400, 403, 429) proves it did not; so does a connection that never
    opened or a pool timeout (outbox.classify tells them apart).
    """
    return classify(exc)[0] == "unknown"


def issue_audio(db: Database, issue: Issue, audio: AudioSender) -> IssueAudio:
    """Return the published audio of an issue and its chapters file, for the plan (database and
    file I/O: call it off the event loop)."""
    assets = AssetStore(db).for_issues([issue.id])
    data = published_bytes(audio.publisher, assets.get((issue.id, ISSUE_CHAPTERS)))
    return IssueAudio(assets, data, audio.upload_limit)


class IssueSync:
    """Bring one issue's posts in line with its plan, in reading order."""

    def __init__(
        self,
        db: Database,
        issue_id: str,
        poster: ChannelPoster,
        report: ChannelReport,
        should_stop: Callable[[], bool],
        clock: Clock,
    ) -> None:
        self.db = db
        self.issue_id = issue_id
        self.poster = poster
        self.report = report
        self.should_stop = should_stop  # asked to stop, or the lease was lost: checked per post
        self.clock = clock

    async def run(self, plan: list[PlannedPost]) -> bool:
        """Make every planned post and withdraw the rest; False when stopped before the end."""
        records = posts_of(self.db, self.issue_id)
        for post in plan:
            if self.should_stop() or not await self.step(post, records.get(post.key)):
                return False
        planned = {post.key for post in plan}
        dropped = [r for r in records.values() if r.key not in planned]
        for record in sorted(dropped, key=lambda r: r.position):
            if self.should_stop() or not await self.drop(record):
                return False
        return True

    async def step(self, post: PlannedPost, record: PostRecord | None) -> bool:
        """Make one post show what the plan says; False on a failure (reported)."""
        if record is None or record.state in (SENDING, DELETED) or record.message_id is None:
            return await self.send(post)
        if record.content_hash == post.content_hash:
            return True
        try:
            await self.poster.edit(post, record.message_id, record.media_key)
        except BadRequest as exc:
            if not is_gone(exc):
                return self.failed(post.key, exc)
            log.warning(
                "channel post %s %s was deleted by hand; posting it again", self.issue_id, post.key
            )
            return await self.send(post)
        except TelegramError as exc:
            return self.failed(post.key, exc)
        self._shown(post)
        self.report.edited += 1
        return True

    async def send(self, post: PlannedPost) -> bool:
        """Record a post, send it, record its message_id (see the module docstring)."""
        record_sending(self.db, self.issue_id, post.key, post.position, post.kind, self.clock)
        try:
            message = await self.poster.send(post)
        except TelegramError as exc:
            if not may_have_left(exc):
                forget_post(self.db, self.issue_id, post.key)
            return self.failed(post.key, exc)
        self._shown(post, message.message_id)
        self.report.posted += 1
        return True

    async def drop(self, record: PostRecord) -> bool:
        """Withdraw a post the plan no longer has."""
        if record.state == SENDING:  # a crash left it; its message, if any, has no known id
            forget_post(self.db, self.issue_id, record.key)
            return True
        if record.state != POSTED or record.message_id is None:
            return True  # already deleted or marked withdrawn
        try:
            state = await self.poster.withdraw(record.message_id, record.kind)
        except TelegramError as exc:
            return self.failed(record.key, exc)
        if state == DELETED:
            record_deleted(self.db, self.issue_id, record.key, self.clock)
        else:
            hashed = withdrawn_hash(record.kind)
            record_shown(
                self.db,
                self.issue_id,
                record.key,
                state=WITHDRAWN,
                content_hash=hashed,
                clock=self.clock,
            )
        self.report.withdrawn += 1
        return True

    def _shown(self, post: PlannedPost, message_id: int | None = None) -> None:
        record_shown(
            self.db,
            self.issue_id,
            post.key,
            state=POSTED,
            content_hash=post.content_hash,
            media_key=post.media_key,
            message_id=message_id,
            clock=self.clock,
        )

    def failed(self, key: str, exc: TelegramError) -> bool:
        """Report why a post could not be made; the sync stops there."""
        self.report.errors.append(f"{self.issue_id} {key}: {type(exc).__name__}: {exc.message}")
        return False


async def sync_channel(
    bot: Bot,
    db: Database,
    *,
    papers: Papers,
    public_url: Callable[[str], str],
    audio: AudioSender,
    should_stop: Callable[[], bool] = lambda: False,
    pacer: Pacing | None = None,
    clock: Clock = utc_now,
    owner: str | None = None,
    lease_s: float = 30.0,
) -> ChannelReport:
    """Bring every channel up to date with each issue it carries that it does not yet show.

    The channels are synced at the same time, each under its own lease and pace. In a channel,
    issues go oldest first, and the sync stops at the first post it cannot make, so the channel
    never shows a later post before an earlier one. Only the holder of a channel's lease posts
    there; its sync stops before the next post if the lease was lost.
    """
    report = ChannelReport()
    by_channel: dict[str, list[tuple[str, str, int]]] = {}
    for row in issues_behind(db):
        by_channel.setdefault(row[1], []).append(row)
    pacing = pacer or PerChannel()
    holder = owner or new_owner()
    await asyncio.gather(
        *(
            _sync_one_channel(
                bot,
                db,
                channel,
                behind,
                report,
                papers,
                public_url,
                audio,
                pacing if isinstance(pacing, ChannelPacer) else pacing(channel),
                clock,
                should_stop,
                holder,
                lease_s,
            )
            for channel, behind in by_channel.items()
        )
    )
    return report


async def _sync_one_channel(
    bot: Bot,
    db: Database,
    channel: str,
    behind: list[tuple[str, str, int]],
    report: ChannelReport,
    papers: Papers,
    public_url: Callable[[str], str],
    audio: AudioSender,
    pacer: ChannelPacer,
    clock: Clock,
    should_stop: Callable[[], bool],
    owner: str,
    lease_s: float,
) -> None:
    """Sync one channel's issues behind while holding its lease (see sync_channel)."""
    async with hold_lease(db, channel_lease(channel), owner, lease_s, clock) as lease:
        if lease is None:
            report.busy = True
            return

        def stop() -> bool:
            if lease.held and not should_stop():
                return False
            if not lease.held:
                log.warning("channel %s: the channel lease was lost; stopping here", channel)
            return True

        await _sync_issues(bot, db, behind, report, papers, public_url, audio, pacer, clock, stop)


async def _sync_issues(
    bot: Bot,
    db: Database,
    behind: list[tuple[str, str, int]],
    report: ChannelReport,
    papers: Papers,
    public_url: Callable[[str], str],
    audio: AudioSender,
    pacer: ChannelPacer,
    clock: Clock,
    should_stop: Callable[[], bool],
) -> None:
    """Sync each issue behind in one channel, oldest first, while the lease holds (see
    sync_channel); each issue's posts name its own paper and link its paper's pages."""
    store = IssueStore(db)
    for issue_id, channel, revision in behind:
        if should_stop():
            break
        issue = await asyncio.to_thread(store.find_issue, issue_id)
        if issue is None:  # removed from the store: nothing left to show
            log.warning("channel: issue %s is gone from the store; not posting it", issue_id)
            mark_shown(db, issue_id, revision, clock)
            continue
        links = Links(public_url, bot.username, papers.page(issue.paper, ""))
        name = papers.of(issue.paper).name
        published = await asyncio.to_thread(issue_audio, db, issue, audio)
        plan = plan_issue(issue, name, published, links)
        poster = ChannelPoster(bot, channel, pacer, audio)
        if not await IssueSync(db, issue_id, poster, report, should_stop, clock).run(plan):
            break
        mark_shown(db, issue_id, revision, clock)


class ChannelJob:
    """The repeating job that keeps the channel up to date; one sync at a time.

    After a sync that failed, the job waits error_pause_s before the next (a missing channel or
    admin right does not fix itself in seconds), and logs a refusal only when it changes.
    """

    def __init__(
        self,
        db: Database,
        papers: Papers,
        public_url: Callable[[str], str],
        audio: AudioSender,
        pacer: Pacing | None = None,
        error_pause_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        lease_s: float = 30.0,
    ) -> None:
        self.db = db
        self.papers = papers
        self.public_url = public_url
        self.audio = audio
        # Kept across syncs: the per-minute window spans them.
        self.pacer: Pacing = pacer or PerChannel()
        self.error_pause_s = error_pause_s
        self.monotonic = monotonic
        self.quiet_until = 0.0
        self.last_error = ""
        self.lock = asyncio.Lock()
        self.last: ChannelReport | None = None
        self.owner = new_owner()  # this process, as the holder of the channels' leases
        self.lease_s = lease_s

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.lock.locked() or self.monotonic() < self.quiet_until:
            return
        app = context.application
        await self.sync(context.bot, should_stop=lambda: not app.running)

    async def sync(
        self, bot: Bot, should_stop: Callable[[], bool] = lambda: False
    ) -> ChannelReport:
        """Bring the channel up to date once and log what changed."""
        async with self.lock:
            report = await sync_channel(
                bot,
                self.db,
                papers=self.papers,
                public_url=self.public_url,
                audio=self.audio,
                should_stop=should_stop,
                pacer=self.pacer,
                owner=self.owner,
                lease_s=self.lease_s,
            )
            self._log(report)
            self.last = report
            return report

    def _log(self, report: ChannelReport) -> None:
        if report.changed:
            log.info("channel: %s", report.summary())
        error = report.errors[0] if report.errors else ""
        if error:
            self.quiet_until = self.monotonic() + self.error_pause_s
            if error != self.last_error:
                log.error("channel: stopped at %s; trying again later", error)
        self.last_error = error
