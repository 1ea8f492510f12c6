"""The papers one bot serves, and the paper each chat reads.

With one paper nothing is asked: every chat reads it. With several, /start asks which paper (big
buttons), the choice is remembered per chat in the database (so every replica and every restart
knows it), and 换报纸 asks again. Subscriptions, the latest issue, the archive and the hotline are
the chosen paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from tingbao.chat.tables import ChatPaperRow
from tingbao.paper.model import paper_slug_of
from tingbao.paper.settings import PaperSettings, paper_of
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database


@dataclass(frozen=True)
class Papers:
    """The papers one bot serves, in configuration order, and where their pages are."""

    all: tuple[PaperSettings, ...]
    folders: bool = False  # each paper's pages under public/<slug>/ (TINGBAO_PAPERS)

    @property
    def several(self) -> bool:
        """Return whether chats choose a paper."""
        return len(self.all) > 1

    @property
    def first(self) -> PaperSettings:
        """Return the first paper (the only one, with one)."""
        return self.all[0]

    def of(self, slug: str) -> PaperSettings:
        """Return the paper an issue belongs to (by its slug)."""
        return paper_of(self.all, slug)

    def of_issue_id(self, issue_id: str) -> PaperSettings:
        """Return the paper of an issue by its id, `<slug>-YYYY-MM-DD` (model.make_issue_id)."""
        return self.of(paper_slug_of(issue_id))

    def named(self, slug: str) -> PaperSettings | None:
        """Return the paper with this slug, or None."""
        return next((p for p in self.all if p.slug == slug), None)

    def page(self, slug: str, path: str) -> str:
        """Return the path under public/ of a paper's page (article_page, issue_page)."""
        return f"{slug}/{path}" if self.folders else path

    def issue_filter(self, paper: PaperSettings) -> str | None:
        """Return the slug to select a paper's issues by; None (every issue) with one paper, so
        a single-paper deployment shows what it always showed."""
        return paper.slug if self.several else None


class ChatPapers:
    """The paper each chat reads, remembered in bot_chat_papers; each call is a transaction."""

    def __init__(self, db: Database, papers: Papers, clock: Clock = utc_now) -> None:
        self.db = db
        self.papers = papers
        self.clock = clock

    def chosen(self, chat_id: int) -> PaperSettings | None:
        """Return the paper a chat reads: the only one, or its choice (None: not chosen yet, or
        a paper no longer served)."""
        if not self.papers.several:
            return self.papers.first
        with self.db.session() as session:
            row = session.get(ChatPaperRow, chat_id)
            return self.papers.named(row.paper) if row is not None else None

    def choose(self, chat_id: int, slug: str) -> PaperSettings | None:
        """Remember a chat's choice; return the paper, or None for a slug not served."""
        paper = self.papers.named(slug)
        if paper is None:
            return None
        try:
            self._store(chat_id, slug)
        except IntegrityError:  # another replica stored the chat's first choice just now
            self._store(chat_id, slug)
        return paper

    def _store(self, chat_id: int, slug: str) -> None:
        with self.db.session() as session:
            row = session.get(ChatPaperRow, chat_id)
            if row is None:
                session.add(ChatPaperRow(chat_id=chat_id, paper=slug, updated_at=self.clock()))
            else:
                row.paper, row.updated_at = slug, self.clock()
