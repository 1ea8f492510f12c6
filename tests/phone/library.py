"""The phone tests' paper: a small issue read by the offline voice, published, and the worker's
PhoneLibrary prepared from it (used by the tests' fixtures and by bench/phone.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.conftest import build_issue
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.paper.model import Issue
from tingbao.phone.library import PhoneLibrary
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import load_settings

PARAGRAPHS = (
    "虹桥镇今天召开社区工作会议，会议讨论了老年食堂、加装电梯和垃圾分类三件实事。",
    "居民代表说，希望食堂的菜再清淡一些，价格保持不变，中午能多开半个小时。",
)


def phone_issue() -> Issue:
    """Three short articles with different words, so their audio tells them apart."""
    return build_issue(
        published=date(2020, 7, 30),
        titles=("社区工作会议召开", "老年食堂开张", "加装电梯进展"),
        paragraphs=PARAGRAPHS,
    )


@dataclass
class Prepared:
    """The published issue, the prepared library and the database the line records into."""

    issue: Issue
    library: PhoneLibrary
    db: Database
    data: Path  # the data dir: database, public/ and the line's prepared audio


def prepare_library(data: Path) -> tuple[Prepared, AudioService]:
    """Publish the phone issue's audio with the offline voice and prepare the library (close
    the returned service, and dispose the database, when done)."""
    settings = load_settings(
        {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}, data_dir=data
    )
    data.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    create_schema(db)
    store, assets = IssueStore(db), AssetStore(db)
    publisher = LocalPublisher(settings.public_dir)
    issue = phone_issue()
    store.save_issue(issue)
    engines = make_synthesizers(settings.audio, offline=OfflineSynthesizer(workers=0))
    service = AudioService(settings.audio, settings.paper, store, assets, publisher, engines)
    library = PhoneLibrary(
        settings.paper, settings.audio, engines, store, assets, publisher, data / "phone"
    )

    async def build() -> None:
        await service.render_issue(issue)
        await library.prepare()

    asyncio.run(build())
    return Prepared(issue, library, db, data), service
