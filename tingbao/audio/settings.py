"""The audio part's settings: which voices speak (TINGBAO_TTS, TINGBAO_VOICE, TINGBAO_SLOW_RATE,
TINGBAO_OFFLINE_VOICE: the neural `kokoro` voice or `espeak`), how hard the engines are driven
(TINGBAO_TTS_CONCURRENCY, TINGBAO_TTS_CHUNK_CHARS), and where synthesized pieces are cached (a
folder of the data dir, chosen by the worker). A paper of TINGBAO_PAPERS may have its own
`voice`; the offline voice follows it (a man's online voice is read by the male neural voice).

Loaded once by the worker's `load_settings`; see README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import PaperTable, env_int

TtsMode = Literal["edge", "offline", "auto"]
OfflineVoice = Literal["kokoro", "espeak"]


@dataclass(frozen=True)
class AudioSettings:
    """How articles are read aloud."""

    cache_dir: Path  # synthesized pieces, shared by every issue
    tts: TtsMode = "auto"
    voice: str = "zh-CN-XiaoxiaoNeural"
    slow_rate: str = "-25%"
    tts_concurrency: int = 2
    tts_chunk_chars: int = 1000
    paper_voices: tuple[tuple[str, str], ...] = ()  # (slug, voice): papers with their own voice
    offline_voice: OfflineVoice = "kokoro"  # the neural voice, or espeak-ng (fast, robotic)

    @property
    def models_dir(self) -> Path:
        """Return the folder of the neural voice's model (assembled there once), beside the
        piece cache in the data dir."""
        return self.cache_dir.parent / "models"

    def for_paper(self, slug: str) -> AudioSettings:
        """Return these settings with the paper's own voice, if it has one."""
        voice = dict(self.paper_voices).get(slug, self.voice)
        return replace(self, voice=voice, paper_voices=())


def _rate(raw: str) -> str:
    if not re.fullmatch(r"[+-]\d{1,3}%", raw):
        raise SettingsError(f"TINGBAO_SLOW_RATE={raw!r} must look like -25%")
    return raw


def load_audio_settings(
    env: Mapping[str, str], *, cache_dir: Path, papers: Sequence[PaperTable] = ()
) -> AudioSettings:
    """Return the audio settings from TINGBAO_TTS, _VOICE, _SLOW_RATE, _OFFLINE_VOICE and
    TINGBAO_TTS_*, and the `voice` of each paper in the TINGBAO_PAPERS tables."""
    tts = (env.get("TINGBAO_TTS") or "auto").strip().lower()
    if tts not in ("edge", "offline", "auto"):
        raise SettingsError(f"TINGBAO_TTS={tts!r} must be edge, offline or auto")
    offline_voice = (env.get("TINGBAO_OFFLINE_VOICE") or "kokoro").strip().lower()
    if offline_voice not in ("kokoro", "espeak"):
        raise SettingsError(f"TINGBAO_OFFLINE_VOICE={offline_voice!r} must be kokoro or espeak")
    return AudioSettings(
        cache_dir=cache_dir,
        tts=cast(TtsMode, tts),
        voice=env.get("TINGBAO_VOICE") or "zh-CN-XiaoxiaoNeural",
        slow_rate=_rate(env.get("TINGBAO_SLOW_RATE") or "-25%"),
        tts_concurrency=env_int(env, "TINGBAO_TTS_CONCURRENCY", 2, minimum=1),
        tts_chunk_chars=env_int(env, "TINGBAO_TTS_CHUNK_CHARS", 1000, minimum=50),
        paper_voices=tuple((t["slug"], t["voice"].strip()) for t in papers if t.get("voice")),
        offline_voice=cast(OfflineVoice, offline_voice),
    )
