"""espeak-ng's Mandarin voice through ctypes (the library and data come from espeakng-loader).

espeak-ng keeps global state, so one process holds one library (shared_engine), with one voice at
a time: each call names its voice, and the library switches to it when another was current. The
offline synthesizer runs these functions in worker processes, which also spreads MP3 encoding over
the cores.
"""

from __future__ import annotations

import ctypes
import threading

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


class Espeak:
    """The espeak-ng library of this process, and the voice it has now.

    espeak-ng keeps one voice at a time for the whole process: each call names the voice it
    wants, and the voice is changed (espeak_SetVoiceByName) only when it differs from the
    current one. Calls are serialized, since the library's state is shared.
    """

    def __init__(
        self, lib: ctypes.CDLL, sample_rate: int, callback: object, chunks: list[bytes]
    ) -> None:
        self.lib = lib
        self.sample_rate = sample_rate
        self.callback = callback  # kept referenced: espeak calls it from C
        self.chunks = chunks  # filled by callback during espeak_Synth
        self.voice: str | None = None  # None until a voice is set, or after one failed
        self.phonemes: dict[str, str] = {}  # pinyin -> phoneme mnemonics of the pinyin voice
        self.lock = threading.Lock()

    @classmethod
    def load(cls) -> Espeak:
        """Load and initialize espeakng-loader's library, with no voice set yet."""
        try:
            import espeakng_loader

            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data_path = espeakng_loader.get_data_path().encode()
        except (ImportError, OSError, RuntimeError) as exc:
            raise EngineUnavailableError(f"espeak-ng is not available: {exc}") from exc
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
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
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        return cls(lib, rate, callback, chunks)

    def use(self, voice: str) -> None:
        """Make voice the current one, unless it is already; hold the lock."""
        if self.voice == voice:
            return
        self.voice = None  # unknown until espeak-ng accepts the new one
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailableError(f"espeak-ng has no voice {voice!r}")
        self.voice = voice

    def pinyin_phonemes(self, pinyin: str, voice: str = "cmn") -> str:
        """Return the phonemes (for [[...]] input to voice) of tone-number pinyin."""
        with self.lock:
            self.use(voice)
            if pinyin not in self.phonemes:
                self.phonemes[pinyin] = self._to_phonemes(pinyin)
            return self.phonemes[pinyin]

    def speak_pcm(
        self, sentences: list[str], wpm: int, voice: str = "cmn"
    ) -> tuple[int, list[bytes]]:
        """Return the sample rate and 16-bit mono PCM of each sentence, said by voice."""
        with self.lock:
            self.use(voice)
            self.lib.espeak_SetParameter(ESPEAK_RATE, max(80, min(450, wpm)), 0)
            out: list[bytes] = []
            for sentence in sentences:
                self.chunks.clear()
                data = sentence.encode("utf-8") + b"\0"
                flags = ESPEAK_CHARS_UTF8 | ESPEAK_PHONEMES
                self.lib.espeak_Synth(data, len(data), 0, 0, 0, flags, None, None)
                self.lib.espeak_Synchronize()
                out.append(b"".join(self.chunks))
            return self.sample_rate, out

    def _to_phonemes(self, pinyin: str) -> str:
        """Return espeak-ng's phoneme mnemonics for tone-number pinyin ("xin1 zhuang1"), then
        give back the voice that was current."""
        previous = self.voice
        self.use(PINYIN_VOICE)
        try:
            buffer = ctypes.create_string_buffer(pinyin.encode("utf-8") + bytes(1))
            pointer = ctypes.c_void_p(ctypes.addressof(buffer))
            out: list[str] = []
            while pointer.value:
                clause = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), ESPEAK_CHARS_UTF8, 0)
                out.append((clause or b"").decode("utf-8", "replace").strip())
        finally:
            if previous is not None:
                self.use(previous)
        return " ".join(part for part in out if part)


_shared: Espeak | None = None
_load_lock = threading.Lock()


def shared_engine() -> Espeak:
    """Return this process's espeak-ng, loading it on first use (one library per process)."""
    global _shared
    with _load_lock:
        if _shared is None:
            _shared = Espeak.load()
        return _shared


def pinyin_phonemes(pinyin: str, voice: str = "cmn") -> str:
    """Return the phonemes (for [[...]] input to voice) of tone-number pinyin."""
    return shared_engine().pinyin_phonemes(pinyin, voice)


def speak_pcm(sentences: list[str], wpm: int, voice: str = "cmn") -> tuple[int, list[bytes]]:
    """Return the sample rate and 16-bit mono PCM of each sentence, said by voice."""
    return shared_engine().speak_pcm(sentences, wpm, voice)
