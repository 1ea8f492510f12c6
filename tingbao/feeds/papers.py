"""The top-level index of a deployment serving several papers: public/index.html lists the papers,
each linking its own site (public/<slug>/) and feeds, in the large type of the papers' pages."""

from __future__ import annotations

from collections.abc import Sequence

from tingbao.feeds.layout import esc, hotline_links, html_document
from tingbao.feeds.view import FEED_PODCAST, FEED_RSS, HOME_PAGE
from tingbao.paper.settings import PaperSettings

TITLE = "社区报"


def paper_entry(paper: PaperSettings) -> str:
    """Return one paper's entry: its name as a big link to its site, what it is, its feeds."""
    folder = f"{esc(paper.slug)}/"
    hotline = f"<p>新闻热线：{hotline_links(paper.hotline)}</p>" if paper.hotline else ""
    return (
        f'<li class="story"><h2><a href="{folder}{HOME_PAGE}">{esc(paper.name)}</a></h2>'
        f'<p class="lead">{esc(paper.description)}</p>{hotline}'
        '<ul class="plain buttons">'
        f'<li><a class="button big" href="{folder}{HOME_PAGE}">看报、听报</a></li>'
        f'<li><a class="button" href="{folder}{FEED_PODCAST}">播客订阅（整期朗读）</a></li>'
        f'<li><a class="button" href="{folder}{FEED_RSS}">RSS 订阅（每篇文章）</a></li>'
        "</ul></li>"
    )


def render_papers_index(papers: Sequence[PaperSettings]) -> bytes:
    """Return public/index.html: every paper, in configuration order."""
    entries = "".join(paper_entry(p) for p in papers)
    main = (
        f"<h1>{TITLE}</h1>\n"
        f'<p class="lead">共{len(papers)}份报纸。点报名，就能看报、听报。</p>\n'
        f'<ul class="plain papers">{entries}</ul>'
    )
    return html_document(title=TITLE, root="", brand=TITLE, main=main)
