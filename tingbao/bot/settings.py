"""The bot part's settings: its token (a Secret) and Bot API server (TELEGRAM_BOT_TOKEN,
TELEGRAM_BASE_URL), its editors (TINGBAO_ADMINS), its flood limit (TINGBAO_BOT_USER_RATE), the
channel it posts each new issue to (TELEGRAM_CHANNEL, TINGBAO_CHANNEL_LEASE), webhook mode
(TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, TINGBAO_WEBHOOK_LISTEN, TINGBAO_WEBHOOK_PORT), the
outbox's pace and
lease (TINGBAO_OUTBOX_RATE, TINGBAO_OUTBOX_LEASE, TINGBAO_OUTBOX_TIMEOUT), and
where uploads wait for 发布 (a folder of the data dir, chosen by the worker). With several papers
(TINGBAO_PAPERS), each paper's `channel` and `admins` (its own editors) come from its table.

python-telegram-bot reads one variable itself, from the process environment, each time it turns a
duration into a value: PTB_TIMEDELTA ("true" opts in to timedelta values, and PTB 22 warns on
integer seconds without it). It cannot be handed in like the rest, so `ptb_environment` says what
to export and the composition root (cli/main.py `main`) exports it once, before any bot starts.

Loaded once by the worker's `load_settings`; see README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tingbao.bot.sending import DEFAULT_LEASE_S, request_budget
from tingbao.chat.pacing import TELEGRAM_MESSAGES_PER_S
from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import PaperTable, Secret, env_float, env_int

TELEGRAM_CLOUD = "https://api.telegram.org/bot"
PTB_TIMEDELTA = "PTB_TIMEDELTA"
WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram calls webhooks on
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class WebhookSettings:
    """Webhook mode: the https URL Telegram calls, the secret it sends back, where we listen."""

    url: str
    secret: Secret  # sent by Telegram in X-Telegram-Bot-Api-Secret-Token; never logged
    listen: str = "0.0.0.0"
    port: int = 8443

    @property
    def path(self) -> str:
        """Return the URL's path, which the webhook server answers (e.g. "/telegram")."""
        return urlsplit(self.url).path or "/"


@dataclass(frozen=True)
class PaperBot:
    """A paper's own bot settings from TINGBAO_PAPERS: its channel and its editors."""

    slug: str
    channel: str | None = None
    admins: frozenset[int] = frozenset()


@dataclass(frozen=True)
class BotSettings:
    """The Telegram bot: who it is, where its Bot API server is, who may publish, how fast."""

    staging_dir: Path  # editors' uploads waiting for 发布 or 取消
    telegram_token: Secret | None = None  # None: the bot is off
    telegram_base_url: str = TELEGRAM_CLOUD
    admins: frozenset[int] = frozenset()
    bot_user_messages_per_minute: int = 20
    channel: str | None = None  # "@name" or "-100…": each new issue is posted there
    channel_lease_s: float = 30.0  # a dead poster's channel is taken over after this long
    webhook: WebhookSettings | None = None  # None: no TELEGRAM_WEBHOOK_URL (or no token)
    outbox_rate: float = TELEGRAM_MESSAGES_PER_S  # new-issue messages per second; 0: no limit
    outbox_lease_s: float = DEFAULT_LEASE_S  # how long a claimed outbox row stays claimed
    outbox_timeout_s: float = 10.0  # each phase of one send (connect, write, read)
    paper_bots: tuple[PaperBot, ...] = ()  # per paper (TINGBAO_PAPERS); () with a single paper

    def channel_for(self, slug: str) -> str | None:
        """Return the channel a paper's new issues go to: its own, else TELEGRAM_CHANNEL."""
        own = next((p.channel for p in self.paper_bots if p.slug == slug), None)
        return own or self.channel

    @property
    def has_channel(self) -> bool:
        """Return whether any paper posts to a channel."""
        return self.channel is not None or any(p.channel for p in self.paper_bots)

    def papers_edited_by(self, user_id: int, slugs: Sequence[str]) -> tuple[str, ...]:
        """Return the papers (of slugs) a user edits: all for TINGBAO_ADMINS, else their own."""
        if user_id in self.admins:
            return tuple(slugs)
        mine = {p.slug for p in self.paper_bots if user_id in p.admins}
        return tuple(s for s in slugs if s in mine)


_CHANNEL = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{6,}")


def _channel(raw: str, name: str = "TELEGRAM_CHANNEL") -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _CHANNEL.fullmatch(value):
        raise SettingsError(f"{name}: {value!r} is not a channel; use its @name or its -100… id")
    return value


def _paper_bot(table: PaperTable) -> PaperBot:
    slug = table["slug"]
    raw = table.get("admins", [])
    if isinstance(raw, int):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(a, int) for a in raw):
        raise SettingsError(f"TINGBAO_PAPERS: paper {slug!r}: admins must be chat ids, like [123]")
    channel = _channel(table.get("channel") or "", f"TINGBAO_PAPERS: paper {slug!r}: channel")
    return PaperBot(slug, channel, frozenset(raw))


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


