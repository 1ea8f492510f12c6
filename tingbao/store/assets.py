"""Published files that belong to an issue or an article: audio, transcripts, chapters.

The audio part writes these rows; the feeds and bot parts read them. A row exists only once its
file is fully published, so anything that reads a row may link to its file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Base, Database

# Roles of an article's files.
ARTICLE_MP3 = "mp3"  # normal reading, MP3 with ID3 tags
ARTICLE_MP3_SLOW = "mp3_slow"  # slow reading (settings.slow_rate)
ARTICLE_VOICE = "ogg"  # OGG/Opus voice note for Telegram
ARTICLE_VTT = "vtt"  # WebVTT transcript with sentence timings
# Roles of an issue's files (the whole-issue episode).
ISSUE_MP3 = "mp3"  # one episode with ID3 chapter frames
ISSUE_VTT = "vtt"
ISSUE_CHAPTERS = "chapters"  # Podcasting 2.0 chapters JSON


@dataclass(frozen=True)
class Asset:
    """One published file: where it is, how big, how long, and which engine made it."""

    owner_id: str  # an article id or an issue id
    issue_id: str
    role: str
    path: str  # relative to public/
    size: int
    mime: str
    duration_s: float | None = None
    engine: str | None = None  # "edge" or "offline" for audio
    content_key: str = ""  # hash of what was rendered; equal keys, equal files
    loudness_lufs: float | None = None  # audio: integrated loudness as measured after encoding
    true_peak_dbtp: float | None = None  # audio: true peak as measured after encoding


class AssetRow(Base):
    __tablename__ = "assets"

    owner_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(80), index=True)
    path: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(60))
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    engine: Mapped[str | None] = mapped_column(String(20), nullable=True)
    content_key: Mapped[str] = mapped_column(String(64), default="")
    loudness_lufs: Mapped[float | None] = mapped_column(Float, nullable=True)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_asset(self) -> Asset:
        return Asset(
            owner_id=self.owner_id,
            issue_id=self.issue_id,
            role=self.role,
            path=self.path,
            size=self.size,
            mime=self.mime,
            duration_s=self.duration_s,
            engine=self.engine,
            content_key=self.content_key,
            loudness_lufs=self.loudness_lufs,
            true_peak_dbtp=self.true_peak_dbtp,
        )


class AssetStore:
    """Record and look up published files."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def put(self, asset: Asset) -> None:
        """Insert or replace the row for (owner_id, role); call after the file is published."""
        with self.db.session() as session:
            row = session.get(AssetRow, (asset.owner_id, asset.role))
            if row is None:
                row = AssetRow(owner_id=asset.owner_id, role=asset.role)
                session.add(row)
            row.issue_id = asset.issue_id
            row.path = asset.path
            row.size = asset.size
            row.mime = asset.mime
            row.duration_s = asset.duration_s
            row.engine = asset.engine
            row.content_key = asset.content_key
            row.loudness_lufs = asset.loudness_lufs
            row.true_peak_dbtp = asset.true_peak_dbtp
            row.updated_at = self.clock()

    def get(self, owner_id: str, role: str) -> Asset | None:
        """Return the asset of owner_id in role, or None."""
        with self.db.session() as session:
            row = session.get(AssetRow, (owner_id, role))
            return row.to_asset() if row is not None else None

    def for_issue(self, issue_id: str) -> list[Asset]:
        """Return every asset of an issue and its articles."""
        with self.db.session() as session:
            rows = session.scalars(select(AssetRow).where(AssetRow.issue_id == issue_id))
            return [row.to_asset() for row in rows]

    def for_issues(self, issue_ids: Iterable[str]) -> dict[tuple[str, str], Asset]:
        """Return (owner_id, role) -> asset for every asset of these issues."""
        ids = list(issue_ids)
        if not ids:
            return {}
        with self.db.session() as session:
            rows = session.scalars(select(AssetRow).where(AssetRow.issue_id.in_(ids)))
            return {(row.owner_id, row.role): row.to_asset() for row in rows}

    def with_engine(self, engine: str) -> list[Asset]:
        """Return every asset made by an engine (to find offline audio worth upgrading)."""
        with self.db.session() as session:
            rows = session.scalars(select(AssetRow).where(AssetRow.engine == engine))
            return [row.to_asset() for row in rows]

    def remove(self, owner_id: str, role: str) -> None:
        """Forget one asset (a voice note made stale by a new reading)."""
        with self.db.session() as session:
            session.execute(
                delete(AssetRow).where(AssetRow.owner_id == owner_id, AssetRow.role == role)
            )

    def remove_owner(self, owner_id: str) -> None:
        """Forget every asset of an owner (an article dropped by a correction)."""
        with self.db.session() as session:
            session.execute(delete(AssetRow).where(AssetRow.owner_id == owner_id))


def file_key(asset: Asset) -> str:
    """Return what identifies the bytes of a file: its content key, engine and size.

    The engine and size matter because offline audio upgraded to the online voice keeps its
    content key (the same words, voice setting and rate) but is a different file.
    """
    return f"{asset.content_key}:{asset.engine or '-'}:{asset.size}"
