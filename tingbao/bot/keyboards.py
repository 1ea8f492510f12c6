"""Keyboards and callback data.

Callback data is `action:argument`, at most 64 bytes. Parsing checks the action against a fixed list
and the argument against the exact shape of an article id, issue id, page number or upload token;
the handlers then look the id up in the store, so callback data never names a file or reaches
outside the store. A search page button carries its query (`find:2:电梯 加装`, words of letters,
digits and Chinese only): it works after a restart and on any replica; a query too long to fit
gets no page buttons.

/start payloads (deep links t.me/<bot>?start=…) are `art-<article id>` and `slow-<article id>`.
A paper's button (several papers) carries its slug: `paper:<slug>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from tingbao.bot.errors import CallbackDataError
from tingbao.chat import texts
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings

Action = Literal[
    "art",
    "say",
    "slow",
    "next",
    "toc",
    "iss",
    "all",
    "page",
    "find",
    "pub",
    "drop",
    "unsub",
    "paper",
]
StartAction = Literal["art", "slow"]

ARTICLE_ID = r"a[0-9a-f]{11}"
ISSUE_ID = r"[a-z0-9][a-z0-9-]{0,40}-\d{4}-\d{2}-\d{2}"
PAGE = r"\d{1,4}"
TOKEN = r"[0-9a-f]{12}"
QUERY = r"[^\W_]+(?: [^\W_]+){0,7}"  # search.Query.text: words of letters, digits, Chinese
NONE = r"-"
SLUG = r"[a-z0-9][a-z0-9-]{0,40}"
SHAPES: dict[Action, re.Pattern[str]] = {
    "art": re.compile(ARTICLE_ID),
    "say": re.compile(ARTICLE_ID),
    "slow": re.compile(ARTICLE_ID),
    "next": re.compile(ARTICLE_ID),
    "toc": re.compile(ISSUE_ID),
    "iss": re.compile(ISSUE_ID),
    "all": re.compile(ISSUE_ID),
    "page": re.compile(PAGE),
    "find": re.compile(rf"{PAGE}:{QUERY}"),
    "pub": re.compile(TOKEN),
    "drop": re.compile(TOKEN),
    "unsub": re.compile(NONE),
    "paper": re.compile(SLUG),
}
MAX_CALLBACK_BYTES = 64
START_PAYLOAD = re.compile(rf"(?P<action>art|slow)-(?P<arg>{ARTICLE_ID})")


@dataclass(frozen=True)
class Callback:
    """A validated button press: what to do and to which id."""

    action: Action
    arg: str

    @property
    def fits(self) -> bool:
        """Return whether the argument has its action's shape and the data fits in 64 bytes."""
        data = f"{self.action}:{self.arg}"
        return bool(SHAPES[self.action].fullmatch(self.arg)) and (
            len(data.encode()) <= MAX_CALLBACK_BYTES
        )

    def encode(self) -> str:
        """Return the callback data string, checking its shape and size."""
        if not self.fits:
            raise CallbackDataError(f"cannot encode callback {self.action}:{self.arg!r}")
        return f"{self.action}:{self.arg}"


