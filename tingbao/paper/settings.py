"""The paper part's settings: which paper it is (PaperSettings) and how input is read
(ReadingSettings), each with a pure loader from an environment mapping; and the helpers every
part's settings module uses (env_int, env_float, Secret; SettingsError is in errors.py).

Each part keeps its own settings next to its code (audio/, feeds/, bot/, worker/settings.py);
the worker's `load_settings` loads them all once at start-up. Secrets have no defaults and never
print: `Secret` hides its value in repr and str. Every name is listed in README.md
(Configuration) and .env.example.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tingbao.paper.errors import SettingsError

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
class ReadingSettings:
    """How input files are read: size and child-process limits, lines that are not news."""

    boilerplate_patterns: tuple[str, ...] = DEFAULT_BOILERPLATE_PATTERNS
    masthead_patterns: tuple[str, ...] = DEFAULT_MASTHEAD_PATTERNS
    max_input_bytes: int = 50 * MB
    pdf_timeout_s: float = 60.0
    pdf_memory_mb: int = 1024
    ocr_page_timeout_s: float = 120.0  # OCR: per page read, on top of pdf_timeout_s
    ocr_memory_mb: int = 3072  # OCR's child: models, onnxruntime and a 3000-pixel page


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """Return a whole-number variable (default when unset or blank), at least minimum."""
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


def env_float(env: Mapping[str, str], name: str, default: float) -> float:
    """Return a number variable (default when unset or blank), greater than 0."""
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


def load_paper_settings(env: Mapping[str, str]) -> PaperSettings:
    """Return the paper's identity from TINGBAO_PAPER_*, TINGBAO_HOTLINE and TINGBAO_EMAIL."""
    slug = env.get("TINGBAO_PAPER_SLUG") or "jinhongqiao"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", slug):
        raise SettingsError(f"TINGBAO_PAPER_SLUG={slug!r} must be lowercase letters, digits, -")
    defaults = PaperSettings()
    return PaperSettings(
        slug=slug,
        name=env.get("TINGBAO_PAPER_NAME") or defaults.name,
        description=env.get("TINGBAO_PAPER_DESCRIPTION") or defaults.description,
        author=env.get("TINGBAO_PAPER_AUTHOR") or defaults.author,
        hotline=env.get("TINGBAO_HOTLINE") or None,
        email=env.get("TINGBAO_EMAIL") or None,
        image_url=env.get("TINGBAO_PAPER_IMAGE_URL") or None,
        category=env.get("TINGBAO_PAPER_CATEGORY") or defaults.category,
    )


def load_reading_settings(env: Mapping[str, str]) -> ReadingSettings:
    """Return the reading limits (TINGBAO_MAX_INPUT_MB, TINGBAO_PDF_*, TINGBAO_OCR_*) and line
    patterns."""
    return ReadingSettings(
        boilerplate_patterns=_patterns(
            env, "TINGBAO_BOILERPLATE_PATTERNS", DEFAULT_BOILERPLATE_PATTERNS
        ),
        masthead_patterns=_patterns(env, "TINGBAO_MASTHEAD_PATTERNS", DEFAULT_MASTHEAD_PATTERNS),
        max_input_bytes=env_int(env, "TINGBAO_MAX_INPUT_MB", 50, minimum=1) * MB,
        pdf_timeout_s=env_float(env, "TINGBAO_PDF_TIMEOUT", 60.0),
        pdf_memory_mb=env_int(env, "TINGBAO_PDF_MEMORY_MB", 1024, minimum=64),
        ocr_page_timeout_s=env_float(env, "TINGBAO_OCR_PAGE_TIMEOUT", 120.0),
        ocr_memory_mb=env_int(env, "TINGBAO_OCR_MEMORY_MB", 3072, minimum=512),
    )
