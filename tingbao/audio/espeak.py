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
    return _Engine(lib, rate, callback, chunks)


def speak_pcm(sentences: list[str], wpm: int, voice: str = "cmn") -> tuple[int, list[bytes]]:
    """Return the sample rate and 16-bit mono PCM of each sentence."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _load(voice)
        engine = _engine
        engine.lib.espeak_SetParameter(ESPEAK_RATE, max(80, min(450, wpm)), 0)
        out: list[bytes] = []
        for sentence in sentences:
            engine.chunks.clear()
            data = sentence.encode("utf-8") + b"\0"
            engine.lib.espeak_Synth(data, len(data), 0, 0, 0, ESPEAK_CHARS_UTF8, None, None)
            engine.lib.espeak_Synchronize()
            out.append(b"".join(engine.chunks))
        return engine.sample_rate, out