def parse_callback(data: str | None) -> Callback:
    """Return the callback named by data, or raise CallbackDataError when it is not one of ours."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        raise CallbackDataError("empty or oversized callback data")
    action, sep, arg = data.partition(":")
    for known, shape in SHAPES.items():
        if sep and action == known and shape.fullmatch(arg):
            return Callback(known, arg)
    raise CallbackDataError(f"unknown callback data {data!r}")


def parse_start(payload: str) -> tuple[StartAction, str] | None:
    """Return what a /start payload asks for (an article's card or slow reading), or None."""
    match = START_PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    action: StartAction = "slow" if match.group("action") == "slow" else "art"
    return action, match.group("arg")


def button(text: str, action: Action, arg: str) -> InlineKeyboardButton:
    """Return an inline button carrying validated callback data."""
    return InlineKeyboardButton(text, callback_data=Callback(action, arg).encode())


def main_keyboard(several_papers: bool = False) -> ReplyKeyboardMarkup:
    """Return the persistent keyboard of big buttons (and 换报纸 when there are several papers)."""
    rows = [[KeyboardButton(label) for label in row] for row in texts.MAIN_BUTTONS]
    if several_papers:
        rows.append([KeyboardButton(texts.BTN_CHANGE_PAPER)])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def papers_keyboard(papers: Sequence[PaperSettings]) -> InlineKeyboardMarkup:
    """Return one big button per paper, to choose which one to read."""
    return InlineKeyboardMarkup([[button(p.name, "paper", p.slug)] for p in papers])


def articles_keyboard(issue: Issue, listen: bool = True) -> InlineKeyboardMarkup:
    """Return one button per article of an issue, and one to hear the whole issue."""
    rows = [[button(f"{n}. {a.title}", "art", a.id)] for n, a in enumerate(issue.articles, 1)]
    if listen:
        rows.append([button(texts.BTN_LISTEN_ISSUE, "all", issue.id)])
    return InlineKeyboardMarkup(rows)


def article_keyboard(issue: Issue, article: Article) -> InlineKeyboardMarkup:
    """Return the buttons under an article: listen, listen slowly, next, contents."""
    rows = [
        [button(texts.BTN_LISTEN, "say", article.id), button(texts.BTN_SLOW, "slow", article.id)]
    ]
    nav = []
    if issue.articles and issue.articles[-1].id != article.id:
        nav.append(button(texts.BTN_NEXT, "next", article.id))
    nav.append(button(texts.BTN_TOC, "toc", issue.id))
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


def page_buttons(
    action: Action, page: int, pages: int, arg: str = ""
) -> list[InlineKeyboardButton]:
    """Return 上一页 / 下一页 for a paged list (argument `page` or `page:arg`); none at all when
    the last page's button could not be encoded, so every page turns the same way."""

    def turn_to(to: int) -> Callback:
        return Callback(action, f"{to}:{arg}" if arg else str(to))

    if not turn_to(pages - 1).fits:
        return []
    turns = [(texts.BTN_PREV_PAGE, page - 1), (texts.BTN_NEXT_PAGE, page + 1)]
    return [button(label, action, turn_to(to).arg) for label, to in turns if 0 <= to < pages]


def hits_keyboard(
    hits: Sequence[tuple[str, str]], query: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """Return one button per (article id, label) of a search page, and its page buttons."""
    rows = [[button(label, "art", aid)] for aid, label in hits]
    if nav := page_buttons("find", page, pages, query):
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def archive_keyboard(
    issues: Sequence[tuple[str, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """Return one button per (issue id, label) and the paging buttons."""
    rows = [[button(label, "iss", iid)] for iid, label in issues]
    if nav := page_buttons("page", page, pages):
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def player_button(url: str) -> InlineKeyboardButton:
    """Return the button that opens the web player inside Telegram (a Mini App; https only,
    private chats only)."""
    return InlineKeyboardButton(texts.BTN_WEB_PLAYER, web_app=WebAppInfo(url))


def player_keyboard(url: str | None) -> InlineKeyboardMarkup | None:
    """Return the single 在 Telegram 里收听 button, or None without a player URL."""
    return InlineKeyboardMarkup([[player_button(url)]]) if url else None


def card_keyboard(article: Article, player_url: str | None) -> InlineKeyboardMarkup:
    """Return the buttons under an article card in the bot's chat: listen, listen slowly, read,
    and the web player when there is one."""
    rows = [
        [button(texts.BTN_LISTEN, "say", article.id), button(texts.BTN_SLOW, "slow", article.id)],
        [button(texts.BTN_READ, "art", article.id)],
    ]
    if player_url:
        rows.append([player_button(player_url)])
    return InlineKeyboardMarkup(rows)


def page_link_keyboard(url: str) -> InlineKeyboardMarkup:
    """Return the button under a shared article card: its web page (works in any chat)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_WEB_PAGE, url=url)]])


def unsubscribe_keyboard() -> InlineKeyboardMarkup:
    """Return the single 退订 button."""
    return InlineKeyboardMarkup([[button(texts.BTN_UNSUBSCRIBE, "unsub", "-")]])


def publish_keyboard(token: str) -> InlineKeyboardMarkup:
    """Return the editor's 发布 / 取消 buttons for a staged upload."""
    return InlineKeyboardMarkup(
        [[button(texts.BTN_PUBLISH, "pub", token), button(texts.BTN_CANCEL, "drop", token)]]
    )
