"""Handlers for readers: the latest issue, articles, the archive, search, the hotline, reminders.

Handlers only act: every store and sender they use is handed in through `ReaderDeps`, and the
library decides which update reaches which handler (the table is in routes.py). Audio is in
listen.py; what both share is in chat.py.
"""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardMarkup, Update

from tingbao.bot.chat import (
    Context,
    ReaderDeps,
    button_arg,
    chat_of,
    chat_paper,
    find_article,
    player_url,
    pressed_message_id,
    say,
    show,
)
from tingbao.bot.keyboards import (
    archive_keyboard,
    article_keyboard,
    articles_keyboard,
    card_keyboard,
    hits_keyboard,
    main_keyboard,
    papers_keyboard,
    unsubscribe_keyboard,
)
from tingbao.chat import render, texts
from tingbao.chat.contact import newsroom_contact
from tingbao.chinese.search_terms import Query, parse_query
from tingbao.paper.model import Contact
from tingbao.paper.settings import PaperSettings
from tingbao.publish.paths import article_page

log = logging.getLogger(__name__)

ARCHIVE_PAGE_SIZE = 5
SEARCH_PAGE_SIZE = 8


def page_count(total: int, size: int) -> int:
    """Return how many pages of size hold total items."""
    return (total + size - 1) // size


