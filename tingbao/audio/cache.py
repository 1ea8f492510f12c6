"""Speech cached by content: the key hashes engine, voice, rate and the exact spoken text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Protocol

import numpy as np

from tingbao.audio.errors import AudioFormatError
from tingbao.audio.loudness import Profile
from tingbao.audio.mp3 import parse_frames
from tingbao.audio.speech import Boundary, Speech
from tingbao.publish.publisher import atomic_write_bytes

FORMAT_VERSION = "mp3-24k-48k-mono-v1"


def piece_key(engine: str, voice_id: str, rate: str, text: str, mastering: str | None) -> str:
    """Return the cache key of a piece: equal keys, equal audio. mastering names how the piece
    was mastered (master.MASTER_VERSION); None is the key of the engine's raw audio, which
    releases before mastering kept."""
    fields = [FORMAT_VERSION, engine, voice_id, rate, text]
    if mastering is not None:
        fields.append(mastering)
    data = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class PieceCache(Protocol):
    """Where synthesized pieces are kept between runs."""

    def get(self, key: str) -> Speech | None:
        """Return the cached speech for key, or None."""
        ...

    def put(self, key: str, speech: Speech) -> None:
        """Keep speech under key."""
        ...


class MemoryCache:
    """A cache that lives as long as the process (tests, benchmarks)."""

    def __init__(self) -> None:
        self.items: dict[str, Speech] = {}

    def get(self, key: str) -> Speech | None:
        return self.items.get(key)

    def put(self, key: str, speech: Speech) -> None:
        self.items[key] = speech


class DirectoryCache:
    """Pieces as <key>.mp3 plus <key>.json (timings, engine) and <key>.heard (the profile's
    energies, float32) under a folder, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.mp3", folder / f"{key}.json", folder / f"{key}.heard"

    def get(self, key: str) -> Speech | None:
        audio_path, meta_path, heard_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            frames = parse_frames(audio_path.read_bytes())
        except (OSError, ValueError, AudioFormatError):
            return None  # missing or damaged: synthesize again
        if frames.count != meta.get("frames"):
            return None
        return Speech(
            mp3=frames.data,
            duration_s=frames.duration_s,
            boundaries=tuple(Boundary(b[0], b[1], b[2]) for b in meta["boundaries"]),
            engine=str(meta["engine"]),
            mastered=bool(meta.get("mastered", False)),
            heard=_read_heard(heard_path, meta),
        )

    def put(self, key: str, speech: Speech) -> None:
        audio_path, meta_path, heard_path = self._paths(key)
        meta = {
            "engine": speech.engine,
            "frames": len(speech.mp3) // 144,
            "boundaries": [[b.text, b.start_s, b.end_s] for b in speech.boundaries],
            "mastered": speech.mastered,
        }
        # Audio first: a reader trusts a piece only when its metadata exists and agrees.
        atomic_write_bytes(audio_path, speech.mp3)
        if speech.heard is not None:
            atomic_write_bytes(heard_path, speech.heard.energy.astype("<f4").tobytes())
            meta["heard"] = {"slots": len(speech.heard.energy), "peak": speech.heard.peak}
        atomic_write_bytes(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))


def _read_heard(path: Path, meta: dict[str, object]) -> Profile | None:
    """Return the profile kept beside a piece if its metadata vouches for it (else None: the
    speaker profiles the piece again)."""
    heard = meta.get("heard")
    if not isinstance(heard, dict):
        return None
    try:
        energy = np.frombuffer(path.read_bytes(), dtype="<f4").astype(np.float32)
    except (OSError, ValueError):
        return None
    if len(energy) != heard.get("slots"):
        return None
    return Profile(energy, float(heard["peak"]))
