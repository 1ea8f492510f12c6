"""Handlers for editors (TINGBAO_ADMINS): upload an issue, preview it, publish it; /stats.

An upload is downloaded into a staging folder, parsed for the preview, and on 发布 handed to the
pipeline by the injected `publish` callable (the worker hands in `InboxDrop`: moved atomically into
the inbox, where the worker picks it up). Anyone else gets a polite refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from telegram import InputMediaPhoto, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from tingbao.bot.errors import CallbackDataError
from tingbao.bot.keyboards import papers_keyboard, parse_callback, publish_keyboard
from tingbao.bot.settings import BotSettings
from tingbao.chat import render, texts
from tingbao.chat.papers import ChatPapers
from tingbao.chat.reasons import refusal_reason, warning_text
from tingbao.chat.subscribers import SubscriberStore
from tingbao.paper.errors import PaperError
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import atomic_write_bytes
from tingbao.reading.formats import all_suffixes
from tingbao.reading.picture import render_png
from tingbao.reading.reader import PagesSeen, read_issue
from tingbao.reading.settings import ReadingSettings
from tingbao.store.issues import IssueStore

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
MB = 1024 * 1024
CHAT_ACTION_SECONDS = 4.5  # Telegram shows a chat action for about 5 s
CLOUD_DOWNLOAD_LIMIT = 20 * MB  # a bot may download at most 20 MB from api.telegram.org
LAYOUT_PAGES = 4  # pages drawn in a preview (a media group holds up to 10)


class Parsed(Protocol):
    """What the issue reader returns: the issue and what it was unsure about."""

    @property
    def issue(self) -> Issue: ...

    @property
    def warnings(self) -> Sequence[Any]: ...


ParseFn = Callable[[Path, PaperSettings], Parsed]  # an upload, read as an issue of a paper
PublishFn = Callable[[Path, PaperSettings], Awaitable[str]]  # handed to a paper's pipeline


def paper_reader(reading: ReadingSettings) -> ParseFn:
    """Return a parse function for uploads: the paper part's reader, the one the inbox uses."""

    def parse(path: Path, paper: PaperSettings) -> Parsed:
        return read_issue(path, paper, reading)

    return parse


def safe_name(filename: str | None) -> str:
    """Return a harmless file name (letters, digits, CJK, . - _) keeping the suffix."""
    name = Path(filename or "issue.txt").name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, "txt"
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._")[:60] or "issue"
    return f"{stem}.{suffix.lower()}"


class InboxDrop:
    """Publish by moving the file into its paper's inbox atomically; the worker takes it from
    there."""

    def __init__(self, inbox_of: Callable[[PaperSettings], Path]) -> None:
        self.inbox_of = inbox_of

    async def __call__(self, staged: Path, paper: PaperSettings) -> str:
        """Move staged into the paper's inbox (never overwriting) and return the name it got."""
        return await asyncio.to_thread(self._move, staged, self.inbox_of(paper))

    def _move(self, staged: Path, inbox: Path) -> str:
        inbox.mkdir(parents=True, exist_ok=True)
        target = inbox / staged.name
        if target.exists():
            target = inbox / f"{staged.stem}-{secrets.token_hex(3)}{staged.suffix}"
        # atomic_write_bytes writes a dot-file beside the target and renames it, so the inbox
        # never shows a half-written file, even when the inbox is on another file system.
        atomic_write_bytes(target, staged.read_bytes())
        staged.unlink(missing_ok=True)
        return target.name


@dataclass
class Staged:
    """An upload waiting for 发布 or 取消."""

    path: Path
    chat_id: int
    paper: PaperSettings


