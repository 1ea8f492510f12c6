"""Editors fix how a word is read (TINGBAO_ADMINS only): `/读音 词 读法` adds or changes an entry,
`/读音` lists them, `/读音删 词` removes one; `/duyin` and `/duyin_del` are the same in Latin.

Telegram marks only [a-z0-9_] commands as commands, and PTB's CommandHandler takes only those,
so the Chinese ones are plain messages matched by a pattern (`/读音@bot` too, when it names this
bot); these handlers go before the readers' ones, which would take such a message as a search.
A change is stored at once; the worker sees the lexicon's new version and reads again only the
articles whose words it changed. A word or reading with a control or private-use character or
markup is refused with its reason (chinese/lexicon.py); every word echoed back has its hidden
characters escaped (chinese/characters.py), an old entry's included.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tingbao.chat import render, texts
from tingbao.chinese.characters import printable
from tingbao.chinese.lexicon import Entry, Lexicon, parse_reading
from tingbao.chinese.pinyin import tone_marks
from tingbao.paper.errors import LexiconError
from tingbao.store.lexicon import LexiconStore

Context = ContextTypes.DEFAULT_TYPE
IsAdmin = Callable[[Update], bool]
# "/读音", "/读音删", each optionally "@bot", then white space or the end.
SET_PATTERN = re.compile(r"^/读音(?:@\w+)?(?:\s|$)")
REMOVE_PATTERN = re.compile(r"^/读音删(?:@\w+)?(?:\s|$)")
_ADDRESSED = re.compile(r"^/\w+@(\w+)")
PINYIN_DETAIL = frozenset({"homophone_mismatch", "no_homophone"})  # detail is TONE3 pinyin


class LexiconHandlers:
    """The /读音 commands, answered from the lexicon store."""

    def __init__(self, store: LexiconStore, is_admin: IsAdmin) -> None:
        self.store = store
        self.is_admin = is_admin

    async def reading(self, update: Update, context: Context) -> None:
        """/读音 词 读法: add or change; /读音 alone: the list; /读音 词: that word's reading."""
        args = await self._editor_args(update, context)
        if args is None:
            return
        chat_id = _chat(update)
        if not args:
            for message in listing(await asyncio.to_thread(self.store.lexicon)):
                await context.bot.send_message(chat_id, message)
            return
        word, raw = args[0], " ".join(args[1:])
        if not raw:
            entry = (await asyncio.to_thread(self.store.lexicon)).get(word)
            await context.bot.send_message(chat_id, current(word, entry))
            return
        try:
            entry = parse_reading(word, raw)
        except LexiconError as exc:
            detail = tone_marks(exc.detail) if exc.code in PINYIN_DETAIL else exc.detail
            reason = texts.lexicon_reason(exc.code, printable(detail))
            await context.bot.send_message(chat_id, texts.LEXICON_BAD.format(reason=reason))
            return
        await asyncio.to_thread(self.store.add, entry, _editor(update))
        await context.bot.send_message(chat_id, saved(entry))

    async def remove(self, update: Update, context: Context) -> None:
        """/读音删 词: take a word out of the lexicon (a shipped one stays out)."""
        args = await self._editor_args(update, context)
        if args is None:
            return
        chat_id = _chat(update)
        if len(args) != 1:
            await context.bot.send_message(chat_id, texts.LEXICON_REMOVE_USAGE)
            return
        word = args[0]
        if await asyncio.to_thread(self.store.remove, word, _editor(update)):
            await context.bot.send_message(
                chat_id, texts.LEXICON_REMOVED.format(word=printable(word))
            )
        else:
            await context.bot.send_message(
                chat_id, texts.LEXICON_NOT_FOUND.format(word=printable(word))
            )

    async def _editor_args(self, update: Update, context: Context) -> list[str] | None:
        """Return the words after the command, or None when the message is not for this bot or
        the sender is not an editor (who then hears so)."""
        message = update.effective_message
        if message is None or message.text is None or update.effective_chat is None:
            return None
        addressed = _ADDRESSED.match(message.text)
        if addressed and addressed.group(1).lower() != (context.bot.username or "").lower():
            return None  # "/读音@other_bot" in a group
        if not self.is_admin(update):
            await context.bot.send_message(update.effective_chat.id, texts.NOT_ADMIN_COMMAND)
            return None
        return message.text.split()[1:]


def lexicon_handlers(handlers: LexiconHandlers) -> list[BaseHandler[Update, Context, None]]:
    """Return the /读音 handlers, to be added before the readers' ones."""
    return [
        MessageHandler(filters.TEXT & filters.Regex(REMOVE_PATTERN), handlers.remove),
        MessageHandler(filters.TEXT & filters.Regex(SET_PATTERN), handlers.reading),
        CommandHandler("duyin_del", handlers.remove),
        CommandHandler("duyin", handlers.reading),
    ]


def saved(entry: Entry) -> str:
    """Return the answer to a stored reading."""
    return texts.LEXICON_SAVED.format(
        word=printable(entry.word),
        homophone=printable(entry.homophone),
        pinyin=tone_marks(entry.pinyin),
    )


def current(word: str, entry: Entry | None) -> str:
    """Return the answer to /读音 词: how it is read now, or that it is not in the list."""
    if entry is None:
        return texts.LEXICON_NOT_FOUND.format(word=printable(word)) + "\n" + texts.LEXICON_USAGE
    return texts.LEXICON_CURRENT.format(
        word=printable(word), homophone=printable(entry.homophone), pinyin=tone_marks(entry.pinyin)
    )


def listing(lexicon: Lexicon, limit: int = render.MESSAGE_LIMIT) -> list[str]:
    """Return the list of entries as messages each under Telegram's limit (plain text)."""
    entries = lexicon.entries()
    if not entries:
        return [texts.LEXICON_EMPTY + "\n" + texts.LEXICON_USAGE]
    lines = [texts.LEXICON_HEAD.format(count=len(entries))]
    for entry in entries:
        marks = (texts.LEXICON_SURNAME if entry.context == "surname" else "") + (
            texts.LEXICON_DEFAULT if lexicon.is_default(entry.word) else ""
        )
        lines.append(
            texts.LEXICON_LINE.format(
                word=printable(entry.word),
                homophone=printable(entry.homophone),
                pinyin=tone_marks(entry.pinyin),
                marks=marks,
            )
        )
    lines.append(texts.LEXICON_USAGE)
    messages: list[str] = []
    for line in lines:
        if messages and render.tg_len(messages[-1] + "\n" + line) <= limit:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    return messages


def _chat(update: Update) -> int:
    assert update.effective_chat is not None  # checked by _editor_args
    return update.effective_chat.id


def _editor(update: Update) -> str | None:
    """Return who made a change, for the record: the editor's Telegram id."""
    user = update.effective_user
    return f"telegram:{user.id}" if user is not None else None
