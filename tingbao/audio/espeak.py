"""espeak-ng's Mandarin voice through ctypes (the library and data come from espeakng-loader).

espeak-ng keeps global state, so one process holds one engine; the offline synthesizer runs these
functions in worker processes, which also spreads MP3 encoding over the cores.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

from tingbao.audio.errors import EngineUnavailableError

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_RATE = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_PHONEMES = 0x100  # [[...]] in the text is phoneme input
PINYIN_VOICE = "cmn-latn-pinyin"  # reads tone-number pinyin: its phonemes are the cmn voice's
DEFAULT_WPM = 175
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass
class _Engine:
    lib: ctypes.CDLL
    sample_rate: int
    callback: object  # kept referenced: espeak calls it from C
    chunks: list[bytes]
    voice: str
    phonemes: dict[str, str]  # pinyin -> phoneme mnemonics, as the pinyin voice says them


_engine: _Engine | None = None
_lock = threading.Lock()


def _load(voice: str) -> _Engine:
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path().encode()
    except (ImportError, OSError, RuntimeError) as exc:
        raise EngineUnavailableError(f"espeak-ng is not available: {exc}") from exc
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
    if rate <= 0:
        raise EngineUnavailableError("espeak-ng failed to initialize")
    chunks: list[bytes] = []

    def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None) -> int:
        if count > 0:
            chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    callback = _CALLBACK(collect)
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise EngineUnavailableError(f"espeak-ng has no voice {voice!r}")
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    return _Engine(lib, rate, callback, chunks, voice, {})


def _engine_for(voice: str) -> _Engine:
    global _engine
    if _engine is None:
        _engine = _load(voice)
    return _engine


def _to_phonemes(engine: _Engine, pinyin: str) -> str:
    """Return espeak-ng's phoneme mnemonics for tone-number pinyin ("xin1 zhuang1")."""
    if engine.lib.espeak_SetVoiceByName(PINYIN_VOICE.encode()) != 0:
        raise EngineUnavailableError(f"espeak-ng has no voice {PINYIN_VOICE!r}")
    try:
        buffer = ctypes.create_string_buffer(pinyin.encode("utf-8") + bytes(1))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        out: list[str] = []
        while pointer.value:
            clause = engine.lib.espeak_TextToPhonemes(ctypes.byref(pointer), ESPEAK_CHARS_UTF8, 0)
            out.append((clause or b"").decode("utf-8", "replace").strip())
    finally:
        engine.lib.espeak_SetVoiceByName(engine.voice.encode())
    return " ".join(part for part in out if part)


def pinyin_phonemes(pinyin: str, voice: str = "cmn") -> str:
    """Return the phonemes (for [[...]] input to the cmn voice) of tone-number pinyin."""
    with _lock:
        engine = _engine_for(voice)
        if pinyin not in engine.phonemes:
            engine.phonemes[pinyin] = _to_phonemes(engine, pinyin)
        return engine.phonemes[pinyin]


def speak_pcm(sentences: list[str], wpm: int, voice: str = "cmn") -> tuple[int, list[bytes]]:
    """Return the sample rate and 16-bit mono PCM of each sentence."""
    with _lock:
        engine = _engine_for(voice)
        engine.lib.espeak_SetParameter(ESPEAK_RATE, max(80, min(450, wpm)), 0)
        out: list[bytes] = []
        for sentence in sentences:
            engine.chunks.clear()
            data = sentence.encode("utf-8") + b"\0"
            flags = ESPEAK_CHARS_UTF8 | ESPEAK_PHONEMES
            engine.lib.espeak_Synth(data, len(data), 0, 0, 0, flags, None, None)
            engine.lib.espeak_Synchronize()
            out.append(b"".join(engine.chunks))
        return engine.sample_rate, out
