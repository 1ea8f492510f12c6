"""The database: one SQLAlchemy declarative base for every part, and engine construction.

Each part declares its own tables on `Base` (paper: issues, articles, stages; audio: assets; bot:
subscribers, outbox, file ids); the worker, which knows every part, creates them all
(`tingbao.store.schema.create_schema`). The same code runs on SQLite (the embedded default) and
PostgreSQL (DATABASE_URL=postgresql+psycopg://…, tested): only portable SQL, except where a part
says otherwise per dialect (the search index, the outbox's SKIP LOCKED).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base shared by every part's tables."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so worker and bot can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            _set_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # A few connections per process (the worker's stages, the bot's handlers and outbox drain):
    # checked before use, so a restarted server or a dropped idle connection costs no request.
    return create_engine(
        driver_url(url), pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800
    )


WAL_WAIT_S = 30.0  # as long as the busy timeout other statements wait


def _set_wal(cursor: Any) -> None:
    """Put the database in WAL mode. Switching a new file's mode needs it to itself, and SQLite
    answers "database is locked" at once, without its busy wait, while another connection
    (a replica migrating the same new file) holds it: so wait here, as other statements do."""
    deadline = time.monotonic() + WAL_WAIT_S
    pause = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def driver_url(url: str) -> str:
    """Return url with PostgreSQL's driver named: psycopg 3 is the one installed, while a bare
    postgresql:// (or postgres://, as many hosts print it) would ask SQLAlchemy for psycopg2."""
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url.removeprefix(bare)
    return url


class Database:
    """An engine and its session factory; create once per process and pass it in."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session in a transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
