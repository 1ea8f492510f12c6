"""The editors' side of the lexicon: their entries, and the shipped ones they removed.

A row is an editor's entry for a word (new, or changing a shipped entry's reading), or a tombstone
(`removed`) for a shipped entry taken out, so it stays out after an upgrade. Removing an editor's
own entry deletes its row: a word that is not shipped has nothing to come back. The lexicon in
force is the shipped entries overlaid by these rows (`Lexicon.overlay`).

`version()` is what the worker compares to know whether the lexicon changed: a hash of the rows'
readings and of the shipped entries, so it changes when any reading does (and across a release
that changes the shipped ones) and stays when an editor stores the same reading again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.chinese.lexicon import DEFAULT_ENTRIES, Entry, Lexicon
from tingbao.store.clock import Clock, utc, utc_now
from tingbao.store.engine import Base, Database


class LexiconEntryRow(Base):
    __tablename__ = "lexicon_entries"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)
    homophone: Mapped[str] = mapped_column(String(40), default="")
    pinyin: Mapped[str] = mapped_column(String(200), default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


@dataclass(frozen=True)
class LexiconRow:
    """One stored row: an editor's reading of a word, or a shipped entry removed."""

    word: str
    homophone: str
    pinyin: str
    removed: bool
    updated_at: datetime
    updated_by: str | None

    def entry(self) -> Entry | None:
        """Return the row's entry, or None for a removed shipped entry."""
        return None if self.removed else Entry(self.word, self.homophone, self.pinyin)


class LexiconStore:
    """Editors' lexicon rows in the database, and the lexicon they make with the shipped ones."""

    def __init__(
        self, db: Database, defaults: Sequence[Entry] = DEFAULT_ENTRIES, clock: Clock = utc_now
    ) -> None:
        self.db = db
        self.defaults = tuple(defaults)
        self.shipped = frozenset(entry.word for entry in self.defaults)
        self.clock = clock

    def add(self, entry: Entry, by: str | None = None) -> None:
        """Store entry as the word's reading (a new word, or a changed or restored shipped one);
        `by` names the editor (a Telegram id, a login), for the record."""
        with self.db.session() as session:
            row = session.get(LexiconEntryRow, entry.word)
            if row is None:
                row = LexiconEntryRow(word=entry.word)
                session.add(row)
            row.homophone = entry.homophone
            row.pinyin = entry.pinyin
            row.removed = False
            row.updated_at = self.clock()
            row.updated_by = by

    def remove(self, word: str, by: str | None = None) -> bool:
        """Take word out of the lexicon; return False when it was not in it."""
        with self.db.session() as session:
            row = session.get(LexiconEntryRow, word)
            if word not in self.shipped:
                if row is None:
                    return False
                session.delete(row)
                return True
            if row is not None and row.removed:
                return False
            if row is None:
                row = LexiconEntryRow(word=word)
                session.add(row)
            row.homophone = ""
            row.pinyin = ""
            row.removed = True
            row.updated_at = self.clock()
            row.updated_by = by
            return True

    def rows(self) -> list[LexiconRow]:
        """Return every stored row, by word."""
        with self.db.session() as session:
            found = session.scalars(select(LexiconEntryRow))
            rows = [
                LexiconRow(
                    r.word, r.homophone, r.pinyin, r.removed, utc(r.updated_at), r.updated_by
                )
                for r in found
            ]
        return sorted(rows, key=lambda row: row.word)  # code points: the same on every database

    def lexicon(self) -> Lexicon:
        """Return the lexicon in force: the shipped entries overlaid by the rows."""
        return Lexicon.overlay({row.word: row.entry() for row in self.rows()}, self.defaults)

    def version(self) -> str:
        """Return a short hash that changes whenever a stored reading does (module docstring)."""
        with self.db.session() as session:
            found = session.execute(
                select(
                    LexiconEntryRow.word,
                    LexiconEntryRow.homophone,
                    LexiconEntryRow.pinyin,
                    LexiconEntryRow.removed,
                )
            ).all()
        lines = [Lexicon(self.defaults).digest()]
        lines += sorted(f"{w}\t{h}\t{p}\t{int(r)}" for w, h, p, r in found)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
