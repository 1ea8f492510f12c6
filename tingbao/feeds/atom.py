"""Render Atom 1.0 (atom.xml) from feed items, with complete enclosure links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feedgen.feed import FeedGenerator

from tingbao.feeds.errors import RenderError
from tingbao.feeds.feedgen_ext import AtomLink, AtomLinksEntryExtension, NoExtension
from tingbao.feeds.items import FeedItem
from tingbao.feeds.rss import cover_url
from tingbao.feeds.view import HOME_PAGE, Site

FEED_EPOCH_TAG_DATE = "2020"


def _links(item: FeedItem, site: Site) -> list[AtomLink]:
    links = [AtomLink(item.link, "alternate", "text/html")]
    if item.audio is not None:
        links.append(
            AtomLink(
                site.url(item.audio.path), "enclosure", item.audio.mime, item.audio.size, "朗读"
            )
        )
    if item.slow_audio is not None:
        audio = item.slow_audio
        links.append(
            AtomLink(site.url(audio.path), "enclosure", audio.mime, audio.size, "慢速朗读")
        )
    if item.transcript is not None:
        links.append(
            AtomLink(site.url(item.transcript.path), "related", "text/vtt", None, "文字稿")
        )
    return links


def render_atom(items: Sequence[FeedItem], site: Site, feed_path: str, built: datetime) -> bytes:
    """Return an Atom feed document of these items, in this order; same input, same bytes."""
    try:
        fg = FeedGenerator()
        fg.register_extension("atomlinks", NoExtension, AtomLinksEntryExtension, True, False)
        fg.id(f"tag:{site.tag_authority},{FEED_EPOCH_TAG_DATE}:{site.slug}/atom")
        fg.title(site.name)
        fg.subtitle(site.description or site.name)
        fg.language(site.language)
        fg.author({"name": site.author or site.name})
        fg.link(href=site.url(HOME_PAGE), rel="alternate", type="text/html")
        fg.link(href=site.url(feed_path), rel="self", type="application/atom+xml")
        fg.generator("tingbao")
        fg.updated(built)
        cover = cover_url(site)
        if cover:
            fg.logo(cover)
        for item in items:
            fe = fg.add_entry(order="append")
            fe.id(item.guid)
            fe.title(item.title)
            fe.updated(item.when)
            fe.published(item.when)
            fe.summary(item.summary or item.title)
            fe.content(item.content_html, type="html")
            fe.atomlinks.links = _links(item, site)
        data: bytes = fg.atom_str(pretty=True)
    except ValueError as exc:
        raise RenderError(f"cannot render {feed_path}: {exc}") from exc
    return data
