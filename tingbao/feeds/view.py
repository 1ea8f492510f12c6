"""What the feeds and pages show: issues joined with their published files, as plain values.

Pure: the build layer hands in only assets whose files are published, and the chapter JSON it read,
so nothing here can point at a file that is not there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tingbao.feeds.settings import FeedsSettings
from tingbao.feeds.text import clean_text, tag_authority
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.paths import article_page, issue_page
from tingbao.store.assets import (
    ARTICLE_MP3,
    ARTICLE_MP3_SLOW,
    ARTICLE_VTT,
    ISSUE_CHAPTERS,
    ISSUE_MP3,
    ISSUE_VTT,
    Asset,
)

FEED_RSS = "feed.xml"
FEED_ATOM = "atom.xml"
FEED_PODCAST = "podcast.xml"
HOME_PAGE = "index.html"
COVER_IMAGE = "static/cover.png"


@dataclass(frozen=True)
class Site:
    """Everything about the paper and its public address that feeds and pages need."""

    base_url: str
    slug: str
    name: str
    description: str
    author: str
    language: str
    category: str
    image_url: str | None
    hotline: str | None
    email: str | None
    tag_authority: str
    max_items: int

    def url(self, relpath: str) -> str:
        """Return the absolute public URL of a path under public/."""
        return self.base_url + relpath.lstrip("/")


def site_from_settings(
    settings: FeedsSettings, paper: PaperSettings, authority: str | None = None
) -> Site:
    """Return the Site of a deployment; the tag authority defaults to the base URL's host."""
    base = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    return Site(
        base_url=base,
        slug=paper.slug,
        name=clean_text(paper.name),
        description=clean_text(paper.description),
        author=clean_text(paper.author),
        language=paper.language,
        category=paper.category,
        image_url=paper.image_url,
        hotline=paper.hotline,
        email=paper.email,
        tag_authority=authority or settings.feed_tag_authority or tag_authority(settings.base_url),
        max_items=settings.feed_max_items,
    )


@dataclass(frozen=True)
class Media:
    """A published file as feeds and pages link it."""

    path: str  # relative to public/
    size: int
    mime: str
    duration_s: float | None = None


@dataclass(frozen=True)
class Chapter:
    """A point in the whole-issue reading where an article starts."""

    start_s: float
    title: str
    article_id: str | None


@dataclass(frozen=True)
class ArticleView:
    """An article with its issue, position and published audio."""

    issue: Issue
    article: Article
    position: int
    mp3: Media | None
    mp3_slow: Media | None
    vtt: Media | None

    @property
    def page(self) -> str:
        """Return the path of the article's page under public/."""
        return article_page(self.article.id)


@dataclass(frozen=True)
class IssueView:
    """An issue with its articles and the whole-issue episode."""

    issue: Issue
    articles: tuple[ArticleView, ...]
    mp3: Media | None
    vtt: Media | None
    chapters_file: Media | None
    chapters: tuple[Chapter, ...]

    @property
    def page(self) -> str:
        """Return the path of the issue's page under public/."""
        return issue_page(self.issue.id)


def _media(asset: Asset | None) -> Media | None:
    if asset is None or asset.size <= 0:
        return None
    return Media(asset.path, asset.size, asset.mime, asset.duration_s)


def parse_chapters(raw: bytes | None, issue: Issue) -> tuple[Chapter, ...]:
    """Return the chapters of a Podcasting 2.0 chapters JSON, matched to articles."""
    if not raw:
        return ()
    try:
        data = json.loads(raw.decode("utf-8"))
        items = data["chapters"] if isinstance(data, dict) else data
        if not isinstance(items, list):
            return ()
    except (ValueError, KeyError, TypeError):
        return ()
    by_title = {a.title: a.id for a in issue.articles}
    chapters: list[Chapter] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        try:
            start = float(item.get("startTime", item.get("start")) or 0)
        except (TypeError, ValueError):
            continue
        title = clean_text(str(item.get("title") or ""))
        article_id = by_title.get(title)
        if article_id is None and len(items) == len(issue.articles):
            article_id = issue.articles[n].id
        chapters.append(Chapter(max(start, 0.0), title, article_id))
    chapters.sort(key=lambda c: c.start_s)
    return tuple(chapters)


def issue_view(
    issue: Issue, assets: Mapping[tuple[str, str], Asset], chapters_json: bytes | None = None
) -> IssueView:
    """Join an issue with its published assets (only those present in `assets`)."""
    articles = tuple(
        ArticleView(
            issue=issue,
            article=article,
            position=n,
            mp3=_media(assets.get((article.id, ARTICLE_MP3))),
            mp3_slow=_media(assets.get((article.id, ARTICLE_MP3_SLOW))),
            vtt=_media(assets.get((article.id, ARTICLE_VTT))),
        )
        for n, article in enumerate(issue.articles)
    )
    chapters_file = _media(assets.get((issue.id, ISSUE_CHAPTERS)))
    return IssueView(
        issue=issue,
        articles=articles,
        mp3=_media(assets.get((issue.id, ISSUE_MP3))),
        vtt=_media(assets.get((issue.id, ISSUE_VTT))),
        chapters_file=chapters_file,
        chapters=parse_chapters(chapters_json, issue) if chapters_file else (),
    )


def issue_views(
    issues: Sequence[Issue],
    assets: Mapping[tuple[str, str], Asset],
    chapters_json: Mapping[str, bytes] | None = None,
) -> list[IssueView]:
    """Return views of issues, newest first (by date, then id, as the store orders them)."""
    ordered = sorted(issues, key=lambda i: (i.published, i.id), reverse=True)
    raw = chapters_json or {}
    return [issue_view(issue, assets, raw.get(issue.id)) for issue in ordered]
