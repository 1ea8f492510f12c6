"""The real sample issue (parsed by the paper part) through every feed and page."""

from __future__ import annotations

import feedparser
from lxml import etree
from lxml import html as lhtml

from tests.feeds.test_feeds import ATOM_RNC, assets_for
from tingbao.feeds.build import render_feeds
from tingbao.feeds.pages import render_site
from tingbao.feeds.view import issue_views, site_from_settings
from tingbao.paper.model import Issue
from tingbao.worker.settings import Settings


def test_sample_issue_feeds_and_pages(sample_issue: Issue, settings: Settings) -> None:
    import rnc2rng

    site = site_from_settings(settings.feeds, settings.paper)
    views = issue_views([sample_issue], assets_for(sample_issue))
    feeds = render_feeds(views, site)
    parsed = feedparser.parse(feeds["feed.xml"])
    assert not parsed.bozo
    assert [e.title for e in parsed.entries[1:]] == [a.title for a in sample_issue.articles]
    rng = rnc2rng.dumps(rnc2rng.load(str(ATOM_RNC))).replace('xmlns:local=""', "")
    schema = etree.RelaxNG(etree.fromstring(rng.encode("utf-8")))
    assert schema.validate(etree.fromstring(feeds["atom.xml"])), schema.error_log
    pages = render_site(views, site)
    issue_page = lhtml.fromstring(pages[f"issues/{sample_issue.id}.html"])
    shown = [p.text_content() for p in issue_page.xpath("//p[contains(@class,'read')]")]
    assert shown == [p for a in sample_issue.articles for p in a.paragraphs]
    if sample_issue.contact.hotline:
        assert issue_page.xpath("//footer//a[starts-with(@href,'tel:')]")
