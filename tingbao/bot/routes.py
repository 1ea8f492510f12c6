"""Which update reaches which reader handler: commands, button labels and words, inline buttons.

The library dispatches. Every word intent (texts.KEYWORDS) is also a command of the same name; a
message starting with 搜 is a search whatever follows, and a plain message naming no intent is a
search too. Each inline-button action gets a CallbackQueryHandler whose pattern is
`action:argument` with the argument's exact shape (keyboards.SHAPES), so a handler only ever sees
data of the right shape; whatever else arrives as a button press is answered "button expired" by
the last handler. /start with a deep-link payload (`art-<id>`, `slow-<id>`) goes to that
article's card or slow reading; any other payload, or an article no longer there, gets the
greeting. Inline queries (`@bot 词`) go to inline.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tingbao.bot.chat import Context, chat_of
from tingbao.bot.inline import InlineSearch
from tingbao.bot.keyboards import SHAPES, Action, parse_start
from tingbao.bot.listen import Listener
from tingbao.bot.reader import Reader
from tingbao.chat import texts

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


class IntentFilter(filters.MessageFilter):
    """Pass plain messages that ask for one intent (a big-button label or a keyword)."""

    def __init__(self, intent: texts.Intent) -> None:
        super().__init__(name=f"IntentFilter({intent})")
        self.intent = intent

    def filter(self, message: Message) -> bool:
        return message.text is not None and texts.intent_of(message.text) == self.intent


class SearchFilter(filters.MessageFilter):
    """Pass plain messages that start with 搜 (搜 电梯, 搜索电梯)."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and texts.search_words(message.text) is not None


def button_pattern(*actions: Action) -> re.Pattern[str]:
    """Return the pattern of `action:arg` for actions whose arguments share one shape."""
    (shape,) = {SHAPES[action].pattern for action in actions}
    return re.compile(rf"(?P<action>{'|'.join(actions)}):(?P<arg>{shape})\Z")


def answered(handler: Handler) -> Handler:
    """Wrap a button handler so the press is acknowledged (the spinner stops) before it acts."""

    async def answer_then_act(update: Update, context: Context) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await handler(update, context)

    return answer_then_act


def start_with_link(reader: Reader, listener: Listener) -> Handler:
    """Return the /start handler: a deep link's article card or slow reading, else the greeting."""

    async def start(update: Update, context: Context) -> None:
        link = parse_start(context.args[0]) if context.args else None
        chat_id = chat_of(update)
        if link is None or chat_id is None or reader.deps.store.find_article(link[1]) is None:
            await reader.start(update, context)
        elif link[0] == "slow":
            await listener.send_reading(context, chat_id, link[1], slow=True)
        else:
            await reader.send_card(context, chat_id, link[1])

    return start


def reader_handlers(reader: Reader, listener: Listener) -> list[BaseHandler[Update, Context, None]]:
    """Return the readers' handlers in order; the catch-all for stale buttons comes last."""
    intents: dict[texts.Intent, Handler] = {
        "paper": reader.change_paper,
        "latest": reader.latest,
        "listen": listener.latest_issue,
        "archive": reader.archive,
        "hotline": reader.hotline,
        "subscribe": reader.subscribe,
        "unsubscribe": reader.unsubscribe,
        "help": reader.help,
    }
    commands: list[tuple[str, Handler]] = [
        ("start", start_with_link(reader, listener)),
        *intents.items(),
        ("search", reader.search),
    ]
    buttons: list[tuple[tuple[Action, ...], Handler]] = [
        (("art",), reader.article),
        (("next",), reader.next_article),
        (("toc", "iss"), reader.contents),
        (("page",), reader.turn_page),
        (("find",), reader.turn_search_page),
        (("unsub",), reader.unsubscribe),
        (("say", "slow"), listener.article),
        (("all",), listener.issue),
        (("paper",), reader.choose_paper),
    ]
    plain = filters.TEXT & ~filters.COMMAND
    return [
        *(CommandHandler(name, handler) for name, handler in commands),
        MessageHandler(plain & SearchFilter(), reader.search_said),
        *(MessageHandler(plain & IntentFilter(i), handler) for i, handler in intents.items()),
        MessageHandler(plain, reader.search_text),
        *(
            CallbackQueryHandler(answered(handler), pattern=button_pattern(*actions))
            for actions, handler in buttons
        ),
        CallbackQueryHandler(reader.stale_button),
        InlineQueryHandler(InlineSearch(reader.deps).answer),
    ]
