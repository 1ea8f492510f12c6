"""The statements that keep replicas apart, on a real PostgreSQL server (the production database):
a claim takes at most the rows it asks for, skips rows another replica has locked instead of
waiting for them, and returns what it took in one round trip; a bare postgresql:// URL reaches the
installed driver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from tests.conftest import build_issue
from tingbao.bot.outbox import claim_statement
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.store.engine import Database, driver_url
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema


@pytest.fixture
def queued(postgres_url: str) -> Iterator[Database]:
    """A PostgreSQL database with 40 new-issue messages queued."""
    db = Database(postgres_url)
    create_schema(db)
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    SubscriberStore(db).add_many(list(range(1, 41)), paper=issue.paper)
    assert enqueue_new_issue(db, issue.id) == 40
    yield db
    db.dispose()


def test_the_claim_is_one_statement_that_skips_locked_rows() -> None:
    sql = str(
        claim_statement("replica-1", 8, 120.0, datetime.now(UTC)).compile(
            dialect=postgresql.dialect()
        )
    )
    assert "FOR UPDATE SKIP LOCKED" in sql and "AS MATERIALIZED" in sql
    assert "UPDATE bot_outbox" in sql and "RETURNING" in sql


@pytest.mark.postgres
def test_a_claim_takes_at_most_what_it_asks_for(queued: Database) -> None:
    taken = []
    for owner in ("a", "b", "c", "d", "e", "f"):
        with queued.session() as session:
            rows = session.execute(claim_statement(owner, 8, 120.0, datetime.now(UTC))).all()
        taken.append(sorted(row[0] for row in rows))
    assert [len(ids) for ids in taken] == [8, 8, 8, 8, 8, 0]
    assert taken[0] == sorted(taken[0]) and max(taken[0]) < min(taken[1])  # oldest first
    assert len({row_id for ids in taken for row_id in ids}) == 40


@pytest.mark.postgres
def test_concurrent_claims_skip_each_others_rows_without_waiting(queued: Database) -> None:
    now = datetime.now(UTC)
    with queued.engine.connect() as first, queued.engine.connect() as second:
        first.begin()
        mine = {row[0] for row in first.execute(claim_statement("a", 10, 120.0, now))}
        # The first claim's transaction is still open: its rows are locked, not yet 'sending'.
        second.begin()
        second.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
        theirs = {row[0] for row in second.execute(claim_statement("b", 10, 120.0, now))}
        second.commit()
        first.commit()
    assert len(mine) == len(theirs) == 10 and not mine & theirs


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db/tingbao", "postgresql+psycopg://u:p@db/tingbao"),
        ("postgresql://u@db:5433/t", "postgresql+psycopg://u@db:5433/t"),
        ("postgresql+psycopg://u@db/t", "postgresql+psycopg://u@db/t"),
        ("sqlite:///data/tingbao.db", "sqlite:///data/tingbao.db"),
    ],
)
def test_a_bare_postgresql_url_uses_the_installed_driver(given: str, used: str) -> None:
    assert driver_url(given) == used
