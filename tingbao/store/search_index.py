"""The article search index: an FTS5 table on SQLite, a tsvector table with a GIN index on
PostgreSQL, both over search.py's tokens.

Ranking: title hits first (every word in the title), then the newest issue, then reading order.
A community paper's reader looks for the recent news on a subject, and an issue holds only about
ten articles, so bm25 (or ts_rank) would only reorder within an issue: it is not used.

Each indexed article has a sort key that says where it stands: the issue's date in the high bits,
and below it a slot that falls with each article stored that day (one issue's articles in reading
order), so larger means newer. On SQLite the key is the FTS5 rowid and a small key table maps key
<-> article id; searching reads only keys from the index (no join, no sort in SQL; a word found in
every article of a 500-issue archive costs a few milliseconds) and looks up the page it returns.
On PostgreSQL one table holds (key, article id, tsvector); a search ranks and pages in SQL.

`IssueStore.save_issue` adds an issue's rows in the transaction that stores its articles. An
article row that goes (a correction replaces the rows, a deleted issue cascades) takes its index
row with it: a trigger on SQLite, a foreign key ON DELETE CASCADE on PostgreSQL, so no stale row
is ever left. The index is made by a migration (tingbao/store/migrations, revision 0002) through
`create`, which fills it from the stored articles; a later change of its layout is a migration
that calls `drop` and `create`. SQLAlchemy cannot declare either layout, hence plain SQL.

`search_index_for` is the one place a database picks its index. Any other database gets
`ScanIndex`: the same query, ranking and paging by a portable scan of the articles (LIKE per
word), correct but slower on a large archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from tingbao.chinese.search_terms import (
    BODY_COLUMN,
    TITLE_COLUMN,
    Query,
    fts5_match,
    index_text,
    tsquery,
    tsvector,
)
from tingbao.store.engine import Database

SEARCH_TABLE = "article_search"
KEYS_TABLE = "article_search_keys"  # SQLite only
DAY_SLOTS = 1 << 20  # sort keys per day: articles stored that day, corrections included
_ARTICLES = (
    "SELECT a.id, a.title, a.text, i.published FROM articles AS a "
    "JOIN issues AS i ON i.id = a.issue_id"
)
_ALL_ARTICLES = f"{_ARTICLES} ORDER BY i.published, i.id, a.position"
_ISSUE_ARTICLES = f"{_ARTICLES} WHERE a.issue_id = :issue_id ORDER BY a.position"


def day_keys(day: date) -> tuple[int, int]:
    """Return the range [low, high) of the sort keys of articles from issues of this day."""
    low = day.toordinal() * DAY_SLOTS
    return low, low + DAY_SLOTS


def rank(matches: Sequence[int], in_title: set[int]) -> list[int]:
    """Return the sort keys of the matches in result order: title hits, then newest first."""
    return sorted(matches, key=lambda key: (key in in_title, key), reverse=True)


def give_keys(connection: Connection, keys_table: str, rows: Iterable[Any]) -> list[Any]:
    """Return (key, article id, title, text) for (article id, title, text, published) rows, each
    with the next free key of its day in keys_table."""
    lowest: dict[int, int] = {}  # low end of a day's keys -> lowest key given out that day
    keyed = []
    for article_id, title, body, published in rows:
        low, high = day_keys(date.fromisoformat(str(published)))
        if low not in lowest:
            found = connection.scalar(
                text(f"SELECT min(key) FROM {keys_table} WHERE key >= :low AND key < :high"),
                {"low": low, "high": high},
            )
            lowest[low] = int(found) if found is not None else high
        lowest[low] -= 1
        keyed.append((lowest[low], article_id, title, body))
    return keyed


class Fts5Index:
    """The search index on SQLite: an FTS5 table of index tokens keyed by sort key."""

    def create(self, connection: Connection) -> None:
        """Create the index, its key table and trigger; fill them from the stored articles."""
        for statement in (
            f"CREATE TABLE {KEYS_TABLE} (key INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE)",
            f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5("
            f"{TITLE_COLUMN}, {BODY_COLUMN}, tokenize='unicode61')",
            f"CREATE TRIGGER {SEARCH_TABLE}_forget AFTER DELETE ON articles BEGIN "
            f"DELETE FROM {SEARCH_TABLE} WHERE rowid = "
            f"(SELECT key FROM {KEYS_TABLE} WHERE article_id = old.id); "
            f"DELETE FROM {KEYS_TABLE} WHERE article_id = old.id; END",
        ):
            connection.execute(text(statement))
        self.fill(connection)

    def fill(self, connection: Connection) -> None:
        """Index every stored article (the index must be empty)."""
        self._add(connection, connection.execute(text(_ALL_ARTICLES)))

    def drop(self, connection: Connection) -> None:
        """Drop the index, its key table and trigger."""
        for statement in (
            f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_forget",
            f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
            f"DROP TABLE IF EXISTS {KEYS_TABLE}",
        ):
            connection.execute(text(statement))

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Index the stored articles of one issue (its old rows went with its old articles)."""
        rows = session.execute(text(_ISSUE_ARTICLES), {"issue_id": issue_id})
        self._add(session.connection(), rows)

    def _add(self, connection: Connection, rows: Iterable[Any]) -> None:
        keyed = give_keys(connection, KEYS_TABLE, rows)
        if not keyed:
            return
        connection.execute(
            text(f"INSERT INTO {KEYS_TABLE}(key, article_id) VALUES (:key, :article_id)"),
            [{"key": key, "article_id": article_id} for key, article_id, _, _ in keyed],
        )
        connection.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE}(rowid, {TITLE_COLUMN}, {BODY_COLUMN}) "
                "VALUES (:key, :title, :body)"
            ),
            [
                {"key": key, "title": index_text(title), "body": index_text(body)}
                for key, _, title, body in keyed
            ],
        )

    def search(
        self, session: Session, query: Query, limit: int, offset: int, paper: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order, and how many match in all.

        Each match is its issue as `issue_to_dict` shapes it, holding only the matching article:
        decoding whole issues would cost more than the search.
        """
        find = text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
        if paper is not None:  # one paper's articles: through the key table to their issues
            find = text(
                f"SELECT s.rowid FROM {SEARCH_TABLE} AS s "
                f"JOIN {KEYS_TABLE} AS k ON k.key = s.rowid "
                "JOIN articles AS a ON a.id = k.article_id JOIN issues AS i ON i.id = a.issue_id "
                f"WHERE {SEARCH_TABLE} MATCH :match AND i.paper = :paper"
            )
        params = {"paper": paper} if paper is not None else {}
        matches = session.scalars(find, {"match": fts5_match(query), **params}).all()
        title_match = {"match": fts5_match(query, TITLE_COLUMN), **params}
        in_title = set(session.scalars(find, title_match))
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


class PostgresIndex:
    """The search index on PostgreSQL: (sort key, article id, tsvector) rows with a GIN index.

    The tsvector holds search.py's tokens with their positions, the title's at weight A, written
    in tsvector syntax (no parser or dictionary changes a token); a query is the tsquery of the
    same terms, and a title hit is the same tsquery restricted to weight A.
    """

    def create(self, connection: Connection) -> None:
        """Create the table and its GIN index; fill them from the stored articles."""
        for statement in (
            f"CREATE TABLE {SEARCH_TABLE} (key BIGINT PRIMARY KEY, "
            "article_id VARCHAR(40) NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE, "
            "document TSVECTOR NOT NULL, paper VARCHAR(40))",
            f"CREATE INDEX {SEARCH_TABLE}_document ON {SEARCH_TABLE} USING GIN (document)",
            # One paper's search (the bot's, with several papers) reads that paper's rows only.
            f"CREATE INDEX {SEARCH_TABLE}_paper ON {SEARCH_TABLE} (paper)",
        ):
            connection.execute(text(statement))
        self.fill(connection)

    def fill(self, connection: Connection) -> None:
        """Index every stored article (the index must be empty)."""
        self._add(connection, connection.execute(text(_ALL_ARTICLES)).all())

    def drop(self, connection: Connection) -> None:
        """Drop the table (and its index)."""
        connection.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Index the stored articles of one issue (its old rows went with its old articles)."""
        rows = session.execute(text(_ISSUE_ARTICLES), {"issue_id": issue_id}).all()
        self._add(session.connection(), rows)

    def _add(self, connection: Connection, rows: Sequence[Any]) -> None:
        if not rows:
            return
        # Keys are given out by reading the lowest one of a day: one writer at a time, until
        # this transaction ends (two processes storing an issue the same day would collide).
        connection.execute(text(f"SELECT pg_advisory_xact_lock(hashtext('{SEARCH_TABLE}'))"))
        connection.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE}(key, article_id, document) "
                "VALUES (:key, :article_id, CAST(:document AS tsvector))"
            ),
            [
                {"key": key, "article_id": article_id, "document": tsvector(title, body)}
                for key, article_id, title, body in give_keys(connection, SEARCH_TABLE, rows)
            ],
        )
        connection.execute(
            text(
                f"UPDATE {SEARCH_TABLE} AS s SET paper = i.paper FROM articles AS a "
                "JOIN issues AS i ON i.id = a.issue_id "
                "WHERE s.paper IS NULL AND a.id = s.article_id"
            )
        )

    def search(
        self, session: Session, query: Query, limit: int, offset: int, paper: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order (as Fts5Index.search), and the total."""
        match: dict[str, Any] = {"match": tsquery(query)}
        one_paper = ""
        if paper is not None:  # the paper's index narrows the matches before they are read
            match["paper"] = paper
            one_paper = "AND s.paper = :paper "
        joined = (
            f"FROM {SEARCH_TABLE} AS s "
            "JOIN articles AS a ON a.id = s.article_id JOIN issues AS i ON i.id = a.issue_id "
            f"WHERE s.document @@ CAST(:match AS tsquery) {one_paper}"
        )
        rows = session.execute(
            text(
                "SELECT a.id, i.data -> 'issue', i.data -> 'articles' -> a.position, "
                f"count(*) OVER () {joined}"
                "ORDER BY s.document @@ CAST(:title AS tsquery) DESC, s.key DESC "
                "LIMIT :limit OFFSET :offset"
            ),
            {**match, "title": tsquery(query, "A"), "limit": limit, "offset": offset},
        ).all()
        if not rows:
            total = session.scalar(text(f"SELECT count(*) {joined}"), match)
            return [], int(total or 0)
        page = [
            {"issue": head, "articles": [article]}
            for article_id, head, article, _ in rows
            if article["id"] == article_id
        ]
        return page, int(rows[0][3])


class ScanIndex:
    """The portable index: no table of its own; each search scans the articles with LIKE.

    The words, normalized (search.normalize: NFKC, lower case), are matched against the stored
    title and text in lower case (LIKE is case-sensitive on PostgreSQL).
    """

    def create(self, connection: Connection) -> None:
        """Nothing to create: the articles table is the index."""

    def fill(self, connection: Connection) -> None:
        """Nothing to fill."""

    def drop(self, connection: Connection) -> None:
        """Nothing to drop."""

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Nothing to add: a stored article is found as soon as it is stored."""

    def search(
        self, session: Session, query: Query, limit: int, offset: int, paper: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order (as Fts5Index.search), and the total."""
        params: dict[str, Any] = {}
        conditions, title_hits = [], []
        if paper is not None:
            params["paper"] = paper
            conditions.append("i.paper = :paper")
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


SearchIndex = Fts5Index | PostgresIndex | ScanIndex


def search_index_for(dialect: str) -> SearchIndex:
    """Return the search index of a database: the one place a dialect picks its index."""
    if dialect == "sqlite":
        return Fts5Index()
    if dialect == "postgresql":
        return PostgresIndex()
    return ScanIndex()


def fill_empty_search_index(connection: Connection) -> None:
    """Index the stored articles when the search index is empty but articles are stored (a
    database a migration gave a new, empty index)."""
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return
    indexed = connection.execute(text(f"SELECT 1 FROM {SEARCH_TABLE} LIMIT 1")).first()
    stored = connection.execute(text("SELECT 1 FROM articles LIMIT 1")).first()
    if indexed is None and stored is not None:
        search_index_for(connection.dialect.name).fill(connection)


def rebuild_search_index(db: Database) -> None:
    """Drop the article search index and make it again from the stored articles."""
    index = search_index_for(db.engine.dialect.name)
    with db.engine.begin() as connection:
        index.drop(connection)
        index.create(connection)
