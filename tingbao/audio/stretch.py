"""Slow readings by time-stretching: a piece's normal reading played slower at the same pitch.

The neural voice makes its slow readings this way rather than speaking again at a slower speed.
Measured on the sample (bench/voice.py --ear; 4 sentences, 441 characters), Whisper base gets
5.6 % of the syllables of the stretched reading wrong and 9.9 % of the one spoken again at -25 %
(4.3 % at normal speed); stretching took 2.0 s for 116 s of audio, speaking again 352 s for
122 s (the machine shared): speaking slow readings again would more than double the time an
issue takes. The stretch is FFmpeg's atempo filter (WSOLA, through PyAV, already a dependency
for voice notes), on the decoded normal piece; the result is mastered and encoded like any
piece, and its sentence timings scaled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tingbao.audio.master import heard_mp3, master_samples
from tingbao.audio.mp3 import ENCODER_DELAY, ENCODER_DELAY_S, SAMPLE_RATE, decode
from tingbao.audio.speech import Boundary, Speech

if TYPE_CHECKING:
    import av.filter

_FRAME = 4096  # samples handed to the filter at a time


def stretch(samples: npt.NDArray[np.float32], rate: int, factor: float) -> npt.NDArray[np.float32]:
    """Return mono samples played at factor of their speed (0.75: a third longer), same pitch."""
    if factor <= 0:
        raise ValueError(f"a speed factor must be positive, not {factor}")
    import av  # here, not at the top: only processes that stretch load FFmpeg's libraries

    graph = av.filter.Graph()
    source = graph.add_abuffer(format="flt", sample_rate=rate, layout="mono")
    last = source
    for step in _atempo_steps(factor):
        node = graph.add("atempo", f"{step:.6f}")
        last.link_to(node)
        last = node
    last.link_to(graph.add("abuffersink"))
    graph.configure()
    out: list[npt.NDArray[np.float32]] = []
    for start in range(0, len(samples), _FRAME):
        chunk = np.ascontiguousarray(samples[start : start + _FRAME], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        graph.push(frame)
        _drain(graph, out)
    graph.push(None)
    _drain(graph, out)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def _atempo_steps(factor: float) -> list[float]:
    """Return atempo factors, each within its 0.5-2.0 range, whose product is factor."""
    steps: list[float] = []
    while factor < 0.5:
        steps.append(0.5)
        factor /= 0.5
    while factor > 2.0:
        steps.append(2.0)
        factor /= 2.0
    return [*steps, factor]


def _drain(graph: av.filter.Graph, out: list[npt.NDArray[np.float32]]) -> None:
    import av

    while True:
        try:
            frame = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        out.append(np.asarray(frame.to_ndarray(), dtype=np.float32).ravel())


# One piece at a time per process: each holds a minute of audio a few times over while it is
# mastered (about 100 MB), beside the neural voice's worker processes.
_ONE_AT_A_TIME = threading.Lock()


def stretched_speech(normal: Speech, factor: float) -> Speech:
    """Return a mastered piece at factor of normal's speed, its sentence timings scaled."""
    with _ONE_AT_A_TIME:
        samples = decode(normal.mp3)[ENCODER_DELAY:]
        frames = master_samples(stretch(samples, SAMPLE_RATE, factor), SAMPLE_RATE)
    boundaries = tuple(
        Boundary(
            b.text,
            (b.start_s - ENCODER_DELAY_S) / factor + ENCODER_DELAY_S,
            (b.end_s - ENCODER_DELAY_S) / factor + ENCODER_DELAY_S,
        )
        for b in normal.boundaries
    )
    return Speech(
        frames.data,
        frames.duration_s,
        boundaries,
        normal.engine,
        mastered=True,
        heard=heard_mp3(frames.data),
    )
