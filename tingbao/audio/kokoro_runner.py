"""The neural voice in one process: Kokoro-82M through onnxruntime, one model per process.

A call gives the model a voice's style row (chosen by the call's token count), the tokens and a
speed, and gets 24 kHz samples back. A piece of text is spoken sentence by sentence (each in
calls of at most 510 tokens, kokoro_phonemes.calls), with the silence the model leaves around
each call trimmed to a fixed pause, then mastered and encoded once, in the process that spoke
it, like espeak-ng's pieces (offline.synthesize_job).

onnxruntime, misaki and jieba are imported here on first use only. onnxruntime phones home on
Linux unless ORT_DISABLE_TELEMETRY is set before it loads: it is set before the import.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tingbao.audio.kokoro_files import model_path, voice_path
from tingbao.audio.kokoro_phonemes import MisakiG2P, calls, tokens
from tingbao.audio.marks import for_online
from tingbao.audio.master import heard_mp3, master_samples
from tingbao.audio.mp3 import ENCODER_DELAY_S
from tingbao.audio.offline import Job
from tingbao.audio.text import split_sentences

SAMPLE_RATE = 24000
STYLE_ROWS = 510
STYLE_WIDTH = 256
# Silence kept around a call's speech, and the pauses put between calls and sentences.
_EDGE_S = 0.05
_CLAUSE_PAUSE_S = 0.15
_SENTENCE_PAUSE_S = 0.3
_SILENT = 0.01  # samples under this (of full scale) at either end of a call are silence


@dataclass
class Model:
    """The loaded model of this process, its G2P and the voices' style tables."""

    session: Any  # onnxruntime.InferenceSession
    g2p: MisakiG2P
    styles: dict[str, npt.NDArray[np.float32]]
    lock: threading.Lock

    def style(self, voice: str) -> npt.NDArray[np.float32]:
        """Return a voice's style table (510×256), read on first use."""
        with self.lock:
            if voice not in self.styles:
                raw = np.fromfile(voice_path(voice), dtype=np.float32)
                self.styles[voice] = raw.reshape(STYLE_ROWS, STYLE_WIDTH)
            return self.styles[voice]

    def call(self, said: str, voice: str, speed: float) -> npt.NDArray[np.float32]:
        """Return the samples of one call (phonemes of at most 510 tokens), edges trimmed."""
        ids = tokens(said)[: STYLE_ROWS - 2]
        if not ids:
            return np.zeros(0, dtype=np.float32)
        style = self.style(voice)[len(ids) - 1].reshape(1, STYLE_WIDTH)
        audio = self.session.run(
            None,
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": style,
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        return _trim(np.asarray(audio, dtype=np.float32).ravel())


def _trim(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Return samples with their leading and trailing silence cut to _EDGE_S."""
    loud = np.flatnonzero(np.abs(samples) > _SILENT)
    if len(loud) == 0:
        return samples[:0]
    edge = int(_EDGE_S * SAMPLE_RATE)
    return samples[max(0, loud[0] - edge) : loud[-1] + edge]


class ModelLoadError(RuntimeError):
    """The model, its voices or its G2P cannot load in this process (said in one line)."""


_models: dict[Path, Model] = {}  # by model folder: one in a worker process
_load_lock = threading.Lock()


def load(models_dir: Path, threads: int = 1) -> Model:
    """Return this process's model, loading it on first use (assembled from its parts first
    if need be); threads bounds onnxruntime's threads (one per worker process by default)."""
    with _load_lock:
        if models_dir in _models:
            return _models[models_dir]
        try:
            import onnxruntime

            path = model_path(models_dir)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initializers are noise
            # onnxruntime's memory arena stays on: without it a call costs 2.4 times the CPU
            # (measured), and glibc's heap grew a worker to 2 GB; the arena keeps the largest
            # call's memory, which CALL_TOKENS bounds (about 0.6 GB a worker).
            session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            g2p = MisakiG2P(models_dir / "jieba")
            g2p.load()
        except Exception as exc:  # whatever the library raises: said in one line, picklable
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise ModelLoadError(f"{type(exc).__name__}: {first}") from None
        model = _models[models_dir] = Model(session, g2p, {}, threading.Lock())
        return model


def speak(
    model: Model, text: str, voice: str, speed: float
) -> tuple[npt.NDArray[np.float32], list[tuple[str, float, float]]]:
    """Return 24 kHz samples of text and each sentence's (text, start, end) in seconds."""
    pause = np.zeros(int(_SENTENCE_PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    clause_pause = np.zeros(int(_CLAUSE_PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    parts: list[npt.NDArray[np.float32]] = []
    boundaries: list[tuple[str, float, float]] = []
    position = 0
    for number, sentence in enumerate(split_sentences(text) or [text]):
        if number:
            parts.append(pause)
            position += len(pause)
        start = position
        for index, said in enumerate(calls(sentence, model.g2p)):
            if index:
                parts.append(clause_pause)
                position += len(clause_pause)
            samples = model.call(said, voice, speed)
            parts.append(samples)
            position += len(samples)
        boundaries.append((for_online(sentence), start / SAMPLE_RATE, position / SAMPLE_RATE))
    parts.append(pause)  # the pause after the last sentence: pieces join like sentences
    return np.concatenate(parts), boundaries


def kokoro_job(text: str, voice: str, speed: float, models_dir: Path, threads: int) -> Job:
    """Speak text, master and encode it once, and profile it as a player decodes it; runs in
    a worker process (or a thread of a process that has the model). Timings are shifted by the
    encoder's delay, which starts every stream."""
    model = load(models_dir, threads)
    samples, raw = speak(model, text, voice, speed)
    frames = master_samples(samples, SAMPLE_RATE)
    boundaries = [(t, s + ENCODER_DELAY_S, e + ENCODER_DELAY_S) for t, s, e in raw]
    return frames.data, frames.duration_s, boundaries, heard_mp3(frames.data)


def warm_up(models_dir: Path, threads: int) -> int:
    """Load the model, the G2P and the mastering libraries in a worker process by speaking a
    word; return its pid."""
    kokoro_job("你好。", "zf_xiaoxiao", 1.0, models_dir, threads)
    return os.getpid()
