"""Issues and audio assets put into the store for bot tests."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.conftest import build_issue
from tingbao.paper.model import Issue
from tingbao.publish.publisher import Publisher
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.issues import IssueStore


def save_issues(store: IssueStore, count: int = 1) -> list[Issue]:
    """Store count issues a week apart, newest last; return them."""
    issues = []
    for n in range(count):
        published = date(2020, 7, 30) - timedelta(days=7 * (count - 1 - n))
        titles = (
            f"虹桥镇召开年中工作会议 第{n}期",
            f"精神文明建设推进大会召开 第{n}期",
            "垃圾分类进小区",
        )
        issue = build_issue(published=published, titles=titles)
        store.save_issue(issue)
        issues.append(issue)
    return issues


def put_audio(
    publisher: Publisher,
    assets: AssetStore,
    owner_id: str,
    issue_id: str,
    role: str,
    key: str = "k1",
) -> Asset:
    """Publish fake audio bytes and record the asset."""
    suffix = {"ogg": "ogg", "chapters": "json"}.get(role, "mp3")
    path = f"audio/{issue_id}/{owner_id}-{role}.{suffix}"
    data = f"fake {role} audio {key}".encode() * 10
    publisher.write_bytes(path, data)
    mime = {"ogg": "audio/ogg", "chapters": "application/json+chapters"}.get(role, "audio/mpeg")
    asset = Asset(owner_id, issue_id, role, path, len(data), mime, 93.4, "offline", key)
    assets.put(asset)
    return asset


def put_real_mp3(
    publisher: Publisher, assets: AssetStore, owner_id: str, issue_id: str, seconds: float = 3.0
) -> Asset:
    """Publish a real MP3 of the shared format (mastered tones) and record it as an article's."""
    import numpy as np

    from tingbao.audio.loudness import normalize
    from tingbao.audio.mp3 import SAMPLE_RATE, encode

    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    syllables = np.clip(np.sin(2 * np.pi * 3 * t), 0, 1) * np.sin(2 * np.pi * 220 * t)
    frames = encode(normalize(syllables.astype(np.float32), SAMPLE_RATE))
    path = f"audio/{issue_id}/{owner_id}.mp3"
    publisher.write_bytes(path, frames.data)
    asset = Asset(
        owner_id,
        issue_id,
        "mp3",
        path,
        len(frames.data),
        "audio/mpeg",
        frames.duration_s,
        "offline",
        "k-real",
    )
    assets.put(asset)
    return asset


def put_chapters(publisher: Publisher, assets: AssetStore, issue: Issue) -> Asset:
    """Publish a Podcasting 2.0 chapters file for the issue."""
    chapters = [
        {"startTime": 0 if n == 0 else 61.5 * n, "title": a.title}
        for n, a in enumerate(issue.articles)
    ]
    data = json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False).encode()
    path = f"audio/{issue.id}/chapters.json"
    publisher.write_bytes(path, data)
    asset = Asset(issue.id, issue.id, "chapters", path, len(data), "application/json+chapters")
    assets.put(asset)
    return asset


class FakeClock:
    """Monotonic time that passes only when someone sleeps on it (pacers, pauses)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
