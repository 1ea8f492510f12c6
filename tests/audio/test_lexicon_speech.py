"""Lexicon readings in what each voice is given, and only the pieces holding a word redone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.audio.fake_edge import FakeEdge
from tests.audio.test_service import edge_service
from tests.conftest import build_issue
from tingbao.audio.cache import MemoryCache
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.espeak import pinyin_phonemes
from tingbao.audio.marks import for_offline, for_online, has_marks, shown
from tingbao.audio.normalize import speakable
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.audio.text import group_pieces, lines_of, piece_text, speakable_chars
from tingbao.chinese.lexicon import Entry, Lexicon, parse_reading
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings

SENTENCE = "莘庄镇2020年有1,000户居民，单位在闵行区。"


def test_both_voices_get_the_reading_and_everything_else_is_unchanged() -> None:
    spoken = speakable(SENTENCE, Lexicon())
    assert for_online(spoken) == "新庄镇二零二零年有一千户居民，单位在闵航区。"
    offline = for_offline(spoken, pinyin_phonemes)
    assert offline.startswith(f"[[{pinyin_phonemes('xin1 zhuang1')}]]镇二零二零年")
    assert "单位在[[" in offline  # 单位 is not a surname here
    assert shown(spoken).startswith("新庄(xīn zhuāng)镇")
    # Without the lexicon, the same rewriting as before.
    assert speakable(SENTENCE) == "莘庄镇二零二零年有一千户居民，单位在闵行区。"


def test_espeak_reads_the_pinyin_not_its_own_guess() -> None:
    # espeak-ng's dictionary says shēn for 莘; the lexicon's pinyin says xīn.
    assert pinyin_phonemes("xin1 zhuang1") != pinyin_phonemes("shen1 zhuang1")
    assert "S;'i55n" in pinyin_phonemes("xin1 zhuang1")


def test_transcripts_keep_the_printed_word_and_timing_counts_what_is_said() -> None:
    (line,) = lines_of(SENTENCE, 1000, Lexicon())
    assert line.shown == SENTENCE
    assert speakable_chars(line.spoken) == speakable_chars(for_online(line.spoken))


def lexicon_with(*entries: Entry) -> Lexicon:
    return Lexicon.overlay({e.word: e for e in entries})


@pytest.fixture
def service(
    settings: Settings, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> Iterator[tuple[AudioService, list[Lexicon]]]:
    offline = settings.with_overrides(tts="offline")
    engines = make_synthesizers(
        offline.audio, cache=MemoryCache(), offline=OfflineSynthesizer(workers=0)
    )
    current = [Lexicon()]
    audio = AudioService(
        offline.audio,
        offline.paper,
        store,
        assets,
        publisher,
        engines,
        lexicon=lambda: current[0],
    )
    yield audio, current
    audio.close()


async def test_a_new_reading_redoes_only_the_pieces_that_hold_the_word(
    service: tuple[AudioService, list[Lexicon]],
) -> None:
    audio, current = service
    issue: Issue = build_issue(
        paragraphs=("7月27日，虹桥镇召开年中工作会议。", "会上强调，要开好局、起好步。")
    )
    first = await audio.render_issue(issue)
    assert first.requests > 0
    again = await audio.render_issue(issue)
    assert again.requests == 0 and not again.written
    current[0] = lexicon_with(parse_reading("年中", "nian2 zhong1"))
    holding = {
        (piece_text(piece), reading.rate)
        for reading in audio.readings(issue)
        for part in reading.script.parts
        for piece in group_pieces(part.lines, 1000)
        if has_marks(piece_text(piece))
    }
    # The first title, the first paragraph (both articles share it), each normal and slow,
    # and the episode's opening, which reads the titles: five pieces of many.
    assert len(holding) == 5
    changed = await audio.render_issue(issue)
    assert changed.requests == len(holding) < first.requests
    redone = {path.rsplit("/", 1)[1].split(".")[0] for path in changed.written}
    assert len(redone) == len(issue.articles) + 1  # each article and the episode


async def test_the_online_voice_is_sent_the_homophone(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fake_edge: FakeEdge,
) -> None:
    audio = edge_service(settings, store, assets, publisher, fake_edge, mode="edge")
    issue = build_issue(paragraphs=("莘庄镇召开会议。", "会上强调，要开好局。"))
    await audio.render_issue(issue)
    said = "".join(fake_edge.texts)
    assert "新庄镇召开会议" in said and "莘" not in said
    vtt = publisher.read_bytes(f"audio/{issue.id}/{issue.articles[0].id}.vtt").decode()
    assert "莘庄镇召开会议" in vtt
