"""Handlers for readers and listeners: issues, articles, audio, archive, search, hotline, reminders.

Handlers only act: every store and sender they use is handed in through `ReaderDeps`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from tingbao.bot import render, texts
from tingbao.bot.errors import CallbackDataError
from tingbao.bot.files import AudioMeta, AudioSender, Method
from tingbao.bot.keyboards import (
    archive_keyboard,
    article_keyboard,
    articles_keyboard,
    hits_keyboard,
    main_keyboard,
    parse_callback,
    unsubscribe_keyboard,
)
from tingbao.bot.subscribers import SubscriberStore
from tingbao.paper.assets import (
    ARTICLE_MP3,
    ARTICLE_MP3_SLOW,
    ARTICLE_VOICE,
    ISSUE_CHAPTERS,
    ISSUE_MP3,
    Asset,
    AssetStore,
)
from tingbao.paper.model import Contact, Issue
from tingbao.paper.publish import Publisher
from tingbao.paper.settings import Settings
from tingbao.paper.store import IssueStore

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
ARCHIVE_PAGE_SIZE = 5
SEARCH_LIMIT = 10


@dataclass(frozen=True)
class ReaderDeps:
    """Everything the reader handlers use."""

    settings: Settings
    store: IssueStore
    assets: AssetStore
    publisher: Publisher
    subscribers: SubscriberStore
    audio: AudioSender


class ReaderHandlers:
    """Answer readers from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps
        self.paper_name = deps.settings.paper.name

    async def say(
        self,
        context: Context,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    ) -> None:
        """Send one HTML message."""
        await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )

    # Commands and plain words ----------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """Greet and show the big-button keyboard."""
        if update.effective_chat is None:
            return
        welcome = texts.WELCOME.format(paper=render.esc(self.paper_name))
        await self.say(context, update.effective_chat.id, welcome, main_keyboard())

    async def help(self, update: Update, context: Context) -> None:
        """Explain the buttons."""
        if update.effective_chat is not None:
            await self.say(context, update.effective_chat.id, texts.HELP, main_keyboard())

    async def text(self, update: Update, context: Context) -> None:
        """Route a plain message: a button label or keyword, else a search."""
        message = update.effective_message
        if message is None or message.text is None or update.effective_chat is None:
            return
        chat_id = update.effective_chat.id
        intent = texts.intent_of(message.text)
        if intent == "latest":
            await self.latest(chat_id, context)
        elif intent == "listen":
            await self.listen_latest(chat_id, context)
        elif intent == "archive":
            await self.archive(chat_id, context, 0)
        elif intent == "hotline":
            await self.hotline(chat_id, context)
        elif intent == "subscribe":
            await self.subscribe(chat_id, context)
        elif intent == "unsubscribe":
            await self.unsubscribe(chat_id, context)
        elif intent == "help":
            await self.help(update, context)
        elif not await self.search(chat_id, context, message.text.split(), quiet=True):
            await self.say(context, chat_id, texts.NOT_UNDERSTOOD, main_keyboard())

    async def cmd_latest(self, update: Update, context: Context) -> None:
        """/latest."""
        if update.effective_chat is not None:
            await self.latest(update.effective_chat.id, context)

    async def cmd_hotline(self, update: Update, context: Context) -> None:
        """/hotline."""
        if update.effective_chat is not None:
            await self.hotline(update.effective_chat.id, context)

    async def cmd_archive(self, update: Update, context: Context) -> None:
        """/archive."""
        if update.effective_chat is not None:
            await self.archive(update.effective_chat.id, context, 0)

    async def cmd_listen(self, update: Update, context: Context) -> None:
        """/listen."""
        if update.effective_chat is not None:
            await self.listen_latest(update.effective_chat.id, context)

    async def cmd_subscribe(self, update: Update, context: Context) -> None:
        """/subscribe."""
        if update.effective_chat is not None:
            await self.subscribe(update.effective_chat.id, context)

    async def cmd_unsubscribe(self, update: Update, context: Context) -> None:
        """/unsubscribe."""
        if update.effective_chat is not None:
            await self.unsubscribe(update.effective_chat.id, context)

    async def cmd_search(self, update: Update, context: Context) -> None:
        """/search 关键词."""
        if update.effective_chat is None:
            return
        words = [w for w in (context.args or []) if w.strip()][:5]
        if not words:
            await self.say(context, update.effective_chat.id, texts.SEARCH_USAGE)
            return
        await self.search(update.effective_chat.id, context, words)

    # Actions -------------------------------------------------------------------------------------

    async def latest(self, chat_id: int, context: Context) -> None:
        """Send the latest issue's title, date and article buttons."""
        issue = self.deps.store.latest_issue()
        if issue is None:
            await self.say(context, chat_id, texts.NO_ISSUE)
            return
        await self.show_issue(chat_id, context, issue)

    async def show_issue(self, chat_id: int, context: Context, issue: Issue) -> None:
        """Send an issue's table of contents."""
        await self.say(context, chat_id, render.issue_head(issue), articles_keyboard(issue))

    async def show_article(self, chat_id: int, context: Context, article_id: str) -> None:
        """Send an article as text, split under the limit, with its buttons on the last part."""
        found = self.deps.store.find_article(article_id)
        if found is None:
            await self.say(context, chat_id, texts.NO_ARTICLE)
            return
        issue, article = found
        parts = render.article_messages(article)
        for n, part in enumerate(parts, 1):
            markup = article_keyboard(issue, article) if n == len(parts) else None
            await self.say(context, chat_id, part, markup)

    async def next_article(self, chat_id: int, context: Context, article_id: str) -> None:
        """Send the article after article_id."""
        found = self.deps.store.find_article(article_id)
        if found is None:
            await self.say(context, chat_id, texts.NO_ARTICLE)
            return
        issue, article = found
        ids = [a.id for a in issue.articles]
        position = ids.index(article.id)
        if position + 1 >= len(ids):
            await self.say(context, chat_id, texts.LAST_ARTICLE)
            return
        await self.show_article(chat_id, context, ids[position + 1])

    async def listen_article(
        self, chat_id: int, context: Context, article_id: str, slow: bool
    ) -> None:
        """Send an article's audio: the voice note (or MP3), or the slow MP3."""
        found = self.deps.store.find_article(article_id)
        if found is None:
            await self.say(context, chat_id, texts.NO_ARTICLE)
            return
        _issue, article = found
        assets = self.deps.assets
        choices: list[tuple[str, Method]] = (
            [(ARTICLE_MP3_SLOW, "audio")]
            if slow
            else [(ARTICLE_VOICE, "voice"), (ARTICLE_MP3, "audio")]
        )
        for role, method in choices:
            asset = assets.get(article.id, role)
            if asset is not None:
                meta = AudioMeta(
                    caption=article.title, title=article.title, performer=self.paper_name
                )
                await self.send_audio(chat_id, context, asset, method, meta)
                return
        await self.say(context, chat_id, texts.AUDIO_PENDING)

    async def send_audio(
        self, chat_id: int, context: Context, asset: Asset, method: Method, meta: AudioMeta
    ) -> None:
        """Send an audio asset, or a link when it is over the upload limit."""
        if self.deps.audio.too_big(asset):
            url = render.esc(self.deps.settings.url(asset.path))
            await self.say(context, chat_id, texts.AUDIO_TOO_BIG.format(url=url))
            return
        await self.deps.audio.send(context.bot, chat_id, asset, method, meta)

    async def listen_latest(self, chat_id: int, context: Context) -> None:
        """Send the latest whole-issue episode."""
        issue = self.deps.store.latest_issue()
        if issue is None:
            await self.say(context, chat_id, texts.NO_ISSUE)
            return
        await self.listen_issue(chat_id, context, issue)

    async def listen_issue(self, chat_id: int, context: Context, issue: Issue) -> None:
        """Send the whole-issue episode and its chapter list."""
        asset = self.deps.assets.get(issue.id, ISSUE_MP3)
        if asset is None:
            await self.say(context, chat_id, texts.ISSUE_AUDIO_PENDING)
            return
        meta = AudioMeta(caption=issue.title, title=issue.title, performer=self.paper_name)
        await self.send_audio(chat_id, context, asset, "audio", meta)
        chapters = self.deps.assets.get(issue.id, ISSUE_CHAPTERS)
        data = None
        if chapters is not None and self.deps.publisher.exists(chapters.path):
            data = self.deps.publisher.read_bytes(chapters.path)
        await self.say(context, chat_id, render.chapters_text(issue, data))

    async def archive(
        self, chat_id: int, context: Context, page: int, edit_message_id: int | None = None
    ) -> None:
        """Send (or turn to) a page of past issues."""
        store = self.deps.store
        total = store.count_issues()
        if total == 0:
            await self.say(context, chat_id, texts.ARCHIVE_EMPTY)
            return
        pages = (total + ARCHIVE_PAGE_SIZE - 1) // ARCHIVE_PAGE_SIZE
        page = min(max(page, 0), pages - 1)
        rows = store.list_issues(limit=ARCHIVE_PAGE_SIZE, offset=page * ARCHIVE_PAGE_SIZE)
        labels = [(s.id, f"{render.cn_date(s.published)} {s.title}") for s in rows]
        text = texts.ARCHIVE_HEAD.format(page=page + 1, pages=pages)
        markup = archive_keyboard(labels, page, pages)
        if edit_message_id is not None:
            try:
                await context.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=edit_message_id, reply_markup=markup
                )
                return
            except BadRequest:
                pass  # too old to edit, or unchanged: send a fresh page instead
        await self.say(context, chat_id, text, markup)

    async def search(
        self, chat_id: int, context: Context, words: list[str], quiet: bool = False
    ) -> bool:
        """Send the articles matching every word; return whether any matched."""
        hits = self.deps.store.search_articles(words, limit=SEARCH_LIMIT)
        if not hits:
            if not quiet:
                query = render.esc(" ".join(words))
                await self.say(context, chat_id, texts.SEARCH_NONE.format(query=query))
            return False
        labels = [(h.article.id, h.article.title) for h in hits]
        await self.say(
            context, chat_id, texts.SEARCH_HITS.format(count=len(hits)), hits_keyboard(labels)
        )
        return True

    def contact(self) -> Contact:
        """Return the newsroom contact: the latest issue's box, settings filling the gaps."""
        issue = self.deps.store.latest_issue()
        found = issue.contact if issue is not None else Contact()
        paper = self.deps.settings.paper
        return Contact(
            hotline=found.hotline or paper.hotline,
            email=found.email or paper.email,
            address=found.address,
            editors=found.editors,
        )

    async def hotline(self, chat_id: int, context: Context) -> None:
        """Send the hotline, e-mail and address, and the hotline as a tappable contact card."""
        contact = self.contact()
        text = render.contact_text(self.paper_name, contact)
        if text is None:
            await self.say(context, chat_id, texts.NO_CONTACT)
            return
        await self.say(context, chat_id, text)
        phone = render.first_phone(contact.hotline)
        if phone:
            await context.bot.send_contact(
                chat_id,
                phone_number=phone,
                first_name=self.paper_name,
                last_name=texts.CONTACT_LAST_NAME,
            )

    async def subscribe(self, chat_id: int, context: Context) -> None:
        """Subscribe to new-issue messages."""
        if self.deps.subscribers.subscribe(chat_id):
            await self.say(context, chat_id, texts.SUBSCRIBED)
        else:
            await self.say(context, chat_id, texts.ALREADY_SUBSCRIBED, unsubscribe_keyboard())

    async def unsubscribe(self, chat_id: int, context: Context) -> None:
        """Stop new-issue messages."""
        done = self.deps.subscribers.unsubscribe(chat_id)
        await self.say(context, chat_id, texts.UNSUBSCRIBED if done else texts.NOT_SUBSCRIBED)

    # Buttons -------------------------------------------------------------------------------------

    async def callback(self, update: Update, context: Context) -> None:
        """Act on an inline button; data that is not ours gets a polite 'button expired'."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        chat_id = update.effective_chat.id
        try:
            press = parse_callback(query.data)
        except CallbackDataError:
            log.info("refused callback data from chat %s", chat_id)
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        action, arg = press.action, press.arg
        if action == "art":
            await self.show_article(chat_id, context, arg)
        elif action == "next":
            await self.next_article(chat_id, context, arg)
        elif action in ("say", "slow"):
            await self.listen_article(chat_id, context, arg, slow=action == "slow")
        elif action in ("toc", "iss", "all"):
            issue = self.deps.store.find_issue(arg)
            if issue is None:
                await self.say(context, chat_id, texts.STALE_BUTTON)
            elif action == "all":
                await self.listen_issue(chat_id, context, issue)
            else:
                await self.show_issue(chat_id, context, issue)
        elif action == "page":
            message_id = query.message.message_id if query.message is not None else None
            await self.archive(chat_id, context, int(arg), message_id)
        elif action == "unsub":
            await self.unsubscribe(chat_id, context)
