"""Render RSS 2.0 with iTunes and Podcasting 2.0 tags (feed.xml and podcast.xml) from feed items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from feedgen.feed import FeedGenerator

from tingbao.feeds.errors import RenderError
from tingbao.feeds.feedgen_ext import (
    PodcastIndexEntryExtension,
    PodcastIndexExtension,
    Transcript,
    podcast_guid,
)
from tingbao.feeds.items import FeedItem
from tingbao.feeds.text import clean_text, hms
from tingbao.feeds.view import COVER_IMAGE, HOME_PAGE, Site


def cover_url(site: Site) -> str | None:
    """Return the cover image URL if it is one podcast apps accept (PNG or JPEG)."""
    url = site.image_url or site.url(COVER_IMAGE)
    return url if url.lower().endswith((".png", ".jpg")) else None


def _channel(site: Site, feed_path: str, title: str, built: datetime) -> Any:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension(
        "podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, True, True
    )
    fg.title(title)
    # feedgen takes the channel <link> from the last link given: the home page must come last.
    fg.link(href=site.url(feed_path), rel="self", type="application/rss+xml")
    fg.link(href=site.url(HOME_PAGE), rel="alternate")
    fg.description(site.description or site.name)
    fg.language(site.language)
    fg.generator("tingbao")
    fg.lastBuildDate(built)
    fg.pubDate(built)
    fg.podcast.itunes_author(site.author or site.name)
    fg.podcast.itunes_summary(site.description or site.name)
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_type("episodic")
    fg.podcast.itunes_category({"cat": clean_text(site.category) or "News"})
    if site.email and "@" in site.email:
        fg.podcast.itunes_owner(name=site.author or site.name, email=site.email)
    cover = cover_url(site)
    if cover:
        fg.podcast.itunes_image(cover)
        fg.image(url=cover, title=title, link=site.url(HOME_PAGE))
    fg.podcastindex.guid = podcast_guid(site.url(feed_path))
    fg.podcastindex.medium = "podcast"
    return fg


def _item(fg: Any, item: FeedItem, site: Site) -> None:
    fe = fg.add_entry(order="append")
    fe.title(item.title)
    fe.link(href=item.link, rel="alternate")
    fe.guid(item.guid, permalink=False)
    fe.description(item.summary or item.title)
    fe.content(item.content_html, type="html")
    fe.pubDate(item.when)
    fe.podcast.itunes_author(site.author or site.name)
    fe.podcast.itunes_explicit("no")
    fe.podcast.itunes_summary(item.summary or item.title)
    if item.audio is not None:
        fe.enclosure(site.url(item.audio.path), str(item.audio.size), item.audio.mime)
        duration = hms(item.audio.duration_s)
        if duration:
            fe.podcast.itunes_duration(duration)
    if item.transcript is not None:
        fe.podcastindex.transcripts.append(
            Transcript(site.url(item.transcript.path), "text/vtt", site.language)
        )
    if item.chapters is not None:
        fe.podcastindex.chapters_url = site.url(item.chapters.path)


def render_rss(
    items: Sequence[FeedItem], site: Site, feed_path: str, built: datetime, title: str | None = None
) -> bytes:
    """Return an RSS 2.0 document of these items, in this order; same input, same bytes."""
    try:
        fg = _channel(site, feed_path, title or site.name, built)
        for item in items:
            _item(fg, item, site)
        data: bytes = fg.rss_str(pretty=True)
    except ValueError as exc:
        raise RenderError(f"cannot render {feed_path}: {exc}") from exc
    return data
