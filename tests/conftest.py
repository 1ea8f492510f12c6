"""Fixtures shared by every part: settings in a temporary data dir, a store, a sample issue.

The modules in BOTH_DATABASES run every test that uses the settings (and so the database) twice:
on SQLite, the embedded default, and on a real PostgreSQL server (tests/pg.py), each test with a
fresh database; the PostgreSQL runs carry the `postgres` mark. DATABASE_URL is set in the
environment for them too, so the CLI and child processes a test starts use the same database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.pg import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tingbao.bot.settings import ptb_environment
from tingbao.paper.model import Article, Contact, Issue, Section, make_article_id, make_issue_id
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_TXT = SAMPLES / "jinhongqiao-2020-07.txt"

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
# The neural offline voice has its own tests (tests/audio/test_kokoro.py); everywhere else the
# offline voice is espeak-ng, a thousand times faster (child processes inherit this).
os.environ.setdefault("TINGBAO_OFFLINE_VOICE", "espeak")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # as the CLI exports it (cli/main.py)
# As the CLI does at start-up: PTB 22 warns about integer durations unless PTB_TIMEDELTA opts in
# to timedelta, and warnings are errors here.
os.environ.update(ptb_environment(os.environ))


TESTS = Path(__file__).resolve().parent
BOTH_DATABASES = frozenset(
    {
        "wechat/test_api.py",
        "wechat/test_mass.py",
        "wechat/test_endpoint.py",
        "bot/test_broadcast.py",
        "bot/test_channel.py",
        "bot/test_conversation.py",
        "bot/test_leases.py",
        "bot/test_once.py",
        "bot/test_replicas.py",
        "store/test_search.py",
        "store/test_store.py",
        "worker/test_channel_queue.py",
        "worker/test_check.py",
        "worker/test_migrations.py",
        "worker/test_pipeline.py",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests of BOTH_DATABASES that use a database on SQLite and on PostgreSQL."""
    if "database" not in metafunc.fixturenames:
        return
    if metafunc.definition.path.relative_to(TESTS).as_posix() in BOTH_DATABASES:
        metafunc.parametrize(
            "database",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
            indirect=True,
        )


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """Return which database the test runs on: sqlite unless parametrized."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def settings(
    tmp_path: Path, database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings for a fresh data dir, offline voice, no bot token; on PostgreSQL, a fresh
    database named by DATABASE_URL in the settings and the environment."""
    env = {
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_BASE_URL": "http://127.0.0.1:8080/",
    }
    if database == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
    return load_settings(env, data_dir=tmp_path / "data")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    create_schema(database)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> IssueStore:
    return IssueStore(db)


@pytest.fixture
def assets(db: Database) -> AssetStore:
    return AssetStore(db)


@pytest.fixture
def publisher(settings: Settings) -> LocalPublisher:
    return LocalPublisher(settings.public_dir)


def build_issue(
    paper: str = "jinhongqiao",
    published: date = date(2020, 7, 30),
    titles: tuple[str, ...] = (
        "虹桥镇召开2020年年中工作会议",
        "2020年虹桥镇精神文明建设推进大会召开",
    ),
    paragraphs: tuple[str, ...] = (
        "7月27日，虹桥镇召开2020年年中工作会议。",
        "会上强调，要为“十四五”发展开好局、起好步。新闻热线021-64059791。",
    ),
) -> Issue:
    """Build a small issue by hand (for parts that do not test the parser)."""
    issue_id = make_issue_id(paper, published)
    articles = tuple(
        Article(
            id=make_article_id(issue_id, title),
            title=title,
            kicker="决战创全、决胜小康、奋斗有我" if n == 1 else None,
            sections=(
                Section(None, paragraphs[:1]),
                Section("坚持经济工作“中心居中”", paragraphs[1:]),
            ),
        )
        for n, title in enumerate(titles)
    )
    return Issue(
        id=issue_id,
        paper=paper,
        title=f"金虹桥 {published.year}年{published.month}月{published.day}日",
        published=published,
        articles=articles,
        contact=Contact(
            hotline="021-64059791",
            email="jinhongqiao@163.com",
            address="闵行区吴中路1136号608室(信息办公室)",
            editors=("刘芬", "汤美红", "李家齐", "肖婉"),
        ),
    )


@pytest.fixture
def small_issue() -> Issue:
    """A hand-built two-article issue."""
    return build_issue()


@pytest.fixture(scope="session")
def sample_issue() -> Issue:
    """The real sample issue, parsed from samples/ by the paper part."""
    from tingbao.reading.reader import read_issue

    env = {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}
    settings = load_settings(env, data_dir=ROOT / "data-unused")
    return read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
