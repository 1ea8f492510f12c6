"""The offline engine: espeak-ng Mandarin, encoded to the shared MP3 format, no network at all."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from concurrent.futures import Executor, ProcessPoolExecutor

from tingbao.audio.errors import EngineUnavailableError
from tingbao.audio.espeak import DEFAULT_WPM, pinyin_phonemes, speak_pcm
from tingbao.audio.marks import for_offline, for_online
from tingbao.audio.master import master_samples
from tingbao.audio.mp3 import ENCODER_DELAY_S, pcm_samples
from tingbao.audio.speech import ENGINE_OFFLINE, Boundary, Speech, check_speech, rate_factor
from tingbao.audio.text import split_sentences

Job = tuple[bytes, float, list[tuple[str, float, float]]]


def synthesize_job(text: str, wpm: int) -> Job:
    """Speak text sentence by sentence, master and encode it once; runs in a worker process.

    Timings are shifted by the encoder's delay, which starts every stream."""
    sentences = split_sentences(text) or [text]
    said = [for_offline(sentence, pinyin_phonemes) for sentence in sentences]
    sample_rate, pcms = speak_pcm(said, wpm)
    boundaries: list[tuple[str, float, float]] = []
    position = 0
    for sentence, pcm in zip(map(for_online, sentences), pcms, strict=True):
        count = len(pcm) // 2
        start = ENCODER_DELAY_S + position / sample_rate
        boundaries.append((sentence, start, start + count / sample_rate))
        position += count
    frames = master_samples(pcm_samples(b"".join(pcms)), sample_rate)
    return frames.data, frames.duration_s, boundaries


def die_with_parent() -> None:
    """Have Linux kill this worker when its parent dies, even by kill -9.

    A worker orphaned by a crash would otherwise wait forever on its task queue, holding the
    parent's stdout and stderr open and so hanging whoever waits for them to close.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


class OfflineSynthesizer:
    """Robotic but clear Mandarin from espeak-ng, about a thousand times faster than real time."""

    name = ENGINE_OFFLINE

    def __init__(self, workers: int = 2, executor: Executor | None = None) -> None:
        self.workers = workers
        self._executor = executor
        self._owned = executor is None

    def voice_id(self, voice: str) -> str:
        return "espeak-cmn"

    def _pool(self) -> Executor | None:
        if self._executor is None and self.workers > 0:
            # spawn, not fork: the parent has threads (event loop, database) that fork would copy.
            # Not a fork server either: its workers hold the server's lifeline, so when this
            # process is killed neither the server nor its workers ever exit (seen in the crash
            # tests), and they keep the parent's stdout and stderr open.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=die_with_parent
            )
        return self._executor

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech for text; workers=0 runs espeak in a thread of this process."""
        wpm = round(DEFAULT_WPM * rate_factor(rate))
        loop = asyncio.get_running_loop()
        try:
            data, duration, raw = await loop.run_in_executor(
                self._pool(), synthesize_job, text, wpm
            )
        except (OSError, RuntimeError) as exc:
            raise EngineUnavailableError(f"offline voice failed: {exc}") from exc
        boundaries = tuple(Boundary(t, s, e) for t, s, e in raw)
        speech = Speech(data, duration, boundaries, ENGINE_OFFLINE, mastered=True)
        check_speech(text, speech, rate, need_boundaries=False)
        return speech

    def close(self) -> None:
        """Stop the worker processes this engine started."""
        if self._owned and self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
