"""One typed, validated settings object, loaded once at start-up from the environment.

Secrets have no defaults and never print: `Secret` hides its value in repr and str.
Every name is listed in README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

from tingbao.paper.errors import SettingsError

TtsMode = Literal["edge", "offline", "auto"]

DEFAULT_BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"扫描.{0,4}二维码",
    r"^关注[“\"「].{1,30}[”\"」]$",
    r"官方微信公众?号",
    r"联合主办",
    r"^(\S\s*/\s*){3,}\S$",  # the spaced-out slogan "自 / 家 / 门 / 口 / 这 / 点 / 事"
    r"^第\s*\d+\s*版$",
    r"^\d+\s*/\s*\d+$",  # page numbers such as "2 / 4"
)
# Lines that are only a publisher's name; dropped before the first article only.
DEFAULT_MASTHEAD_PATTERNS: tuple[str, ...] = (
    r"^\S{2,30}(委员会|人民政府|办事处|街道|管委会)$",
    r"^(主办|承办|协办)[:：]",
    r"^\d{4}年\d{1,2}月(\d{1,2}日)?\s*(第\s*\d+\s*期)?$",
)

MB = 1024 * 1024


class Secret:
    """A secret string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """Return the secret value; call only where it is sent, never where it is logged."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class PaperSettings:
    """Who publishes: everything about a paper that is not in its issues."""

    slug: str = "jinhongqiao"
    name: str = "金虹桥"
    description: str = "虹桥镇社区报《金虹桥》：每期文章、语音朗读和新闻热线。"
    author: str = "金虹桥编辑部"
    hotline: str | None = None  # used when an issue's closing box has none
    email: str | None = None
    image_url: str | None = None
    category: str = "News"
    language: str = "zh-CN"


@dataclass(frozen=True)
class Settings:
    """Every setting of a tingbao deployment."""

    data_dir: Path
    inbox_dir: Path
    public_dir: Path
    database_url: str
    base_url: str
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    paper: PaperSettings = field(default_factory=PaperSettings)
    tts: TtsMode = "auto"
    voice: str = "zh-CN-XiaoxiaoNeural"
    slow_rate: str = "-25%"
    tts_concurrency: int = 2
    tts_chunk_chars: int = 1000
    telegram_token: Secret | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    admins: frozenset[int] = frozenset()
    feed_max_items: int = 60
    feed_tag_authority: str | None = None  # pins feed guids when the domain changes
    boilerplate_patterns: tuple[str, ...] = DEFAULT_BOILERPLATE_PATTERNS
    masthead_patterns: tuple[str, ...] = DEFAULT_MASTHEAD_PATTERNS
    max_input_bytes: int = 50 * MB
    pdf_timeout_s: float = 60.0
    pdf_memory_mb: int = 1024
    inbox_interval_s: int = 60
    reconcile_interval_s: int = 300
    upgrade_interval_s: int = 1800
    bot_user_messages_per_minute: int = 20

    @property
    def inbox_done_dir(self) -> Path:
        """Where processed inbox files go."""
        return self.inbox_dir / "done"

    @property
    def inbox_failed_dir(self) -> Path:
        """Where failed inbox files go, each with a .error.txt beside it."""
        return self.inbox_dir / "failed"

    def url(self, relpath: str) -> str:
        """Return the public URL of a path under public/."""
        return self.base_url + relpath.lstrip("/")

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests and CLI flags)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise SettingsError(f"{name}={value} must be greater than 0")
    return value


def _patterns(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        loaded = json.loads(raw)
    except json.JSONDecodeError:
        loaded = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(loaded, list) or not all(isinstance(p, str) for p in loaded):
        raise SettingsError(f"{name} must be a JSON list of regular expressions")
    for pattern in loaded:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SettingsError(f"{name}: bad regular expression {pattern!r}: {exc}") from None
    return tuple(loaded)


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


def _rate(raw: str) -> str:
    if not re.fullmatch(r"[+-]\d{1,3}%", raw):
        raise SettingsError(f"TINGBAO_SLOW_RATE={raw!r} must look like -25%")
    return raw


def load_settings(
    env: Mapping[str, str] | None = None, *, data_dir: str | Path | None = None
) -> Settings:
    """Build the settings from the environment; a CLI --data-dir wins over TINGBAO_DATA_DIR."""
    env = os.environ if env is None else env
    root = Path(data_dir or env.get("TINGBAO_DATA_DIR") or "data").expanduser().resolve()
    inbox = Path(env.get("TINGBAO_INBOX") or root / "inbox").expanduser().resolve()
    public = Path(env.get("TINGBAO_PUBLIC_DIR") or root / "public").expanduser().resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{root / 'tingbao.db'}"
    http_host = env.get("TINGBAO_HTTP_HOST") or "127.0.0.1"
    http_port = _int(env, "TINGBAO_HTTP_PORT", 8080, minimum=1)
    base_url = env.get("TINGBAO_BASE_URL") or f"http://{http_host}:{http_port}/"
    if not re.match(r"^https?://", base_url):
        raise SettingsError(f"TINGBAO_BASE_URL={base_url!r} must start with http:// or https://")
    if not base_url.endswith("/"):
        base_url += "/"
    tts = (env.get("TINGBAO_TTS") or "auto").strip().lower()
    if tts not in ("edge", "offline", "auto"):
        raise SettingsError(f"TINGBAO_TTS={tts!r} must be edge, offline or auto")
    slug = env.get("TINGBAO_PAPER_SLUG") or "jinhongqiao"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", slug):
        raise SettingsError(f"TINGBAO_PAPER_SLUG={slug!r} must be lowercase letters, digits, -")
    defaults = PaperSettings()
    paper = PaperSettings(
        slug=slug,
        name=env.get("TINGBAO_PAPER_NAME") or defaults.name,
        description=env.get("TINGBAO_PAPER_DESCRIPTION") or defaults.description,
        author=env.get("TINGBAO_PAPER_AUTHOR") or defaults.author,
        hotline=env.get("TINGBAO_HOTLINE") or None,
        email=env.get("TINGBAO_EMAIL") or None,
        image_url=env.get("TINGBAO_PAPER_IMAGE_URL") or None,
        category=env.get("TINGBAO_PAPER_CATEGORY") or defaults.category,
    )
    token = env.get("TELEGRAM_BOT_TOKEN") or ""
    return Settings(
        data_dir=root,
        inbox_dir=inbox,
        public_dir=public,
        database_url=database_url,
        base_url=base_url,
        http_host=http_host,
        http_port=http_port,
        paper=paper,
        tts=cast(TtsMode, tts),
        voice=env.get("TINGBAO_VOICE") or "zh-CN-XiaoxiaoNeural",
        slow_rate=_rate(env.get("TINGBAO_SLOW_RATE") or "-25%"),
        tts_concurrency=_int(env, "TINGBAO_TTS_CONCURRENCY", 2, minimum=1),
        tts_chunk_chars=_int(env, "TINGBAO_TTS_CHUNK_CHARS", 1000, minimum=50),
        telegram_token=Secret(token.strip()) if token.strip() else None,
        telegram_base_url=env.get("TELEGRAM_BASE_URL") or "https://api.telegram.org/bot",
        admins=_admins(env.get("TINGBAO_ADMINS") or ""),
        feed_max_items=_int(env, "TINGBAO_FEED_MAX_ITEMS", 60, minimum=1),
        feed_tag_authority=env.get("TINGBAO_FEED_TAG_AUTHORITY") or None,
        boilerplate_patterns=_patterns(
            env, "TINGBAO_BOILERPLATE_PATTERNS", DEFAULT_BOILERPLATE_PATTERNS
        ),
        masthead_patterns=_patterns(env, "TINGBAO_MASTHEAD_PATTERNS", DEFAULT_MASTHEAD_PATTERNS),
        max_input_bytes=_int(env, "TINGBAO_MAX_INPUT_MB", 50, minimum=1) * MB,
        pdf_timeout_s=_float(env, "TINGBAO_PDF_TIMEOUT", 60.0),
        pdf_memory_mb=_int(env, "TINGBAO_PDF_MEMORY_MB", 1024, minimum=64),
        inbox_interval_s=_int(env, "TINGBAO_INBOX_INTERVAL", 60, minimum=1),
        reconcile_interval_s=_int(env, "TINGBAO_RECONCILE_INTERVAL", 300, minimum=1),
        upgrade_interval_s=_int(env, "TINGBAO_UPGRADE_INTERVAL", 1800, minimum=1),
        bot_user_messages_per_minute=_int(env, "TINGBAO_BOT_USER_RATE", 20, minimum=1),
    )
