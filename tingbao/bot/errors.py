"""Exceptions raised by the bot part.

BotError
 ├── CallbackDataError     callback data that is malformed or names nothing we know
 └── BotUnavailableError   the Bot API server cannot be reached or refuses the token
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error of the bot part."""


class CallbackDataError(BotError):
    """Callback data is malformed; it is never trusted to name a file or an id."""


class BotUnavailableError(BotError):
    """Telegram (or the configured Bot API server) did not answer, or refused the token."""