def webhook_url(raw: str) -> str:
    """Return TELEGRAM_WEBHOOK_URL checked against what Telegram accepts, or raise SettingsError."""
    value = raw.strip()
    try:
        parts = urlsplit(value)
        port = parts.port or 443
    except ValueError:
        raise SettingsError(f"TELEGRAM_WEBHOOK_URL: {value!r} is not a URL") from None
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(
            f"TELEGRAM_WEBHOOK_URL: {value!r} is not an https URL; Telegram calls webhooks over"
            " https only (end TLS at Caddy or your load balancer)"
        )
    if port not in WEBHOOK_PORTS:
        raise SettingsError(
            f"TELEGRAM_WEBHOOK_URL: port {port} is refused by Telegram, which calls webhooks on"
            " ports 443, 80, 88 or 8443 only; publish the proxy on one of them"
        )
    return value


def derived_secret(token: str) -> str:
    """Return the webhook secret every replica derives alike from the token (an HMAC)."""
    return hmac.new(token.encode(), b"tingbao webhook secret", hashlib.sha256).hexdigest()


def _webhook(env: Mapping[str, str], token: str) -> WebhookSettings | None:
    raw_url = (env.get("TELEGRAM_WEBHOOK_URL") or "").strip()
    url = webhook_url(raw_url) if raw_url else None
    secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
    if secret and not _SECRET.fullmatch(secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            " (or leave it unset: it is derived from the token)"
        )
    port = env_int(env, "TINGBAO_WEBHOOK_PORT", 8443, minimum=1)
    if port > 65535:
        raise SettingsError(f"TINGBAO_WEBHOOK_PORT={port} is not a port (1-65535)")
    if url is None or not token:
        return None
    return WebhookSettings(
        url=url,
        secret=Secret(secret or derived_secret(token)),
        listen=(env.get("TINGBAO_WEBHOOK_LISTEN") or "").strip() or "0.0.0.0",
        port=port,
    )


def _rate(env: Mapping[str, str]) -> float:
    raw = (env.get("TINGBAO_OUTBOX_RATE") or "").strip()
    if not raw:
        return TELEGRAM_MESSAGES_PER_S
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"TINGBAO_OUTBOX_RATE={raw!r} is not a number") from None
    if value < 0:
        raise SettingsError(f"TINGBAO_OUTBOX_RATE={raw} must be 0 (no limit) or more")
    return value


def load_bot_settings(
    env: Mapping[str, str], *, staging_dir: Path, papers: Sequence[PaperTable] = ()
) -> BotSettings:
    """Return the bot settings from TELEGRAM_*, TINGBAO_ADMINS, TINGBAO_BOT_USER_RATE,
    TINGBAO_WEBHOOK_* and TINGBAO_OUTBOX_*, and each paper's channel and admins from the
    TINGBAO_PAPERS tables."""
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    timeout = env_float(env, "TINGBAO_OUTBOX_TIMEOUT", 10.0)
    lease = env_float(env, "TINGBAO_OUTBOX_LEASE", DEFAULT_LEASE_S)
    if lease <= request_budget(timeout):
        raise SettingsError(
            f"TINGBAO_OUTBOX_LEASE={lease:g} must be more than {request_budget(timeout):g} seconds"
            " (5 x TINGBAO_OUTBOX_TIMEOUT): a send must end before its claim does"
        )
    return BotSettings(
        staging_dir=staging_dir,
        telegram_token=Secret(token) if token else None,
        telegram_base_url=env.get("TELEGRAM_BASE_URL") or TELEGRAM_CLOUD,
        admins=_admins(env.get("TINGBAO_ADMINS") or ""),
        bot_user_messages_per_minute=env_int(env, "TINGBAO_BOT_USER_RATE", 20, minimum=1),
        channel=_channel(env.get("TELEGRAM_CHANNEL") or ""),
        channel_lease_s=_positive(env, "TINGBAO_CHANNEL_LEASE", 30.0),
        webhook=_webhook(env, token),
        outbox_rate=_rate(env),
        outbox_lease_s=lease,
        outbox_timeout_s=timeout,
        paper_bots=tuple(_paper_bot(t) for t in papers),
    )


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = env_float(env, name, default)
    if value <= 0:
        raise SettingsError(f"{name}={value:g} must be more than 0 seconds")
    return value


def ptb_environment(env: Mapping[str, str]) -> dict[str, str]:
    """Return the variables python-telegram-bot reads itself, for the composition root to export.

    PTB_TIMEDELTA defaults to "true"; a value already in the environment wins.
    """
    return {PTB_TIMEDELTA: env.get(PTB_TIMEDELTA) or "true"}
