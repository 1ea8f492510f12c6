"""Keyboards and callback data.

Callback data is `action:argument`, at most 64 bytes. Parsing checks the action against a fixed list
and the argument against the exact shape of an article id, issue id, page number or upload token;
the handlers then look the id up in the store, so callback data never names a file or reaches
outside the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from tingbao.bot import texts
from tingbao.bot.errors import CallbackDataError
from tingbao.paper.model import Article, Issue

Action = Literal["art", "say", "slow", "next", "toc", "iss", "all", "page", "pub", "drop", "unsub"]

ARTICLE_ID = r"a[0-9a-f]{11}"
ISSUE_ID = r"[a-z0-9][a-z0-9-]{0,40}-\d{4}-\d{2}-\d{2}"
PAGE = r"\d{1,4}"
TOKEN = r"[0-9a-f]{12}"
NONE = r"-"
SHAPES: dict[Action, re.Pattern[str]] = {
    "art": re.compile(ARTICLE_ID),
    "say": re.compile(ARTICLE_ID),
    "slow": re.compile(ARTICLE_ID),
    "next": re.compile(ARTICLE_ID),
    "toc": re.compile(ISSUE_ID),
    "iss": re.compile(ISSUE_ID),
    "all": re.compile(ISSUE_ID),
    "page": re.compile(PAGE),
    "pub": re.compile(TOKEN),
    "drop": re.compile(TOKEN),
    "unsub": re.compile(NONE),
}
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Callback:
    """A validated button press: what to do and to which id."""

    action: Action
    arg: str

    def encode(self) -> str:
        """Return the callback data string, checking its shape and size."""
        data = f"{self.action}:{self.arg}"
        if not SHAPES[self.action].fullmatch(self.arg) or len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackDataError(f"cannot encode callback {data!r}")
        return data


def parse_callback(data: str | None) -> Callback:
    """Return the callback named by data, or raise CallbackDataError when it is not one of ours."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        raise CallbackDataError("empty or oversized callback data")
    action, sep, arg = data.partition(":")
    for known, shape in SHAPES.items():
        if sep and action == known and shape.fullmatch(arg):
            return Callback(known, arg)
    raise CallbackDataError(f"unknown callback data {data!r}")


def button(text: str, action: Action, arg: str) -> InlineKeyboardButton:
    """Return an inline button carrying validated callback data."""
    return InlineKeyboardButton(text, callback_data=Callback(action, arg).encode())


def main_keyboard() -> ReplyKeyboardMarkup:
    """Return the persistent keyboard of big buttons."""
    rows = [[KeyboardButton(label) for label in row] for row in texts.MAIN_BUTTONS]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


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


def hits_keyboard(article_ids: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Return one button per (article id, label)."""
    return InlineKeyboardMarkup([[button(label, "art", aid)] for aid, label in article_ids])


def archive_keyboard(
    issues: Sequence[tuple[str, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """Return one button per (issue id, label) and the paging buttons."""
    rows = [[button(label, "iss", iid)] for iid, label in issues]
    nav = []
    if page > 0:
        nav.append(button(texts.BTN_PREV_PAGE, "page", str(page - 1)))
    if page + 1 < pages:
        nav.append(button(texts.BTN_NEXT_PAGE, "page", str(page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def unsubscribe_keyboard() -> InlineKeyboardMarkup:
    """Return the single 退订 button."""
    return InlineKeyboardMarkup([[button(texts.BTN_UNSUBSCRIBE, "unsub", "-")]])


def publish_keyboard(token: str) -> InlineKeyboardMarkup:
    """Return the editor's 发布 / 取消 buttons for a staged upload."""
    return InlineKeyboardMarkup(
        [[button(texts.BTN_PUBLISH, "pub", token), button(texts.BTN_CANCEL, "drop", token)]]
    )
