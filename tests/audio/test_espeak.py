"""espeak-ng through ctypes: one library per process, one voice at a time, the one a call names."""

from __future__ import annotations

import ctypes
from typing import Any, cast

import pytest

from tingbao.audio.errors import EngineUnavailableError
from tingbao.audio.espeak import DEFAULT_WPM, PINYIN_VOICE, Espeak, shared_engine, speak_pcm


class FakeLib:
    """The few espeak-ng calls Espeak makes, recorded; a voice outside `voices` is refused."""

    def __init__(self, chunks: list[bytes], voices: tuple[str, ...] = ("cmn", "en", PINYIN_VOICE)):
        self.chunks = chunks
        self.voices = voices
        self.current: str | None = None
        self.set_voice: list[str] = []

    def espeak_SetVoiceByName(self, name: bytes) -> int:
        self.set_voice.append(name.decode())
        if name.decode() not in self.voices:
            return 1
        self.current = name.decode()
        return 0

    def espeak_SetParameter(self, _parameter: int, _value: int, _relative: int) -> int:
        return 0

    def espeak_Synth(self, data: bytes, *_args: Any) -> int:
        self.chunks.append(f"{self.current}:".encode() + data)
        return 0

    def espeak_Synchronize(self) -> int:
        return 0

    def espeak_TextToPhonemes(self, pointer: Any, _mode: int, _flags: int) -> bytes:
        pointer._obj.value = None  # the whole text is one clause
        return f"phonemes of {self.current}".encode()


def fake_engine() -> tuple[Espeak, FakeLib]:
    chunks: list[bytes] = []
    lib = FakeLib(chunks)
    return Espeak(cast(ctypes.CDLL, lib), 22050, None, chunks), lib


def test_a_second_voice_is_set_and_the_voice_is_set_only_when_it_changes() -> None:
    engine, lib = fake_engine()
    assert engine.speak_pcm(["你好。"], DEFAULT_WPM) == (
        22050,
        [b"cmn:\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\0"],
    )
    engine.speak_pcm(["你好。"], DEFAULT_WPM, "cmn")
    assert lib.set_voice == ["cmn"]
    _, (said,) = engine.speak_pcm(["hi"], DEFAULT_WPM, "en")
    assert said == b"en:hi\0" and engine.voice == "en"
    _, (said,) = engine.speak_pcm(["hi"], DEFAULT_WPM)
    assert said == b"cmn:hi\0"
    assert lib.set_voice == ["cmn", "en", "cmn"]


def test_pinyin_is_read_by_the_pinyin_voice_and_the_callers_voice_comes_back() -> None:
    engine, lib = fake_engine()
    assert engine.pinyin_phonemes("xin1 zhuang1", "en") == f"phonemes of {PINYIN_VOICE}"
    assert lib.current == "en" == engine.voice
    assert engine.pinyin_phonemes("xin1 zhuang1") == f"phonemes of {PINYIN_VOICE}"  # cached
    assert lib.set_voice == ["en", PINYIN_VOICE, "en", "cmn"]


def test_an_unknown_voice_is_refused_and_the_next_call_sets_its_own() -> None:
    engine, lib = fake_engine()
    engine.speak_pcm(["你好。"], DEFAULT_WPM)
    with pytest.raises(EngineUnavailableError, match="no voice 'xx'"):
        engine.speak_pcm(["你好。"], DEFAULT_WPM, "xx")
    engine.speak_pcm(["你好。"], DEFAULT_WPM)
    assert lib.set_voice == ["cmn", "xx", "cmn"]


def test_the_real_library_says_each_call_in_the_voice_it_names() -> None:
    # English spells out each Chinese character ("Chinese letter ..."): far longer than Mandarin.
    _, (mandarin,) = speak_pcm(["你好。"], DEFAULT_WPM)
    _, (english,) = speak_pcm(["你好。"], DEFAULT_WPM, "en")
    assert shared_engine().voice == "en"
    _, (again,) = speak_pcm(["你好。"], DEFAULT_WPM)
    assert shared_engine().voice == "cmn"
    assert len(english) > 2 * len(mandarin)
    assert len(again) == pytest.approx(len(mandarin), rel=0.05)
