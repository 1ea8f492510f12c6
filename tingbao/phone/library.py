"""The phone line's Library (tingbao.phone.media): published readings and spoken prompts as 8 kHz
8-bit telephone audio, prepared ahead and cached on disk.

`prepare()` is the build step: it picks the issues on offer (the newest and the back issues),
converts each published article MP3 (normal and slow) and each issue MP3, and speaks every prompt
through the audio part's Speaker (so prompt pieces land in the piece cache like any reading).
Converted audio is stored under `cache_dir`, named by a hash of what it was made from, so a
rebuild converts only what changed. Calls then only read files: nothing is synthesized or decoded
in a call's real-time path.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from tingbao.audio.engines import Engines
from tingbao.audio.errors import SynthesisError
from tingbao.audio.mp3 import resample
from tingbao.audio.normalize import speakable
from tingbao.audio.plan import NORMAL_RATE
from tingbao.audio.script import Part, Script
from tingbao.audio.settings import AudioSettings
from tingbao.audio.speaker import Speaker
from tingbao.audio.text import Line
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.phone.errors import MediaMissingError
from tingbao.phone.media import SAMPLE_RATE, every_prompt
from tingbao.phone.prompts import BACK_ISSUES
from tingbao.publish.errors import PublishError
from tingbao.publish.publisher import Publisher, atomic_write_bytes
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_MP3_SLOW, ISSUE_MP3, AssetStore
from tingbao.store.issues import IssueStore

log = logging.getLogger(__name__)


def to_telephone(mp3: bytes, gain: float = 1.0) -> bytes:
    """Return MP3 audio as 8 kHz 8-bit unsigned mono PCM (pyVoIP's format)."""
    samples, rate = soundfile.read(io.BytesIO(mp3), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    return pcm_to_telephone(mono, int(rate), gain)


def pcm_to_telephone(mono: npt.NDArray[np.float32], rate: int, gain: float = 1.0) -> bytes:
    """Return float mono samples at rate as 8 kHz 8-bit unsigned PCM (the audio part's
    anti-aliased resampling, then 8 bits)."""
    narrow = resample(mono, rate, SAMPLE_RATE)
    scaled = np.clip(np.round(narrow * gain * 127.0) + 128.0, 0, 255)
    return scaled.astype(np.uint8).tobytes()


class PhoneLibrary:
    """The issues of one paper on offer by telephone, with their audio prepared on disk."""

    def __init__(
        self,
        paper: PaperSettings,
        audio: AudioSettings,
        engines: Engines,
        issues: IssueStore,
        assets: AssetStore,
        publisher: Publisher,
        cache_dir: Path,
        lexicon: Callable[[], Lexicon] | None = None,
    ) -> None:
        self.paper = paper
        self.audio_settings = audio
        self.engines = engines
        self.store = issues
        self.assets = assets
        self.publisher = publisher
        self.cache_dir = cache_dir
        self.lexicon = lexicon or Lexicon  # the editors' readings, as the articles use them
        self._offered: list[Issue] = []
        self._audio: dict[tuple[str, bool], Path] = {}
        self._prompts: dict[tuple[str, bool], Path] = {}

    # -- Library ----------------------------------------------------------------------------

    @property
    def paper_name(self) -> str:
        return self.paper.name

    def issues(self) -> Sequence[Issue]:
        return list(self._offered)

    def hotline(self, issue: Issue) -> str | None:
        return issue.contact.hotline or self.paper.hotline

    def audio(self, item_id: str, slow: bool) -> bytes:
        return self._read(self._audio.get((item_id, slow)), f"{item_id} slow={slow}")

    def prompt(self, text: str, slow: bool = False) -> bytes:
        return self._read(self._prompts.get((text, slow)), f"prompt {text[:20]!r}")

    def _read(self, path: Path | None, what: str) -> bytes:
        if path is None:
            raise MediaMissingError(f"{what} is not prepared")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise MediaMissingError(f"{what}: {exc}") from exc

    # -- preparing --------------------------------------------------------------------------

    async def prepare(self) -> int:
        """Offer the newest issues, convert their audio and speak every prompt; return how
        many files were made (0 when everything was ready)."""
        offered = self.store.recent_issues(limit=BACK_ISSUES + 1, paper=self.paper.slug)
        made = 0
        audio: dict[tuple[str, bool], Path] = {}
        for issue in offered:
            made += await self._prepare_issue(issue, audio)
        prompts: dict[tuple[str, bool], Path] = {}
        for words in every_prompt(offered, self.paper.name, self.hotline):
            path, new = await self._prepare_prompt(words.text, words.slow)
            prompts[(words.text, words.slow)] = path
            made += new
        self._audio, self._prompts, self._offered = audio, prompts, offered
        return made

    async def _prepare_issue(self, issue: Issue, out: dict[tuple[str, bool], Path]) -> int:
        made = 0
        slow_parts: list[Path] = []
        for article in issue.articles:
            for role, slow in ((ARTICLE_MP3, False), (ARTICLE_MP3_SLOW, True)):
                found = await self._convert_asset(article.id, role)
                if found is None:
                    continue
                path, new = found
                out[(article.id, slow)] = path
                made += new
                if slow:
                    slow_parts.append(path)
        found = await self._convert_asset(issue.id, ISSUE_MP3)
        if found is not None:
            out[(issue.id, False)] = found[0]
            made += found[1]
        if slow_parts:  # no slow episode is published: the slow articles one after another
            key = hashlib.sha256("|".join(p.name for p in slow_parts).encode()).hexdigest()
            path = self.cache_dir / f"{key[:32]}.u8"
            if not path.is_file():
                joined = b"".join(p.read_bytes() for p in slow_parts)
                await asyncio.to_thread(atomic_write_bytes, path, joined)
                made += 1
            out[(issue.id, True)] = path
        return made

    async def _convert_asset(self, owner_id: str, role: str) -> tuple[Path, int] | None:
        asset = self.assets.get(owner_id, role)
        if asset is None:
            return None
        made_from = f"{asset.path}|{asset.size}|{asset.content_key}"
        path = self.cache_dir / f"{hashlib.sha256(made_from.encode()).hexdigest()[:32]}.u8"
        if path.is_file():
            return path, 0
        try:
            mp3 = await asyncio.to_thread(self.publisher.read_bytes, asset.path)
        except PublishError as exc:  # not published (any more), or the storage is down
            log.warning("phone: cannot read %s: %s", asset.path, exc)
            return None
        pcm = await asyncio.to_thread(to_telephone, mp3)
        await asyncio.to_thread(atomic_write_bytes, path, pcm)
        return path, 1

    async def _prepare_prompt(self, text: str, slow: bool) -> tuple[Path, int]:
        """Return the prompt's telephone audio, spoken now (the preferred voice, else the
        offline one) unless a voice's file is prepared; and whether a file was made."""
        settings = self.audio_settings
        rate = settings.slow_rate if slow else NORMAL_RATE
        spoken = speakable(text, self.lexicon())
        if not self.engines.speakers():
            raise MediaMissingError("no speech engine to speak the phone prompts")
        preferred = self.engines.preferred()
        path = self._prompt_path(preferred, spoken, rate)
        if path.is_file():
            return path, 0
        script = Script(text, (Part((Line(text, spoken),), pause_ms=0),))
        try:
            rendered, fell_back = await self.engines.render(
                script, settings.voice, rate, settings.tts_chunk_chars
            )
        except SynthesisError as exc:
            raise MediaMissingError(
                f"phone prompt {text[:20]!r} could not be spoken: {exc}"
            ) from exc
        if fell_back and self.engines.offline is not None:
            path = self._prompt_path(self.engines.offline, spoken, rate)
            if path.is_file():  # spoken by the offline voice before
                return path, 0
        pcm = await asyncio.to_thread(to_telephone, rendered.frames)
        await asyncio.to_thread(atomic_write_bytes, path, pcm)
        return path, 1

    def _prompt_path(self, speaker: Speaker, spoken: str, rate: str) -> Path:
        """Return where a voice's reading of a prompt is kept (named by its piece's key)."""
        key = speaker.key(spoken, self.audio_settings.voice, rate)
        return self.cache_dir / f"p-{hashlib.sha256(key.encode()).hexdigest()[:32]}.u8"
