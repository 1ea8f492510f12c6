"""Even loudness: measure (ITU-R BS.1770-4) and bring speech to the podcast norm.

Every piece of speech is brought to -16 LUFS integrated with its true peak held under a ceiling
by a look-ahead limiter, before it is encoded; every assembled file is measured again after
encoding (see `service`) and the result recorded with its row.

The K-weighting filters are pyloudnorm's (`pyloudnorm.iirfilter`); the gating is BS.1770's,
vectorized, because pyloudnorm's Python loop over 100 ms blocks costs more than the encoding it
checks. tests/audio/test_loudness.py holds this meter to pyloudnorm's `Meter` and to ffmpeg's
ebur128 filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import ndimage, signal

Samples = npt.NDArray[np.float32]

TARGET_LUFS = -16.0  # podcast norm (Apple, Spotify, AES TD1008 for speech)
TOLERANCE_LU = 1.0
CEILING_DBTP = -1.0  # the norm's limit for a published file
# The limiter aims lower than the ceiling: MP3 at 48 kbit/s adds up to about half a dB of peak.
LIMIT_DBTP = -2.0
SHORTEST_S = 0.4  # one gating block; shorter speech is measured as a loop of itself
_BLOCK_S = 0.4
_STEP_S = 0.1
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_LOOKAHEAD_S = 0.005
_RELEASE_S = 0.05
_ROUNDS = 4
_CLOSE_LU = 0.1


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS; -inf for silence) and true peak (dBTP) of a signal."""

    lufs: float
    true_peak_db: float

    def meets_norm(self) -> bool:
        """Return whether this is within the podcast norm (-16 LUFS ±1, true peak ≤ -1 dBTP)."""
        return abs(self.lufs - TARGET_LUFS) <= TOLERANCE_LU and self.true_peak_db <= CEILING_DBTP


@cache
def _k_weighting(rate: int) -> npt.NDArray[np.float32]:
    """Return BS.1770's K-weighting (pyloudnorm's two biquads) as second-order sections."""
    from pyloudnorm.iirfilter import IIRfilter  # untyped library

    shelf = IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, rate, "high_shelf")
    high_pass = IIRfilter(0.0, 0.5, 38.0, rate, "high_pass")
    sections = [np.concatenate([f.b, f.a]) for f in (shelf, high_pass)]
    return np.asarray(sections, dtype=np.float32)


def _weighted(samples: Samples, rate: int) -> Samples:
    """Return the K-weighted signal."""
    return np.asarray(signal.sosfilt(_k_weighting(rate), samples), dtype=np.float32)


def _block_powers(weighted: Samples, rate: int) -> npt.NDArray[np.float64]:
    """Return the mean square of a K-weighted signal in 400 ms blocks every 100 ms.

    Sums over 100 ms steps are added four at a time: one pass over the samples, not four.
    """
    step = round(_STEP_S * rate)
    per_block = round(_BLOCK_S / _STEP_S)
    steps = len(weighted) // step
    if steps < per_block:
        return np.zeros(0)
    squares = np.square(weighted[: steps * step], dtype=np.float32)
    sums = squares.reshape(steps, step).sum(axis=1, dtype=np.float64)
    blocks = np.lib.stride_tricks.sliding_window_view(sums, per_block).sum(axis=1)
    return np.asarray(blocks / (step * per_block))


def _gated_lufs(powers: npt.NDArray[np.float64]) -> float:
    """Return BS.1770's gated loudness of block powers (-inf when all is silence)."""
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    gated = powers[loudness >= _ABSOLUTE_GATE]
    if not len(gated):
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(gated.mean())) + _RELATIVE_GATE
    kept = powers[(loudness >= _ABSOLUTE_GATE) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(kept.mean()))


def _looped(samples: Samples, rate: int) -> Samples:
    """Return speech shorter than one gating block repeated until it fills one."""
    if 0 < len(samples) < round(SHORTEST_S * rate):
        return np.tile(samples, math.ceil(SHORTEST_S * rate / len(samples)))
    return samples


def integrated_lufs(samples: Samples, rate: int) -> float:
    """Return the gated integrated loudness of mono samples (-inf when all is silence)."""
    samples = _looped(samples, rate)
    return _gated_lufs(_block_powers(_weighted(samples, rate), rate))


_OVERSAMPLE = 4  # BS.1770-4 Annex 2: four times, through a 48-tap interpolation filter
_TAPS = 48


@cache
def _interpolator() -> npt.NDArray[np.float32]:
    taps = signal.firwin(_TAPS, 1 / _OVERSAMPLE, window=("kaiser", 6.0)) * _OVERSAMPLE
    return np.asarray(taps, dtype=np.float32)


_CHUNK = 1 << 16  # samples oversampled at a time (keeps the work in the processor's cache)


