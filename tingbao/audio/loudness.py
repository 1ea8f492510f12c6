"""Even loudness: measure (ITU-R BS.1770-4) and bring speech to the podcast norm.

Every piece of speech is brought to -16 LUFS integrated with its true peak held under a ceiling
by a look-ahead limiter, before it is encoded. What a player then hears of each piece is kept as
its `Profile` (K-weighted energy every 4 ms and true peak, of the decoded piece), and a file's
loudness is measured on the profiles of the pieces it is made of, laid end to end (see
`service`); the result is recorded with its row.

The K-weighting filters are pyloudnorm's (`pyloudnorm.iirfilter`); the gating is BS.1770's,
vectorized, because pyloudnorm's Python loop over 100 ms blocks costs more than the encoding it
checks. tests/audio/test_loudness.py holds this meter to pyloudnorm's `Meter` and to ffmpeg's
ebur128 filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import numpy.typing as npt

# scipy (about a second to import) is imported by the functions that filter: the modules that
# only name a Profile or MASTER_VERSION (the pipeline, the bot, the phone) do not load it.
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
    from scipy import signal

    return np.asarray(signal.sosfilt(_k_weighting(rate), samples), dtype=np.float32)


def _block_powers(weighted: Samples, rate: int) -> npt.NDArray[np.float64]:
    """Return the mean square of a K-weighted signal in 400 ms blocks every 100 ms."""
    step = round(_STEP_S * rate)
    steps = len(weighted) // step
    squares = np.square(weighted[: steps * step], dtype=np.float32)
    return _windowed(squares.reshape(steps, step).sum(axis=1, dtype=np.float64), step)


def _windowed(sums: npt.NDArray[np.float64], step: int) -> npt.NDArray[np.float64]:
    """Return the mean square in 400 ms blocks from the sums of squares over 100 ms steps.

    Sums over 100 ms steps are added four at a time: one pass over the samples, not four.
    """
    per_block = round(_BLOCK_S / _STEP_S)
    if len(sums) < per_block:
        return np.zeros(0)
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
    from scipy import signal

    taps = signal.firwin(_TAPS, 1 / _OVERSAMPLE, window=("kaiser", 6.0)) * _OVERSAMPLE
    return np.asarray(taps, dtype=np.float32)


_SCREEN = 64  # samples per block screened by sample peak before oversampling
# An inter-sample peak of band-limited audio exceeds the samples around it by well under this.
_OVERSHOOT_DB = 3.5
_ROWS = 4096  # blocks oversampled at a time (keeps the work in the processor's cache)
_PAD = _TAPS // _OVERSAMPLE // 2  # samples either side of a block its oversampled values use


def _true_peaks(samples: Samples, floor: float = 0.0) -> Samples:
    """Return, per sample, the largest magnitude of the 4x oversampled signal around it.

    Only blocks whose sample peak reaches floor are oversampled; elsewhere the bound of an
    inter-sample peak (the sample's magnitude raised by _OVERSHOOT_DB) stands in for it.
    """
    count = len(samples)
    blocks = -(-count // _SCREEN)
    magnitude = np.pad(np.abs(samples), (0, blocks * _SCREEN - count)).reshape(blocks, _SCREEN)
    out = magnitude * np.float32(10 ** (_OVERSHOOT_DB / 20))
    rows = np.flatnonzero(magnitude.max(axis=1) >= floor)
    out[rows] = _block_true_peaks(_edged(samples), rows)
    return np.asarray(out.reshape(-1)[:count], dtype=np.float32)


def _edged(samples: Samples) -> Samples:
    """Return samples padded with zeros to whole screening blocks and by _PAD either side."""
    tail = -len(samples) % _SCREEN
    return np.pad(samples, (_PAD, tail + _PAD))


def _block_true_peaks(edged: Samples, rows: npt.NDArray[np.intp]) -> Samples:
    """Return, per sample of the given screening blocks of edged samples, the larger of its
    magnitude and the 4x oversampled signal's largest magnitude from it to the next sample."""
    from scipy import signal

    width = _SCREEN + 2 * _PAD
    delay = (_TAPS - 1) // 2 + _PAD * _OVERSAMPLE  # the filter's lag, and the padding
    out = np.empty((len(rows), _SCREEN), dtype=np.float32)
    for first in range(0, len(rows), _ROWS):
        chunk = rows[first : first + _ROWS]
        windows = edged[chunk[:, None] * _SCREEN + np.arange(width)]
        # One call oversamples the windows laid end to end: the middle of each depends on its
        # own samples only (_PAD covers the filter's reach), and a call per row costs more.
        up = signal.upfirdn(_interpolator(), windows.reshape(-1), up=_OVERSAMPLE)
        up = up[: len(chunk) * width * _OVERSAMPLE].reshape(len(chunk), -1)
        up = np.abs(up[:, delay : delay + _SCREEN * _OVERSAMPLE])
        between = _run_max(up, _OVERSAMPLE)
        out[first : first + len(chunk)] = np.maximum(np.abs(windows[:, _PAD:-_PAD]), between)
    return out


def _run_max(values: Samples, size: int) -> Samples:
    """Return the largest of each run of size values along the last axis (size a power of 2).

    NumPy reduces a short axis slowly; comparing neighbours in pairs, halving the values each
    time, is a few fast passes.
    """
    while size > 1:
        values = np.maximum(values[..., 0::2], values[..., 1::2])
        size //= 2
    return values


def _true_peak(samples: Samples) -> float:
    """Return the true peak as a magnitude (0 for silence).

    Only blocks whose sample peak comes within _OVERSHOOT_DB of the loudest sample can hold
    the true peak, so only they are oversampled.
    """
    loudest = float(np.abs(samples).max()) if len(samples) else 0.0
    if loudest <= 0:
        return 0.0
    peak = float(_true_peaks(samples, loudest * 10 ** (-_OVERSHOOT_DB / 20)).max())
    return max(peak, loudest)


def _db(magnitude: float) -> float:
    return 20 * math.log10(magnitude) if magnitude > 0 else -math.inf


def true_peak_db(samples: Samples, rate: int) -> float:
    """Return the true peak in dBTP (dB of full scale, measured between samples too)."""
    return _db(_true_peak(samples))


def measure(samples: Samples, rate: int) -> Loudness:
    """Return the integrated loudness and true peak of mono samples in [-1, 1]."""
    return Loudness(integrated_lufs(samples, rate), true_peak_db(samples, rate))


PROFILE_RATE = 24000  # the shared MP3 format's rate
# Samples per slot of a profile: a 576-sample MP3 frame and a 100 ms step (2400 samples) are both
# whole numbers of slots, so the profiles of frames laid end to end gate exactly like the file.
_SLOT = 96


@dataclass(frozen=True)
class Profile:
    """What a player hears of some audio, as far as its loudness goes: the K-weighted energy
    (sum of squares) in every slot of _SLOT samples, and the true peak as a magnitude.

    A file made of pieces is measured on its pieces' profiles laid end to end (`joined`): the
    same blocks and gates as on the file, which differs only where the K-weighting filter and
    the decoder carry a few milliseconds over a joint (pieces start and end in silence)."""

    energy: npt.NDArray[np.float32]
    peak: float

    @property
    def samples(self) -> int:
        """Return the length of the audio profiled, in samples."""
        return len(self.energy) * _SLOT


def profile(samples: Samples, rate: int = PROFILE_RATE) -> Profile:
    """Return the profile of mono samples whose length is a whole number of slots."""
    if rate != PROFILE_RATE or len(samples) % _SLOT:
        raise ValueError(f"a profile needs {PROFILE_RATE} Hz audio in whole {_SLOT}-sample slots")
    if not len(samples):
        return silent_profile(0)
    rows = _weighted(samples, rate).reshape(-1, _SLOT)
    return Profile(np.einsum("ij,ij->i", rows, rows), _true_peak(samples))


def silent_profile(samples: int) -> Profile:
    """Return the profile of digital silence lasting samples (a whole number of slots)."""
    return Profile(np.zeros(samples // _SLOT, dtype=np.float32), 0.0)


def joined(profiles: list[Profile]) -> Profile:
    """Return the profile of the audio of profiles laid end to end."""
    energy = np.concatenate([p.energy for p in profiles]) if profiles else np.zeros(0)
    return Profile(energy.astype(np.float32), max((p.peak for p in profiles), default=0.0))


def loudness_of(heard: Profile) -> Loudness:
    """Return the integrated loudness and true peak of profiled audio (as `measure` would)."""
    per_step = round(_STEP_S * PROFILE_RATE) // _SLOT
    energy = heard.energy
    shortest = round(SHORTEST_S * PROFILE_RATE) // _SLOT
    if 0 < len(energy) < shortest:  # measured as a loop of itself, as `_looped` does
        energy = np.tile(energy, math.ceil(shortest / len(energy)))
    steps = len(energy) // per_step
    sums = energy[: steps * per_step].reshape(steps, per_step).sum(axis=1, dtype=np.float64)
    lufs = _gated_lufs(_windowed(sums, per_step * _SLOT))
    return Loudness(lufs, _db(heard.peak))


_BLOCK = 8  # samples per step of the limiter's gain (a third of a millisecond at 24 kHz)


@dataclass(frozen=True)
class _Peaks:
    """A signal's true peaks per gain step, as far as the limiter needs them: oversampled in
    the screening blocks whose sample peak reaches floor, their upper bound elsewhere."""

    own: Samples  # per gain step, over whole screening blocks (the tail's steps are silence)
    loudest: Samples  # per screening block: its sample peak
    edged: Samples  # the samples, padded for oversampling
    floor: float
    count: int  # samples


def _bounds(samples: Samples) -> _Peaks:
    """Return the upper bounds of a signal's true peaks: nothing oversampled yet."""
    edged = _edged(samples)
    own = _run_max(np.abs(edged[_PAD:-_PAD]), _BLOCK)
    loudest = _run_max(own, _SCREEN // _BLOCK)
    bounds = own * np.float32(10 ** (_OVERSHOOT_DB / 20))
    return _Peaks(bounds, loudest, edged, math.inf, len(samples))


def _screened(peaks: _Peaks, gain: float) -> _Peaks:
    """Return the peaks with the true peak in every block that could reach the limit at gain.

    Oversampling is most of the limiter's work, so it follows the gains actually tried: only
    blocks newly within reach are oversampled; the rest keep what they had.
    """
    floor = 10 ** (LIMIT_DBTP / 20) / gain / 10 ** (_OVERSHOOT_DB / 20)
    if floor >= peaks.floor:
        return peaks
    rows = np.flatnonzero((peaks.loudest >= floor) & (peaks.loudest < peaks.floor))
    own = peaks.own.copy()
    own.reshape(-1, _SCREEN // _BLOCK)[rows] = _run_max(
        _block_true_peaks(peaks.edged, rows), _BLOCK
    )
    return replace(peaks, own=own, floor=floor)


def _limiter_gain(peaks: _Peaks, gain: float, rate: int) -> Samples:
    """Return, per gain step, the smooth gain that holds the peaks under LIMIT_DBTP at gain.

    Each step's peak is spread to its neighbours (near), then over the look-ahead and release
    (held); the gain the held peaks allow is smoothed by a moving average no wider than the
    look-ahead, so never above what the step or its neighbours need. Between step centres
    either neighbour's value is safe for every sample (see `_apply`).
    """
    from scipy import ndimage

    own = peaks.own[: -(-peaks.count // _BLOCK)]
    extended = np.concatenate([own[:1], own, own[-1:]])  # the ends held
    near = np.maximum(np.maximum(extended[:-2], own), extended[2:])
    spread = 2 * round(_LOOKAHEAD_S * rate) + round(_RELEASE_S * rate)
    held = ndimage.maximum_filter1d(near, size=-(-spread // _BLOCK), mode="nearest")
    ceiling = 10 ** (LIMIT_DBTP / 20)
    allowed = np.minimum(1.0, ceiling / np.maximum(held * gain, 1e-9)).astype(np.float32)
    reach = max(1, round(_LOOKAHEAD_S * rate) // _BLOCK)
    smooth = _moving_average(allowed, reach)
    need = np.minimum(1.0, ceiling / np.maximum(near * gain, 1e-9))
    return np.asarray(np.minimum(smooth, need), dtype=np.float32)


def _moving_average(values: Samples, size: int) -> Samples:
    """Return the centred moving average of values over size samples (ends held)."""
    half = size // 2
    padded = np.pad(values, (half + 1, size - half - 1), mode="edge").astype(np.float64)
    sums = np.cumsum(padded)
    return np.asarray((sums[size:] - sums[:-size]) / size, dtype=np.float32)


def _apply(samples: Samples, gains: Samples) -> Samples:
    """Return samples times per-step gains interpolated linearly between step centres, the
    ends held.

    This is np.interp's gain without its search: the centres are evenly spaced, so the
    samples from one centre to the next are a row of _BLOCK at the same fractions every time.
    The product is formed in place: at this size a fresh array costs as much as the work.
    """
    held = np.concatenate([gains[:1], gains, gains[-1:]])
    fractions = ((np.arange(_BLOCK) + 0.5) / _BLOCK).astype(np.float32)
    # Row j runs from the centre of step j - 1 to that of step j: samples from 8j - 4 on.
    ramps = np.diff(held)[:, None] * fractions
    ramps += held[:-1, None]
    out = ramps.reshape(-1)[_BLOCK // 2 : _BLOCK // 2 + len(samples)]
    out *= samples
    return out


@dataclass(frozen=True)
class _Energy:
    """A K-weighted signal's energy in pieces that each lie within one gain step and one
    100 ms step: enough to measure it times any gain per step without going back to samples.

    The pieces are whole gain steps when 100 ms is a whole number of them (24 kHz and other
    common rates), single samples otherwise."""

    pieces: npt.NDArray[np.float32]
    steps: npt.NDArray[np.intp]  # per piece: its gain step
    starts: npt.NDArray[np.intp]  # per 100 ms: its first piece
    step: int  # samples per 100 ms


def _energy(weighted: Samples, rate: int) -> _Energy:
    """Return the energy of a K-weighted signal in pieces (see `_Energy`)."""
    step = round(_STEP_S * rate)
    squares = np.square(weighted[: len(weighted) // step * step])
    size = _BLOCK if step % _BLOCK == 0 else 1
    pieces = squares.reshape(-1, size) @ np.ones(size, dtype=np.float32)
    places = np.arange(len(pieces)) * size
    return _Energy(pieces, places // _BLOCK, np.arange(0, len(pieces), step // size), step)


def _lufs_at(energy: _Energy, gains: Samples | None = None) -> float:
    """Return the gated loudness of the signal times gains per gain step (none: as it is).

    Within a step the gain is taken as constant, where the limiter interpolates between
    steps: the limiter's gain moves too slowly for that to matter (well under 0.01 LU).
    """
    pieces = energy.pieces if gains is None else energy.pieces * np.square(gains[energy.steps])
    sums = np.add.reduceat(pieces, energy.starts, dtype=np.float64)
    return _gated_lufs(_windowed(sums, energy.step))


def normalize(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS) -> Samples:
    """Return samples at target_lufs with the true peak at most LIMIT_DBTP (silence unchanged).

    A look-ahead limiter holds the peaks: each true peak is spread over 5 ms either side and
    25 ms around it by a maximum filter, and the gain that holds that spread peak under the
    limit is smoothed by a moving average no wider than 5 ms, so it is never above what any
    sample needs; peaks are caught before they happen and released gently after. True peaks
    are oversampled only where a block could reach the limit at a gain tried; elsewhere their
    upper bound stands in.
    Limiting takes some loudness away, so the gain is raised and the limiter recomputed a few
    times until the loudness is within a tenth of a LU of the target. Each round measures the
    K-weighted signal's energy per gain step times that step's gain: the gain moves slowly
    next to the weighting and within a step. Only the final gain is computed per sample.
    """
    looped = _looped(samples, rate)
    energy = _energy(_weighted(looped, rate), rate)
    lufs = _lufs_at(energy)
    if not math.isfinite(lufs):
        return samples
    first = target_lufs - lufs
    gain_db = first
    peaks = _screened(_bounds(samples), 10 ** (gain_db / 20))
    gains = _limiter_gain(peaks, 10 ** (gain_db / 20), rate)
    rounds = _ROUNDS if len(looped) == len(samples) else 0  # too short to measure again
    tried: list[tuple[float, float]] = []  # (gain in dB, loudness reached)
    for _ in range(rounds):
        reached = _lufs_at(energy, gains) + gain_db
        if abs(reached - target_lufs) < _CLOSE_LU:
            break
        tried.append((gain_db, reached))
        gain_db = min(_next_gain(tried, target_lufs), first + _HEADROOM_DB)
        peaks = _screened(peaks, 10 ** (gain_db / 20))
        gains = _limiter_gain(peaks, 10 ** (gain_db / 20), rate)
    return _apply(samples, gains * np.float32(10 ** (gain_db / 20)))


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
