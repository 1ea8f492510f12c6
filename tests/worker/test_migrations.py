"""Schema migrations on SQLite and PostgreSQL: a database made by an earlier release (tables, no
alembic_version) is stamped and upgraded with everything stored kept; the newest revision is
exactly what the models declare, so a model changed without a migration fails here."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, Table, inspect, text

from tests.conftest import ROOT, build_issue
from tingbao.chat.subscribers import enqueue_new_issue
from tingbao.cli.models import metadata
from tingbao.paper.model import issue_to_dict
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.migrations import include_name
from tingbao.store.schema import alembic_config, create_schema, current_revision, head_revision
from tingbao.store.search_index import search_index_for
from tingbao.worker.settings import Settings

AT = datetime(2020, 7, 30, 8, 0, tzinfo=UTC)
OLD_CHAT = 7


@pytest.fixture
def empty(settings: Settings) -> Iterator[Database]:
    """A database with no tables (SQLite or PostgreSQL, as the test is parametrized)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    yield database
    database.dispose()


def build_release(db: Database, revision: str) -> None:
    """Make the tables an earlier release made (the schema at revision, without Alembic's
    bookkeeping, as `create_all` left it) and store an issue, a subscriber and an outbox row."""
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        insert(connection, store_rows())
        command.upgrade(alembic_config(connection), revision)
        connection.execute(text("DROP TABLE alembic_version"))


def store_rows() -> dict[str, list[dict[str, object]]]:
    issue = build_issue()
    return {
        "issues": [
            {
                "id": issue.id,
                "paper": issue.paper,
                "title": issue.title,
                "published": issue.published,
                "content_hash": issue.content_hash,
                "source_name": "old.txt",
                "data": issue_to_dict(issue),
                "created_at": AT,
                "updated_at": AT,
            }
        ],
        "articles": [
            {
                "id": article.id,
                "issue_id": issue.id,
                "position": n,
                "title": article.title,
                "kind": article.kind,
                "text": f"{article.kicker or ''}\n{article.title}\n{article.body_text}",
            }
            for n, article in enumerate(issue.articles)
        ],
        "stages": [{"issue_id": issue.id, "stage": "audio", "input_hash": "h1", "done_at": AT}],
        "bot_subscribers": [
            {
                "chat_id": chat,
                "active": True,
                "subscribed_at": AT,
                "updated_at": AT,
                "reason": "",
            }
            for chat in (OLD_CHAT, 8)
        ],
        "bot_outbox": [
            {
                "chat_id": OLD_CHAT,
                "issue_id": issue.id,
                "kind": "new_issue",
                "state": "pending",
                "attempts": 0,
                "last_error": "",
                "created_at": AT,
                "updated_at": AT,
            }
        ],
    }


def insert(connection: Connection, rows: dict[str, list[dict[str, object]]]) -> None:
    """Insert rows through the tables as they stand in the database (not as the models say)."""
    tables = MetaData()
    for name, values in rows.items():
        connection.execute(Table(name, tables, autoload_with=connection).insert(), values)


def drop_search_index(db: Database) -> None:
    """Leave a database as the release before migrations left one on PostgreSQL, which searched by
    scanning and so had no search index."""
    with db.engine.begin() as connection:
        search_index_for(connection.dialect.name).drop(connection)


@pytest.mark.parametrize("revision", ["0001", "0002", "0002 without its search index"])
def test_an_earlier_release_is_stamped_upgraded_and_keeps_its_rows(
    empty: Database, revision: str
) -> None:
    build_release(empty, revision.split()[0])
    if "without" in revision:
        drop_search_index(empty)
    create_schema(empty)
    create_schema(empty)  # a second start-up changes nothing
    with empty.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        inspector = inspect(connection)
        assert {"owner", "lease_until"} <= {c["name"] for c in inspector.get_columns("bot_outbox")}
        assert {"bot_updates", "bot_leases", "bot_channel_issues", "bot_channel_posts"} <= set(
            inspector.get_table_names()
        )
        outbox = connection.execute(
            text("SELECT owner, state FROM bot_outbox WHERE chat_id = :chat"), {"chat": OLD_CHAT}
        ).one()
        assert tuple(outbox) == ("", "pending")
        stage = connection.scalar(text("SELECT input_hash FROM stages WHERE stage = 'audio'"))
        assert stage == "h1"
    issue = build_issue()
    store = IssueStore(empty)
    assert store.get_issue(issue.id) == issue
    # The search index was made and filled from the articles already stored.
    assert [h.article.id for h in store.search("精神文明").hits] == [issue.articles[1].id]
    assert store.search("虹桥镇").total == 2
    # A correction on the upgraded database replaces the old articles' index rows too.
    corrected = replace(issue, articles=issue.articles[:1])
    assert store.save_issue(corrected).status == "updated"
    assert store.search("虹桥镇").total == 1
    # The subscribers still get new issues; the old outbox row still counts as the announcement.
    assert enqueue_new_issue(empty, issue.id) == 0
    later = build_issue(published=date(2020, 8, 30))
    store.save_issue(later)
    assert enqueue_new_issue(empty, later.id) == 2