class Reader:
    """Answer readers from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps

    def keyboard(self) -> ReplyKeyboardMarkup:
        """Return the big buttons (with 换报纸 when there are several papers)."""
        return main_keyboard(self.deps.papers.several)

    async def start(self, update: Update, context: Context) -> None:
        """Greet and show the big-button keyboard; with several papers and none chosen, ask."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is not None:
            welcome = texts.WELCOME.format(paper=render.esc(paper.name))
            await say(context, chat_id, welcome, self.keyboard())

    async def change_paper(self, update: Update, context: Context) -> None:
        """换报纸: ask which paper to read. With one paper there is nothing to change: /paper
        greets as /start does, and words that merely contain 换一份 … are read as a search."""
        if (chat_id := chat_of(update)) is None:
            return
        if not self.deps.papers.several:
            message = update.effective_message
            if message is not None and message.text and not message.text.startswith("/"):
                await self.search_text(update, context)
            else:
                await self.start(update, context)
            return
        await say(context, chat_id, texts.CHOOSE_PAPER, papers_keyboard(self.deps.papers.all))

    async def choose_paper(self, update: Update, context: Context) -> None:
        """Remember the paper a button names for this chat and greet with its keyboard."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = self.deps.chats.choose(chat_id, button_arg(context))
        if paper is None:
            await say(context, chat_id, texts.STALE_BUTTON, self.keyboard())
            return
        chosen = texts.PAPER_CHOSEN.format(paper=render.esc(paper.name))
        await say(context, chat_id, chosen, self.keyboard())

    async def help(self, update: Update, context: Context) -> None:
        """Explain the buttons."""
        if (chat_id := chat_of(update)) is not None:
            several = self.deps.papers.several
            text = f"{texts.HELP}\n{texts.HELP_CHANGE_PAPER}" if several else texts.HELP
            await say(context, chat_id, text, self.keyboard())

    # Issues and articles -------------------------------------------------------------------------

    async def latest(self, update: Update, context: Context) -> None:
        """Send the latest issue's title, date and article buttons."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is None:
            return
        issue = self.deps.store.latest_issue(paper=self.deps.papers.issue_filter(paper))
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

    async def send_card(self, context: Context, chat_id: int, article_id: str) -> None:
        """Send an article's card: title, date, lead, and the buttons to listen or read on."""
        found = await find_article(self.deps, context, chat_id, article_id)
        if found is None:
            return
        issue, article = found
        papers = self.deps.papers
        card = render.article_card(article, issue.published, papers.of(issue.paper).name)
        url = player_url(self.deps, chat_id, papers.page(issue.paper, article_page(article.id)))
        await say(context, chat_id, card, card_keyboard(article, url))

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
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is not None:
            await self._archive_page(context, chat_id, paper, 0, None)

    async def turn_page(self, update: Update, context: Context) -> None:
        """Turn the archive message a button sits under to the page it names."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is not None:
            page = int(button_arg(context))
            await self._archive_page(context, chat_id, paper, page, pressed_message_id(update))

    async def _archive_page(
        self,
        context: Context,
        chat_id: int,
        paper: PaperSettings,
        page: int,
        edit_message_id: int | None,
    ) -> None:
        """Send (or turn to) a page of a paper's past issues."""
        store = self.deps.store
        only = self.deps.papers.issue_filter(paper)
        total = store.count_issues(paper=only)
        if total == 0:
            await say(context, chat_id, texts.ARCHIVE_EMPTY)
            return
        pages = page_count(total, ARCHIVE_PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        rows = store.list_issues(
            limit=ARCHIVE_PAGE_SIZE, offset=page * ARCHIVE_PAGE_SIZE, paper=only
        )
        labels = [(s.id, render.issue_label(s.title, s.published)) for s in rows]
        text = texts.ARCHIVE_HEAD.format(page=page + 1, pages=pages)
        await show(context, chat_id, text, archive_keyboard(labels, page, pages), edit_message_id)

    async def search(self, update: Update, context: Context) -> None:
        """/search 关键词: send the first page of the articles matching every word."""
        if (chat_id := chat_of(update)) is not None:
            await self._search_or_explain(context, chat_id, " ".join(context.args or []))

    async def search_said(self, update: Update, context: Context) -> None:
        """搜 关键词 (or 搜索…): as /search."""
        message, chat_id = update.effective_message, chat_of(update)
        if message is None or message.text is None or chat_id is None:
            return
        words = texts.search_words(message.text) or ""
        await self._search_or_explain(context, chat_id, words)

    async def search_text(self, update: Update, context: Context) -> None:
        """Search a plain message that names nothing we know; say so when nothing matches."""
        message, chat_id = update.effective_message, chat_of(update)
        if message is None or message.text is None or chat_id is None:
            return
        query = parse_query(message.text)
        if query is None or not await self._search_page(context, chat_id, query, 0, None):
            await say(context, chat_id, texts.NOT_UNDERSTOOD, self.keyboard())

    async def turn_search_page(self, update: Update, context: Context) -> None:
        """Turn the search results a button sits under to the page it names."""
        if (chat_id := chat_of(update)) is None:
            return
        page, words = button_arg(context).split(":", 1)
        query = parse_query(words)
        found = query is not None and await self._search_page(
            context, chat_id, query, int(page), pressed_message_id(update)
        )
        if not found:
            await say(context, chat_id, texts.SEARCH_NONE.format(query=render.esc(words)))

    async def _search_or_explain(self, context: Context, chat_id: int, words: str) -> None:
        """Send the first page of results; say how to search, or that nothing matched."""
        query = parse_query(words)
        if query is None:
            await say(context, chat_id, texts.SEARCH_USAGE)
        elif not await self._search_page(context, chat_id, query, 0, None):
            await say(context, chat_id, texts.SEARCH_NONE.format(query=render.esc(query.text)))

    async def _search_page(
        self, context: Context, chat_id: int, query: Query, page: int, edit_message_id: int | None
    ) -> bool:
        """Send (or turn to) a page of the articles matching query; return whether any did."""
        size = SEARCH_PAGE_SIZE
        paper = self.deps.chats.chosen(chat_id)  # not chosen yet: every paper's articles
        chosen = self.deps.papers.issue_filter(paper) if paper is not None else None
        offset = max(page, 0) * size
        result = self.deps.store.search(query.text, limit=size, offset=offset, paper=chosen)
        if result.total == 0:
            return False
        pages = page_count(result.total, size)
        if not result.hits:  # a page past the end (the archive shrank): show the last one
            return await self._search_page(context, chat_id, query, pages - 1, edit_message_id)
        page = result.offset // size
        shown = render.esc(query.text)
        head = (
            texts.SEARCH_HITS_PAGED.format(
                count=result.total, query=shown, page=page + 1, pages=pages
            )
            if pages > 1
            else texts.SEARCH_HITS.format(count=result.total, query=shown)
        )
        labels = [
            (h.article.id, render.hit_label(h.article.title, h.published)) for h in result.hits
        ]
        markup = hits_keyboard(labels, query.text, page, pages)
        await show(context, chat_id, head, markup, edit_message_id)
        return True

    # Hotline and reminders -----------------------------------------------------------------------

    def contact(self, paper: PaperSettings) -> Contact:
        """Return a paper's newsroom contact (chat/contact.py)."""
        return newsroom_contact(self.deps.store, self.deps.papers, paper)

    async def hotline(self, update: Update, context: Context) -> None:
        """Send the hotline, e-mail and address, and the hotline as a tappable contact card."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is None:
            return
        contact = self.contact(paper)
        text = render.contact_text(paper.name, contact)
        if text is None:
            await say(context, chat_id, texts.NO_CONTACT)
            return
        await say(context, chat_id, text)
        phone = render.card_phone(contact.hotline)
        if phone:
            await context.bot.send_contact(
                chat_id,
                phone_number=phone,
                first_name=paper.name,
                last_name=texts.CONTACT_LAST_NAME,
            )

    async def subscribe(self, update: Update, context: Context) -> None:
        """Subscribe to the chosen paper's new-issue messages."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is None:
            return
        if self.deps.subscribers.subscribe(chat_id, paper.slug):
            await say(context, chat_id, texts.SUBSCRIBED)
        else:
            await say(context, chat_id, texts.ALREADY_SUBSCRIBED, unsubscribe_keyboard())

    async def unsubscribe(self, update: Update, context: Context) -> None:
        """Stop the chosen paper's new-issue messages."""
        if (chat_id := chat_of(update)) is None:
            return
        paper = await chat_paper(self.deps, context, chat_id)
        if paper is None:
            return
        done = self.deps.subscribers.unsubscribe(chat_id, paper=paper.slug)
        await say(context, chat_id, texts.UNSUBSCRIBED if done else texts.NOT_SUBSCRIBED)

    async def stale_button(self, update: Update, context: Context) -> None:
        """Answer a button press no pattern matched (old, foreign or forged data): 'expired'."""
        if update.callback_query is not None:
            log.info("refused callback data from chat %s", chat_of(update))
            await update.callback_query.answer(texts.STALE_BUTTON)
