"""The issue store: issues, their articles, and which pipeline stage is done for which content.

A stage is done for an issue when its recorded input hash equals the hash of what it would work on
now; a corrected issue changes the hash and so makes the stage due again.

A stage that failed for an issue (a bug or a bad file in one issue's audio, say) is recorded in
stage_failures with its reason and how many times it failed, so `tingbao show` and operators can
see why an issue is not published whole; marking the stage done clears it.

Articles are found through the full-text index of search_index.py: `save_issue` indexes an
issue's articles in the transaction that stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.chinese.search_terms import parse_query
from tingbao.paper.errors import NotFoundError
from tingbao.paper.model import Article, Issue, issue_from_dict, issue_to_dict
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Base, Database
from tingbao.store.search_index import SearchIndex, search_index_for

SaveStatus = Literal["new", "unchanged", "updated"]


class IssueRow(Base):
    __tablename__ = "issues"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    paper: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[date] = mapped_column(Date, index=True)
    content_hash: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # title and body, for search


class StageRow(Base):
    __tablename__ = "stages"

    issue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StageFailureRow(Base):
    __tablename__ = "stage_failures"

    issue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class StageFailure:
    """Why a stage last failed for an issue, and how many times in a row it has."""

    issue_id: str
    stage: str
    reason: str
    attempts: int
    failed_at: datetime


@dataclass(frozen=True)
class SaveResult:
    """What storing an issue did: new, unchanged (same content) or updated (corrected)."""

    status: SaveStatus
    issue: Issue
    previous_hash: str | None


@dataclass(frozen=True)
class IssueSummary:
    """A line of the issue list."""

    id: str
    title: str
    published: date
    article_count: int
    updated_at: datetime


@dataclass(frozen=True)
class ArticleHit:
    """An article found by search, with its issue."""

    issue_id: str
    issue_title: str
    article: Article
    published: date


@dataclass(frozen=True)
class SearchPage:
    """One page of search results, and how many articles match in all."""

    hits: tuple[ArticleHit, ...]
    total: int
    offset: int

    @property
    def has_more(self) -> bool:
        """Return whether articles come after this page."""
        return self.offset + len(self.hits) < self.total


class IssueStore:
    """Read and write issues; every method runs in its own transaction."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    @cached_property
    def index(self) -> SearchIndex:
        """Return the search index of this database."""
        return search_index_for(self.db.engine.dialect.name)

    def save_issue(self, issue: Issue, source_name: str = "") -> SaveResult:
        """Store an issue; identical content changes nothing, a correction replaces it."""
        content_hash = issue.content_hash
        with self.db.session() as session:
            row = session.get(IssueRow, issue.id)
            if row is not None and row.content_hash == content_hash:
                return SaveResult("unchanged", issue, content_hash)
            now = self.clock()
            previous = row.content_hash if row is not None else None
            if row is None:
                row = IssueRow(id=issue.id, created_at=now)
                session.add(row)
            row.paper = issue.paper
            row.title = issue.title
            row.published = issue.published
            row.content_hash = content_hash
            row.source_name = source_name[:255]
            row.data = issue_to_dict(issue)
            row.updated_at = now
            session.execute(delete(ArticleRow).where(ArticleRow.issue_id == issue.id))
            session.flush()
            for position, article in enumerate(issue.articles):
                session.add(
                    ArticleRow(
                        id=article.id,
                        issue_id=issue.id,
                        position=position,
                        title=article.title,
                        kind=article.kind,
                        text=f"{article.kicker or ''}\n{article.title}\n{article.body_text}",
                    )
                )
            session.flush()
            self.index.add_issue(session, issue.id)
            return SaveResult("new" if previous is None else "updated", issue, previous)

    def get_issue(self, issue_id: str) -> Issue:
        """Return the stored issue, or raise NotFoundError."""
        with self.db.session() as session:
            row = session.get(IssueRow, issue_id)
            if row is None:
                raise NotFoundError(f"no issue {issue_id!r}: run `tingbao issues` to list them")
            return issue_from_dict(row.data)

    def find_issue(self, issue_id: str) -> Issue | None:
        """Return the stored issue or None."""
        try:
            return self.get_issue(issue_id)
        except NotFoundError:
            return None

    def latest_issue(self, paper: str | None = None) -> Issue | None:
        """Return the most recently published issue, or None when there is none."""
        issues = self.recent_issues(limit=1, paper=paper)
        return issues[0] if issues else None

    def recent_issues(
        self, limit: int | None = None, offset: int = 0, paper: str | None = None
    ) -> list[Issue]:
        """Return issues newest first."""
        with self.db.session() as session:
            query = select(IssueRow.data).order_by(IssueRow.published.desc(), IssueRow.id.desc())
            if paper is not None:
                query = query.where(IssueRow.paper == paper)
            query = query.offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return [issue_from_dict(data) for data in session.scalars(query)]

    def list_issues(
        self, limit: int | None = None, offset: int = 0, paper: str | None = None
    ) -> list[IssueSummary]:
        """Return one summary per issue (of one paper, or of all), newest first."""
        with self.db.session() as session:
            query = (
                select(IssueRow)
                .order_by(IssueRow.published.desc(), IssueRow.id.desc())
                .offset(offset)
            )
            if paper is not None:
                query = query.where(IssueRow.paper == paper)
            if limit is not None:
                query = query.limit(limit)
            return [
                IssueSummary(
                    row.id, row.title, row.published, len(row.data["articles"]), row.updated_at
                )
                for row in session.scalars(query)
            ]

    def count_issues(self, paper: str | None = None) -> int:
        """Return how many issues are stored (of one paper, or of all)."""
        query = select(func.count()).select_from(IssueRow)
        if paper is not None:
            query = query.where(IssueRow.paper == paper)
        with self.db.session() as session:
            return session.scalar(query) or 0

    def find_article(self, article_id: str) -> tuple[Issue, Article] | None:
        """Return the article with this id and its issue, or None."""
        with self.db.session() as session:
            issue_id = session.scalar(
                select(ArticleRow.issue_id).where(ArticleRow.id == article_id)
            )
        if issue_id is None:
            return None
        issue = self.get_issue(issue_id)
        article = issue.article(article_id)
        return (issue, article) if article is not None else None

    def search(
        self,
        words: str | Sequence[str],
        limit: int = 10,
        offset: int = 0,
        paper: str | None = None,
    ) -> SearchPage:
        """Return a page of the articles matching every word, in rank order (search_index.py),
        of one paper's issues or (None) of every paper's."""
        query = parse_query(words)
        if query is None:
            return SearchPage((), 0, offset)
        with self.db.session() as session:
            found, total = self.index.search(session, query, limit, offset, paper)
        hits = []
        for data in found:
            issue = issue_from_dict(data)  # the issue with only the matching article
            hits.append(ArticleHit(issue.id, issue.title, issue.articles[0], issue.published))
        return SearchPage(tuple(hits), total, offset)

    def stage_done(self, issue_id: str, stage: str, input_hash: str) -> bool:
        """Return whether stage already ran for exactly this input."""
        with self.db.session() as session:
            row = session.get(StageRow, (issue_id, stage))
            return row is not None and row.input_hash == input_hash

    def mark_stage(self, issue_id: str, stage: str, input_hash: str) -> None:
        """Record that stage is done for this input (and no longer failing)."""
        with self.db.session() as session:
            session.execute(
                delete(StageFailureRow).where(
                    StageFailureRow.issue_id == issue_id, StageFailureRow.stage == stage
                )
            )
            row = session.get(StageRow, (issue_id, stage))
            if row is None:
                session.add(
                    StageRow(
                        issue_id=issue_id, stage=stage, input_hash=input_hash, done_at=self.clock()
                    )
                )
            else:
                row.input_hash = input_hash
                row.done_at = self.clock()

    def mark_failed(self, issue_id: str, stage: str, reason: str) -> StageFailure:
        """Record that stage failed for an issue, and why (one line, cut to 500 characters)."""
        line = " ".join(reason.split())[:500]
        with self.db.session() as session:
            row = session.get(StageFailureRow, (issue_id, stage))
            if row is None:
                row = StageFailureRow(issue_id=issue_id, stage=stage, attempts=0)
                session.add(row)
            row.reason = line
            row.attempts += 1
            row.failed_at = self.clock()
            return StageFailure(issue_id, stage, line, row.attempts, row.failed_at)

    def failures(self, issue_id: str | None = None) -> list[StageFailure]:
        """Return the stages failing now (of one issue, or of all), most recent first."""
        query = select(StageFailureRow).order_by(StageFailureRow.failed_at.desc())
        if issue_id is not None:
            query = query.where(StageFailureRow.issue_id == issue_id)
        with self.db.session() as session:
            return [
                StageFailure(r.issue_id, r.stage, r.reason, r.attempts, r.failed_at)
                for r in session.scalars(query)
            ]

    def published_between(self, paper: str, first: date, last: date) -> list[tuple[Issue, str]]:
        """Return a paper's issues published from first to last (inclusive), each with the name
        of the file it came from."""
        with self.db.session() as session:
            query = select(IssueRow.data, IssueRow.source_name).where(
                IssueRow.paper == paper, IssueRow.published.between(first, last)
            )
            return [(issue_from_dict(data), name) for data, name in session.execute(query)]

    def stages(self, issue_id: str) -> dict[str, str]:
        """Return stage name -> input hash for an issue."""
        with self.db.session() as session:
            rows = session.scalars(select(StageRow).where(StageRow.issue_id == issue_id))
            return {row.stage: row.input_hash for row in rows}
