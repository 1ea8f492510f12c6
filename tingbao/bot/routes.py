"""Which update reaches which reader handler: commands, button labels and words, inline buttons.

The library dispatches. Every word intent (texts.KEYWORDS) is also a command of the same name; a
plain message naming none of them is a search. Each inline-button action gets a
CallbackQueryHandler whose pattern is `action:argument` with the argument's exact shape
(keyboards.SHAPES), so a handler only ever sees data of the right shape; whatever else arrives as
a button press is answered "button expired" by the last handler.
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
    MessageHandler,
    filters,
)

from tingbao.bot import texts
from tingbao.bot.chat import Context
from tingbao.bot.keyboards import SHAPES, Action
from tingbao.bot.listen import Listener
from tingbao.bot.reader import Reader

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


class IntentFilter(filters.MessageFilter):
    """Pass plain messages that ask for one intent (a big-button label or a keyword)."""

    def __init__(self, intent: texts.Intent) -> None:
        super().__init__(name=f"IntentFilter({intent})")
        self.intent = intent

    def filter(self, message: Message) -> bool:
        return message.text is not None and texts.intent_of(message.text) == self.intent


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


def reader_handlers(reader: Reader, listener: Listener) -> list[BaseHandler[Update, Context, None]]:
    """Return the readers' handlers in order; the catch-all for stale buttons comes last."""
    intents: dict[texts.Intent, Handler] = {
        "latest": reader.latest,
        "listen": listener.latest_issue,
        "archive": reader.archive,
        "hotline": reader.hotline,
        "subscribe": reader.subscribe,
        "unsubscribe": reader.unsubscribe,
        "help": reader.help,
    }
    commands: list[tuple[str, Handler]] = [
        ("start", reader.start),
        *intents.items(),
        ("search", reader.search),
    ]
    buttons: list[tuple[tuple[Action, ...], Handler]] = [
        (("art",), reader.article),
        (("next",), reader.next_article),
        (("toc", "iss"), reader.contents),
        (("page",), reader.turn_page),
        (("unsub",), reader.unsubscribe),
        (("say", "slow"), listener.article),
        (("all",), listener.issue),
    ]
    plain = filters.TEXT & ~filters.COMMAND
    return [
        *(CommandHandler(name, handler) for name, handler in commands),
        *(MessageHandler(plain & IntentFilter(i), handler) for i, handler in intents.items()),
        MessageHandler(plain, reader.search_text),
        *(
            CallbackQueryHandler(answered(handler), pattern=button_pattern(*actions))
            for actions, handler in buttons
        ),
        CallbackQueryHandler(reader.stale_button),
    ]
