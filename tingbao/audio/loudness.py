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
_HEADROOM_DB = 6.0  # how far the rounds may raise the gain above the first guess, at most
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


_SCREEN = 64  # samples per block screened by sample peak before oversampling
# An inter-sample peak of band-limited audio exceeds the samples around it by well under this.
_OVERSHOOT_DB = 3.5
_ROWS = 4096  # blocks oversampled at a time (keeps the work in the processor's cache)


def _true_peaks(samples: Samples, floor: float = 0.0) -> Samples:
    """Return, per sample, the largest magnitude of the 4x oversampled signal around it.

    Only blocks whose sample peak reaches floor are oversampled; elsewhere the bound of an
    inter-sample peak (the sample's magnitude raised by _OVERSHOOT_DB) stands in for it.
    """
    count = len(samples)
    blocks = -(-count // _SCREEN)
    magnitude = np.pad(np.abs(samples), (0, blocks * _SCREEN - count)).reshape(blocks, _SCREEN)
    out = magnitude * np.float32(10 ** (_OVERSHOOT_DB / 20))
    chosen = np.flatnonzero(magnitude.max(axis=1) >= floor)
    pad = _TAPS // _OVERSAMPLE
    edged = np.pad(samples, (pad, blocks * _SCREEN - count + pad))
    delay = (_TAPS - 1) // 2 + pad * _OVERSAMPLE  # the filter's lag, and the padding
    offsets = np.arange(_SCREEN + 2 * pad)
    for first in range(0, len(chosen), _ROWS):
        rows = chosen[first : first + _ROWS]
        windows = edged[rows[:, None] * _SCREEN + offsets]
        up = signal.upfirdn(_interpolator(), windows, up=_OVERSAMPLE, axis=1)
        up = np.abs(up[:, delay : delay + _SCREEN * _OVERSAMPLE])
        between = up.reshape(len(rows), _SCREEN, _OVERSAMPLE).max(axis=2)
        out[rows] = np.maximum(magnitude[rows], between)
    return np.asarray(out.reshape(-1)[:count], dtype=np.float32)


def true_peak_db(samples: Samples, rate: int) -> float:
    """Return the true peak in dBTP (dB of full scale, measured between samples too).

    Only blocks whose sample peak comes within _OVERSHOOT_DB of the loudest sample can hold
    the true peak, so only they are oversampled.
    """
    loudest = float(np.abs(samples).max()) if len(samples) else 0.0
    if loudest <= 0:
        return -math.inf
    peak = float(_true_peaks(samples, loudest * 10 ** (-_OVERSHOOT_DB / 20)).max())
    return 20 * math.log10(max(peak, loudest))


def measure(samples: Samples, rate: int) -> Loudness:
    """Return the integrated loudness and true peak of mono samples in [-1, 1]."""
    return Loudness(integrated_lufs(samples, rate), true_peak_db(samples, rate))


_BLOCK = 8  # samples per step of the limiter's gain (a third of a millisecond at 24 kHz)


@dataclass(frozen=True)
class _Peaks:
    """A signal's true peaks per gain step: each block's own and its neighbours', and spread
    over the look-ahead and release (what the limiter's gain must hold)."""

    near: Samples  # the largest true peak in the block and the blocks either side
    held: Samples  # the same, spread by _LOOKAHEAD_S either side and _RELEASE_S around
    count: int  # samples


def _peaks(samples: Samples, rate: int, most_gain: float) -> _Peaks:
    """Return the peaks the limiter must hold at any gain up to most_gain (true peaks where a
    block could reach the limit, their upper bound elsewhere)."""
    floor = 10 ** (LIMIT_DBTP / 20) / most_gain / 10 ** (_OVERSHOOT_DB / 20)
    peaks = _true_peaks(samples, floor)
    blocks = -(-len(peaks) // _BLOCK)
    padded = np.pad(peaks, (0, blocks * _BLOCK - len(peaks)))
    own = padded.reshape(blocks, _BLOCK).max(axis=1)
    near = ndimage.maximum_filter1d(own, size=3, mode="nearest")
    spread = 2 * round(_LOOKAHEAD_S * rate) + round(_RELEASE_S * rate)
    held = ndimage.maximum_filter1d(near, size=-(-spread // _BLOCK), mode="nearest")
    return _Peaks(near.astype(np.float32), held.astype(np.float32), len(samples))


def _limiter_gain(peaks: _Peaks, gain: float, rate: int) -> Samples:
    """Return, per sample, the smooth gain that holds the peaks under LIMIT_DBTP at gain.

    Per block: the gain the held peaks allow, smoothed by a moving average no wider than the
    look-ahead, so never above what the block or its neighbours need; then interpolated
    between block centres, where both neighbours' values are safe for every sample."""
    ceiling = 10 ** (LIMIT_DBTP / 20)
    held = np.minimum(1.0, ceiling / np.maximum(peaks.held * gain, 1e-9)).astype(np.float32)
    reach = max(1, round(_LOOKAHEAD_S * rate) // _BLOCK)
    smooth = _moving_average(held, reach)
    need = np.minimum(1.0, ceiling / np.maximum(peaks.near * gain, 1e-9))
    per_block = np.minimum(smooth, need)
    centres = np.arange(len(per_block)) * _BLOCK + (_BLOCK - 1) / 2
    positions = np.arange(peaks.count, dtype=np.float32)
    return np.asarray(np.interp(positions, centres, per_block), dtype=np.float32)


def _moving_average(values: Samples, size: int) -> Samples:
    """Return the centred moving average of values over size samples (ends held)."""
    half = size // 2
    padded = np.pad(values, (half + 1, size - half - 1), mode="edge").astype(np.float64)
    sums = np.cumsum(padded)
    return np.asarray((sums[size:] - sums[:-size]) / size, dtype=np.float32)


def normalize(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS) -> Samples:
    """Return samples at target_lufs with the true peak at most LIMIT_DBTP (silence unchanged).

    A look-ahead limiter holds the peaks: each true peak is spread over 5 ms either side and
    25 ms around it by a maximum filter, and the gain that holds that spread peak under the
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
    peaks = _peaks(samples, rate, 10 ** ((target_lufs - lufs + _HEADROOM_DB) / 20))
    gain_db = target_lufs - lufs
    limiter = _limiter_gain(peaks, 10 ** (gain_db / 20), rate)
    rounds = _ROUNDS if len(looped) == len(samples) else 0  # too short to measure again
    tried: list[tuple[float, float]] = []  # (gain in dB, loudness reached)
    for _ in range(rounds):
        reached = _gated_lufs(_block_powers(weighted * limiter, rate)) + gain_db
        if abs(reached - target_lufs) < _CLOSE_LU:
            break
        tried.append((gain_db, reached))
        gain_db = min(_next_gain(tried, target_lufs), target_lufs - lufs + _HEADROOM_DB)
        limiter = _limiter_gain(peaks, 10 ** (gain_db / 20), rate)
    return (samples * limiter * 10 ** (gain_db / 20)).astype(np.float32)


def _next_gain(tried: list[tuple[float, float]], target: float) -> float:
    """Return the gain to try next: along the secant of the last two tries (limiting makes
    loudness grow slower than gain), or by the shortfall after the first."""
    gain, reached = tried[-1]
    if len(tried) > 1:
        before, reached_before = tried[-2]
        slope = (reached - reached_before) / (gain - before) if gain != before else 1.0
        if 0.05 < slope <= 1.0:
            return gain + (target - reached) / slope
    return gain + (target - reached)
