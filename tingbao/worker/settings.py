"""Every setting of a deployment, loaded once at start-up by `load_settings` (the composition root).

The root `Settings` holds each part's settings, loaded by that part's own loader next to its code:
`paper` and `reading` (paper/settings.py), `audio` (audio/settings.py), `feeds`
(feeds/settings.py), `bot` (bot/settings.py); and the worker's own: the data dir and its folders
(TINGBAO_DATA_DIR, TINGBAO_INBOX, TINGBAO_PUBLIC_DIR, or TINGBAO_PUBLISH for object storage), the
papers it serves (TINGBAO_PAPERS, or the single paper of TINGBAO_PAPER_*), DATABASE_URL, the
scheduler's intervals (TINGBAO_*_INTERVAL), how long an inbox file must be still before it is read
(TINGBAO_INBOX_SETTLE), how far ahead a publication date may be (TINGBAO_MAX_DAYS_AHEAD) and the
crash tests' TINGBAO_FAULT. The worker decides
where under the data dir each part keeps its files. Only this module and the parts' loaders read
variables; the CLI hands them the process environment once. See README.md (Configuration) and
.env.example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tingbao.audio.settings import AudioSettings, load_audio_settings
from tingbao.bot.settings import BotSettings, load_bot_settings
from tingbao.feeds.settings import FeedsSettings, load_feeds_settings
from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import (
    PaperSettings,
    PaperTable,
    env_int,
    load_paper_settings,
    paper_from_table,
    read_papers_file,
)
from tingbao.phone.settings import PhoneSettings, load_phone_settings
from tingbao.publish.s3 import PublishTarget, load_publish_target
from tingbao.reading.settings import ReadingSettings, load_reading_settings
from tingbao.wechat.settings import WechatSettings, load_wechat_settings

PARTS = ("paper", "reading", "audio", "feeds", "bot", "phone", "wechat")


@dataclass(frozen=True)
class Settings:
    """Every setting of a tingbao deployment: each part's, and the worker's own."""

    data_dir: Path
    inbox_dir: Path
    public_dir: Path
    database_url: str
    paper: PaperSettings  # the only paper, or the first of TINGBAO_PAPERS
    reading: ReadingSettings
    audio: AudioSettings
    feeds: FeedsSettings
    bot: BotSettings
    inbox_interval_s: int = 60
    reconcile_interval_s: int = 300
    upgrade_interval_s: int = 1800
    inbox_settle_s: float = 3.0  # an inbox file unchanged this long is whole (not mid-upload)
    max_days_ahead: int = 31  # a publication date later than today plus this is refused
    fault: str | None = None  # TINGBAO_FAULT="point:n" (crash tests; see faults.py)
    papers_file: Path | None = None  # TINGBAO_PAPERS: each paper has its own folders
    other_papers: tuple[PaperSettings, ...] = ()  # the rest of TINGBAO_PAPERS
    publish: PublishTarget | None = None  # TINGBAO_PUBLISH: object storage; None: public_dir
    phone: PhoneSettings = field(default_factory=PhoneSettings)  # TINGBAO_SIP_*: the phone line
    wechat: WechatSettings = field(default_factory=WechatSettings)  # WECHAT_*: the account
    build_only: str | None = None  # `build --paper SLUG`: the pipeline works on that paper only

    @property
    def papers(self) -> tuple[PaperSettings, ...]:
        """Return every paper this deployment serves, in configuration order."""
        return (self.paper, *self.other_papers)

    @property
    def per_paper(self) -> bool:
        """Return whether each paper has its own inbox/<slug>/ and public/<slug>/ (TINGBAO_PAPERS
        given, even with one paper); without it the single paper's layout stays as it was."""
        return self.papers_file is not None

    def paper_named(self, slug: str | None) -> PaperSettings:
        """Return the paper a --paper SLUG names; None is the only paper, else a SettingsError."""
        known = ", ".join(p.slug for p in self.papers)
        if slug is None:
            if self.other_papers:
                raise SettingsError(f"several papers are configured: add --paper SLUG ({known})")
            return self.paper
        found = next((p for p in self.papers if p.slug == slug), None)
        if found is None:
            raise SettingsError(f"--paper {slug}: no such paper; known papers: {known}")
        return found

    def only(self, paper: PaperSettings) -> Settings:
        """Return these settings with the pipeline working on one paper (`build --paper`)."""
        return replace(self, build_only=paper.slug)

    @property
    def working_papers(self) -> tuple[PaperSettings, ...]:
        """Return the papers the pipeline works on: every one, or the one `build --paper` names."""
        return tuple(p for p in self.papers if self.build_only in (None, p.slug))

    def public_folder(self, paper: PaperSettings) -> str:
        """Return a paper's folder under public/ ("slug/"; "" in the single-paper layout)."""
        return f"{paper.slug}/" if self.per_paper else ""

    def paper_inbox(self, paper: PaperSettings) -> Path:
        """Return a paper's inbox folder: inbox/<slug>/, or the inbox without TINGBAO_PAPERS."""
        return self.inbox_dir / paper.slug if self.per_paper else self.inbox_dir

    @property
    def inbox_done_dir(self) -> Path:
        """Where processed inbox files go."""
        return self.inbox_dir / "done"

    @property
    def inbox_failed_dir(self) -> Path:
        """Where failed inbox files go, each with a .error.txt beside it."""
        return self.inbox_dir / "failed"

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed, each by its name in whichever part holds it.

        `with_overrides(tts="edge", admins=frozenset())` changes settings.audio.tts and
        settings.bot.admins (tests and CLI flags); a part is replaced whole by its own name.
        """
        own = {f.name for f in fields(self)}
        parts: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in changes.items():
            if name in own:
                top[name] = value
                continue
            part = next((p for p in PARTS if name in _field_names(getattr(self, p))), None)
            if part is None:
                raise TypeError(f"no setting is called {name!r}")
            parts.setdefault(part, {})[name] = value
        for part, part_changes in parts.items():
            top[part] = replace(top.get(part, getattr(self, part)), **part_changes)
        return replace(self, **top)


def _field_names(part: object) -> set[str]:
    return {f.name for f in fields(part)}  # type: ignore[arg-type]


def _fault(raw: str | None) -> str | None:
    if not raw:
        return None
    if not re.fullmatch(r"[\w.]+(:[1-9]\d*)?", raw):
        raise SettingsError(f"TINGBAO_FAULT={raw!r} must look like point:n")
    return raw


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """Return a duration in seconds (a number, 0 or more; default when unset or blank)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} must be a number of seconds") from None
    if not 0 <= value <= 3600:
        raise SettingsError(f"{name}={raw!r} must be between 0 and 3600 seconds")
    return value


