"""The objects a command works with, built once from settings and closed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tingbao.paper.assets import AssetStore
from tingbao.paper.db import Database
from tingbao.paper.publish import LocalPublisher
from tingbao.paper.store import IssueStore
from tingbao.worker.schema import create_schema
from tingbao.worker.settings import Settings


@dataclass(frozen=True)
class Context:
    """Settings, database, stores and publisher of one process."""

    settings: Settings
    db: Database
    issues: IssueStore
    assets: AssetStore
    publisher: LocalPublisher


@contextmanager
def open_context(settings: Settings) -> Iterator[Context]:
    """Create the data dir and tables, yield the context, and close the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    create_schema(db)
    try:
        yield Context(
            settings=settings,
            db=db,
            issues=IssueStore(db),
            assets=AssetStore(db),
            publisher=LocalPublisher(settings.public_dir),
        )
    finally:
        db.dispose()
