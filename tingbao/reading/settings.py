"""How input files are read (ReadingSettings): size, page, length and child-process limits, and the
lines that are not news, with a pure loader from an environment mapping (TINGBAO_MAX_INPUT_MB,
TINGBAO_MAX_PAGES, TINGBAO_MAX_ARTICLE_CHARS, TINGBAO_MAX_PARAGRAPH_CHARS, TINGBAO_PDF_*,
TINGBAO_OCR_*, TINGBAO_BOILERPLATE_PATTERNS, TINGBAO_MASTHEAD_PATTERNS).

The page and length limits bound the work one file can make: OCR takes a second or more a page,
and every character of an article is spoken twice and kept in the piece cache. A community paper
has 4 to 32 pages, its longest feature a few thousand characters, its longest paragraph a few
hundred; the defaults leave room for a thick special issue and a long interview.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import MB, env_float, env_int
from tingbao.reading.formats import FORMATS, InputFormat

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


@dataclass(frozen=True)
class TextLimits:
    """How long an article (all its text) and one paragraph may be, in characters."""

    article_chars: int = 30_000
    paragraph_chars: int = 10_000


@dataclass(frozen=True)
class ReadingSettings:
    """How input files are read: size and child-process limits, lines that are not news."""

    boilerplate_patterns: tuple[str, ...] = DEFAULT_BOILERPLATE_PATTERNS
    masthead_patterns: tuple[str, ...] = DEFAULT_MASTHEAD_PATTERNS
    max_input_bytes: int = 50 * MB
    max_pages: int = 64  # of a PDF, text or scanned: counted before any page is read
    lengths: TextLimits = TextLimits()
    pdf_timeout_s: float = 60.0
    pdf_memory_mb: int = 1024
    ocr_page_timeout_s: float = 120.0  # OCR: per page read, on top of pdf_timeout_s
    ocr_memory_mb: int = 3072  # OCR's child: models, onnxruntime and a 3000-pixel page
    formats: tuple[InputFormat, ...] = FORMATS  # what is read, and by which reader


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


def load_reading_settings(env: Mapping[str, str]) -> ReadingSettings:
    """Return the reading limits (TINGBAO_MAX_INPUT_MB, TINGBAO_MAX_PAGES, TINGBAO_MAX_*_CHARS,
    TINGBAO_PDF_*, TINGBAO_OCR_*) and line patterns."""
    return ReadingSettings(
        boilerplate_patterns=_patterns(
            env, "TINGBAO_BOILERPLATE_PATTERNS", DEFAULT_BOILERPLATE_PATTERNS
        ),
        masthead_patterns=_patterns(env, "TINGBAO_MASTHEAD_PATTERNS", DEFAULT_MASTHEAD_PATTERNS),
        max_input_bytes=env_int(env, "TINGBAO_MAX_INPUT_MB", 50, minimum=1) * MB,
        max_pages=env_int(env, "TINGBAO_MAX_PAGES", 64, minimum=1),
        lengths=TextLimits(
            article_chars=env_int(env, "TINGBAO_MAX_ARTICLE_CHARS", 30_000, minimum=100),
            paragraph_chars=env_int(env, "TINGBAO_MAX_PARAGRAPH_CHARS", 10_000, minimum=100),
        ),
        pdf_timeout_s=env_float(env, "TINGBAO_PDF_TIMEOUT", 60.0),
        pdf_memory_mb=env_int(env, "TINGBAO_PDF_MEMORY_MB", 1024, minimum=64),
        ocr_page_timeout_s=env_float(env, "TINGBAO_OCR_PAGE_TIMEOUT", 120.0),
        ocr_memory_mb=env_int(env, "TINGBAO_OCR_MEMORY_MB", 3072, minimum=512),
    )
