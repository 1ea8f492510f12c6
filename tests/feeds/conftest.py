"""Fixtures for the feeds tests: an issue stored with real, tiny MP3s, transcripts and chapters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import lameenc
import numpy as np
import pytest

from tingbao.feeds.build import BuildReport, build_public
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher, Publisher
from tingbao.store.assets import (
    ARTICLE_MP3,
    ARTICLE_MP3_SLOW,
    ARTICLE_VTT,
    ISSUE_CHAPTERS,
    ISSUE_MP3,
    ISSUE_VTT,
    Asset,
    AssetStore,
)
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings

RATE = 24_000
ISSUE_SECONDS = 12.0
CHAPTER_2_START = 6.0


def mp3_bytes(seconds: float, freq: float = 440.0) -> bytes:
    """Return a real MP3 (24 kHz mono 48 kbit/s) of a quiet sine, like edge-tts output."""
    t = np.arange(int(RATE * seconds)) / RATE
    pcm = (np.sin(2 * np.pi * freq * t) * 3000).astype("<i2").tobytes()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(48)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm) + encoder.flush())


def vtt_for(paragraphs: list[str], step: float) -> bytes:
    """Return a WebVTT transcript with one cue per paragraph, step seconds each."""
    lines = ["WEBVTT", ""]
    for n, text in enumerate(paragraphs):
        start, end = n * step, (n + 1) * step
        lines += [f"{n + 1}", f"00:00:{start:06.3f} --> 00:00:{end:06.3f}", text, ""]
    return "\n".join(lines).encode("utf-8")


@dataclass
class Published:
    """What the fixture stored and published."""

    issue: Issue
    settings: Settings
    store: IssueStore
    assets: AssetStore
    publisher: LocalPublisher

    def build(self, publisher: Publisher | None = None) -> BuildReport:
        """Build the site from the stores, as the worker does, into publisher (or public/)."""
        out = publisher or self.publisher
        return build_public(self.settings.feeds, self.settings.paper, self.store, self.assets, out)


def _put(
    publisher: LocalPublisher,
    assets: AssetStore,
    owner: str,
    issue: Issue,
    role: str,
    path: str,
    data: bytes,
    mime: str,
    duration: float | None = None,
) -> None:
    publisher.write_bytes(path, data)
    assets.put(Asset(owner, issue.id, role, path, len(data), mime, duration, "offline", "k"))


def publish_audio(issue: Issue, publisher: LocalPublisher, assets: AssetStore) -> None:
    """Publish and record every audio file of an issue, as the audio part would."""
    base = f"audio/{issue.id}"
    for n, article in enumerate(issue.articles):
        seconds = 4.0 + n
        _put(
            publisher,
            assets,
            article.id,
            issue,
            ARTICLE_MP3,
            f"{base}/{article.id}.mp3",
            mp3_bytes(seconds),
            "audio/mpeg",
            seconds,
        )
        _put(
            publisher,
            assets,
            article.id,
            issue,
            ARTICLE_MP3_SLOW,
            f"{base}/{article.id}-slow.mp3",
            mp3_bytes(seconds * 1.3, 330),
            "audio/mpeg",
            seconds * 1.3,
        )
        paragraphs = list(article.paragraphs)
        _put(
            publisher,
            assets,
            article.id,
            issue,
            ARTICLE_VTT,
            f"{base}/{article.id}.vtt",
            vtt_for(paragraphs, seconds / max(len(paragraphs), 1)),
            "text/vtt",
        )
    _put(
        publisher,
        assets,
        issue.id,
        issue,
        ISSUE_MP3,
        f"{base}/issue.mp3",
        mp3_bytes(ISSUE_SECONDS, 520),
        "audio/mpeg",
        ISSUE_SECONDS,
    )
    every = [p for a in issue.articles for p in a.paragraphs]
    _put(
        publisher,
        assets,
        issue.id,
        issue,
        ISSUE_VTT,
        f"{base}/issue.vtt",
        vtt_for(every, ISSUE_SECONDS / len(every)),
        "text/vtt",
    )
    chapters = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": n * CHAPTER_2_START, "title": a.title}
            for n, a in enumerate(issue.articles)
        ],
    }
    _put(
        publisher,
        assets,
        issue.id,
        issue,
        ISSUE_CHAPTERS,
        f"{base}/chapters.json",
        json.dumps(chapters, ensure_ascii=False).encode("utf-8"),
        "application/json+chapters",
    )


@pytest.fixture
def published(
    small_issue: Issue,
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> Published:
    """The small issue stored, with every audio file published and recorded."""
    store.save_issue(small_issue)
    publish_audio(small_issue, publisher, assets)
    return Published(small_issue, settings, store, assets, publisher)


@pytest.fixture
def public_dir(published: Published) -> Path:
    """The public folder of the published issue."""
    return published.settings.public_dir
