"""Search: Chinese tokens and queries (tables), and the store's full-text index kept in step."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import delete, text

from tests.conftest import build_issue
from tingbao.chinese.search_terms import (
    CJK_ESCAPES,
    document_tsquery,
    fts5_match,
    index_tokens,
    long_words,
    parse_query,
)
from tingbao.paper.model import Issue
from tingbao.store.engine import Database
from tingbao.store.issues import ArticleHit, IssueRow, IssueStore
from tingbao.store.search_index import SEARCH_TABLE, ScanIndex


def found(store: IssueStore, words: str | list[str]) -> list[ArticleHit]:
    """Return every article matching words, in rank order."""
    return list(store.search(words, limit=100).hits)


@pytest.mark.parametrize(
    ("text_", "tokens"),
    [
        ("电梯坏了", ["电梯", "梯坏", "坏了", "了"]),
        ("电", ["电"]),
        ("加装电梯，方便老人。", ["加装", "装电", "电梯", "梯", "方便", "便老", "老人", "人"]),
        ("ＡＢＣ１２３ Hello", ["abc123", "hello"]),
        ("5G网络", ["5g", "网络", "络"]),
        ("2020年7月", ["2020", "年", "7", "月"]),
        ("“十四五”", ["十四", "四五", "五"]),
        ("café_bar", ["café", "bar"]),
        ("，。！？…… ——", []),
        ("", []),
    ],
)
def test_index_tokens(text_: str, tokens: list[str]) -> None:
    assert index_tokens(text_) == tokens


@pytest.mark.parametrize(
    ("words", "match", "shown"),
    [
        ("电梯", '"电梯"', "电梯"),
        ("电", '"电"*', "电"),
        ("垃圾分类", '"垃圾 圾分 分类"', "垃圾分类"),
        (["电梯", "加装"], '"电梯" AND "加装"', "电梯 加装"),
        ("电梯，加装！", '"电梯" AND "加装"', "电梯 加装"),
        ("5G网络", '"5g" AND "网络"', "5g 网络"),
        ("电梯 电梯", '"电梯"', "电梯"),
        ('电梯" OR *', '"电梯" AND "or"', "电梯 or"),  # FTS syntax is just words
        ("NEAR(a b)", '"near" AND "a" AND "b"', "near a b"),
        ("{title}: x", '"title" AND "x"', "title x"),
    ],
)
def test_parse_query(words: str | list[str], match: str, shown: str) -> None:
    query = parse_query(words)
    assert query is not None
    assert fts5_match(query) == match and query.text == shown
    assert parse_query(query.text) == query  # the shown text is the query again


@pytest.mark.parametrize("words", ["", "   ", "，。！", "%_*", '"'])
def test_nothing_to_search(words: str) -> None:
    assert parse_query(words) is None


def test_long_queries_are_bounded() -> None:
    query = parse_query(" ".join(f"词{n}" for n in range(20)) + " " + "长" * 100)
    assert query is not None and len(query.terms) == 8
    assert max(len(term.word) for term in query.terms) <= 24


@pytest.mark.parametrize(
    ("words", "paper", "expected", "checked"),
    [
        ("电梯", None, "'电梯':*", []),
        ("电", None, "'电':*", []),
        ("垃圾分类", "xinzhuang", "'垃圾分类':* & '#xinzhuang-':*", []),
        ("文明城区创建", None, "'文明城区' & '明城区创' & '城区创建'", ["文明城区创建"]),
        ("哈哈哈哈哈", None, "'哈哈哈哈'", ["哈哈哈哈哈"]),  # a window once
        ("电 WiFi", None, "'电':* & '~wifi'", []),
        ("它's", None, "'它':* & '~s'", []),  # an apostrophe separates words: no quote reaches SQL
    ],
)
def test_document_tsquery(words: str, paper: str | None, expected: str, checked: list[str]) -> None:
    query = parse_query(words)
    assert query is not None
    assert document_tsquery(query, paper) == expected and long_words(query) == checked


def test_the_sql_character_class_is_the_python_one() -> None:
    """PostgreSQL's documents split runs on the same characters as search_terms (escaped)."""
    from tingbao.chinese.search_terms import _CJK

    assert CJK_ESCAPES.encode().decode("unicode_escape") == _CJK


def test_title_match_is_one_column() -> None:
    query = parse_query("电梯 加装")
    assert query is not None
    assert fts5_match(query, "title") == '{title} : ("电梯" AND "加装")'


def issue_on(day: date, titles: tuple[str, ...], paragraphs: tuple[str, ...]) -> Issue:
    return build_issue(published=day, titles=titles, paragraphs=paragraphs)


