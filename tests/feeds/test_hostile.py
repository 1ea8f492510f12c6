"""Hostile text never breaks a feed or a page: it is escaped, or removed when XML cannot hold it."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import feedparser
import pytest
from lxml import etree

from tests.conftest import build_issue
from tests.feeds.test_feeds import assets_for
from tingbao.feeds.build import render_feeds
from tingbao.feeds.pages import render_site
from tingbao.feeds.view import issue_views, site_from_settings
from tingbao.paper.model import Contact, Section
from tingbao.worker.settings import Settings

HOSTILE = [
    "控制\x0b字符\x00与\x1b转义",
    "CDATA 结束 ]]> 之后",
    "<script>alert('x')</script>",
    "未闭合的\"引号 和 '单引号",
    "&amp; &lt; & <![CDATA[ x ]]> <!-- 注释",
    "\ud800孤立代理\ufffe",
    "C1\x85\x9f控制",
    "</textarea></title><img src=x onerror=alert(1)>",
]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_everywhere(text: str, settings: Settings) -> None:
    base = build_issue()
    first = replace(
        base.articles[0],
        title=f"标题{text}",
        kicker=text,
        subtitle=text,
        sections=(Section(text, (text, f"正文{text}")),),
    )
    issue = replace(
        base,
        title=f"期{text}",
        articles=(first, *base.articles[1:]),
        contact=Contact(hotline=f"021{text}", email=f"a{text}@b.cn", address=text, editors=(text,)),
    )
    paper = replace(settings.paper, name=f"报{text}", description=text, author=text)
    site = site_from_settings(settings.feeds, paper)
    views = issue_views([issue], assets_for(issue))
    feeds = render_feeds(views, site)
    for name, data in feeds.items():
        root = etree.fromstring(data)  # well-formed XML, or this raises
        assert root is not None
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.feed.title.startswith("报")
    titles = [e.title for e in feedparser.parse(feeds["feed.xml"]).entries]
    assert any(t.startswith("标题") for t in titles)
    for path, page in render_site(views, site).items():
        html = page.decode("utf-8")
        collector = _Collect()
        collector.feed(html)
        assert collector.scripts == ["../static/player.js" if "/" in path else "static/player.js"]
        assert collector.handlers == [], path
        assert "<script>alert" not in html