def _true_peaks(samples: Samples) -> Samples:
    """Return, per sample, the largest magnitude of the 4x oversampled signal around it."""
    taps = _interpolator()
    delay = (_TAPS - 1) // 2  # the filter is symmetric: its output lags by half its length
    pad = _TAPS // _OVERSAMPLE
    peaks = np.abs(samples).astype(np.float32)
    for start in range(0, len(samples), _CHUNK):
        lead = min(start, pad)
        chunk = samples[start - lead : start + _CHUNK + pad]
        up = np.abs(signal.upfirdn(taps, chunk, up=_OVERSAMPLE)).astype(np.float32)
        first = (lead * _OVERSAMPLE) + delay
        count = min(_CHUNK, len(samples) - start)
        up = up[first : first + count * _OVERSAMPLE]
        if len(up) < count * _OVERSAMPLE:  # the last chunk: the filter's tail was cut short
            up = np.pad(up, (0, count * _OVERSAMPLE - len(up)))
        phases = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
        np.maximum(peaks[start : start + count], phases, out=peaks[start : start + count])
    return peaks


_SCREEN = 64  # samples per block screened by sample peak before oversampling
# An inter-sample peak of band-limited audio exceeds the samples around it by well under this.
_OVERSHOOT_DB = 3.5


def true_peak_db(samples: Samples, rate: int) -> float:
    """Return the true peak in dBTP (dB of full scale, measured between samples too).

    Only blocks whose sample peak comes within _OVERSHOOT_DB of the loudest sample can hold
    the true peak, so only they are oversampled.
    """
    if not len(samples):
        return -math.inf
    blocks = -(-len(samples) // _SCREEN)
    padded = np.pad(np.abs(samples), (0, blocks * _SCREEN - len(samples)))
    block_peaks = padded.reshape(blocks, _SCREEN).max(axis=1)
    loudest = float(block_peaks.max())
    if loudest <= 0:
        return -math.inf
    candidates = np.flatnonzero(block_peaks >= loudest * 10 ** (-_OVERSHOOT_DB / 20))
    pad = _TAPS // _OVERSAMPLE
    edged = np.pad(samples, (pad, blocks * _SCREEN - len(samples) + pad))
    starts = candidates * _SCREEN
    windows = edged[starts[:, None] + np.arange(_SCREEN + 2 * pad)]
    up = signal.upfirdn(_interpolator(), windows, up=_OVERSAMPLE, axis=1)
    delay = (_TAPS - 1) // 2 + pad * _OVERSAMPLE
    peak = max(loudest, float(np.abs(up[:, delay : delay + _SCREEN * _OVERSAMPLE]).max()))
    return 20 * math.log10(peak)


def measure(samples: Samples, rate: int) -> Loudness:
    """Return the integrated loudness and true peak of mono samples in [-1, 1]."""
    return Loudness(integrated_lufs(samples, rate), true_peak_db(samples, rate))


def _limiter_gain(peaks_held: Samples, need_floor: Samples, gain: float, rate: int) -> Samples:
    """Return the smooth gain that holds peaks (already spread by _hold) under LIMIT_DBTP at
    gain: a moving average no wider than the spread, so never above what a sample needs."""
    ceiling = 10 ** (LIMIT_DBTP / 20)
    held = np.minimum(1.0, ceiling / np.maximum(peaks_held * gain, 1e-9)).astype(np.float32)
    reach = max(1, round(_LOOKAHEAD_S * rate))
    smooth = ndimage.uniform_filter1d(held, size=reach, mode="nearest")
    need = np.minimum(1.0, ceiling / np.maximum(need_floor * gain, 1e-9))
    return np.asarray(np.minimum(smooth, need), dtype=np.float32)


def _hold(peaks: Samples, rate: int) -> Samples:
    """Spread each peak over the look-ahead before it and the release around it."""
    reach = max(1, round(_LOOKAHEAD_S * rate))
    held = ndimage.maximum_filter1d(peaks, size=2 * reach + 1, mode="nearest")
    spread = ndimage.maximum_filter1d(held, size=round(_RELEASE_S * rate), mode="nearest")
    return np.asarray(spread, dtype=np.float32)


def normalize(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS) -> Samples:
    """Return samples at target_lufs with the true peak at most LIMIT_DBTP (silence unchanged).

    A look-ahead limiter holds the peaks: each sample's true peak is spread over 5 ms before
    and 25 ms around it by a maximum filter, and the gain that holds that spread peak under the
    limit is smoothed by a moving average no wider than 5 ms, so it is never above what any
    sample needs; peaks are caught before they happen and released gently after.
    Limiting takes some loudness away, so the gain is raised and the limiter recomputed a few
    times until the loudness is within a tenth of a LU of the target. Each round measures the
    K-weighted signal times the limiter's gain: the gain moves slowly next to the weighting.
    """
    looped = _looped(samples, rate)
    weighted = _weighted(looped, rate)
    lufs = _gated_lufs(_block_powers(weighted, rate))
    if not math.isfinite(lufs):
        return samples
    peaks = _true_peaks(samples)
    held = _hold(peaks, rate)
    gain = 10 ** ((target_lufs - lufs) / 20)
    limiter = _limiter_gain(held, peaks, gain, rate)
    rounds = _ROUNDS if len(looped) == len(samples) else 0  # too short to measure again
    for _ in range(rounds):
        reached = _gated_lufs(_block_powers(weighted * limiter, rate)) + 20 * math.log10(gain)
        if abs(reached - target_lufs) < _CLOSE_LU:
            break
        gain *= 10 ** ((target_lufs - reached) / 20)
        limiter = _limiter_gain(held, peaks, gain, rate)
    return (samples * limiter * gain).astype(np.float32)
