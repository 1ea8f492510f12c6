"""The offline engine: espeak-ng Mandarin, encoded to the shared MP3 format, no network at all."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import time
from concurrent.futures import Executor, ProcessPoolExecutor

from tingbao.audio.errors import EngineUnavailableError
from tingbao.audio.espeak import DEFAULT_WPM, pinyin_phonemes, speak_pcm
from tingbao.audio.loudness import Profile
from tingbao.audio.marks import for_offline, for_online
from tingbao.audio.master import heard_mp3, master_samples
from tingbao.audio.mp3 import ENCODER_DELAY_S, pcm_samples
from tingbao.audio.speech import ENGINE_OFFLINE, Boundary, Speech, check_speech, rate_factor
from tingbao.audio.text import split_sentences

Job = tuple[bytes, float, list[tuple[str, float, float]], Profile]
# How long pieces may keep the in-process lane busy before the worker processes are started.
_START_AFTER_S = 1.0
# How long idle workers are given to leave on their own when the engine closes; busy ones are
# killed after it.
_IDLE_EXIT_S = 0.5


def synthesize_job(text: str, wpm: int) -> Job:
    """Speak text sentence by sentence, master and encode it once, and profile it as a player
    decodes it; runs in a worker process.

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
    return frames.data, frames.duration_s, boundaries, heard_mp3(frames.data)


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


def warm_up() -> int:
    """Load espeak-ng's Mandarin voice and the mastering libraries in a worker process (scipy
    is imported by the loudness functions that use it); return its pid."""
    synthesize_job("你好。", DEFAULT_WPM)
    return os.getpid()


class OfflineSynthesizer:
    """Robotic but clear Mandarin from espeak-ng, about a thousand times faster than real time.

    Work is spread over worker processes, but starting them costs seconds (each imports the
    program), more than a corrected paragraph takes to speak. So a piece is spoken in this
    process (a thread) while that lane is free and the workers are not ready; the workers are
    started, in the background, only when pieces have kept the lane busy for a while
    (_START_AFTER_S: more than a paragraph or two), and take every piece once they are ready.
    """

    name = ENGINE_OFFLINE

    def __init__(self, workers: int = 2, executor: Executor | None = None) -> None:
        self.workers = workers
        self._executor = executor
        self._owned = executor is None
        # The lane and the readiness belong to one event loop: made again in another one.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lane = asyncio.Lock()
        self._ready = asyncio.Event()
        self._warming: asyncio.Future[list[int]] | None = None
        self._warmed = False
        self._at_lane = 0  # pieces holding or waiting for the lane
        self._start_timer: asyncio.TimerHandle | None = None

    def voice_id(self, voice: str) -> str:
        return "espeak-cmn"

    @property
    def started(self) -> bool:
        """Return whether the worker processes have been started."""
        return self._executor is not None

    def _pool(self) -> Executor:
        if self._executor is None:
            # spawn, not fork: the parent has threads (event loop, database) that fork would copy.
            # Not a fork server either: its workers hold the server's lifeline, so when this
            # process is killed neither the server nor its workers ever exit (seen in the crash
            # tests), and they keep the parent's stdout and stderr open.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=die_with_parent
            )
        return self._executor

    def _in_this_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._lane, self._ready = loop, asyncio.Lock(), asyncio.Event()
            self._warming, self._at_lane, self._start_timer = None, 0, None
            if self._warmed:
                self._ready.set()
        return loop

    async def start(self) -> None:
        """Start the worker processes, and return once they are ready (no-op without)."""
        if self.workers > 0:
            self._warm(self._in_this_loop())
            await self._ready.wait()

    def _warm(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the workers in the background; the ready event is set once each has loaded
        the voice (or the pool broke: then the pieces sent to it fail, saying why)."""
        if self._warming is not None:
            return
        pool = self._pool()
        warming = asyncio.gather(
            *(loop.run_in_executor(pool, warm_up) for _ in range(self.workers))
        )
        ready = self._ready

        def done(future: asyncio.Future[list[int]]) -> None:
            self._warmed = not future.cancelled() and future.exception() is None
            ready.set()

        warming.add_done_callback(done)
        self._warming = warming

    def _warm_if_busy(self, loop: asyncio.AbstractEventLoop) -> None:
        self._start_timer = None
        if self._at_lane:
            self._warm(loop)

    async def _job(self, text: str, wpm: int) -> Job:
        if self.workers <= 0:
            return await asyncio.to_thread(synthesize_job, text, wpm)
        loop = self._in_this_loop()
        lane, ready = self._lane, self._ready
        if not ready.is_set():
            if self._at_lane and self._start_timer is None:  # a piece is waiting for the lane
                self._start_timer = loop.call_later(_START_AFTER_S, self._warm_if_busy, loop)
            self._at_lane += 1
            try:
                if await _first_of(lane, ready):
                    try:
                        return await asyncio.to_thread(synthesize_job, text, wpm)
                    finally:
                        lane.release()
            finally:
                self._at_lane -= 1
        return await loop.run_in_executor(self._pool(), synthesize_job, text, wpm)

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech for text; workers=0 runs espeak in a thread of this process only."""
        wpm = round(DEFAULT_WPM * rate_factor(rate))
        try:
            data, duration, raw, heard = await self._job(text, wpm)
        except (OSError, RuntimeError) as exc:
            raise EngineUnavailableError(f"offline voice failed: {exc}") from exc
        boundaries = tuple(Boundary(t, s, e) for t, s, e in raw)
        speech = Speech(data, duration, boundaries, ENGINE_OFFLINE, mastered=True, heard=heard)
        check_speech(text, speech, rate, need_boundaries=False)
        return speech

    def close(self) -> None:
        """Stop the worker processes this engine started, at once: pieces they are still
        speaking are abandoned (whoever awaited them has stopped, or is told the pool broke)."""
        # The warm-up's futures are left to the executor's shutdown: cancelling them here would
        # need their event loop, which may be closed by now.
        if self._start_timer is not None:
            self._start_timer.cancel()
        self._loop, self._warming, self._warmed, self._start_timer = None, None, False, None
        if self._owned and self._executor is not None:
            executor, self._executor = self._executor, None
            if isinstance(executor, ProcessPoolExecutor):
                stop_workers(executor)
            else:
                executor.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor, grace_s: float = _IDLE_EXIT_S) -> None:
    """Shut a pool down without waiting for the pieces its workers are speaking.

    Waiting would hold a stopping worker for as long as the pieces queued to its processes take
    (seconds each, and shutdown(wait=True) was seen to hang on a busy pool); idle workers leave
    on their own within grace_s, busy ones are killed. A killed piece is only lost work: pieces
    are written to the cache whole, by the parent."""
    # ProcessPoolExecutor has no public list of its processes before Python 3.14
    # (kill_workers); _processes has been there, pid -> Process, since 3.2.
    processes = list(pool._processes.values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(1.0)


async def _first_of(lane: asyncio.Lock, ready: asyncio.Event) -> bool:
    """Wait for the lane or the workers, whichever is free first; return True holding the lane.

    The lane wins a tie, so it is never left acquired by nobody."""
    taking = asyncio.ensure_future(lane.acquire())
    waiting = asyncio.ensure_future(ready.wait())
    try:
        await asyncio.wait((taking, waiting), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        if not taking.done():
            taking.cancel()
    return taking.done() and not taking.cancelled()
