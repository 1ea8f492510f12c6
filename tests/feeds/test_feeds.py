"""RSS, podcast and Atom feeds rendered from issue values, checked by real parsers."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import feedparser
import podcastparser
import pytest
import rnc2rng
from lxml import etree

from tests.conftest import build_issue
from tingbao.feeds.build import render_feeds
from tingbao.feeds.feedgen_ext import PODCAST_NS, podcast_guid
from tingbao.feeds.items import feed_items
from tingbao.feeds.view import Site, issue_views, site_from_settings
from tingbao.paper.model import Issue
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_VTT, ISSUE_CHAPTERS, ISSUE_MP3, Asset
from tingbao.worker.settings import Settings

ATOM_RNC = Path(__file__).with_name("atom.rnc")


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    # rnc2rng declares xmlns:local="" (the RFC's `namespace local = ""`), which lxml refuses;
    # the declaration is unused in the output, so dropping it changes nothing.
    rng = rnc2rng.dumps(rnc2rng.load(str(ATOM_RNC))).replace('xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(rng.encode("utf-8")))


def assets_for(issue: Issue, with_audio: bool = True) -> dict[tuple[str, str], Asset]:
    if not with_audio:
        return {}
    found: dict[tuple[str, str], Asset] = {}
    for n, article in enumerate(issue.articles):
        found[(article.id, ARTICLE_MP3)] = Asset(
            article.id,
            issue.id,
            ARTICLE_MP3,
            f"audio/{article.id}.mp3",
            1000 + n,
            "audio/mpeg",
            60.0,
        )
        found[(article.id, ARTICLE_VTT)] = Asset(
            article.id, issue.id, ARTICLE_VTT, f"audio/{article.id}.vtt", 50, "text/vtt"
        )
    found[(issue.id, ISSUE_MP3)] = Asset(
        issue.id, issue.id, ISSUE_MP3, f"audio/{issue.id}.mp3", 5000, "audio/mpeg", 125.0
    )
    found[(issue.id, ISSUE_CHAPTERS)] = Asset(
        issue.id,
        issue.id,
        ISSUE_CHAPTERS,
        f"audio/{issue.id}.json",
        80,
        "application/json+chapters",
    )
    return found


def render(issues: list[Issue], site: Site, with_audio: bool = True) -> dict[str, bytes]:
    assets: dict[tuple[str, str], Asset] = {}
    for issue in issues:
        assets.update(assets_for(issue, with_audio))
    return render_feeds(issue_views(issues, assets), site)


@pytest.fixture
def site(settings: Settings) -> Site:
    return site_from_settings(settings.feeds, settings.paper)


def two_issues() -> list[Issue]:
    return [build_issue(published=date(2020, 6, 30)), build_issue(published=date(2020, 7, 30))]


def test_rss_parses_cleanly_newest_first_in_issue_order(site: Site) -> None:
    issues = two_issues()
    feeds = render(issues, site)
    parsed = feedparser.parse(feeds["feed.xml"])
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    july, june = issues[1], issues[0]
    expected = [
        f"{july.title}（整期朗读）",
        *(a.title for a in july.articles),
        f"{june.title}（整期朗读）",
        *(a.title for a in june.articles),
    ]
    assert titles == expected
    first_article = parsed.entries[1]
    assert first_article.link == site.url(f"articles/{july.articles[0].id}.html")
    assert first_article.id.startswith("tag:127.0.0.1,2020-07-30:")
    assert first_article.guidislink is False
    assert first_article.enclosures[0].href == site.url(f"audio/{july.articles[0].id}.mp3")
    assert first_article.enclosures[0].length == "1000"
    assert first_article.enclosures[0].type == "audio/mpeg"
    assert first_article.itunes_duration == "0:01:00"
    assert "会上强调" in first_article.content[0].value
    assert parsed.feed.updated == "Thu, 30 Jul 2020 06:00:00 +0800"


def test_rss_has_podcast_tags(site: Site) -> None:
    issue = build_issue()
    root = etree.fromstring(render([issue], site)["feed.xml"])
    ns = {"podcast": PODCAST_NS, "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    items = root.findall("channel/item")
    episode, first = items[0], items[1]
    chapters = episode.find("podcast:chapters", ns)
    assert chapters is not None
    assert chapters.get("url") == site.url(f"audio/{issue.id}.json")
    assert chapters.get("type") == "application/json+chapters"
    transcript = first.find("podcast:transcript", ns)
    assert transcript is not None
    assert transcript.get("type") == "text/vtt"
    assert transcript.get("language") == "zh-cn"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("podcast:guid", namespaces=ns) == podcast_guid(site.url("feed.xml"))
    assert channel.findtext("itunes:explicit", namespaces=ns) == "no"
    assert channel.find("itunes:image", ns) is not None
    assert channel.find("itunes:category", ns) is not None
    assert channel.findtext("link") == site.url("index.html")


def test_podcast_guid_matches_the_specification_example() -> None:
    # The example given by the Podcasting 2.0 namespace documentation.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )


def test_podcast_feed_reads_in_podcastparser(site: Site) -> None:
    issues = two_issues()
    data = render(issues, site)["podcast.xml"]
    parsed = podcastparser.parse(site.url("podcast.xml"), io.BytesIO(data))
    episodes = parsed["episodes"]
    assert [e["title"] for e in episodes] == [f"{i.title}（整期朗读）" for i in reversed(issues)]
    assert episodes[0]["enclosures"][0]["file_size"] == 5000
    assert episodes[0]["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert episodes[0]["total_time"] == 125
    assert episodes[0]["guid"].startswith("tag:")
    assert parsed["title"] == f"{site.name}（整期朗读）"
    assert not feedparser.parse(data).bozo


def test_atom_validates_and_keeps_enclosures(site: Site, atom_schema: etree.RelaxNG) -> None:
    data = render(two_issues(), site)["atom.xml"]
    doc = etree.fromstring(data)
    assert atom_schema.validate(doc), atom_schema.error_log
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    article = parsed.entries[1]
    enclosure = article.enclosures[0]
    assert [link.rel for link in article.links].count("enclosure") == 1
    assert enclosure.type == "audio/mpeg"
    assert enclosure.length == "1000"
    alternates = [link for link in article.links if link.rel == "alternate"]
    assert alternates[0].href.endswith(".html")
    # RFC 4287 rules the RELAX NG schema cannot express: an author for every entry (here the
    # feed's) and at most one alternate link per type.
    atom = "{http://www.w3.org/2005/Atom}"
    assert doc.find(f"{atom}author/{atom}name") is not None
    for entry in doc.iter(f"{atom}entry"):
        alt = [e for e in entry.iter(f"{atom}link") if e.get("rel") == "alternate"]
        assert len(alt) == 1


def test_article_without_audio_is_text_only(site: Site) -> None:
    feeds = render([build_issue()], site, with_audio=False)
    parsed = feedparser.parse(feeds["feed.xml"])
    assert len(parsed.entries) == 2  # no issue episode without its audio
    assert all(not e.enclosures for e in parsed.entries)
    assert podcastparser.parse("x", io.BytesIO(feeds["podcast.xml"]))["episodes"] == []
    atom = feedparser.parse(feeds["atom.xml"])
    assert all(link.rel != "enclosure" for e in atom.entries for link in e.links)


def test_same_input_same_bytes_and_guids(site: Site) -> None:
    first = render(two_issues(), site)
    second = render(two_issues(), site)
    assert first == second
    one = [e.id for e in feedparser.parse(first["feed.xml"]).entries]
    # Adding a newer issue keeps every earlier guid.
    three = [*two_issues(), build_issue(published=date(2020, 8, 30))]
    grown = [e.id for e in feedparser.parse(render(three, site)["feed.xml"]).entries]
    assert grown[-len(one) :] == one
    assert len(set(grown)) == len(grown)


def test_max_items_keeps_the_newest(site: Site) -> None:
    small = replace(site, max_items=4)
    issues = [build_issue(published=date(2020, m, 1)) for m in range(1, 6)]
    views = issue_views(issues, {})
    items = feed_items(views, small)
    assert len(items) == 4
    assert items[0].when.month == 5
    parsed = feedparser.parse(render_feeds(views, small)["feed.xml"])
    assert len(parsed.entries) == 4


def test_empty_store_renders_valid_feeds(site: Site, atom_schema: etree.RelaxNG) -> None:
    feeds = render_feeds([], site)
    assert not feedparser.parse(feeds["feed.xml"]).bozo
    assert atom_schema.validate(etree.fromstring(feeds["atom.xml"]))
