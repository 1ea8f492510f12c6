"""The bot part's settings: its token (a Secret) and Bot API server (TELEGRAM_BOT_TOKEN,
TELEGRAM_BASE_URL), its editors (TINGBAO_ADMINS), its flood limit (TINGBAO_BOT_USER_RATE), the
channel it posts each new issue to (TELEGRAM_CHANNEL), and
where uploads wait for 发布 (a folder of the data dir, chosen by the worker).

python-telegram-bot reads one variable itself, from the process environment, each time it turns a
duration into a value: PTB_TIMEDELTA ("true" opts in to timedelta values, and PTB 22 warns on
integer seconds without it). It cannot be handed in like the rest, so `ptb_environment` says what
to export and the composition root (worker/cli.py `main`) exports it once, before any bot starts.

Loaded once by the worker's `load_settings`; see README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import Secret, env_int

TELEGRAM_CLOUD = "https://api.telegram.org/bot"
PTB_TIMEDELTA = "PTB_TIMEDELTA"


@dataclass(frozen=True)
class BotSettings:
    """The Telegram bot: who it is, where its Bot API server is, who may publish, how fast."""

    staging_dir: Path  # editors' uploads waiting for 发布 or 取消
    telegram_token: Secret | None = None  # None: the bot is off
    telegram_base_url: str = TELEGRAM_CLOUD
    admins: frozenset[int] = frozenset()
    bot_user_messages_per_minute: int = 20
    channel: str | None = None  # "@name" or "-100…": each new issue is posted there


_CHANNEL = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{6,}")


def _channel(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _CHANNEL.fullmatch(value):
        raise SettingsError(
            f"TELEGRAM_CHANNEL: {value!r} is not a channel; use its @name or its -100… id"
        )
    return value


def _admins(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise SettingsError(f"TINGBAO_ADMINS: {part!r} is not a chat id") from None
    return frozenset(ids)


def load_bot_settings(env: Mapping[str, str], *, staging_dir: Path) -> BotSettings:
    """Return the bot settings from TELEGRAM_*, TINGBAO_ADMINS and TINGBAO_BOT_USER_RATE."""
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    return BotSettings(
        staging_dir=staging_dir,
        telegram_token=Secret(token) if token else None,
        telegram_base_url=env.get("TELEGRAM_BASE_URL") or TELEGRAM_CLOUD,
        admins=_admins(env.get("TINGBAO_ADMINS") or ""),
        bot_user_messages_per_minute=env_int(env, "TINGBAO_BOT_USER_RATE", 20, minimum=1),
        channel=_channel(env.get("TELEGRAM_CHANNEL") or ""),
    )


def ptb_environment(env: Mapping[str, str]) -> dict[str, str]:
    """Return the variables python-telegram-bot reads itself, for the composition root to export.

    PTB_TIMEDELTA defaults to "true"; a value already in the environment wins.
    """
    return {PTB_TIMEDELTA: env.get(PTB_TIMEDELTA) or "true"}
