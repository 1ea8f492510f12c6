"""The paper's settings: which paper it is (PaperSettings), with a pure loader from an
environment mapping; the papers file of a
deployment that serves several (TINGBAO_PAPERS, a TOML file of `[[papers]]` tables, read by
`read_papers_file`, each table's paper part turned into PaperSettings by `paper_from_table`;
the other parts read their own keys of the same tables); and the helpers every
part's settings module uses (env_int, env_float, Secret; SettingsError is in errors.py).

Each part keeps its own settings next to its code (reading/, audio/, feeds/, bot/, phone/,
worker/settings.py); the worker's `load_settings` loads them all once at start-up. Secrets
have no defaults and never print: `Secret` hides its value in repr and str. Every name is
listed in README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tingbao.paper.errors import SettingsError

MB = 1024 * 1024
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
# The keys of a [[papers]] table: the paper part's, then the audio part's (voice) and the bot
# part's (channel, admins), which those parts read from the same tables.
PAPER_REQUIRED = ("slug", "name", "hotline", "email")
PAPER_TEXT = ("description", "voice", "cover", "author", "category", "channel")
PAPER_KEYS = (*PAPER_REQUIRED, *PAPER_TEXT, "admins")
# Folder names a slug may not take: inbox/done, inbox/failed, and public/static of the index.
RESERVED_SLUGS = ("done", "failed", "static")


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


def load_paper_settings(env: Mapping[str, str]) -> PaperSettings:
    """Return the paper's identity from TINGBAO_PAPER_*, TINGBAO_HOTLINE and TINGBAO_EMAIL."""
    slug = env.get("TINGBAO_PAPER_SLUG") or "jinhongqiao"
    if not SLUG.fullmatch(slug):
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


PaperTable = Mapping[str, Any]


def read_papers_file(path: Path) -> tuple[PaperTable, ...]:
    """Return the `[[papers]]` tables of a TINGBAO_PAPERS file, checked: known keys, the required
    ones present, text where text belongs, each slug well-formed and used once.

    Every refusal is one SettingsError line naming the file and what to fix.
    """
    where = f"TINGBAO_PAPERS={path}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{where}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{where}: save it as UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{where}: not valid TOML ({exc})") from None
    tables = data.get("papers")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise SettingsError(f"{where}: describe each paper in its own [[papers]] table")
    seen: set[str] = set()
    for number, table in enumerate(tables, 1):
        _check_table(table, f"{where}: paper {number}", seen)
    return tuple(tables)


def _check_table(table: PaperTable, where: str, seen: set[str]) -> None:
    unknown = sorted(set(table) - set(PAPER_KEYS))
    if unknown:
        raise SettingsError(
            f"{where}: unknown key {unknown[0]!r}; a paper has {', '.join(PAPER_KEYS)}"
        )
    for key in PAPER_REQUIRED:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f'{where}: add {key} = "…" (text, not empty)')
    for key in PAPER_TEXT:
        if key in table and not isinstance(table[key], str):
            raise SettingsError(f'{where}: {key} must be text in quotes, like {key} = "…"')
    slug = table["slug"]
    if not SLUG.fullmatch(slug):
        raise SettingsError(
            f"{where}: slug {slug!r} must be lowercase letters, digits and - (at most 41)"
        )
    if slug in RESERVED_SLUGS:
        raise SettingsError(f"{where}: slug {slug!r} is a folder name tingbao uses; choose another")
    if slug in seen:
        raise SettingsError(f"{where}: slug {slug!r} is used twice; give each paper its own")
    seen.add(slug)


def paper_from_table(table: PaperTable) -> PaperSettings:
    """Return the identity of a paper from its checked `[[papers]]` table."""
    name = table["name"].strip()
    return PaperSettings(
        slug=table["slug"],
        name=name,
        description=table.get("description") or f"社区报《{name}》：每期文章、语音朗读和新闻热线。",
        author=table.get("author") or f"{name}编辑部",
        hotline=table["hotline"].strip(),
        email=table["email"].strip(),
        image_url=table.get("cover") or None,
        category=table.get("category") or PaperSettings.category,
    )


def paper_of(papers: Sequence[PaperSettings], slug: str) -> PaperSettings:
    """Return the paper with this slug; the first one when none has it (an issue stored under a
    slug the single-paper settings no longer name)."""
    return next((p for p in papers if p.slug == slug), papers[0])
