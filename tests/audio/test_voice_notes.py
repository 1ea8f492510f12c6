"""Voice notes made on first request from the published MP3: once, measured, dropped when stale."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile

from tingbao.audio.engines import make_synthesizers
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.audio.voice_notes import VoiceNotes
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


class CountingPublisher(LocalPublisher):
    """public/ on disk, counting the files written."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes: list[str] = []

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        self.writes.append(relpath)
        return super().write_bytes(relpath, data)


@pytest.fixture
def counting(settings: Settings) -> CountingPublisher:
    return CountingPublisher(settings.public_dir)


@pytest.fixture
def service(
    settings: Settings, store: IssueStore, assets: AssetStore, counting: CountingPublisher
) -> Iterator[AudioService]:
    offline = settings.with_overrides(tts="offline")
    engines = make_synthesizers(offline.audio, offline=OfflineSynthesizer(workers=0))
    service = AudioService(offline.audio, offline.paper, store, assets, counting, engines)
    yield service
    service.close()


async def test_a_voice_note_is_made_once_from_the_published_mp3(
    service: AudioService, small_issue: Issue, assets: AssetStore, counting: CountingPublisher
) -> None:
    await service.render_issue(small_issue)
    article = small_issue.articles[0]
    notes = VoiceNotes(assets, counting)
    assert notes.current(article.id) is None  # the build makes MP3s only
    note = await notes.make(article.id)
    mp3 = assets.get(article.id, "mp3")
    assert note is not None and mp3 is not None and notes.current(article.id) == note
    data = counting.read_bytes(note.path)
    info = soundfile.info(io.BytesIO(data))
    assert data[:4] == b"OggS" and info.subtype == "OPUS" and note.size == len(data)
    assert note.path == mp3.path.removesuffix(".mp3") + ".ogg"
    assert info.duration == pytest.approx(mp3.duration_s, abs=0.1)
    assert note.loudness_lufs is not None and abs(note.loudness_lufs + 16) <= 1
    assert note.true_peak_dbtp is not None and note.true_peak_dbtp <= -1
    writes = len(counting.writes)
    assert await notes.make(article.id) == note and len(counting.writes) == writes


async def test_listeners_asking_at_once_share_one_making(
    service: AudioService, small_issue: Issue, assets: AssetStore, counting: CountingPublisher
) -> None:
    await service.render_issue(small_issue)
    article = small_issue.articles[1]
    notes = VoiceNotes(assets, counting)
    before = len(counting.writes)
    made = await asyncio.gather(*(notes.make(article.id) for _ in range(3)))
    assert made[0] is not None and made == [made[0]] * 3
    assert counting.writes[before:] == [made[0].path]


async def test_a_corrected_reading_drops_only_its_own_stale_voice_note(
    service: AudioService, small_issue: Issue, assets: AssetStore, counting: CountingPublisher
) -> None:
    await service.render_issue(small_issue)
    first, second = small_issue.articles
    notes = VoiceNotes(assets, counting)
    kept, stale = await notes.make(first.id), await notes.make(second.id)
    assert kept is not None and stale is not None
    fixed_section = dataclasses.replace(second.sections[0], paragraphs=("更正后的导语。",))
    fixed = dataclasses.replace(second, sections=(fixed_section, *second.sections[1:]))
    await service.render_issue(dataclasses.replace(small_issue, articles=(first, fixed)))
    assert assets.get(second.id, "ogg") is None and not counting.exists(stale.path)
    assert notes.current(first.id) == kept and counting.exists(kept.path)
    remade = await notes.make(second.id)
    assert remade is not None and remade.content_key != stale.content_key


async def test_no_note_without_a_readable_mp3(
    service: AudioService,
    small_issue: Issue,
    assets: AssetStore,
    counting: CountingPublisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    notes = VoiceNotes(assets, counting)
    assert await notes.make("no-such-article") is None
    await service.render_issue(small_issue)
    mp3 = assets.get(small_issue.articles[0].id, "mp3")
    assert mp3 is not None
    counting.write_bytes(mp3.path, b"not an mp3 at all")
    with caplog.at_level(logging.WARNING, logger="tingbao.audio"):
        assert await notes.make(mp3.owner_id) is None
    assert f"could not make the voice note of {mp3.path}" in caplog.text
    assert assets.get(mp3.owner_id, "ogg") is None


async def test_no_note_when_the_mp3_is_gone_or_the_storage_fails(
    service: AudioService,
    small_issue: Issue,
    assets: AssetStore,
    counting: CountingPublisher,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notes = VoiceNotes(assets, counting)
    await service.render_issue(small_issue)
    gone, down = (assets.get(a.id, "mp3") for a in small_issue.articles[:2])
    assert gone is not None and down is not None
    counting.delete(gone.path)  # PublishNotFoundError
    with caplog.at_level(logging.WARNING, logger="tingbao.audio"):
        assert await notes.make(gone.owner_id) is None

    def failing(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("tingbao.publish.publisher.os.replace", failing)  # PublishUnavailable
    with caplog.at_level(logging.WARNING, logger="tingbao.audio"):
        assert await notes.make(down.owner_id) is None
    assert f"could not make the voice note of {gone.path}" in caplog.text
    assert "Input/output error" in caplog.text
    assert assets.get(down.owner_id, "ogg") is None
