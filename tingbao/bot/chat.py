"""What every reader and listener handler shares: its dependencies, its chat, its button, say().

Every handler takes (update, context), so the library can route commands, words and buttons to it
(routes.py); a button's argument is the `arg` group of the pattern that matched it.

The web player opens inside Telegram as a Mini App only from an https page (Telegram's rule) and
only in a private chat with the bot (web_app buttons are refused elsewhere): `player_url` says
whether there is one to offer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from tingbao.bot.errors import CallbackDataError
from tingbao.bot.files import AudioSender, VoiceNoteSource
from tingbao.bot.keyboards import papers_keyboard
from tingbao.chat import texts
from tingbao.chat.papers import ChatPapers, Papers
from tingbao.chat.subscribers import SubscriberStore
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import Publisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore

Context = ContextTypes.DEFAULT_TYPE
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class ReaderDeps:
    """Everything the reader and listener handlers use."""

    papers: Papers
    chats: ChatPapers  # the paper each chat reads
    public_url: Callable[[str], str]  # the URL of a path under public/
    store: IssueStore
    assets: AssetStore
    publisher: Publisher
    subscribers: SubscriberStore
    audio: AudioSender
    voice_notes: VoiceNoteSource


def chat_of(update: Update) -> int | None:
    """Return the id of the chat an update came from."""
    return update.effective_chat.id if update.effective_chat is not None else None


def button_arg(context: Context, group: str = "arg") -> str:
    """Return a group (`arg` or `action`) of the button pattern that routed this press here."""
    if context.match is None:
        raise CallbackDataError("a button handler was reached without button data")
    return context.match.group(group)


def is_private(chat_id: int) -> bool:
    """Return whether a chat is a person's private chat with the bot (groups have ids below 0)."""
    return chat_id > 0


async def chat_paper(deps: ReaderDeps, context: Context, chat_id: int) -> PaperSettings | None:
    """Return the paper a chat reads; with several papers and none chosen yet, ask which one
    (big buttons) and return None."""
    paper = deps.chats.chosen(chat_id)
    if paper is None:
        await say(context, chat_id, texts.CHOOSE_PAPER, papers_keyboard(deps.papers.all))
    return paper


def player_url(deps: ReaderDeps, chat_id: int, path: str) -> str | None:
    """Return the URL of a page (its path under public/) with a player to open as a Mini App in
    this chat, or None."""
    url = deps.public_url(path)
    return url if url.startswith("https://") and is_private(chat_id) else None


def pressed_message_id(update: Update) -> int | None:
    """Return the id of the message whose button was pressed, or None."""
    query = update.callback_query
    return query.message.message_id if query and query.message else None


async def say(context: Context, chat_id: int, text: str, markup: Markup | None = None) -> None:
    """Send one HTML message."""
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def show(
    context: Context,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup,
    edit_message_id: int | None,
) -> None:
    """Turn a paged message to new text and buttons in place, or send it when it cannot be."""
    if edit_message_id is not None:
        try:
            await context.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=edit_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
            return
        except BadRequest:
            pass  # too old to edit, or unchanged: send a fresh page instead
    await say(context, chat_id, text, markup)


async def find_article(
    deps: ReaderDeps, context: Context, chat_id: int, article_id: str
) -> tuple[Issue, Article] | None:
    """Return the article with this id and its issue, or tell the chat it is gone."""
    found = deps.store.find_article(article_id)
    if found is None:
        await say(context, chat_id, texts.NO_ARTICLE)
    return found
