"""The neural offline voice: Kokoro-82M speaking Mandarin, in worker processes, no network.

Each worker process loads the model once (1-2.4 s; about 0.6 GB once it has spoken: see
kokoro_phonemes.CALL_TOKENS) and runs it on its own threads (`threads`, one by default: two
processes on two cores speak more than one process with two threads). With workers=0 the
model runs in a thread of this process (tests, benchmarks).

The requested voice may be one of the shipped Kokoro voices (zf_xiaoxiao, zm_yunxi) or an
online voice's name: a male online voice (zh-CN-Yunxi…, Yunjian, Yunyang …) is read by zm_yunxi,
any other by zf_xiaoxiao. So a paper's own `voice` picks the offline voice of the same kind.

Slow readings are the normal pieces time-stretched, in the worker processes (stretch.py:
measured, well understood and a small fraction of the cost of speaking again); the normal piece
is taken from the last few made, or made first.

If the model cannot load in a worker (damaged parts, onnxruntime failing), the engine says why
in one log line and speaks with espeak-ng for the rest of the run (`fallback`): never silence.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import OrderedDict
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from pathlib import Path

from tingbao.audio.errors import EngineUnavailableError
from tingbao.audio.kokoro_files import FEMALE, MALE, VOICES
from tingbao.audio.kokoro_runner import ModelLoadError, kokoro_job, warm_up
from tingbao.audio.offline import Job, OfflineSynthesizer, die_with_parent, stop_workers
from tingbao.audio.speech import ENGINE_OFFLINE, Boundary, Speech, check_speech, rate_factor
from tingbao.audio.stretch import stretched_speech

log = logging.getLogger("tingbao.audio")

MODEL_ID = "kokoro-v1.0-int8"
NORMAL = "+0%"
# Normal pieces kept for the slow readings made of them (about 20 MB at most).
_KEPT_NORMALS = 64
# Online voices of a man (Microsoft's zh-CN, zh-TW and zh-HK names): read by the male voice.
_MALE_NAMES = ("Yun", "Wan", "Kang")


def kokoro_voice(voice: str) -> str:
    """Return the shipped Kokoro voice for a requested voice (see the module's docstring)."""
    if voice in VOICES:
        return voice
    if voice.startswith("zm_"):
        return MALE
    if voice.startswith("zf_"):
        return FEMALE
    name = voice.split("-")[-1] if "-" in voice else voice
    return MALE if name.startswith(_MALE_NAMES) else FEMALE


class KokoroSynthesizer:
    """Natural Mandarin from Kokoro-82M; only a little faster than real time on one core (RTF
    about 0.5-0.9 on an idle core), so pieces are spread over `workers` processes."""

    name = ENGINE_OFFLINE
    # Pieces of about a minute of speech: a reading's pieces are spoken by both processes at
    # once, and the first of an article is ready long before the article would be whole.
    piece_chars = 240

    def __init__(
        self,
        models_dir: Path,
        *,
        workers: int = 2,
        threads: int = 1,
        fallback: OfflineSynthesizer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.models_dir = models_dir
        self.workers = workers
        self.threads = threads
        self.fallback = fallback if fallback is not None else OfflineSynthesizer()
        self._executor = executor
        self._owned = executor is None
        self._spoken = False  # a piece was spoken: the model loads here
        self.model_calls = 0  # pieces handed to the model (reports, tests)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._normals: OrderedDict[tuple[str, str], asyncio.Future[Speech]] = OrderedDict()
        self.broken: str | None = None  # why the model could not load, once it could not

    def voice_id(self, voice: str) -> str:
        if self.broken is not None:
            return self.fallback.voice_id(voice)
        return f"{MODEL_ID}-{kokoro_voice(voice)}"

    @property
    def started(self) -> bool:
        """Return whether the worker processes have been started."""
        return self._executor is not None

    def _pool(self) -> Executor:
        if self._executor is None:
            # spawn, not fork: see OfflineSynthesizer._pool.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=die_with_parent
            )
        return self._executor

    async def start(self) -> None:
        """Start the worker processes and load the model in each (benchmarks time it apart)."""
        if self.workers <= 0:
            await asyncio.to_thread(warm_up, self.models_dir, self.threads)
            return
        loop = asyncio.get_running_loop()
        pool = self._pool()
        await asyncio.gather(
            *(
                loop.run_in_executor(pool, warm_up, self.models_dir, self.threads)
                for _ in range(self.workers)
            )
        )

    async def _job(self, text: str, voice: str, speed: float) -> Job:
        arguments = (text, voice, speed, self.models_dir, self.threads)
        if self.workers <= 0:
            return await asyncio.to_thread(kokoro_job, *arguments)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), kokoro_job, *arguments)

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech for text, or espeak-ng's once the model could not load. A slower or
        faster rate is the normal piece time-stretched (stretch.py says why)."""
        factor = rate_factor(rate)
        if self.broken is not None:
            return await self._speak(text, voice, rate)
        normal = await self._normal(text, voice)
        if factor == 1.0:
            return normal
        if self.broken is not None:  # the model failed meanwhile: espeak-ng's own slow voice
            return await self._speak(text, voice, rate)
        speech = await self._stretch(normal, factor)
        check_speech(text, speech, rate, need_boundaries=False)
        return speech

    async def _stretch(self, normal: Speech, factor: float) -> Speech:
        """Return normal stretched, in a worker process: mastering a minute of audio takes a few
        hundred MB for a moment, which the workers have anyway (they keep the model's), and the
        worker's own process stays small."""
        if self.workers > 0:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._pool(), stretched_speech, normal, factor)
            except BrokenExecutor:  # a worker died: stretched here instead
                pass
        return await asyncio.to_thread(stretched_speech, normal, factor)

    async def _normal(self, text: str, voice: str) -> Speech:
        """Return the normal piece of text: kept from its making moments ago (slow readings
        follow the normal ones), being made, or made now."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # futures belong to one event loop
            self._loop, self._normals = loop, OrderedDict()
        key = (text, kokoro_voice(voice))
        pending = self._normals.get(key)
        if pending is None or pending.cancelled() or (pending.done() and pending.exception()):
            pending = asyncio.ensure_future(self._speak(text, voice, NORMAL))
            self._normals[key] = pending
            while len(self._normals) > _KEPT_NORMALS:
                self._normals.popitem(last=False)
        self._normals.move_to_end(key)
        return await asyncio.shield(pending)

    async def _speak(self, text: str, voice: str, rate: str) -> Speech:
        """Return text spoken by the model at rate (or by espeak-ng once it cannot load)."""
        if self.broken is not None:
            return await self.fallback.synthesize(text, voice, rate)
        self.model_calls += 1
        try:
            data, duration, raw, heard = await self._job(
                text, kokoro_voice(voice), rate_factor(rate)
            )
        except ModelLoadError as exc:
            self._give_up(exc)
            return await self.fallback.synthesize(text, voice, rate)
        except BrokenExecutor as exc:  # a worker died (killed, out of memory)
            if not self._spoken:
                self._give_up(exc)
                return await self.fallback.synthesize(text, voice, rate)
            raise EngineUnavailableError(f"neural offline voice failed: {exc}") from exc
        except Exception as exc:  # this text only (a G2P bug): espeak-ng says it, not silence
            log.warning("the neural voice failed on %r (%s): espeak-ng says it", text[:20], exc)
            return await self.fallback.synthesize(text, voice, rate)
        self._spoken = True
        boundaries = tuple(Boundary(t, s, e) for t, s, e in raw)
        speech = Speech(data, duration, boundaries, ENGINE_OFFLINE, mastered=True, heard=heard)
        check_speech(text, speech, rate, need_boundaries=False)
        return speech

    def _give_up(self, exc: BaseException) -> None:
        """Remember (and say once) that the model cannot load, so espeak-ng speaks instead."""
        if self.broken is None:
            reason = (str(exc).splitlines() or [""])[0][:200] or type(exc).__name__
            self.broken = reason
            log.warning("the neural offline voice cannot load (%s): espeak-ng speaks", reason)

    def _stop_pool(self) -> None:
        if self._owned and self._executor is not None:
            executor, self._executor = self._executor, None
            if isinstance(executor, ProcessPoolExecutor):
                stop_workers(executor)
            else:
                executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes (this engine's and its fallback's)."""
        self._stop_pool()
        self.fallback.close()
