"""The schema on a database made by an earlier release: missing columns and the search index
are added, nothing stored is lost, and doing it twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from tests.conftest import build_issue
from tingbao.bot.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.paper.db import Database
from tingbao.paper.store import IssueStore
from tingbao.worker.schema import create_schema

OLD_OUTBOX = """CREATE TABLE bot_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id BIGINT NOT NULL, issue_id VARCHAR(80) NOT NULL,
    kind VARCHAR(20) NOT NULL, state VARCHAR(12) NOT NULL, attempts INTEGER NOT NULL,
    last_error VARCHAR(200) NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
    CONSTRAINT uq_bot_outbox_once UNIQUE (chat_id, issue_id, kind))"""


def test_an_older_database_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql(OLD_OUTBOX)
        connection.exec_driver_sql(
            "INSERT INTO bot_outbox (chat_id, issue_id, kind, state, attempts, last_error, "
            "created_at, updated_at) VALUES (7, 'x-2020-07-30', 'new_issue', 'pending', 0, '', "
            "'2020-07-30 08:00:00', '2020-07-30 08:00:00')"
        )
    create_schema(db)
    create_schema(db)  # a second start-up changes nothing
    columns = {c["name"] for c in inspect(db.engine).get_columns("bot_outbox")}
    assert {"owner", "lease_until"} <= columns
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT owner FROM bot_outbox WHERE chat_id = 7")) == ""
    # The rest of the schema works on it: an issue is stored, found, and queued.
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    assert IssueStore(db).search(issue.articles[0].title).total >= 1
    SubscriberStore(db).add_many([8])
    assert enqueue_new_issue(db, issue.id) == 1
    db.dispose()