def load_settings(env: Mapping[str, str], *, data_dir: str | Path | None = None) -> Settings:
    """Build the settings from the environment; a CLI --data-dir wins over TINGBAO_DATA_DIR."""
    root = Path(data_dir or env.get("TINGBAO_DATA_DIR") or "data").expanduser().resolve()
    inbox = Path(env.get("TINGBAO_INBOX") or root / "inbox").expanduser().resolve()
    public = Path(env.get("TINGBAO_PUBLIC_DIR") or root / "public").expanduser().resolve()
    raw_papers = (env.get("TINGBAO_PAPERS") or "").strip()
    papers_file = Path(raw_papers).expanduser().resolve() if raw_papers else None
    tables: tuple[PaperTable, ...] = read_papers_file(papers_file) if papers_file else ()
    papers = [paper_from_table(t) for t in tables] or [load_paper_settings(env)]
    return Settings(
        data_dir=root,
        inbox_dir=inbox,
        public_dir=public,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{root / 'tingbao.db'}",
        paper=papers[0],
        reading=load_reading_settings(env),
        audio=load_audio_settings(env, cache_dir=root / "cache" / "tts", papers=tables),
        feeds=load_feeds_settings(env),
        bot=load_bot_settings(env, staging_dir=root / "bot" / "staging", papers=tables),
        inbox_interval_s=env_int(env, "TINGBAO_INBOX_INTERVAL", 60, minimum=1),
        reconcile_interval_s=env_int(env, "TINGBAO_RECONCILE_INTERVAL", 300, minimum=1),
        upgrade_interval_s=env_int(env, "TINGBAO_UPGRADE_INTERVAL", 1800, minimum=1),
        inbox_settle_s=_seconds(env, "TINGBAO_INBOX_SETTLE", 3.0),
        max_days_ahead=env_int(env, "TINGBAO_MAX_DAYS_AHEAD", 31, minimum=0),
        fault=_fault(env.get("TINGBAO_FAULT")),
        papers_file=papers_file,
        other_papers=tuple(papers[1:]),
        publish=load_publish_target(env),
        phone=load_phone_settings(env),
        wechat=load_wechat_settings(env),
    )
