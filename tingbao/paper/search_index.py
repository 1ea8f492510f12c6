"""The article search index: on SQLite an FTS5 table over search.py's tokens.

Ranking: title hits first (every word in the title), then the newest issue, then reading order.
A community paper's reader looks for the recent news on a subject, and an issue holds only about
ten articles, so bm25 would only reorder within an issue: it is not used.

Each indexed article has a sort key, the FTS5 rowid, that says where it stands: the issue's date
in the high bits, and below it a slot that falls with each article stored that day (one issue's
articles in reading order), so larger means newer. Searching reads only rowids from the index
(no join, no sort in SQL; a word found in every article of a 500-issue archive costs a few
milliseconds) and looks up the ids of the page it returns. A small key table maps key <->
article id.

`IssueStore.save_issue` adds an issue's rows in the transaction that stores its articles; a
trigger drops an article's index row and key whenever the article row goes (a correction replaces
the rows, a deleted issue cascades), so no stale row is ever left. `create_search_index` (called
by the schema) makes the index of an existing database and fills it from the stored articles.
SQLAlchemy cannot declare FTS5 tables, hence plain SQL.

`search_index_for` is the one place a database picks its index. Other databases (PostgreSQL)
get `ScanIndex` until their own full-text index is built: the same query, ranking and paging by
a portable scan of the articles (LIKE per word), correct but slower on a large archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from tingbao.paper.db import Database
from tingbao.paper.search import BODY_COLUMN, TITLE_COLUMN, Query, fts5_match, index_text

SEARCH_TABLE = "article_search"
KEYS_TABLE = "article_search_keys"
DAY_SLOTS = 1 << 20  # sort keys per day: articles stored that day, corrections included
_TABLE_EXISTS = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name")
_ARTICLES = (
    "SELECT a.id, a.title, a.text, i.published FROM articles AS a "
    "JOIN issues AS i ON i.id = a.issue_id"
)


def day_keys(day: date) -> tuple[int, int]:
    """Return the range [low, high) of the sort keys of articles from issues of this day."""
    low = day.toordinal() * DAY_SLOTS
    return low, low + DAY_SLOTS


def rank(matches: Sequence[int], in_title: set[int]) -> list[int]:
    """Return the sort keys of the matches in result order: title hits, then newest first."""
    return sorted(matches, key=lambda key: (key in in_title, key), reverse=True)


class Fts5Index:
    """The search index on SQLite: an FTS5 table of index tokens keyed by sort key."""

    def create(self, connection: Connection) -> None:
        """Create the index, its key table and trigger when missing; fill them from the store."""
        if connection.scalar(_TABLE_EXISTS, {"name": SEARCH_TABLE}):
            return
        for statement in (
            f"DROP TABLE IF EXISTS {KEYS_TABLE}",
            f"CREATE TABLE {KEYS_TABLE} (key INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE)",
            f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5("
            f"{TITLE_COLUMN}, {BODY_COLUMN}, tokenize='unicode61')",
            f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_forget AFTER DELETE ON articles BEGIN "
            f"DELETE FROM {SEARCH_TABLE} WHERE rowid = "
            f"(SELECT key FROM {KEYS_TABLE} WHERE article_id = old.id); "
            f"DELETE FROM {KEYS_TABLE} WHERE article_id = old.id; END",
        ):
            connection.execute(text(statement))
        rows = connection.execute(text(f"{_ARTICLES} ORDER BY i.published, i.id, a.position"))
        self._add(connection, rows)

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Index the stored articles of one issue (its old rows went with its old articles)."""
        rows = session.execute(
            text(f"{_ARTICLES} WHERE a.issue_id = :issue_id ORDER BY a.position"),
            {"issue_id": issue_id},
        )
        self._add(session.connection(), rows)

    def _add(self, connection: Connection, rows: Iterable[Any]) -> None:
        """Index (article id, title, text, published) rows, giving each the next key of its day."""
        lowest: dict[int, int] = {}  # low end of a day's keys -> lowest key given out that day
        keys, entries = [], []
        for article_id, title, body, published in rows:
            low, high = day_keys(date.fromisoformat(str(published)))
            if low not in lowest:
                lowest[low] = self._lowest_key(connection, low, high)
            lowest[low] -= 1
            key = lowest[low]
            keys.append({"key": key, "article_id": article_id})
            entries.append({"key": key, "title": index_text(title), "body": index_text(body)})
        if keys:
            connection.execute(
                text(f"INSERT INTO {KEYS_TABLE}(key, article_id) VALUES (:key, :article_id)"), keys
            )
            connection.execute(
                text(
                    f"INSERT INTO {SEARCH_TABLE}(rowid, {TITLE_COLUMN}, {BODY_COLUMN}) "
                    "VALUES (:key, :title, :body)"
                ),
                entries,
            )

    @staticmethod
    def _lowest_key(connection: Connection, low: int, high: int) -> int:
        """Return the lowest key given out in [low, high), or high when there is none."""
        found = connection.scalar(
            text(f"SELECT min(key) FROM {KEYS_TABLE} WHERE key >= :low AND key < :high"),
            {"low": low, "high": high},
        )
        return int(found) if found is not None else high

    def search(
        self, session: Session, query: Query, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order, and how many match in all.

        Each match is its issue as `issue_to_dict` shapes it, holding only the matching article:
        decoding whole issues would cost more than the search.
        """
        find = text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
        matches = session.scalars(find, {"match": fts5_match(query)}).all()
        in_title = set(session.scalars(find, {"match": fts5_match(query, TITLE_COLUMN)}))
        page = rank(matches, in_title)[offset : offset + limit]
        if not page:
            return [], len(matches)
        rows = session.execute(
            text(
                "SELECT k.key, a.id, json_extract(i.data, '$.issue'), "
                "json_extract(i.data, '$.articles[' || a.position || ']') "
                f"FROM {KEYS_TABLE} AS k JOIN articles AS a ON a.id = k.article_id "
                "JOIN issues AS i ON i.id = a.issue_id WHERE k.key IN :keys"
            ).bindparams(bindparam("keys", expanding=True)),
            {"keys": page},
        )
        found = {
            key: {"issue": json.loads(head), "articles": [json.loads(article)]}
            for key, article_id, head, article in rows
            if json.loads(article)["id"] == article_id
        }
        return [found[key] for key in page if key in found], len(matches)


class ScanIndex:
    """The portable index: no table of its own; each search scans the articles with LIKE.

    The words, normalized (search.normalize: NFKC, lower case), are matched against the stored
    title and text in lower case (LIKE is case-sensitive on PostgreSQL).
    """

    def create(self, connection: Connection) -> None:
        """Nothing to create: the articles table is the index."""

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Nothing to add: a stored article is found as soon as it is stored."""

    def search(
        self, session: Session, query: Query, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order (as Fts5Index.search), and the total."""
        params: dict[str, Any] = {}
        conditions, title_hits = [], []
        for n, term in enumerate(query.terms):
            params[f"w{n}"] = "%" + _like_escape(term.word) + "%"
            conditions.append(
                f"(lower(a.title) LIKE :w{n} ESCAPE '!' OR lower(a.text) LIKE :w{n} ESCAPE '!')"
            )
            title_hits.append(f"lower(a.title) LIKE :w{n} ESCAPE '!'")
        rows = session.execute(
            text(
                f"SELECT a.id, a.position, i.published, i.data, "
                f"CASE WHEN {' AND '.join(title_hits)} THEN 1 ELSE 0 END "
                "FROM articles AS a JOIN issues AS i ON i.id = a.issue_id "
                f"WHERE {' AND '.join(conditions)}"
            ),
            params,
        ).all()
        ranked = sorted(rows, key=lambda r: (r[4], str(r[2]), -r[1]), reverse=True)
        page = []
        for article_id, _position, _published, data, _in_title in ranked[offset : offset + limit]:
            issue = json.loads(data) if isinstance(data, str) else data
            articles = [a for a in issue["articles"] if a["id"] == article_id]
            page.append({"issue": issue["issue"], "articles": articles})
        return page, len(rows)


def _like_escape(word: str) -> str:
    return word.replace("!", "!!").replace("%", "!%").replace("_", "!_")


SearchIndex = Fts5Index | ScanIndex


def search_index_for(dialect: str) -> SearchIndex:
    """Return the search index of a database: the one place a dialect picks its index.

    PostgreSQL's own goes here: a table of (article id, tsvector of index_text with the title at
    weight A, GIN index), queried with the terms of the same `Query` ('simple' configuration).
    """
    return Fts5Index() if dialect == "sqlite" else ScanIndex()


def create_search_index(db: Database) -> None:
    """Create the article search index when missing, filled from the stored articles."""
    index = search_index_for(db.engine.dialect.name)
    with db.engine.begin() as connection:
        index.create(connection)
