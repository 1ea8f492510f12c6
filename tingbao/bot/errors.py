"""Exceptions raised by the bot part.

BotError
 ├── BotDisabledError      no TELEGRAM_BOT_TOKEN: the bot stays off
 ├── CallbackDataError     callback data that is malformed or names nothing we know
 └── UploadError           an editor's document cannot be staged or handed to the pipeline
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error of the bot part."""


class BotDisabledError(BotError):
    """The bot has no token and cannot run."""


class CallbackDataError(BotError):
    """Callback data is malformed; it is never trusted to name a file or an id."""


class UploadError(BotError):
    """An editor's upload cannot be staged or published."""
