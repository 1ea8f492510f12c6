"""The static pages rendered from issue values: structure, links and accessibility basics."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import html as lhtml

from tests.conftest import build_issue
from tests.feeds.test_feeds import assets_for
from tingbao.feeds.pages import render_site
from tingbao.feeds.view import Site, issue_views, site_from_settings
from tingbao.paper.model import Contact
from tingbao.worker.settings import Settings


@pytest.fixture
def site(settings: Settings) -> Site:
    return site_from_settings(settings.feeds, settings.paper)


def pages_for(site: Site, with_audio: bool = True) -> dict[str, lhtml.HtmlElement]:
    issues = [build_issue(published=date(2020, 6, 30)), build_issue()]
    assets = {}
    for issue in issues:
        assets.update(assets_for(issue, with_audio))
    raw = b'{"version":"1.2.0","chapters":[{"startTime":0,"title":"t"},{"startTime":30}]}'
    chapters = {i.id: raw for i in issues}
    views = issue_views(issues, assets, chapters)
    return {path: lhtml.fromstring(data) for path, data in render_site(views, site).items()}


def test_every_page_has_language_feeds_contact_and_viewport(site: Site) -> None:
    pages = pages_for(site)
    issue = build_issue()
    assert "index.html" in pages
    assert f"issues/{issue.id}.html" in pages
    assert f"articles/{issue.articles[0].id}.html" in pages
    for path, page in pages.items():
        assert page.get("lang") == "zh-CN", path
        assert page.xpath("//meta[@name='viewport']"), path
        hrefs = page.xpath("//footer//a/@href")
        root = "../" if "/" in path else ""
        assert {f"{root}feed.xml", f"{root}atom.xml", f"{root}podcast.xml"} <= set(hrefs), path
        assert "tel:+862164059791" in hrefs, path
        assert "mailto:jinhongqiao@163.com" in hrefs, path
        assert page.xpath("//link[@rel='alternate' and @type='application/rss+xml']"), path
        assert len(page.xpath("//h1")) == 1, path


def test_home_shows_latest_then_archive(site: Site) -> None:
    home = pages_for(site)["index.html"]
    latest = home.xpath("//section[@class='latest']//h2//a")[0]
    assert latest.get("href") == "issues/jinhongqiao-2020-07-30.html"
    archive = home.xpath("//section[@class='archive']//a/@href")
    assert archive == ["issues/jinhongqiao-2020-06-30.html"]
    assert home.xpath("//a[contains(@class,'big')]")  # the whole-issue reading


def test_article_page_player_and_text(site: Site) -> None:
    issue = build_issue()
    article = issue.articles[0]
    page = pages_for(site)[f"articles/{article.id}.html"]
    audio = page.xpath("//audio")[0]
    assert audio.get("src") == f"../audio/{article.id}.mp3"
    assert audio.get("controls") is not None
    assert audio.get("data-vtt") == f"../audio/{article.id}.vtt"
    assert page.xpath("//button[@data-rate='0.8']")
    assert page.xpath("//div[@class='controls']")[0].get("hidden") is not None  # JS reveals it
    paragraphs = [p.text_content() for p in page.xpath("//div[@class='text']/p")]
    assert paragraphs == list(article.paragraphs)
    assert page.xpath("//h1")[0].text_content() == article.title
    assert page.xpath("//nav[@class='pager']//a/@href") == [
        f"../articles/{issue.articles[1].id}.html"
    ]


def test_issue_page_has_chapters_with_start_times(site: Site) -> None:
    issue = build_issue()
    page = pages_for(site)[f"issues/{issue.id}.html"]
    links = page.xpath("//a[@class='chapter']")
    assert [link.get("href") for link in links] == [f"#art-{a.id}" for a in issue.articles]
    assert [link.get("data-start") for link in links] == ["0.000", "30.000"]
    for article in issue.articles:
        assert page.xpath(f"//section[@id='art-{article.id}']")


def test_without_audio_pages_say_so_and_have_no_player(site: Site) -> None:
    pages = pages_for(site, with_audio=False)
    article = build_issue().articles[0]
    page = pages[f"articles/{article.id}.html"]
    assert not page.xpath("//audio")
    assert "朗读还在制作中" in page.xpath("//p[@class='note']")[0].text_content()


def test_empty_site_and_missing_contact(settings: Settings) -> None:
    site = site_from_settings(settings.feeds, settings.paper)
    pages = render_site([], site)
    home = lhtml.fromstring(pages["index.html"])
    assert "还没有发布" in home.text_content()
    issue = build_issue()
    bare = issue.__class__(
        issue.id, issue.paper, issue.title, issue.published, issue.articles, Contact()
    )
    fallback = site.__class__(**{**site.__dict__, "hotline": "021-1234"})
    page = lhtml.fromstring(render_site(issue_views([bare], {}), fallback)["index.html"])
    assert page.xpath("//a[@href='tel:0211234']")