class AdminHandlers:
    """Editor-only commands and uploads; an editor publishes to their own papers only."""

    def __init__(
        self,
        settings: BotSettings,
        chats: ChatPapers,
        store: IssueStore,
        subscribers: SubscriberStore,
        parse: ParseFn,
        publish: PublishFn,
        download_limit: int = CLOUD_DOWNLOAD_LIMIT,
        more_stats: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        self.settings = settings
        self.chats = chats
        self.papers = chats.papers
        self.store = store
        self.subscribers = subscribers
        self.parse = parse
        self.publish = publish
        self.download_limit = download_limit
        self.more_stats = more_stats
        self.staging_dir = settings.staging_dir
        self.staged: dict[str, Staged] = {}
        # Staged uploads live in memory: those left from before a restart can never be published.
        shutil.rmtree(self.staging_dir, ignore_errors=True)

    def edited(self, update: Update) -> tuple[PaperSettings, ...]:
        """Return the papers the sender (or the chat) edits; no admins admit nobody."""
        slugs = [p.slug for p in self.papers.all]
        user, chat = update.effective_user, update.effective_chat
        ids = [x.id for x in (user, chat) if x is not None]
        mine = {s for i in ids for s in self.settings.papers_edited_by(i, slugs)}
        return tuple(p for p in self.papers.all if p.slug in mine)

    def is_admin(self, update: Update) -> bool:
        """Return whether the sender edits any paper."""
        return bool(self.edited(update))

    async def desk(self, update: Update, context: Context, chat_id: int) -> PaperSettings | None:
        """Return the paper an editor's upload is for: their only paper, or the one their chat
        reads; else ask them to choose first (big buttons) and return None."""
        mine = self.edited(update)
        if len(mine) == 1:
            return mine[0]
        chosen = self.chats.chosen(chat_id)
        if chosen is not None and chosen in mine:
            return chosen
        await self.say(
            context, chat_id, texts.ADMIN_CHOOSE_PAPER, reply_markup=papers_keyboard(mine)
        )
        return None

    async def say(self, context: Context, chat_id: int, text: str, **kwargs: Any) -> None:
        """Send one HTML message."""
        await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, **kwargs)

    def refusal(self, chat_id: int) -> str:
        """Return the polite answer to a document from a reader (with the paper it reads)."""
        paper = self.chats.chosen(chat_id) or self.papers.first
        issue = self.store.latest_issue(paper=self.papers.issue_filter(paper))
        email = (issue.contact.email if issue else None) or paper.email
        hotline = (issue.contact.hotline if issue else None) or paper.hotline
        if email:
            how = texts.HOW_TO_CONTRIBUTE_EMAIL.format(email=render.esc(email))
        elif hotline:
            how = texts.HOW_TO_CONTRIBUTE_PHONE.format(hotline=render.esc(hotline))
        else:
            how = texts.HOW_TO_CONTRIBUTE_NONE
        return texts.NOT_ADMIN_DOC.format(how=how)

    async def document(self, update: Update, context: Context) -> None:
        """Stage an editor's document and reply with a preview and 发布 / 取消 buttons."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or message.document is None:
            return
        if not self.is_admin(update):
            await self.say(context, chat.id, self.refusal(chat.id))
            return
        doc = message.document
        name = safe_name(doc.file_name)
        if not name.endswith(all_suffixes()):
            await self.say(context, chat.id, texts.BAD_DOC_TYPE)
            return
        paper = await self.desk(update, context, chat.id)
        if paper is not None:
            await self.stage(context, chat.id, paper, doc.file_id, name, doc.file_size)

    async def photo(self, update: Update, context: Context) -> None:
        """Stage a photo of a page (sent as a Telegram photo, not a file) like a document."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.photo:
            return
        if not self.is_admin(update):
            await self.say(context, chat.id, self.refusal(chat.id))
            return
        paper = await self.desk(update, context, chat.id)
        if paper is None:
            return
        largest = max(message.photo, key=lambda size: size.width * size.height)
        name = f"photo-{largest.file_unique_id}.jpg"
        await self.stage(
            context,
            chat.id,
            paper,
            largest.file_id,
            safe_name(name),
            largest.file_size,
            note=texts.PHOTO_COMPRESSED,  # Telegram shrinks photos to about 1280 pixels
        )

    async def stage(
        self,
        context: Context,
        chat_id: int,
        paper: PaperSettings,
        file_id: str,
        name: str,
        size: int | None,
        note: str | None = None,
    ) -> None:
        """Download an editor's file into staging, parse it as an issue of paper and send the
        preview."""
        if size and size > self.download_limit:
            limit_mb = self.download_limit // MB
            await self.say(context, chat_id, texts.DOC_TOO_BIG.format(limit_mb=limit_mb))
            return
        token = secrets.token_hex(6)
        target = self.staging_dir / token / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tg_file = await context.bot.get_file(file_id)
        await tg_file.download_to_drive(target)
        try:
            parsed = await self.parse_showing_work(context, chat_id, target, paper)
        except PaperError as exc:
            shutil.rmtree(target.parent, ignore_errors=True)
            log.info("editor's file %s refused: %s", name, exc)
            reason = render.esc(refusal_reason(exc))
            await self.say(context, chat_id, texts.PARSE_FAILED.format(reason=reason))
            return
        self.staged[token] = Staged(target, chat_id, paper)
        await self.send_layout(context, chat_id, parsed, target)
        warnings = [warning_text(w) for w in parsed.warnings]
        if note is not None:
            warnings.append(note)
        preview = render.preview_text(parsed.issue, warnings)
        await self.say(context, chat_id, preview, reply_markup=publish_keyboard(token))

    async def parse_showing_work(
        self, context: Context, chat_id: int, path: Path, paper: PaperSettings
    ) -> Parsed:
        """Parse in a thread; while it runs (OCR of a scan takes a while), keep the chat's
        "typing…" status on, so the editor sees the bot is at work."""
        work = asyncio.ensure_future(asyncio.to_thread(self.parse, path, paper))
        while not work.done():
            with contextlib.suppress(TelegramError):  # a courtesy: the preview follows anyway
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.wait({work}, timeout=CHAT_ACTION_SECONDS)
        return work.result()

    async def send_layout(self, context: Context, chat_id: int, parsed: Parsed, path: Path) -> None:
        """Send the picture of what was read where on the first pages (PDFs, scans, photos)."""
        # Readers other than the paper part's (test fakes) may return no layout at all.
        layout = getattr(parsed, "layout", None)
        if not isinstance(layout, PagesSeen) or not layout.pages:
            return
        pages = layout.pages[:LAYOUT_PAGES]
        photo = len(layout.pages) == 1 and pages[0].source == "ocr"
        try:
            background = await asyncio.to_thread(path.read_bytes) if photo else None
            pictures = await asyncio.to_thread(
                render_png, pages, layout.regions, background=background
            )
        except (OSError, ValueError) as exc:  # the preview text still goes out
            log.warning("layout picture of %s not drawn: %s", path.name, exc)
            return
        numbers = (
            f"{pages[0].number}" if len(pages) == 1 else f"{pages[0].number}—{pages[-1].number}"
        )
        if len(layout.pages) > len(pages):
            caption = texts.LAYOUT_CAPTION_MORE.format(pages=numbers, total=len(layout.pages))
        else:
            caption = texts.LAYOUT_CAPTION.format(pages=numbers)
        try:
            if len(pictures) == 1:
                await context.bot.send_photo(chat_id, pictures[0], caption=caption)
            else:
                media = [
                    InputMediaPhoto(picture, caption=caption if n == 0 else None)
                    for n, picture in enumerate(pictures)
                ]
                await context.bot.send_media_group(chat_id, media)
        except TelegramError as exc:
            log.warning("layout picture of %s not sent: %s", path.name, exc)

    async def callback(self, update: Update, context: Context) -> None:
        """Act on 发布 or 取消."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        if not self.is_admin(update):
            await query.answer(texts.NOT_ADMIN_COMMAND)
            return
        try:
            press = parse_callback(query.data)
        except CallbackDataError:
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        staged = self.staged.get(press.arg)
        if staged is not None and staged.paper not in self.edited(update):
            await self.say(context, chat.id, texts.NOT_ADMIN_COMMAND)
            return
        staged = self.staged.pop(press.arg, None)
        if staged is None or not staged.path.exists():
            await self.say(context, chat.id, texts.UPLOAD_EXPIRED)
            return
        if press.action == "drop":
            shutil.rmtree(staged.path.parent, ignore_errors=True)
            await self.say(context, chat.id, texts.CANCELLED)
            return
        try:
            name = await self.publish(staged.path, staged.paper)
        except OSError as exc:
            log.warning("publishing %s failed: %s", staged.path.name, exc)
            self.staged[press.arg] = staged  # let the editor press 发布 again
            reason = render.esc(texts.PUBLISH_RETRY)
            await self.say(context, chat.id, texts.PUBLISH_FAILED.format(reason=reason))
            return
        shutil.rmtree(staged.path.parent, ignore_errors=True)
        await self.say(context, chat.id, texts.PUBLISHED.format(name=render.esc(name)))

    async def stats(self, update: Update, context: Context) -> None:
        """/stats: subscribers and deliveries (editors only)."""
        chat = update.effective_chat
        if chat is None:
            return
        if not self.is_admin(update):
            await self.say(context, chat.id, texts.NOT_ADMIN_COMMAND)
            return
        mine = self.edited(update)
        chosen = self.chats.chosen(chat.id)
        paper = chosen if chosen in mine else mine[0]  # the chat's paper, if the editor edits it
        slug = self.papers.issue_filter(paper)  # None with one paper: everything, as before
        subs = self.subscribers
        counts = subs.outbox_counts(paper=slug)
        lines = [texts.STATS_PAPER.format(paper=render.esc(paper.name))] if slug else []
        lines.append(
            texts.STATS.format(
                active=subs.count(paper=slug),
                total=subs.count(active_only=False, paper=slug),
                sent=counts["sent"],
                pending=counts["pending"],
                sending=counts["sending"],
                unknown=counts["unknown"],
                blocked=counts["blocked"],
                failed=counts["failed"],
            )
        )
        latest = self.store.latest_issue(paper=slug)
        if latest is not None:
            newest = subs.outbox_counts(latest.id)
            lines.append(
                texts.STATS_LATEST.format(
                    issue=render.esc(latest.title), sent=newest["sent"], pending=newest["pending"]
                )
            )
        lines += [render.esc(line) for line in self.more_stats()]
        await self.say(context, chat.id, "\n".join(lines))
