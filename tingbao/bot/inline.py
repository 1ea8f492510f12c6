"""Inline mode: `@bot 电梯` in any chat lists matching articles; choosing one shares it there.

A result is the article's card (title, paper and date, the start of its lead) with a button to
its web page; once its audio has been sent through Telegram (its file_id is known) the result is
that audio with the card as caption, so choosing it shares the reading itself. An empty query
lists the latest issue. Results are the same for everyone (not personal) and cached briefly, so
a new issue shows within a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from telegram import (
    InlineQueryResult,
    InlineQueryResultArticle,
    InlineQueryResultCachedAudio,
    InlineQueryResultCachedVoice,
    InputTextMessageContent,
    Update,
)
from telegram.constants import InlineQueryLimit, ParseMode

from tingbao.bot.chat import Context, ReaderDeps
from tingbao.bot.keyboards import page_link_keyboard
from tingbao.chat import render
from tingbao.chinese.dates import chinese_date
from tingbao.paper.settings import PaperSettings
from tingbao.publish.paths import article_page
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_VOICE
from tingbao.store.issues import ArticleHit, SearchPage

PAGE_SIZE = InlineQueryLimit.RESULTS  # 50, Telegram's most per answer
CACHE_TIME = timedelta(seconds=30)
MAX_OFFSET = 10_000  # further than anyone scrolls; a larger offset is not ours


def parse_offset(offset: str) -> int:
    """Return the position an inline query's offset names (ours are decimal), 0 when none."""
    return int(offset) if offset.isdigit() and int(offset) <= MAX_OFFSET else 0


class InlineSearch:
    """Answer inline queries from the store; one instance per application."""

    def __init__(self, deps: ReaderDeps) -> None:
        self.deps = deps

    async def answer(self, update: Update, context: Context) -> None:
        """Answer `@bot words` with a page of matching articles (the latest issue when empty)."""
        inline = update.inline_query
        if inline is None:
            return
        offset = parse_offset(inline.offset)
        found = self.find(inline.query, offset, self.deps.chats.chosen(inline.from_user.id))
        next_offset = str(offset + len(found.hits)) if found.has_more else ""
        await inline.answer(
            [self.result(hit) for hit in found.hits],
            cache_time=CACHE_TIME,
            is_personal=False,
            next_offset=next_offset,
        )

    def find(self, words: str, offset: int, paper: PaperSettings | None) -> SearchPage:
        """Return a page of the articles matching words, or of the latest issue when empty (of
        the paper the user reads, if chosen)."""
        chosen = self.deps.papers.issue_filter(paper) if paper is not None else None
        if words.strip():
            return self.deps.store.search(words, limit=PAGE_SIZE, offset=offset, paper=chosen)
        issue = self.deps.store.latest_issue(paper=chosen)
        articles: Sequence[ArticleHit] = (
            [ArticleHit(issue.id, issue.title, a, issue.published) for a in issue.articles]
            if issue is not None
            else []
        )
        return SearchPage(tuple(articles[offset : offset + PAGE_SIZE]), len(articles), offset)

    def result(self, hit: ArticleHit) -> InlineQueryResult:
        """Return the article's audio with its card as caption when Telegram has the audio,
        else the card."""
        article = hit.article
        paper = self.deps.papers.of_issue_id(hit.issue_id)
        card = render.article_card(article, hit.published, paper.name)
        page = self.deps.papers.page(paper.slug, article_page(article.id))
        markup = page_link_keyboard(self.deps.public_url(page))
        cache = self.deps.audio.cache
        mp3 = self.deps.assets.get(article.id, ARTICLE_MP3)
        if mp3 is not None and (file_id := cache.get(mp3, "audio")) is not None:
            return InlineQueryResultCachedAudio(
                article.id, file_id, caption=card, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        voice = self.deps.assets.get(article.id, ARTICLE_VOICE)
        if voice is not None and (file_id := cache.get(voice, "voice")) is not None:
            return InlineQueryResultCachedVoice(
                article.id,
                file_id,
                article.title,
                caption=card,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return InlineQueryResultArticle(
            article.id,
            article.title,
            InputTextMessageContent(card, parse_mode=ParseMode.HTML),
            reply_markup=markup,
            description=f"{chinese_date(hit.published)} {render.first_line(article)}",
        )
