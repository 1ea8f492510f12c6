"""The database: one SQLAlchemy declarative base for every part, and engine construction.

Each part declares its own tables on `Base` (paper: issues, articles, stages; audio: assets; bot:
subscribers, outbox, file ids); the worker, which knows every part, creates them all
(`tingbao.store.schema.create_schema`). The same code runs on SQLite (the embedded default) and
PostgreSQL (DATABASE_URL=postgresql+psycopg://…, tested): only portable SQL, except where a part
says otherwise per dialect (the search index, the outbox's SKIP LOCKED).

A database that cannot be opened (a malformed DATABASE_URL, a dialect or driver that is not
installed, a server that does not answer, a login it refuses, a file that cannot be made) is
paper/errors.py's DatabaseError: one line without the password (`Database`, `opening`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from tingbao.paper.errors import DatabaseError
from tingbao.store.urls import raw_at_in_login, redacted, shown_database_url

log = logging.getLogger(__name__)


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


def failure_line(exc: Exception, url: str) -> str:
    """Return one line saying why the database of url failed: the driver's first line, with
    url shown and every form of its password replaced by ***."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    reason = redacted(lines[0] if lines else cause.__class__.__name__, url)
    if isinstance(exc, ArgumentError):  # unparseable, or no such dialect (NoSuchModuleError)
        return bad_url_line(url, reason if "://" in url else "no scheme://; not shown")
    return (
        f"the database {shown_database_url(url)} cannot be used: {reason} "
        "(check DATABASE_URL, and that the database server runs)"
    )


@contextmanager
def opening(url: str) -> Iterator[None]:
    """Turn the failures of opening the database of url (connecting, migrating) into one
    DatabaseError line; the traceback goes to the debug log."""
    try:
        yield
    except (DBAPIError, ArgumentError) as exc:
        log.debug("opening the database failed", exc_info=True)
        raise DatabaseError(failure_line(exc, url)) from None


def bad_url_line(url: str, reason: str) -> str:
    """Return the line for a DATABASE_URL tingbao cannot use, saying what to give instead."""
    shown = f" {shown_database_url(url)}" if "://" in url else ""
    return (
        f"DATABASE_URL{shown} is not a database URL tingbao can use "
        f"({reason}): give postgresql+psycopg://user:password@host/db, "
        "or leave it unset for SQLite in the data dir"
    )


def _engine_for(url: str) -> Engine:
    """Return make_engine(url), or raise DatabaseError for a URL no installed dialect takes."""
    if raw_at_in_login(url):
        raise DatabaseError(bad_url_line(url, "an @ in the user or password must be written %40"))
    try:
        return make_engine(url)
    except ArgumentError as exc:
        raise DatabaseError(failure_line(exc, url)) from None
    except ImportError as exc:  # the dialect's driver is not installed (mysql:// without MySQLdb)
        raise DatabaseError(
            f"DATABASE_URL {shown_database_url(url)} needs a driver that is not installed "
            f"({exc.name or exc}): tingbao runs on PostgreSQL (postgresql+psycopg://) or SQLite"
        ) from None


class Database:
    """An engine and its session factory; create once per process and pass it in. A URL no
    installed dialect takes raises DatabaseError here; connecting happens on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine_for(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session in a transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