def test_the_newest_revision_is_what_the_models_declare(empty: Database) -> None:
    create_schema(empty)
    with empty.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == [], (
        "the models and the migrations disagree: add a revision "
        f"(tingbao/store/migrations/__init__.py says how): {differences}"
    )


def test_replicas_starting_together_migrate_once(empty: Database) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        database = Database(empty.url)
        try:
            create_schema(database)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with empty.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1


@pytest.mark.subprocess
def test_the_alembic_command_line_finds_the_migrations(tmp_path: Path) -> None:
    """The commands the README gives for adding a revision work from the repository root."""
    url = f"sqlite:///{tmp_path / 'head.db'}"
    alembic = [sys.executable, "-m", "alembic", "-x", f"url={url}"]
    for args in (["upgrade", "head"], ["check"]):
        done = subprocess.run(
            [*alembic, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr
    made = Database(url)
    with made.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    made.dispose()


def test_subscribers_of_an_earlier_release_belong_to_the_configured_paper(empty: Database) -> None:
    """A deployment made before several papers served one paper: its subscribers follow it, even
    before it published an issue (and whatever its slug is)."""
    build_release(empty, "0002")
    with empty.engine.begin() as connection:
        connection.execute(text("DELETE FROM issues"))
    create_schema(empty, "xinzhuang")
    with empty.engine.connect() as connection:
        papers = connection.scalars(text("SELECT DISTINCT paper FROM bot_subscribers")).all()
    assert papers == ["xinzhuang"]


def upgrade_to(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def test_0004_adds_the_lexicon_and_the_loudness_of_stored_audio(empty: Database) -> None:
    """A database at 0003 with audio gets the lexicon table and two empty loudness columns;
    downgrading takes exactly those away again."""
    upgrade_to(empty, "0003")
    asset = {
        "owner_id": "a1",
        "role": "mp3",
        "issue_id": "jinhongqiao-2020-07-30",
        "path": "audio/a1.mp3",
        "size": 1000,
        "mime": "audio/mpeg",
        "duration_s": 12.5,
        "engine": "offline",
        "content_key": "k1",
        "updated_at": AT,
    }
    with empty.engine.begin() as connection:
        insert(connection, {"assets": [asset]})
    create_schema(empty)
    with empty.engine.begin() as connection:
        assert current_revision(connection) == head_revision()
        loudness = connection.execute(
            text("SELECT size, loudness_lufs, true_peak_dbtp FROM assets WHERE owner_id = 'a1'")
        ).one()
        assert tuple(loudness) == (1000, None, None)
        row = {"word": "莘庄", "homophone": "新庄", "pinyin": "xin1 zhuang1", "removed": False}
        insert(connection, {"lexicon_entries": [{**row, "updated_at": AT, "updated_by": None}]})
        stored = connection.execute(text("SELECT word, pinyin, removed FROM lexicon_entries"))
        assert [tuple(r) for r in stored] == [("莘庄", "xin1 zhuang1", False)]
    with empty.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
        inspector = inspect(connection)
        assert "lexicon_entries" not in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("assets")}
        assert not columns & {"loudness_lufs", "true_peak_dbtp"} and "content_key" in columns
        assert connection.scalar(text("SELECT path FROM assets")) == "audio/a1.mp3"


@pytest.mark.parametrize("made", ["lexicon_entries", "loudness_lufs"])
def test_0004_keeps_what_a_database_already_has_of_it(empty: Database, made: str) -> None:
    """A database from a build between releases that has part of 0004 is upgraded, not broken."""
    upgrade_to(empty, "0003")
    with empty.engine.begin() as connection:
        if made == "lexicon_entries":
            connection.execute(
                text(
                    "CREATE TABLE lexicon_entries (word VARCHAR(40) NOT NULL PRIMARY KEY, "
                    "homophone VARCHAR(40) NOT NULL, pinyin VARCHAR(200) NOT NULL, "
                    "removed BOOLEAN NOT NULL, updated_at TIMESTAMP WITH TIME ZONE NOT NULL, "
                    "updated_by VARCHAR(80))"
                )
            )
        else:
            connection.execute(text("ALTER TABLE assets ADD COLUMN loudness_lufs FLOAT"))
    create_schema(empty)
    with empty.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        inspector = inspect(connection)
        assert "lexicon_entries" in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("assets")}
        assert {"loudness_lufs", "true_peak_dbtp"} <= columns
