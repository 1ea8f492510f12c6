"""Is the bot's Bot API server reachable, and does it take the token? One getMe (`tingbao check`).

`unavailable` turns a failure into one line that never holds the token (also for `bot --once`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from tingbao.bot.errors import BotUnavailableError
from tingbao.bot.logs import install_redaction
from tingbao.bot.settings import BotSettings


def _server(base_url: str) -> str:
    """Return host[:port] of a Bot API URL, without any user:password part."""
    return urlsplit(base_url).netloc.rpartition("@")[2] or base_url


async def bot_username(settings: BotSettings, timeout_s: float = 5.0) -> str:
    """Return the bot's @username from a getMe at TELEGRAM_BASE_URL.

    Raise BotUnavailableError with a one-line reason, which never holds the token.
    """
    if settings.telegram_token is None:
        raise BotUnavailableError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_token.get()
    install_redaction(token)
    request = HTTPXRequest(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        write_timeout=timeout_s,
        pool_timeout=timeout_s,
    )
    bot = Bot(token, base_url=settings.telegram_base_url, request=request)
    try:
        async with bot:  # initialize() asks getMe
            return f"@{bot.username}"
    except TelegramError as exc:
        raise unavailable(exc, settings.telegram_base_url) from None


def unavailable(exc: TelegramError, base_url: str) -> BotUnavailableError:
    """Return the one-line reason why a Bot API server did not serve us, without the token."""
    server = _server(base_url)
    if isinstance(exc, InvalidToken):
        reason = f"{server} refused the token (TELEGRAM_BOT_TOKEN is wrong or revoked)"
    elif isinstance(exc, TimedOut):
        reason = f"{server} did not answer in time"
    elif isinstance(exc, NetworkError):
        reason = f"cannot reach {server}: {exc.message}"
    else:
        reason = f"{server} refused: {exc.message}"
    redactor = install_redaction("")  # the process-wide filter, which already knows the token
    return BotUnavailableError(redactor.redact(" ".join(reason.split())))
