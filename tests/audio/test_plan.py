"""Audio planning: which files an issue needs, which are current, what to make, what was dropped."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import build_issue
from tingbao.audio.plan import (
    KIND_ARTICLE,
    KIND_ISSUE,
    KIND_SLOW,
    NORMAL_RATE,
    Found,
    Reading,
    Step,
    current_assets,
    dropped_assets,
    issues_to_upgrade,
    issues_with_dropped,
    next_step,
    owners,
    plan_readings,
    reading_key,
)
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings
from tingbao.store.assets import Asset

PAPER = PaperSettings(name="金虹桥", hotline="021-64059791")
ISSUE = build_issue()
FIRST, SECOND = ISSUE.articles
FOLDER = f"audio/{ISSUE.id}"


def readings(issue: Issue = ISSUE) -> list[Reading]:
    return plan_readings(issue, PAPER, 1000, "-25%")


def asset(owner: str, role: str = "mp3", *, issue: str = ISSUE.id, engine: str = "edge") -> Asset:
    return Asset(owner, issue, role, f"audio/{issue}/{owner}.{role}", 10, "audio/mpeg", 1.0, engine)


# -- which files an issue needs ---------------------------------------------------------------


def test_every_article_has_a_normal_and_a_slow_reading_then_the_episode() -> None:
    plan = [(r.owner_id, r.kind, r.rate, r.files) for r in readings()]
    assert plan == [
        (
            FIRST.id,
            KIND_ARTICLE,
            NORMAL_RATE,
            {
                "mp3": f"{FOLDER}/{FIRST.id}.mp3",
                "vtt": f"{FOLDER}/{FIRST.id}.vtt",
            },
        ),
        (FIRST.id, KIND_SLOW, "-25%", {"mp3_slow": f"{FOLDER}/{FIRST.id}.slow.mp3"}),
        (
            SECOND.id,
            KIND_ARTICLE,
            NORMAL_RATE,
            {
                "mp3": f"{FOLDER}/{SECOND.id}.mp3",
                "vtt": f"{FOLDER}/{SECOND.id}.vtt",
            },
        ),
        (SECOND.id, KIND_SLOW, "-25%", {"mp3_slow": f"{FOLDER}/{SECOND.id}.slow.mp3"}),
        (
            ISSUE.id,
            KIND_ISSUE,
            NORMAL_RATE,
            {
                "mp3": f"{FOLDER}/issue.mp3",
                "vtt": f"{FOLDER}/issue.vtt",
                "chapters": f"{FOLDER}/issue.chapters.json",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("owner", "title", "album", "track"),
    [
        (FIRST.id, FIRST.title, "金虹桥 2020年7月30日", "1/2"),
        (SECOND.id, SECOND.title, "金虹桥 2020年7月30日", "2/2"),
        (ISSUE.id, "金虹桥 2020年7月30日", "金虹桥 2020年7月30日", None),
    ],
)
def test_tags_name_the_paper_the_date_and_the_track(
    owner: str, title: str, album: str, track: str | None
) -> None:
    tags = next(r.tags for r in readings() if r.owner_id == owner)
    assert (tags.title, tags.album, tags.artist, tags.date, tags.track) == (
        title,
        album,
        "金虹桥",
        "2020-07-30",
        track,
    )


def test_an_article_with_nothing_to_say_has_no_reading() -> None:
    silent = Article(id="silent", title="", sections=())
    issue = dataclasses.replace(ISSUE, articles=(FIRST, silent))
    assert [r.owner_id for r in readings(issue)] == [FIRST.id, FIRST.id, ISSUE.id]


# -- the content key -----------------------------------------------------------------------------

BASE = readings()[0]


def key(reading: Reading = BASE, engine: str = "edge", voice: str = "v1") -> str:
    return reading_key(reading, engine, voice)


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("engine", key(engine="offline")),
        ("voice", key(voice="v2")),
        ("rate", key(dataclasses.replace(BASE, rate="-25%"))),
        ("kind", key(dataclasses.replace(BASE, kind=KIND_SLOW))),
        ("title", key(dataclasses.replace(BASE, tags=dataclasses.replace(BASE.tags, title="新")))),
        ("track", key(dataclasses.replace(BASE, tags=dataclasses.replace(BASE.tags, track="9")))),
        ("date", key(dataclasses.replace(BASE, tags=dataclasses.replace(BASE.tags, date="x")))),
        ("script", key(readings()[2])),
    ],
)
def test_the_key_changes_with_everything_the_file_holds(name: str, changed: str) -> None:
    assert changed != key(), name


def test_the_key_ignores_where_the_files_go() -> None:
    moved = dataclasses.replace(BASE, files={"mp3": "elsewhere.mp3"})
    assert key(moved) == key() == key(readings()[0])


# -- what is current ----------------------------------------------------------------------------

SLOW = readings()[1]  # one file: mp3_slow
SLOW_PATH = SLOW.files["mp3_slow"]
GOOD = Asset(FIRST.id, ISSUE.id, "mp3_slow", SLOW_PATH, 10, "audio/mpeg", 1.0, "edge", "k")


@pytest.mark.parametrize(
    ("found", "current"),
    [
        ({"mp3_slow": Found(GOOD, 10)}, [GOOD]),
        ({}, None),  # never made
        ({"mp3_slow": Found(None, 10)}, None),  # a file without its row
        ({"mp3_slow": Found(GOOD, None)}, None),  # the row, but the file is gone
        ({"mp3_slow": Found(GOOD, 9)}, None),  # a half-written file
        ({"mp3_slow": Found(dataclasses.replace(GOOD, content_key="old"), 10)}, None),  # stale
        ({"mp3_slow": Found(dataclasses.replace(GOOD, path="moved.mp3"), 10)}, None),
    ],
)
def test_current_only_when_every_file_is_recorded_with_this_key_and_published_whole(
    found: dict[str, Found], current: list[Asset] | None
) -> None:
    assert current_assets(SLOW, "k", found) == current


def test_one_missing_file_makes_the_whole_reading_stale() -> None:
    article = readings()[0]
    found = {
        role: Found(Asset(FIRST.id, ISSUE.id, role, path, 10, "x", 1.0, "edge", "k"), 10)
        for role, path in article.files.items()
    }
    assert current_assets(article, "k", found) is not None
    del found["vtt"]
    assert current_assets(article, "k", found) is None


# -- what to do ---------------------------------------------------------------------------------

EDGE = [asset("a", engine="edge")]
OFFLINE = [asset("a", engine="offline")]
MIXED = [asset("a", engine="edge"), asset("a", "vtt", engine="offline")]


@pytest.mark.parametrize(
    ("current", "upgrade", "edge", "step"),
    [
        (None, False, True, Step.MAKE),
        (None, False, False, Step.MAKE),
        (None, True, True, Step.SKIP),  # an upgrade run does not make missing files
        (EDGE, False, True, Step.KEEP),
        (EDGE, True, True, Step.KEEP),
        (OFFLINE, False, True, Step.KEEP),  # an ordinary run keeps offline audio
        (OFFLINE, True, True, Step.UPGRADE),
        (OFFLINE, True, False, Step.KEEP),  # no online voice to upgrade with
        (MIXED, True, True, Step.UPGRADE),
    ],
)
def test_next_step(current: list[Asset] | None, upgrade: bool, edge: bool, step: Step) -> None:
    assert next_step(current, upgrade=upgrade, edge=edge) is step


@pytest.mark.parametrize(
    ("assets", "issue_ids"),
    [
        ([], []),
        (
            [asset("a", issue="i2", engine="offline"), asset("b", issue="i1", engine="offline")],
            ["i1", "i2"],
        ),
        (
            [asset("a", issue="i1", engine="offline"), asset("b", issue="i1", engine="offline")],
            ["i1"],
        ),
        ([asset("a", issue="i1", engine="edge")], []),
    ],
)
def test_issues_to_upgrade(assets: list[Asset], issue_ids: list[str]) -> None:
    assert issues_to_upgrade(assets) == issue_ids


# -- what was dropped ---------------------------------------------------------------------------

SHORTER = dataclasses.replace(ISSUE, articles=(FIRST,))
OTHER = build_issue(titles=("别的文章",), published=ISSUE.published.replace(day=1))


def test_owners_are_the_issue_and_its_articles() -> None:
    assert owners(ISSUE) == {ISSUE.id, FIRST.id, SECOND.id}


@pytest.mark.parametrize(
    ("issue", "assets", "dropped"),
    [
        (ISSUE, [asset(ISSUE.id), asset(FIRST.id), asset(SECOND.id)], []),
        (SHORTER, [asset(ISSUE.id), asset(FIRST.id)], []),
        (SHORTER, [asset(FIRST.id), asset(SECOND.id), asset(SECOND.id, "vtt")], [SECOND.id] * 2),
        (SHORTER, [asset(SECOND.id, issue=OTHER.id)], []),  # another issue's row is not ours
    ],
)
def test_dropped_assets(issue: Issue, assets: list[Asset], dropped: list[str]) -> None:
    assert [a.owner_id for a in dropped_assets(issue, assets)] == dropped


@pytest.mark.parametrize(
    ("issues", "assets", "stale"),
    [
        ([ISSUE, OTHER], [asset(SECOND.id), asset(OTHER.articles[0].id, issue=OTHER.id)], []),
        ([SHORTER, OTHER], [asset(SECOND.id)], [SHORTER.id]),
        (
            [OTHER, SHORTER],
            [asset(SECOND.id), asset("gone", issue=OTHER.id)],
            [OTHER.id, SHORTER.id],
        ),
        ([OTHER], [asset(SECOND.id)], []),  # rows of issues not asked about are left alone
    ],
)
def test_issues_with_dropped_audio(
    issues: list[Issue], assets: list[Asset], stale: list[str]
) -> None:
    assert [i.id for i in issues_with_dropped(issues, assets)] == stale
