"""The schema: the one place the database's tables are made and migrated.

Each part declares its tables on `tingbao.store.engine.Base` (paper: issues, articles, stages, audio
assets; bot: subscribers, outbox, file ids, update ids, leases, channel issues and posts). Only
the worker knows every part, so only it can make them all. Every entry point, test and bench calls
`create_schema` before using a database; the bot is handed a database whose tables already exist.

The tables are made and changed by Alembic migrations (tingbao/store/migrations, which says how
to add one): `create_schema` upgrades the database to the newest revision in one transaction that
holds an advisory lock on PostgreSQL or the write lock on SQLite, so processes starting together
migrate once and a failed migration leaves nothing half done. A database made by a release before
migrations has tables but no alembic_version: it is stamped with the revision its tables show,
then upgraded. The article search index is not a SQLAlchemy table (FTS5 on SQLite, GIN
expression indexes on PostgreSQL): revisions 0002 and 0008 make it, in frozen SQL, and
`create_schema` fills SQLite's from the stored articles after migrating.

Every command starts with `create_schema`, so its usual case (nothing to do) is quick: the
revision alembic_version records is compared with the newest migration file's number, and
Alembic (a third of a second to import) is loaded only when they differ.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from tingbao.store import migrations
from tingbao.store.engine import Database
from tingbao.store.search_index import fill_empty_search_index

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATION_LOCK = 7_438_190_011  # the PostgreSQL advisory lock held while migrating
NUMBERED = re.compile(r"(\d{4})_\w+\.py")  # versions/0008_what_changed.py: revision "0008"


def alembic_config(connection: Connection | None = None) -> Config:
    """Return Alembic's configuration for the shipped migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations.LOCATION))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """Return the newest revision (read once per process)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


# What the release before migrations (0002) had beyond the first release's tables.
RELEASE_2_TABLES = frozenset(
    {"bot_updates", "bot_leases", "bot_channel_issues", "bot_channel_posts", "article_search"}
)


def legacy_revision(connection: Connection) -> str | None:
    """Return the revision a database made before migrations is at, from its tables; None for a
    database without tables (or already under Alembic)."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if "alembic_version" in tables or "issues" not in tables:
        return None
    outbox = {c["name"] for c in inspector.get_columns("bot_outbox")}
    complete = tables >= RELEASE_2_TABLES and "owner" in outbox
    return "0002" if complete else "0001"  # 0002 keeps what a partial database already has


def current_revision(connection: Connection) -> str | None:
    """Return the revision the database is at (None: no migration has run)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def lock_for_migration(connection: Connection) -> None:
    """Make other processes that migrate this database wait until this transaction ends: an
    advisory lock on PostgreSQL, the write lock taken up front on SQLite."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def numbered_head() -> str | None:
    """Return the newest revision from the migration files' names when every one is numbered
    (NUMBERED: revision ids are 0001, 0002 ...), else None: Alembic must read them."""
    names = [p.name for p in migrations.LOCATION.joinpath("versions").glob("*.py")]
    numbers = [NUMBERED.fullmatch(name) for name in names if name != "__init__.py"]
    if not numbers or not all(numbers):
        return None
    return max(match.group(1) for match in numbers if match is not None)


def stamped_revision(db: Database) -> str | None:
    """Return the revision alembic_version records, or None (no such table, or not one row)."""
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def create_schema(db: Database, paper: str | None = None) -> None:
    """Bring the database to the newest schema revision (idempotent): make it when empty,
    stamp one made before migrations, run the migrations it lacks. `paper` is the slug of the
    deployment's (first) paper: rows made before several papers existed belong to it."""
    if stamped_revision(db) == numbered_head():  # the usual start: Alembic is not even loaded
        return
    from alembic import command

    head = head_revision()
    with db.engine.connect() as connection:
        if current_revision(connection) == head:  # nothing to lock or run
            return
    with db.engine.begin() as connection:
        lock_for_migration(connection)
        if current_revision(connection) == head:  # another process migrated meanwhile
            return
        config = alembic_config(connection)
        config.attributes["paper"] = paper
        legacy = legacy_revision(connection)
        if legacy is not None:
            command.stamp(config, legacy)
        command.upgrade(config, "head")
        fill_empty_search_index(connection)
