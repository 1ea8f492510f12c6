"""Audio planning: which files an issue needs, which are current, what to make, what was dropped.

Pure: values in (an Issue, asset rows, sizes of published files), decisions out. The service
gathers those values from the stores, asks here, and acts; so every decision is tested with
tables, without engines, a database or files.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tingbao.audio.master import MASTER_VERSION
from tingbao.audio.script import Script, article_script, issue_script, spoken_date
from tingbao.audio.speech import ENGINE_OFFLINE
from tingbao.audio.tags import TagInfo
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.store import assets as roles
from tingbao.store.assets import Asset

NORMAL_RATE = "+0%"
KIND_ARTICLE = "article"
KIND_SLOW = "slow"
KIND_ISSUE = "issue"


@dataclass(frozen=True)
class Reading:
    """One audio file to make and the files that come with it (role -> public path)."""

    owner_id: str
    kind: str  # KIND_ARTICLE, KIND_SLOW or KIND_ISSUE
    script: Script
    rate: str
    tags: TagInfo
    files: dict[str, str]

    @property
    def label(self) -> str:
        """Return "owner/kind", the name progress and reports use."""
        return f"{self.owner_id}/{self.kind}"


@dataclass(frozen=True)
class Found:
    """What exists now for one file of a reading: its row, and the size of the published file."""

    asset: Asset | None
    size: int | None  # None: nothing is published at the reading's path


class Step(enum.Enum):
    """What to do with one reading."""

    KEEP = "keep"  # every file is current
    MAKE = "make"  # missing or stale: render (falling back to the offline voice) and publish
    UPGRADE = "upgrade"  # current but made offline: re-make with the online voice, no fallback
    SKIP = "skip"  # missing or stale in an upgrade run: the next ordinary run makes it


def issue_dir(issue_id: str, paper_folder: str = "") -> str:
    """Return the public folder of an issue's audio (under its paper's folder, "slug/" or "")."""
    return f"{paper_folder}audio/{issue_id}"


def plan_readings(
    issue: Issue,
    paper: PaperSettings,
    limit: int,
    slow_rate: str,
    paper_folder: str = "",
    lexicon: Lexicon | None = None,
) -> list[Reading]:
    """Return every file an issue needs: per article normal and slow, then the episode."""
    album = f"{paper.name} {spoken_date(issue)}"
    date = issue.published.isoformat()
    folder = issue_dir(issue.id, paper_folder)
    out: list[Reading] = []
    total = len(issue.articles)
    for n, article in enumerate(issue.articles, 1):
        script = article_script(article, limit, lexicon)
        if not script.parts:
            continue
        tags = TagInfo(article.title, album, paper.name, date, f"{n}/{total}")
        base = f"{folder}/{article.id}"
        files = {
            roles.ARTICLE_MP3: f"{base}.mp3",
            roles.ARTICLE_VTT: f"{base}.vtt",
        }
        out.append(Reading(article.id, KIND_ARTICLE, script, NORMAL_RATE, tags, files))
        slow = {roles.ARTICLE_MP3_SLOW: f"{base}.slow.mp3"}
        out.append(Reading(article.id, KIND_SLOW, script, slow_rate, tags, slow))
    script = issue_script(issue, paper.name, limit, paper.hotline, paper.email, lexicon)
    files = {
        roles.ISSUE_MP3: f"{folder}/issue.mp3",
        roles.ISSUE_VTT: f"{folder}/issue.vtt",
        roles.ISSUE_CHAPTERS: f"{folder}/issue.chapters.json",
    }
    tags = TagInfo(script.title, album, paper.name, date)
    out.append(Reading(issue.id, KIND_ISSUE, script, NORMAL_RATE, tags, files))
    return out


def reading_key(reading: Reading, engine: str, voice: str) -> str:
    """Return the key of a reading: what is said, by which engine, voice and rate, how it is
    mastered, and its tags."""
    tags = reading.tags
    return reading.script.key(
        MASTER_VERSION,
        engine,
        voice,
        reading.rate,
        reading.kind,
        tags.title,
        tags.album,
        tags.artist,
        tags.date,
        tags.track or "",
    )


def current_assets(reading: Reading, key: str, found: Mapping[str, Found]) -> list[Asset] | None:
    """Return the reading's assets if each is recorded with this key and path and published whole.

    found maps each role of the reading to what exists for it; a role not in found is missing.
    None means the reading is missing or stale and must be made.
    """
    current: list[Asset] = []
    for role, path in reading.files.items():
        state = found.get(role)
        asset = state.asset if state is not None else None
        if state is None or asset is None:
            return None
        if asset.content_key != key or asset.path != path or state.size != asset.size:
            return None
        current.append(asset)
    return current


def next_step(current: Sequence[Asset] | None, *, upgrade: bool, edge: bool) -> Step:
    """Return what to do with a reading whose current assets are current (None: missing/stale).

    An upgrade run only re-makes offline-made readings, and only when there is an online voice.
    """
    if current is None:
        return Step.SKIP if upgrade else Step.MAKE
    made_offline = any(a.engine == ENGINE_OFFLINE for a in current)
    if upgrade and made_offline and edge:
        return Step.UPGRADE
    return Step.KEEP


def owners(issue: Issue) -> frozenset[str]:
    """Return the ids that may own audio of an issue: the issue itself and its articles."""
    return frozenset({issue.id, *(a.id for a in issue.articles)})


def dropped_assets(issue: Issue, assets: Iterable[Asset]) -> list[Asset]:
    """Return the issue's assets whose article a correction removed."""
    keep = owners(issue)
    return [a for a in assets if a.issue_id == issue.id and a.owner_id not in keep]


def issues_with_dropped(issues: Sequence[Issue], assets: Iterable[Asset]) -> list[Issue]:
    """Return the issues, in order, that still have audio of an article a correction removed."""
    keep = {issue.id: owners(issue) for issue in issues}
    stale = {a.issue_id for a in assets if a.owner_id not in keep.get(a.issue_id, ())}
    return [issue for issue in issues if issue.id in stale]


def issues_to_upgrade(assets: Iterable[Asset]) -> list[str]:
    """Return the ids of the issues, sorted, that have audio made by the offline voice."""
    return sorted({a.issue_id for a in assets if a.engine == ENGINE_OFFLINE})
