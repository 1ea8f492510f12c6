"""Handlers for readers: the latest issue, articles, the archive, search, the hotline, reminders.

Handlers only act: every store and sender they use is handed in through `ReaderDeps`, and the
library decides which update reaches which handler (the table is in routes.py). Audio is in
listen.py; what both share is in chat.py.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from tingbao.bot import render, texts
from tingbao.bot.chat import Context, ReaderDeps, button_arg, chat_of, find_article, say
from tingbao.bot.keyboards import (
    archive_keyboard,
    article_keyboard,
    articles_keyboard,
    hits_keyboard,
    main_keyboard,
    unsubscribe_keyboard,
)
from tingbao.paper.model import Contact

log = logging.getLogger(__name__)

ARCHIVE_PAGE_SIZE = 5
SEARCH_LIMIT = 10
SEARCH_MAX_WORDS = 5


class Reader:
    """Answer readers from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps
        self.paper_name = deps.paper.name

    async def start(self, update: Update, context: Context) -> None:
        """Greet and show the big-button keyboard."""
        if (chat_id := chat_of(update)) is not None:
            welcome = texts.WELCOME.format(paper=render.esc(self.paper_name))
            await say(context, chat_id, welcome, main_keyboard())

    async def help(self, update: Update, context: Context) -> None:
        """Explain the buttons."""
        if (chat_id := chat_of(update)) is not None:
            await say(context, chat_id, texts.HELP, main_keyboard())

    # Issues and articles -------------------------------------------------------------------------

    async def latest(self, update: Update, context: Context) -> None:
        """Send the latest issue's title, date and article buttons."""
        if (chat_id := chat_of(update)) is None:
            return
        issue = self.deps.store.latest_issue()
        if issue is None:
            await say(context, chat_id, texts.NO_ISSUE)
            return
        await say(context, chat_id, render.issue_head(issue), articles_keyboard(issue))

    async def contents(self, update: Update, context: Context) -> None:
        """Send the contents of the issue a button names (目录, or an issue in the archive)."""
        if (chat_id := chat_of(update)) is None:
            return
        issue = self.deps.store.find_issue(button_arg(context))
        if issue is None:
            await say(context, chat_id, texts.STALE_BUTTON)
            return
        await say(context, chat_id, render.issue_head(issue), articles_keyboard(issue))

    async def article(self, update: Update, context: Context) -> None:
        """Send the article a button names."""
        if (chat_id := chat_of(update)) is not None:
            await self._send_article(context, chat_id, button_arg(context))

    async def next_article(self, update: Update, context: Context) -> None:
        """Send the article after the one a button names."""
        if (chat_id := chat_of(update)) is None:
            return
        found = await find_article(self.deps, context, chat_id, button_arg(context))
        if found is None:
            return
        issue, article = found
        ids = [a.id for a in issue.articles]
        position = ids.index(article.id)
        if position + 1 >= len(ids):
            await say(context, chat_id, texts.LAST_ARTICLE)
            return
        await self._send_article(context, chat_id, ids[position + 1])

    async def _send_article(self, context: Context, chat_id: int, article_id: str) -> None:
        """Send an article as text, split under the limit, with its buttons on the last part."""
        found = await find_article(self.deps, context, chat_id, article_id)
        if found is None:
            return
        issue, article = found
        parts = render.article_messages(article)
        for n, part in enumerate(parts, 1):
            markup = article_keyboard(issue, article) if n == len(parts) else None
            await say(context, chat_id, part, markup)

    # Archive and search --------------------------------------------------------------------------

    async def archive(self, update: Update, context: Context) -> None:
        """Send the first page of past issues."""
        if (chat_id := chat_of(update)) is not None:
            await self._archive_page(context, chat_id, 0, None)

    async def turn_page(self, update: Update, context: Context) -> None:
        """Turn the archive message a button sits under to the page it names."""
        if (chat_id := chat_of(update)) is None:
            return
        query = update.callback_query
        message_id = query.message.message_id if query and query.message else None
        await self._archive_page(context, chat_id, int(button_arg(context)), message_id)

    async def _archive_page(
        self, context: Context, chat_id: int, page: int, edit_message_id: int | None
    ) -> None:
        """Send (or turn to) a page of past issues."""
        store = self.deps.store
        total = store.count_issues()
        if total == 0:
            await say(context, chat_id, texts.ARCHIVE_EMPTY)
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
        await say(context, chat_id, text, markup)

    async def search(self, update: Update, context: Context) -> None:
        """/search 关键词: send the articles matching every word."""
        if (chat_id := chat_of(update)) is None:
            return
        words = [w for w in (context.args or []) if w.strip()][:SEARCH_MAX_WORDS]
        if not words:
            await say(context, chat_id, texts.SEARCH_USAGE)
        elif not await self._search(context, chat_id, words):
            query = render.esc(" ".join(words))
            await say(context, chat_id, texts.SEARCH_NONE.format(query=query))

    async def search_text(self, update: Update, context: Context) -> None:
        """Search a plain message that names nothing we know; say so when nothing matches."""
        message, chat_id = update.effective_message, chat_of(update)
        if message is None or message.text is None or chat_id is None:
            return
        if not await self._search(context, chat_id, message.text.split()):
            await say(context, chat_id, texts.NOT_UNDERSTOOD, main_keyboard())

    async def _search(self, context: Context, chat_id: int, words: list[str]) -> bool:
        """Send the articles matching every word; return whether any matched."""
        hits = self.deps.store.search_articles(words, limit=SEARCH_LIMIT)
        if not hits:
            return False
        labels = [(h.article.id, h.article.title) for h in hits]
        head = texts.SEARCH_HITS.format(count=len(hits))
        await say(context, chat_id, head, hits_keyboard(labels))
        return True

    # Hotline and reminders -----------------------------------------------------------------------

    def contact(self) -> Contact:
        """Return the newsroom contact: the latest issue's box, settings filling the gaps."""
        issue = self.deps.store.latest_issue()
        found = issue.contact if issue is not None else Contact()
        paper = self.deps.paper
        return Contact(
            hotline=found.hotline or paper.hotline,
            email=found.email or paper.email,
            address=found.address,
            editors=found.editors,
        )

    async def hotline(self, update: Update, context: Context) -> None:
        """Send the hotline, e-mail and address, and the hotline as a tappable contact card."""
        if (chat_id := chat_of(update)) is None:
            return
        contact = self.contact()
        text = render.contact_text(self.paper_name, contact)
        if text is None:
            await say(context, chat_id, texts.NO_CONTACT)
            return
        await say(context, chat_id, text)
        phone = render.card_phone(contact.hotline)
        if phone:
            await context.bot.send_contact(
                chat_id,
                phone_number=phone,
                first_name=self.paper_name,
                last_name=texts.CONTACT_LAST_NAME,
            )

    async def subscribe(self, update: Update, context: Context) -> None:
        """Subscribe to new-issue messages."""
        if (chat_id := chat_of(update)) is None:
            return
        if self.deps.subscribers.subscribe(chat_id):
            await say(context, chat_id, texts.SUBSCRIBED)
        else:
            await say(context, chat_id, texts.ALREADY_SUBSCRIBED, unsubscribe_keyboard())

    async def unsubscribe(self, update: Update, context: Context) -> None:
        """Stop new-issue messages."""
        if (chat_id := chat_of(update)) is None:
            return
        done = self.deps.subscribers.unsubscribe(chat_id)
        await say(context, chat_id, texts.UNSUBSCRIBED if done else texts.NOT_SUBSCRIBED)

    async def stale_button(self, update: Update, context: Context) -> None:
        """Answer a button press no pattern matched (old, foreign or forged data): 'expired'."""
        if update.callback_query is not None:
            log.info("refused callback data from chat %s", chat_of(update))
            await update.callback_query.answer(texts.STALE_BUTTON)
