"""Feed items as plain values: one per article, one per whole-issue episode, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from tingbao.chinese.dates import chinese_date
from tingbao.feeds.text import (
    EPOCH,
    article_datetime,
    clean_text,
    issue_datetime,
    tag_uri,
)
from tingbao.feeds.view import ArticleView, IssueView, Media, Site


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, independent of the feed format."""

    guid: str
    title: str
    link: str
    summary: str
    content_html: str
    when: datetime
    audio: Media | None
    slow_audio: Media | None = None
    transcript: Media | None = None
    chapters: Media | None = None


def _p(text: str) -> str:
    return f"<p>{escape(clean_text(text))}</p>"


def article_html(view: ArticleView) -> str:
    """Return the article as simple HTML for content:encoded and Atom content."""
    article = view.article
    parts: list[str] = []
    if article.kicker:
        parts.append(f"<p><em>{escape(clean_text(article.kicker))}</em></p>")
    if article.subtitle:
        parts.append(f"<p><strong>{escape(clean_text(article.subtitle))}</strong></p>")
    for section in article.sections:
        if section.heading:
            parts.append(f"<h3>{escape(clean_text(section.heading))}</h3>")
        parts.extend(_p(p) for p in section.paragraphs)
    return "\n".join(parts)


def issue_html(view: IssueView, site: Site) -> str:
    """Return the table of contents of an issue, with chapter times when known."""
    starts = {c.article_id: c.start_s for c in view.chapters if c.article_id}
    rows: list[str] = []
    for article in view.articles:
        start = starts.get(article.article.id)
        when = f"{int(start // 60)}:{int(start % 60):02d} " if start is not None else ""
        href = escape(site.url(article.page), quote=True)
        title = escape(clean_text(article.article.title))
        rows.append(f'<li>{when}<a href="{href}">{title}</a></li>')
    return "<ol>\n" + "\n".join(rows) + "\n</ol>"


def issue_title(view: IssueView, site: Site) -> str:
    """Return the title of a whole-issue episode."""
    title = clean_text(view.issue.title) or f"{site.name} {chinese_date(view.issue.published)}"
    return f"{title}（整期朗读）"


def article_item(view: ArticleView, site: Site) -> FeedItem:
    """Return the feed item of an article; without published audio it carries text only."""
    issue, article = view.issue, view.article
    return FeedItem(
        guid=tag_uri(site.tag_authority, issue.published, issue.id, article.id),
        title=clean_text(article.title) or "（无题）",
        link=site.url(view.page),
        summary=clean_text(article.summary),
        content_html=article_html(view),
        when=article_datetime(issue.published, view.position),
        audio=view.mp3,
        slow_audio=view.mp3_slow,
        transcript=view.vtt,
    )


def issue_item(view: IssueView, site: Site) -> FeedItem | None:
    """Return the whole-issue episode, or None while its audio is not published."""
    if view.mp3 is None:
        return None
    issue = view.issue
    titles = "、".join(clean_text(a.article.title) for a in view.articles)
    return FeedItem(
        guid=tag_uri(site.tag_authority, issue.published, issue.id),
        title=issue_title(view, site),
        link=site.url(view.page),
        summary=f"本期{len(view.articles)}篇：{titles}",
        content_html=issue_html(view, site),
        when=issue_datetime(issue.published),
        audio=view.mp3,
        transcript=view.vtt,
        chapters=view.chapters_file,
    )


def feed_items(views: Sequence[IssueView], site: Site) -> list[FeedItem]:
    """Return feed.xml's items: per issue its episode, then its articles; at most max_items."""
    items: list[FeedItem] = []
    for view in views:
        episode = issue_item(view, site)
        if episode is not None:
            items.append(episode)
        items.extend(article_item(a, site) for a in view.articles)
        if len(items) >= site.max_items:
            break
    return items[: site.max_items]


def podcast_items(views: Sequence[IssueView], site: Site) -> list[FeedItem]:
    """Return podcast.xml's episodes: one per issue whose reading is published."""
    items = [item for item in (issue_item(v, site) for v in views) if item is not None]
    return items[: site.max_items]


def build_date(views: Sequence[IssueView]) -> datetime:
    """Return the feed's date: that of the newest issue, never the clock."""
    return max((issue_datetime(v.issue.published) for v in views), default=EPOCH)
