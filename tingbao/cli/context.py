"""The objects a command works with, built once from settings and closed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

# The database (SQLAlchemy, Alembic) is imported when a context is opened: `tingbao serve` and
# `run` ask bucket_notice first, and `serve` needs no database.
if TYPE_CHECKING:
    from tingbao.publish.publisher import Publisher
    from tingbao.store.assets import AssetStore
    from tingbao.store.engine import Database
    from tingbao.store.issues import IssueStore
    from tingbao.store.lexicon import LexiconStore
    from tingbao.worker.settings import Settings


@dataclass(frozen=True)
class Context:
    """Settings, database, stores and publisher of one process."""

    settings: Settings
    db: Database
    issues: IssueStore
    assets: AssetStore
    publisher: Publisher
    lexicon: LexiconStore


def make_publisher(settings: Settings) -> Publisher:
    """Return where public files go: the bucket of TINGBAO_PUBLISH, else the local public/."""
    from tingbao.publish.publisher import LocalPublisher
    from tingbao.publish.s3 import open_s3_publisher

    if settings.publish is not None:
        return open_s3_publisher(settings.publish)
    return LocalPublisher(settings.public_dir)


def bucket_notice(settings: Settings) -> str | None:
    """Return the line saying the site is served from the bucket, or None when public/ is local."""
    if settings.publish is None:
        return None
    return (
        f"public files go to {settings.publish.url}; the site is served from there at "
        f"{settings.feeds.url('')} (TINGBAO_BASE_URL), not by this process"
    )


@contextmanager
def open_context(settings: Settings) -> Iterator[Context]:
    """Create the data dir and tables, yield the context, and close the database. A database
    that cannot be opened (malformed URL, unreachable, login refused) raises DatabaseError: one
    line, without the password."""
    from tingbao.store.assets import AssetStore
    from tingbao.store.engine import Database, opening
    from tingbao.store.issues import IssueStore
    from tingbao.store.lexicon import LexiconStore
    from tingbao.store.schema import create_schema

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        with opening(settings.database_url):
            create_schema(db, settings.paper.slug)
        yield Context(
            settings=settings,
            db=db,
            issues=IssueStore(db),
            assets=AssetStore(db),
            publisher=make_publisher(settings),
            lexicon=LexiconStore(db),
        )
    finally:
        db.dispose()
