"""The neural offline voice: tingbao's readings reach it as phonemes, it speaks mastered pieces at
the asked speed in the asked voice, falls back to espeak-ng when its model cannot load, and is
understood by an independent listener (Whisper base)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.audio.ear import Ear, syllable_error_rate
from tingbao.audio.engines import offline_synthesizer
from tingbao.audio.kokoro import KokoroSynthesizer, kokoro_voice
from tingbao.audio.kokoro_files import FEMALE, MALE, MODEL_BYTES, unavailable_reason
from tingbao.audio.kokoro_phonemes import (
    CALL_TOKENS,
    MAX_TOKENS,
    MisakiG2P,
    calls,
    phonemes,
    pinyin_phonemes,
    tokens,
)
from tingbao.audio.mp3 import decode, parse_frames
from tingbao.audio.normalize import speakable
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.settings import load_audio_settings
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.errors import SettingsError

ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "虹桥镇召开年中工作会议，会上强调要开好局、起好步。"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    reason = unavailable_reason(folder)
    if reason is not None:
        pytest.skip(f"the neural voice cannot run here: {reason}")
    return folder


@pytest.fixture(scope="session")
def g2p(models_dir: Path) -> MisakiG2P:
    return MisakiG2P(models_dir / "jieba")


@pytest.fixture(scope="session")
def neural(models_dir: Path) -> Iterator[KokoroSynthesizer]:
    """The neural voice in this process: the model loads once per test session."""
    engine = KokoroSynthesizer(models_dir, workers=0, fallback=OfflineSynthesizer(workers=0))
    yield engine
    engine.close()


def test_lexicon_words_and_local_names_reach_the_voice_by_their_pinyin(g2p: MisakiG2P) -> None:
    said = phonemes(speakable("闵行区长宁路莘松路", Lexicon()), g2p)
    assert said.startswith(pinyin_phonemes("min3 hang2"))  # the shipped lexicon's reading
    assert pinyin_phonemes("chang2 ning2") in said  # the neural voice's own defaults
    assert pinyin_phonemes("xin1 song1") in said
    assert pinyin_phonemes("cao2 hang2") in phonemes("曹行镇", g2p)
    assert pinyin_phonemes("chong2 gu4") in phonemes("重固镇", g2p)
    # misaki alone reads them the wrong way: the rewriting is what fixes them.
    assert pinyin_phonemes("min3 xing2") in g2p("闵行")
    assert pinyin_phonemes("zhang3 ning2") in g2p("长宁")


def test_letters_are_spelled_and_dashes_ellipses_and_quotes_are_pauses(g2p: MisakiG2P) -> None:
    said = phonemes(speakable("下载APP——再看“新闻”……", Lexicon()), g2p)
    assert "ˈA pˈi pˈi" in said
    assert set(said) <= set(" ,.") | {c for c in said if tokens(c)}
    assert phonemes("他说——好……“走”", g2p) == phonemes("他说，好，走", g2p)
    assert all(tokens(c) for c in phonemes("请拨打幺二三四五", g2p))


def test_a_long_sentence_is_spoken_in_calls_the_model_accepts(g2p: MisakiG2P) -> None:
    clause = "会上强调要开好局起好步，"
    sentence = clause * 30 + "全镇上下要凝心聚力。"
    pieces = calls(sentence, g2p)
    assert len(pieces) > 1
    assert all(0 < len(tokens(piece)) <= CALL_TOKENS <= MAX_TOKENS for piece in pieces)
    heard = "".join(pieces).replace(" ", "").replace(",", "")
    assert heard.count(phonemes("凝心聚力", g2p).replace(" ", "")) == 1
    run_on = "会上强调要开好局起好步" * 30  # no comma at all: cut between words
    assert all(len(tokens(p)) <= CALL_TOKENS for p in calls(run_on, g2p))


def test_a_paper_voice_picks_the_neural_voice_of_its_kind() -> None:
    assert kokoro_voice("zh-CN-XiaoxiaoNeural") == FEMALE
    assert kokoro_voice("zh-CN-YunxiNeural") == kokoro_voice("zh-CN-YunjianNeural") == MALE
    assert kokoro_voice(MALE) == MALE and kokoro_voice("zm_yunyang") == MALE
    engine = KokoroSynthesizer(Path("unused"), workers=0)
    assert engine.voice_id("zh-CN-YunxiNeural") != engine.voice_id("zh-CN-XiaoxiaoNeural")


async def test_the_neural_voice_speaks_mastered_pieces_and_stretches_them_for_slow_ones(
    neural: KokoroSynthesizer,
) -> None:
    calls = neural.model_calls
    normal, slow = await asyncio.gather(  # as a build asks: every normal piece, then slow ones
        neural.synthesize(SENTENCE, "zh-CN-XiaoxiaoNeural", "+0%"),
        neural.synthesize(SENTENCE, "zh-CN-XiaoxiaoNeural", "-25%"),
    )
    assert neural.model_calls == calls + 1  # the slow piece is the normal one, stretched
    female = await neural.synthesize("虹桥镇。", "zh-CN-XiaoxiaoNeural", "+0%")
    male = await neural.synthesize("虹桥镇。", "zh-CN-YunxiNeural", "+0%")
    assert parse_frames(normal.mp3).data == normal.mp3 and normal.mastered
    assert normal.heard is not None and normal.engine == "offline"
    assert slow.duration_s > 1.2 * normal.duration_s
    assert normal.boundaries[0].end_s <= normal.duration_s + 0.1
    assert not np.array_equal(decode(female.mp3)[:4800], decode(male.mp3)[:4800])
    assert neural.broken is None


async def test_a_model_that_cannot_load_falls_back_to_espeak_saying_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with (tmp_path / "kokoro-v1.0.int8.onnx").open("wb") as damaged:
        damaged.truncate(MODEL_BYTES)  # the right size, but no model in it
    espeak = OfflineSynthesizer(workers=0)
    engine = KokoroSynthesizer(tmp_path, workers=0, fallback=espeak)
    try:
        with caplog.at_level(logging.WARNING, logger="tingbao.audio"):
            speech = await engine.synthesize(SENTENCE, "zh-CN-XiaoxiaoNeural", "+0%")
            again = await engine.synthesize("好。", "zh-CN-XiaoxiaoNeural", "+0%")
    finally:
        engine.close()
    assert speech.duration_s > 1 and again.duration_s > 0
    assert engine.broken is not None
    assert engine.voice_id("zh-CN-XiaoxiaoNeural") == espeak.voice_id("zh-CN-XiaoxiaoNeural")
    said = [r for r in caplog.records if "cannot load" in r.getMessage()]
    assert len(said) == 1


def test_the_offline_voice_is_the_neural_one_unless_espeak_is_asked_for(tmp_path: Path) -> None:
    settings = load_audio_settings({}, cache_dir=tmp_path / "cache" / "tts")
    assert (
        settings.offline_voice == "kokoro" and settings.models_dir == tmp_path / "cache" / "models"
    )
    espeak = load_audio_settings({"TINGBAO_OFFLINE_VOICE": " Espeak "}, cache_dir=tmp_path)
    assert isinstance(offline_synthesizer(espeak), OfflineSynthesizer)
    with pytest.raises(SettingsError, match="TINGBAO_OFFLINE_VOICE='piper' must be kokoro or"):
        load_audio_settings({"TINGBAO_OFFLINE_VOICE": "piper"}, cache_dir=tmp_path)


def test_espeak_mode_loads_nothing_of_the_neural_voice(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tingbao.audio.engines import make_synthesizers\n"
        "from tingbao.audio.settings import load_audio_settings\n"
        "env = {'TINGBAO_TTS': 'offline', 'TINGBAO_OFFLINE_VOICE': 'espeak'}\n"
        f"settings = load_audio_settings(env, cache_dir=Path({str(tmp_path / 'tts')!r}))\n"
        "engines = make_synthesizers(settings)\n"
        "print(type(engines.preferred().engine).__name__)\n"
        "print(sorted(m for m in ('onnxruntime', 'misaki', 'jieba') if m in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["OfflineSynthesizer", "[]"]
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
async def test_worker_processes_speak_and_leave_when_closed(models_dir: Path) -> None:
    engine = KokoroSynthesizer(models_dir, workers=1)
    try:
        speech = await engine.synthesize("你好，虹桥。", "zh-CN-YunxiNeural", "+0%")
        assert engine.started and speech.duration_s > 0.5
    finally:
        engine.close()
    assert not engine.started


@pytest.mark.slow
async def test_an_independent_listener_understands_the_neural_voice(
    neural: KokoroSynthesizer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ear = Ear.load(tmp_path_factory.mktemp("whisper"))
    if ear is None:
        pytest.skip("faster-whisper or the Whisper base weights are not installed")
    text = "虹桥镇召开年中工作会议，会上强调要开好局、起好步，全镇上下要凝心聚力。"
    speech = await neural.synthesize(text, "zh-CN-XiaoxiaoNeural", "+0%")
    heard = ear.hear_mp3(speech.mp3)
    assert syllable_error_rate(text, heard) <= 0.1, heard