def index_rows(db: Database) -> int:
    """Return the rows of SQLite's index; PostgreSQL's indexes the articles' own rows."""
    table = SEARCH_TABLE if db.engine.dialect.name == "sqlite" else "articles"
    with db.engine.connect() as connection:
        return int(connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


PARAGRAPHS = ("居民区里加装电梯，方便老人上下楼。", "垃圾分类做得好，小区更干净。")


@pytest.fixture(params=["index", "scan"])
def searchable(request: pytest.FixtureRequest, store: IssueStore) -> IssueStore:
    """The store with its database's own index (FTS5 on SQLite, tsvector and GIN on PostgreSQL),
    and with the portable scan other databases use: all must find, rank and page alike."""
    if request.param == "scan":
        store.index = ScanIndex()  # type: ignore[misc]
    return store


def test_search_finds_every_word_as_written(searchable: IssueStore) -> None:
    issue = issue_on(date(2020, 7, 30), ("老小区加装电梯", "夏季防汛"), PARAGRAPHS)
    searchable.save_issue(issue)
    assert {h.article.title for h in found(searchable, "电梯")} == {
        "老小区加装电梯",
        "夏季防汛",
    }
    both = found(searchable, "加装电梯 老小区")
    assert [h.article.title for h in both] == ["老小区加装电梯"]
    assert found(searchable, "梯电") == []  # the characters, but not as written
    assert found(searchable, "电梯 火星") == []  # every word must match
    assert len(found(searchable, "电")) == 2  # one character finds every 电
    assert len(found(searchable, "楼")) == 2  # also at the end of a sentence
    assert found(searchable, "，。") == []
    hit = found(searchable, "防汛")[0]
    assert hit.issue_id == issue.id and hit.published == issue.published
    assert hit.issue_title == issue.title and hit.article == issue.articles[1]


def test_long_words_match_as_written(searchable: IssueStore) -> None:
    """A word longer than PostgreSQL's grams is found where it stands, not where its pieces do."""
    titles = ("文明城区创建", "文明城区创，明城区创建", "城区创建文明城区")
    searchable.save_issue(issue_on(date(2020, 7, 30), titles, PARAGRAPHS))
    assert [h.article.title for h in found(searchable, "文明城区创建")] == ["文明城区创建"]
    assert [h.article.title for h in found(searchable, "区创建文明城")] == ["城区创建文明城区"]
    assert len(found(searchable, "明城区创")) == 2


def test_latin_words_match_in_any_case(searchable: IssueStore) -> None:
    paragraphs = ("小区里通了 WiFi，老人用手机看新闻。",)
    searchable.save_issue(issue_on(date(2020, 7, 30), ("免费上网",), paragraphs))
    assert [h.article.title for h in found(searchable, "wifi")] == ["免费上网"]
    assert [h.article.title for h in found(searchable, "WIFI 手机")] == ["免费上网"]


def test_words_are_split_as_the_index_splits_them(searchable: IssueStore) -> None:
    """Latin words beside Chinese, digits, an underscore, any case: found alike everywhere."""
    paragraphs = ("5G网络覆盖全镇，café_bar开业。",)
    searchable.save_issue(issue_on(date(2020, 7, 30), ("新闻",), paragraphs))
    for words in ("5g", "5G网络", "café", "bar", "网络 CAFÉ"):
        assert len(found(searchable, words)) == 1, words
    for words in ("网络 bars", "4g"):
        assert found(searchable, words) == [], words


def test_search_one_papers_issues(searchable: IssueStore) -> None:
    mine = build_issue(paper="xinzhuang", published=date(2020, 7, 30), titles=("莘庄加装电梯",))
    theirs = issue_on(date(2020, 7, 31), ("虹桥加装电梯",), PARAGRAPHS)
    searchable.save_issue(mine)
    searchable.save_issue(theirs)
    assert {h.article.title for h in searchable.search("加装电梯").hits} == {
        "莘庄加装电梯",
        "虹桥加装电梯",
    }
    only = searchable.search("加装电梯", paper="xinzhuang")
    assert [h.article.title for h in only.hits] == ["莘庄加装电梯"] and only.total == 1
    assert searchable.search("加装电梯", paper="nowhere").total == 0


def test_ranking_title_hits_first_then_newest_issue(searchable: IssueStore) -> None:
    body_only = ("无关的文章",)
    old = issue_on(date(2019, 1, 3), ("电梯维修通知", *body_only), PARAGRAPHS)
    new = issue_on(date(2020, 7, 30), ("社区新闻", *body_only), PARAGRAPHS)
    searchable.save_issue(new)
    searchable.save_issue(old)
    titles = [(h.published.year, h.article.title) for h in found(searchable, "电梯")]
    # the title hit first though older; then the newest issue's, then the older issue's others
    assert titles[0] == (2019, "电梯维修通知")
    assert [year for year, _ in titles[1:]] == [2020, 2020, 2019]


def test_paging_and_total(searchable: IssueStore) -> None:
    for n in range(6):
        searchable.save_issue(
            issue_on(date(2020, 1, 1 + n), (f"第{n}期电梯", f"第{n}期防汛"), PARAGRAPHS)
        )
    first = searchable.search("电梯", limit=5)
    assert first.total == 12 and len(first.hits) == 5 and first.has_more
    last = searchable.search("电梯", limit=5, offset=10)
    assert len(last.hits) == 2 and not last.has_more and last.total == 12
    everything = [h.article.id for h in searchable.search("电梯", limit=20).hits]
    pages = [h.article.id for o in (0, 5, 10) for h in searchable.search("电梯", 5, o).hits]
    assert pages == everything and len(set(everything)) == 12
    assert searchable.search("", limit=5).total == 0


def test_correction_leaves_no_stale_rows(store: IssueStore, db: Database) -> None:
    issue = issue_on(date(2020, 7, 30), ("老小区加装电梯", "夏季防汛"), PARAGRAPHS)
    store.save_issue(issue)
    assert index_rows(db) == 2
    corrected = replace(issue, articles=(replace(issue.articles[0], title="老小区加装扶手"),))
    assert store.save_issue(corrected).status == "updated"
    assert index_rows(db) == 1
    assert [h.article.title for h in found(store, "扶手")] == ["老小区加装扶手"]
    assert found(store, "防汛") == [] and store.search("老小区").total == 1


def test_deleted_issue_leaves_no_rows(store: IssueStore, db: Database) -> None:
    store.save_issue(issue_on(date(2020, 7, 30), ("老小区加装电梯",), PARAGRAPHS))
    with db.session() as session:
        session.execute(delete(IssueRow))  # the articles go by cascade, their index rows too
    assert index_rows(db) == 0 and store.search("电梯").total == 0
