"""The channel plan: which posts an issue makes, in which order, with what text, audio and links."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from tests.conftest import build_issue
from tingbao.chat.channel_plan import (
    CAPTION_LIMIT,
    ISSUE_CAPTION_MORE,
    IssueAudio,
    Links,
    PlannedPost,
    plan_issue,
    withdrawn_hash,
)
from tingbao.chat.render import MESSAGE_LIMIT, tg_len
from tingbao.paper.model import Article, Issue, Section
from tingbao.store.assets import Asset

LINKS = Links(lambda path: f"https://news.example/{path}", "tingbao_bot")
ISSUE = build_issue()
A, B = (a.id for a in ISSUE.articles)


def asset(owner: str, role: str, key: str = "k1", size: int = 1000) -> Asset:
    return Asset(
        owner, ISSUE.id, role, f"audio/{owner}-{role}.mp3", size, "audio/mpeg", 61.0, "edge", key
    )


def full_audio(issue: Issue = ISSUE, key: str = "k1") -> dict[tuple[str, str], Asset]:
    found = {(issue.id, "mp3"): asset(issue.id, "mp3", key)}
    for article in issue.articles:
        for role in ("mp3", "mp3_slow", "ogg"):
            found[(article.id, role)] = asset(article.id, role, key)
    return found


def plan(
    issue: Issue = ISSUE, assets: dict[tuple[str, str], Asset] | None = None, **audio: object
) -> list[PlannedPost]:
    found = full_audio(issue) if assets is None else assets
    return plan_issue(issue, "金虹桥", IssueAudio(found, **audio), LINKS)  # type: ignore[arg-type]


def by_key(posts: list[PlannedPost]) -> dict[str, PlannedPost]:
    return {p.key: p for p in posts}


@pytest.mark.parametrize(
    ("assets", "limit", "expected"),
    [
        (
            None,
            None,
            [
                ("head:1", "text"),
                ("issue:audio", "audio"),
                ("article:1:text:1", "text"),
                ("article:1:audio", "audio"),
                ("article:2:text:1", "text"),
                ("article:2:audio", "audio"),
            ],
        ),
        (
            {},
            None,
            [("head:1", "text"), ("article:1:text:1", "text"), ("article:2:text:1", "text")],
        ),
        (
            None,
            10,  # every file over the upload limit: linked instead of attached
            [
                ("head:1", "text"),
                ("issue:link", "text"),
                ("article:1:text:1", "text"),
                ("article:1:link", "text"),
                ("article:2:text:1", "text"),
                ("article:2:link", "text"),
            ],
        ),
    ],
    ids=["with audio", "no audio yet", "audio too big"],
)
def test_posts_in_reading_order(
    assets: dict[tuple[str, str], Asset] | None, limit: int | None, expected: list[tuple[str, str]]
) -> None:
    posts = plan(assets=assets, upload_limit=limit)
    assert [(p.key, p.kind) for p in posts] == expected
    assert [p.position for p in posts] == list(range(len(posts)))


def test_opening_post_has_paper_date_and_linked_contents() -> None:
    head = plan()[0]
    assert head.text.startswith("<b>《金虹桥》</b> 2020年7月30日\n金虹桥 2020年7月30日")
    for n, article in enumerate(ISSUE.articles, 1):
        link = f'{n}. <a href="https://news.example/articles/{article.id}.html">{article.title}</a>'
        assert link in head.text
    assert [(b.text, b.url) for b in head.buttons] == [
        ("📖 网页版", f"https://news.example/issues/{ISSUE.id}.html")
    ]


def test_issue_audio_carries_the_chapter_list() -> None:
    chapters = {
        "chapters": [{"startTime": 0, "title": "开头"}, {"startTime": 75.5, "title": "会议"}]
    }
    data = json.dumps(chapters, ensure_ascii=False).encode()
    episode = by_key(plan(chapters_json=data))["issue:audio"]
    assert episode.text == "全刊目录：\n00:00  开头\n01:15  会议"
    assert episode.audio == full_audio()[(ISSUE.id, "mp3")]
    assert (episode.title, episode.performer) == (ISSUE.title, "金虹桥")


def test_a_long_chapter_list_is_cut_to_a_caption_and_says_so() -> None:
    titles = tuple(f"第{n}篇文章的标题比较长，说的是社区里的一件事情" for n in range(80))
    issue = build_issue(titles=titles)
    episode = by_key(plan(issue))["issue:audio"]
    assert tg_len(episode.text) <= CAPTION_LIMIT
    assert episode.text.endswith("\n" + ISSUE_CAPTION_MORE)
    assert "1. 第0篇" in episode.text


def test_a_linked_episode_with_a_very_long_chapter_list_says_it_was_cut() -> None:
    titles = tuple(f"第{n}篇文章的标题比较长，说的是社区里的一件事情" for n in range(200))
    issue = build_issue(titles=titles)
    link = by_key(plan(issue, upload_limit=10))["issue:link"]  # the episode is too big to attach
    assert tg_len(link.text) <= MESSAGE_LIMIT
    assert link.text.startswith("🔊 收听：<a href=") and link.text.endswith(ISSUE_CAPTION_MORE)


def test_article_audio_has_the_slow_reading_and_page_buttons() -> None:
    posts = by_key(plan())
    audio = posts["article:1:audio"]
    assert audio.text == f"🔊 {ISSUE.articles[0].title}"
    assert [(b.text, b.url) for b in audio.buttons] == [
        ("🐢 慢速朗读", f"https://t.me/tingbao_bot?start=slow-{A}"),
        ("📖 网页阅读", f"https://news.example/articles/{A}.html"),
    ]
    assert audio.audio is not None and audio.audio.role == "mp3"
    assert posts["article:1:text:1"].buttons == ()


@pytest.mark.parametrize(
    ("missing", "buttons_on", "labels"),
    [
        ("mp3_slow", "audio", ["📖 网页阅读"]),  # no slow reading made: no button to it
        ("mp3", "text:1", ["🐢 慢速朗读", "📖 网页阅读"]),  # no audio post: the text carries them
    ],
)
def test_buttons_follow_what_exists(missing: str, buttons_on: str, labels: list[str]) -> None:
    assets = full_audio()
    del assets[(A, missing)]
    posts = by_key(plan(assets=assets))
    assert [b.text for b in posts[f"article:1:{buttons_on}"].buttons] == labels


def test_long_article_is_split_at_paragraphs_under_the_limit() -> None:
    paragraphs = tuple(f"第{n}段。" + "社区食堂每天供应午餐。" * 80 for n in range(12))
    article = Article("a0123456789a", "长文章", (Section(None, paragraphs),))
    issue = replace(ISSUE, articles=(article,))
    texts = [p for p in plan(issue, assets={}) if p.key.startswith("article:")]
    assert [p.key for p in texts] == [f"article:1:text:{n}" for n in range(1, 4)]
    assert all(tg_len(p.text) <= MESSAGE_LIMIT for p in texts)
    joined = "\n\n".join(p.text for p in texts)
    assert joined == "<b>长文章</b>\n\n" + "\n\n".join(paragraphs)  # nothing lost, cut between


def test_paper_text_is_escaped() -> None:
    issue = build_issue(titles=("A<B> & C", "二"))
    posts = plan(issue)
    assert "A&lt;B&gt; &amp; C" in posts[0].text
    assert by_key(posts)["article:1:audio"].text == "🔊 A&lt;B&gt; &amp; C"


def test_a_correction_changes_only_the_posts_that_show_it() -> None:
    before = by_key(plan())
    first = ISSUE.articles[0]
    fixed = replace(first, sections=(Section(None, ("7月28日，虹桥镇召开年中工作会议。",)),))
    assert fixed.id == first.id  # the same title keeps the id, so the same keys
    after = by_key(plan(replace(ISSUE, articles=(fixed, ISSUE.articles[1]))))
    changed = {k for k in before if before[k].content_hash != after[k].content_hash}
    assert changed == {"article:1:text:1"}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ("new reading", "article:1:audio"),  # re-synthesized: a new file
        ("new issue title", "issue:audio"),  # the audio's title: only editMessageMedia shows it
    ],
)
def test_what_the_audio_shows_changes_its_media_key(change: str, key: str) -> None:
    before = by_key(plan())[key]
    if change == "new reading":
        assets = full_audio()
        assets[(A, "mp3")] = asset(A, "mp3", key="k2")
        after = by_key(plan(assets=assets))[key]
    else:
        after = by_key(plan(replace(ISSUE, title="金虹桥 2020年7月刊")))[key]
    assert before.media_key != after.media_key
    assert before.content_hash != after.content_hash and before.text == after.text


def test_plan_is_stable_and_withdrawn_posts_never_look_planned() -> None:
    assert plan() == plan()
    hashes = {p.content_hash for p in plan()}
    assert withdrawn_hash("text") not in hashes and withdrawn_hash("audio") not in hashes
    assert withdrawn_hash("text") != withdrawn_hash("audio")


def test_many_articles_split_the_contents_over_several_posts() -> None:
    titles = tuple(f"第{n}篇：" + "标题很长" * 20 for n in range(80))
    issue = build_issue(published=date(2020, 8, 1), titles=titles)
    heads = [p for p in plan(issue, assets={}) if p.key.startswith("head:")]
    assert len(heads) >= 2 and all(tg_len(p.text) <= MESSAGE_LIMIT for p in heads)
    assert [bool(p.buttons) for p in heads] == [False] * (len(heads) - 1) + [True]
