"""AudioService end to end: offline for real, edge through the fake server, caching, fallback."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from mutagen.id3 import ID3

from tests.audio.conftest import no_sleep
from tests.audio.fake_edge import FakeEdge, Faults
from tests.conftest import build_issue
from tingbao.audio.cache import DirectoryCache, MemoryCache
from tingbao.audio.edge import EdgeSynthesizer
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.mp3 import parse_frames
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.audio.voice_notes import VoiceNotes
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


def public_files(publisher: LocalPublisher) -> dict[str, bytes]:
    return {
        p.relative_to(publisher.root).as_posix(): p.read_bytes()
        for p in publisher.root.rglob("*")
        if p.is_file()
    }


def edge_service(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    server: FakeEdge,
    mode: str = "auto",
) -> AudioService:
    auto = settings.with_overrides(tts=mode)
    engines = make_synthesizers(
        auto.audio,
        cache=MemoryCache(),
        edge=EdgeSynthesizer(wss_url=server.url, receive_timeout_s=5),
        offline=OfflineSynthesizer(workers=0),
        sleep=no_sleep,
        attempts=2,
    )
    return AudioService(auto.audio, auto.paper, store, assets, publisher, engines)


async def test_offline_issue_has_every_file_tagged_and_timed(
    offline_service: AudioService, small_issue: Issue, assets: AssetStore, publisher: LocalPublisher
) -> None:
    report = await offline_service.render_issue(small_issue)
    article = small_issue.articles[0]
    rows = {(a.owner_id, a.role): a for a in assets.for_issue(small_issue.id)}
    assert len(rows) == 2 * 3 + 3 and len(report.written) == 9  # voice notes come on request
    mp3 = rows[(article.id, "mp3")]
    assert mp3.engine == "offline" and mp3.mime == "audio/mpeg"
    data = publisher.read_bytes(mp3.path)
    assert mp3.size == len(data) and mp3.path == f"audio/{small_issue.id}/{article.id}.mp3"
    assert parse_frames(data).duration_s == pytest.approx(mp3.duration_s, abs=0.001)
    tags = ID3(io.BytesIO(data))
    assert tags["TIT2"].text == [article.title]
    assert tags["TALB"].text == ["金虹桥 2020年7月30日"] and tags["TPE1"].text == ["金虹桥"]
    slow = rows[(article.id, "mp3_slow")]
    assert slow.duration_s is not None and slow.duration_s > mp3.duration_s * 1.2
    vtt = publisher.read_bytes(rows[(article.id, "vtt")].path).decode()
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.")
    assert "新闻热线021-64059791。" in vtt  # transcripts show the printed text


async def test_episode_chapters_come_from_real_durations(
    offline_service: AudioService, small_issue: Issue, assets: AssetStore, publisher: LocalPublisher
) -> None:
    await offline_service.render_issue(small_issue)
    episode = assets.get(small_issue.id, "mp3")
    assert episode is not None and episode.duration_s is not None
    chapters_row = assets.get(small_issue.id, "chapters")
    assert chapters_row is not None and chapters_row.mime == "application/json+chapters"
    chapters = json.loads(publisher.read_bytes(chapters_row.path))["chapters"]
    titles = [c["title"] for c in chapters]
    assert titles == ["本期导读", *[a.title for a in small_issue.articles], "投稿与热线"]
    assert chapters[0]["startTime"] == 0
    assert chapters[-1]["endTime"] == pytest.approx(episode.duration_s, abs=0.001)
    tags = ID3(io.BytesIO(publisher.read_bytes(episode.path)))
    chap = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.start_time for c in chap] == [round(c["startTime"] * 1000) for c in chapters]
    assert tags.getall("CTOC")[0].child_element_ids == [c.element_id for c in chap]
    vtt = publisher.read_bytes(f"audio/{small_issue.id}/issue.vtt").decode()
    assert "第一篇。" in vtt and "感谢收听。" in vtt
    # The second article's chapter starts where its "第二篇" cue starts (real audio, not estimates).
    cue_line = vtt.split("第二篇。")[0].strip().splitlines()[-1]
    h, m, sec = cue_line.split(" --> ")[0].split(":")
    assert int(h) * 3600 + int(m) * 60 + float(sec) == pytest.approx(
        chapters[2]["startTime"], abs=0.1
    )


async def test_second_run_makes_no_request_and_changes_no_byte(
    offline_service: AudioService, small_issue: Issue, publisher: LocalPublisher
) -> None:
    await offline_service.render_issue(small_issue)
    before = public_files(publisher)
    report = await offline_service.render_issue(small_issue)
    assert report.requests == 0 and report.written == [] and report.unchanged == 9
    assert public_files(publisher) == before


async def test_deleted_file_is_rebuilt_from_the_piece_cache(
    offline_service: AudioService, small_issue: Issue, publisher: LocalPublisher
) -> None:
    await offline_service.render_issue(small_issue)
    path = f"audio/{small_issue.id}/issue.mp3"
    original = publisher.read_bytes(path)
    publisher.delete(path)
    report = await offline_service.render_issue(small_issue)
    assert report.requests == 0 and path in report.written
    assert publisher.read_bytes(path) == original  # deterministic from cached pieces


async def test_corrected_article_resynthesizes_only_that_article(
    offline_service: AudioService, small_issue: Issue
) -> None:
    await offline_service.render_issue(small_issue)
    first, second = small_issue.articles
    fixed_section = dataclasses.replace(second.sections[0], paragraphs=("更正后的导语。",))
    fixed = dataclasses.replace(second, sections=(fixed_section, *second.sections[1:]))
    corrected = dataclasses.replace(small_issue, articles=(first, fixed))
    report = await offline_service.render_issue(corrected)
    assert report.requests == 2  # the new paragraph, normal and slow
    assert not any(first.id in path for path in report.written)
    assert any(second.id in path for path in report.written)


async def test_dropped_article_files_are_removed(
    offline_service: AudioService, small_issue: Issue, assets: AssetStore, publisher: LocalPublisher
) -> None:
    await offline_service.render_issue(small_issue)
    gone = small_issue.articles[1]
    assert await VoiceNotes(assets, publisher).make(gone.id) is not None
    shorter = dataclasses.replace(small_issue, articles=small_issue.articles[:1])
    report = await offline_service.render_issue(shorter)
    assert len(report.removed) == 4  # normal, transcript, slow and the voice note
    assert assets.get(gone.id, "mp3") is None and assets.get(gone.id, "ogg") is None
    assert not publisher.exists(f"audio/{small_issue.id}/{gone.id}.mp3")
    assert not publisher.exists(f"audio/{small_issue.id}/{gone.id}.ogg")


async def test_dropped_files_can_be_kept_until_the_caller_removes_them(
    offline_service: AudioService, small_issue: Issue, assets: AssetStore, publisher: LocalPublisher
) -> None:
    await offline_service.render_issue(small_issue)
    gone = small_issue.articles[1]
    shorter = dataclasses.replace(small_issue, articles=small_issue.articles[:1])
    report = await offline_service.render_issue(shorter, remove_dropped=False)
    assert report.removed == []
    assert publisher.exists(f"audio/{small_issue.id}/{gone.id}.mp3")
    removed = offline_service.remove_dropped(shorter)
    assert len(removed) == 3  # normal, transcript, slow
    assert assets.get(gone.id, "mp3") is None
    assert not publisher.exists(f"audio/{small_issue.id}/{gone.id}.mp3")
    assert offline_service.remove_dropped(shorter) == []


async def test_edge_mode_end_to_end_through_the_fake_server(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fake_edge: FakeEdge,
) -> None:
    service = edge_service(settings, store, assets, publisher, fake_edge, mode="edge")
    issue = build_issue()
    await service.render_issue(issue)
    rows = assets.for_issue(issue.id)
    assert {a.engine for a in rows} == {"edge"}
    assert "-25%" in fake_edge.rates and "+0%" in fake_edge.rates
    requests = fake_edge.requests
    assert (await service.render_issue(issue)).requests == 0
    assert fake_edge.requests == requests


async def test_auto_falls_back_offline_then_upgrades_when_edge_returns(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fake_edge: FakeEdge,
) -> None:
    issue = build_issue()
    store.save_issue(issue)
    service = edge_service(settings, store, assets, publisher, fake_edge)
    fake_edge.faults = Faults(status=503)
    report = await service.render_issue(issue)
    assert report.fallbacks == 5
    assert {a.engine for a in assets.for_issue(issue.id)} == {"offline"}
    assert await service.upgrade_offline() == 0  # still down: nothing changes
    fake_edge.faults = Faults()
    upgraded = await service.upgrade_offline()
    assert upgraded == 9
    assert {a.engine for a in assets.for_issue(issue.id)} == {"edge"}
    assert await service.upgrade_offline() == 0


async def test_edge_reachable_probe(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fake_edge: FakeEdge,
) -> None:
    service = edge_service(settings, store, assets, publisher, fake_edge)
    assert await service.edge_reachable()
    fake_edge.faults = Faults(status=403)
    assert not await service.edge_reachable()


@pytest.mark.slow
async def test_offline_in_worker_processes_with_a_directory_cache(
    settings: Settings, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    cache = DirectoryCache(settings.data_dir / "cache")
    engines = make_synthesizers(settings.audio, cache=cache, offline=OfflineSynthesizer(workers=2))
    service = AudioService(settings.audio, settings.paper, store, assets, publisher, engines)
    try:
        report = await service.render_issue(build_issue())
    finally:
        service.close()
    assert report.requests > 0 and report.audio_seconds > 60
    again = make_synthesizers(settings.audio, cache=cache, offline=OfflineSynthesizer(workers=0))
    publisher.delete(f"audio/{build_issue().id}/issue.mp3")
    second = await AudioService(
        settings.audio, settings.paper, store, assets, publisher, again
    ).render_issue(build_issue())
    assert second.requests == 0 and second.cache_hits > 0


async def test_each_finished_reading_is_reported_for_progress(
    offline_service: AudioService, small_issue: Issue
) -> None:
    done: list[str] = []
    offline_service.on_reading = done.append
    await offline_service.render_issue(small_issue)
    expected = {f"{a.id}/{kind}" for a in small_issue.articles for kind in ("article", "slow")}
    assert sorted(done) == sorted(expected | {f"{small_issue.id}/issue"})
    done.clear()
    await offline_service.render_issue(small_issue)  # unchanged readings count too
    assert len(done) == 2 * len(small_issue.articles) + 1
