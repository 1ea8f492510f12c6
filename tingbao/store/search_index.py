"""The article search index: an FTS5 table on SQLite, GIN indexes of gram documents on
PostgreSQL, both over search_terms.py's rules.

Ranking: title hits first (every word in the title), then the newest issue, then reading order.
A community paper's reader looks for the recent news on a subject, and an issue holds only about
ten articles, so bm25 (or ts_rank) would only reorder within an issue: it is not used. Issues of
the same day (several papers) follow each other by storage order on SQLite, by issue id elsewhere.

On SQLite each indexed article has a sort key that says where it stands: the issue's date in the
high bits, and below it a slot that falls with each article stored that day (one issue's articles
in reading order), so larger means newer. The key is the FTS5 rowid and a small key table maps
key <-> article id; searching reads only keys from the index (no join, no sort in SQL; a word
found in every article of a 500-issue archive costs a few milliseconds) and looks up the page it
returns. `IssueStore.save_issue` adds an issue's rows in the transaction that stores its
articles; an article row that goes takes its index row with it (a trigger), so no stale row is
ever left.

On PostgreSQL (`PostgresIndex`, revision 0008) the index is two GIN expression indexes on the
articles table itself, over a gram document the database makes from each row: it follows the
articles with no code and no rows of its own, and is about half the size of the text it indexes.
(Revision 0002's tsvector table with positions was larger than the whole text and had to read
every match's document to check a phrase: seconds for a common word across 200 papers.)

The index is made by migrations (0002 on SQLite, 0008 on PostgreSQL) in frozen SQL, and by
`create`, which fills it from the stored articles; a later change of its layout is a migration.
SQLAlchemy cannot declare either layout, hence plain SQL.

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
    CJK_ESCAPES,
    GRAM,
    ISSUE_MARK,
    LATIN_MARK,
    TITLE_COLUMN,
    Query,
    document_tsquery,
    fts5_match,
    index_text,
    long_words,
)
from tingbao.store.engine import Database

SEARCH_TABLE = "article_search"  # SQLite's FTS5 table (and PostgreSQL's before revision 0008)
KEYS_TABLE = "article_search_keys"  # SQLite only
DOCUMENT_FUNCTION = "article_search_document"  # PostgreSQL: text, issue id -> gram tsvector
DOCUMENT_INDEX = "article_search_text"  # PostgreSQL: GIN on the articles' text documents
TITLE_INDEX = "article_search_title"  # PostgreSQL: GIN on their titles' documents
# The document in SQL: NFKC as search_terms.normalize, then the grams of each Chinese run, each
# Latin word (split where search_terms splits it, lowercased) and the issue id, as lexemes.
POSTGRES_LAYOUT = (
    f"CREATE FUNCTION {DOCUMENT_FUNCTION}(body text, issue_id text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT array_to_tsvector(ARRAY("
    f"SELECT substr(run, i, {GRAM}) "
    f"FROM regexp_split_to_table(normalize(body, NFKC), '[^{CJK_ESCAPES}]+') AS run, "
    "generate_series(1, length(run)) AS i "
    f"UNION ALL SELECT '{LATIN_MARK}' || left(word, 200) FROM regexp_split_to_table(lower("
    f"regexp_replace(normalize(body, NFKC), '[{CJK_ESCAPES}]', ' ', 'g')), '(\\W|_)+') AS word "
    f"WHERE word <> '' UNION ALL SELECT '{ISSUE_MARK}' || issue_id)) $$",
    f"CREATE INDEX {DOCUMENT_INDEX} ON articles USING GIN ({DOCUMENT_FUNCTION}(text, issue_id))",
    f"CREATE INDEX {TITLE_INDEX} ON articles USING GIN ({DOCUMENT_FUNCTION}(title, issue_id))",
)
POSTGRES_DROP = (
    f"DROP INDEX IF EXISTS {DOCUMENT_INDEX}",
    f"DROP INDEX IF EXISTS {TITLE_INDEX}",
    f"DROP FUNCTION IF EXISTS {DOCUMENT_FUNCTION}(text, text)",
    f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
)
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
    """The search index on PostgreSQL: GIN indexes on a gram document the database makes from
    each article's own text and title (no table or column of its own).

    `DOCUMENT_FUNCTION` (SQL, immutable) turns a text and its issue id into a tsvector without
    positions: each character of a Chinese run starts a lexeme of up to GRAM characters, each
    Latin word (lowercased) is a lexeme marked LATIN_MARK, and the issue id one marked ISSUE_MARK
    (search_terms.py). A Chinese word of up to GRAM characters is then one prefix lexeme, and a
    paper's issues one prefix: GIN answers exactly, with no recheck and without reading any
    document, so a word found in every article costs its posting lists and the heap rows of
    the matches, not their text. A longer word is the AND of its windows, checked as written
    (strpos on the normalized text) in the few articles that have them all.

    Ranking and paging are done by the database on the matches' keys (title hit, issue date,
    issue id, reading order) before any issue is read; only the page's articles are decoded.
    The index follows the articles by itself: an article stored, replaced or deleted is indexed
    or forgotten with its row. Non-ASCII Latin words need a UTF-8 collation (lower() and
    [[:alnum:]] follow it); Debian's initdb default is one.
    """

    def create(self, connection: Connection) -> None:
        """Create the document function and the two GIN indexes (they index the stored
        articles as they are made)."""
        for statement in POSTGRES_LAYOUT:
            connection.exec_driver_sql(statement)

    def fill(self, connection: Connection) -> None:
        """Nothing to fill: the indexes follow the articles table."""

    def drop(self, connection: Connection) -> None:
        """Drop the indexes and the function (and the table an older layout kept)."""
        for statement in POSTGRES_DROP:
            connection.exec_driver_sql(statement)

    def add_issue(self, session: Session, issue_id: str) -> None:
        """Nothing to add: the articles' rows are indexed as they are stored."""

    def search(
        self, session: Session, query: Query, limit: int, offset: int, paper: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Return a page of matches in rank order (as Fts5Index.search), and the total."""
        params: dict[str, Any] = {"match": document_tsquery(query, paper)}
        body_checks, title_checks = "", ""
        for n, word in enumerate(long_words(query)):
            params[f"w{n}"] = word
            body_checks += f"AND strpos(normalize(a.text, NFKC), :w{n}) > 0 "
            title_checks += f"AND strpos(normalize(a.title, NFKC), :w{n}) > 0 "
        one_paper = ""
        if paper is not None:  # the issue lexeme's prefix narrows; the paper itself decides
            params["paper"] = paper
            one_paper = "AND i.paper = :paper "
        # The document function is costly per row (about a millisecond an article): the plan
        # must take the matches from the GIN index (a bitmap scan, no recheck) and never
        # evaluate it as a filter row by row. The cost model charges a bitmap's recheck as if
        # it always ran, so with statistics saying "nearly every article" it may prefer a scan
        # plus filter: every path to articles but the bitmap is turned off for this search
        # (and JIT, which those paths' disabled costs would otherwise trigger: 0.4 s to compile).
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            session.execute(text(f"SET LOCAL {setting} = off"))
        session.execute(text("SET LOCAL enable_nestloop = off"))
        session.execute(text("SET LOCAL jit = off"))
        hits = (
            "WITH hits AS MATERIALIZED (SELECT a.id, a.issue_id, a.position, i.published "
            "FROM articles AS a JOIN issues AS i ON i.id = a.issue_id "
            f"WHERE {DOCUMENT_FUNCTION}(a.text, a.issue_id) @@ CAST(:match AS tsquery) "
            f"{body_checks}{one_paper}), "
            "titled AS (SELECT a.id FROM articles AS a "
            f"WHERE {DOCUMENT_FUNCTION}(a.title, a.issue_id) @@ CAST(:match AS tsquery) "
            f"{title_checks}) "
        )
        order = "{0}in_title DESC, {0}published DESC, {0}issue_id DESC, {0}position"
        rows = session.execute(
            text(
                f"{hits}SELECT page.id, i.data -> 'issue', i.data -> 'articles' -> page.position, "
                "page.total FROM (SELECT h.*, (SELECT count(*) FROM hits) AS total, "
                "h.id IN (SELECT id FROM titled) AS in_title FROM hits AS h "
                f"ORDER BY {order.format('')} LIMIT :limit OFFSET :offset) AS page "
                f"JOIN issues AS i ON i.id = page.issue_id ORDER BY {order.format('page.')}"
            ),
            {**params, "limit": limit, "offset": offset},
        ).all()
        if not rows:
            total = session.scalar(text(f"{hits}SELECT count(*) FROM hits"), params)
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
                f"SELECT a.id, a.position, i.published, i.data, a.issue_id, "
                f"CASE WHEN {' AND '.join(title_hits)} THEN 1 ELSE 0 END "
                "FROM articles AS a JOIN issues AS i ON i.id = a.issue_id "
                f"WHERE {' AND '.join(conditions)}"
            ),
            params,
        ).all()
        ranked = sorted(rows, key=lambda r: (r[5], str(r[2]), r[4], -r[1]), reverse=True)
        page = []
        for article_id, _, _, data, _, _ in ranked[offset : offset + limit]:
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
    database a migration gave a new, empty index). Only SQLite's has rows to fill."""
    if connection.dialect.name != "sqlite":
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
