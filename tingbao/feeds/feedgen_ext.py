"""feedgen extensions for what feedgen 1.0 lacks: Podcasting 2.0 tags and complete Atom links.

feedgen calls `extend_ns`, `extend_rss` and `extend_atom` on every registered extension; these
classes provide them without subclassing feedgen's untyped base classes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from lxml import etree

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The namespace UUID Podcasting 2.0 fixes for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """Return the podcast:guid of a feed: UUIDv5 of its URL without scheme and trailing slash."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _sub(parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
    element = etree.SubElement(parent, f"{{{PODCAST_NS}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


class PodcastIndexExtension:
    """Channel tags of the Podcasting 2.0 namespace: podcast:guid and podcast:medium."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.medium: str | None = None

    def extend_ns(self) -> dict[str, str]:
        """Declare the podcast namespace prefix."""
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed: Any) -> Any:
        """Append the channel tags to the RSS channel."""
        channel = feed[0]
        if self.guid:
            _sub(channel, "guid", self.guid)
        if self.medium:
            _sub(channel, "medium", self.medium)
        return feed

    def extend_atom(self, feed: Any) -> Any:
        """Leave Atom feeds alone (this extension is registered for RSS only)."""
        return feed


@dataclass(frozen=True)
class Transcript:
    """A podcast:transcript reference."""

    url: str
    mime: str
    language: str


class PodcastIndexEntryExtension:
    """Item tags of the Podcasting 2.0 namespace: podcast:transcript and podcast:chapters."""

    def __init__(self) -> None:
        self.transcripts: list[Transcript] = []
        self.chapters_url: str | None = None

    def extend_ns(self) -> dict[str, str]:
        """Declare the podcast namespace prefix."""
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: Any) -> Any:
        """Append transcript and chapters tags to an RSS item."""
        for transcript in self.transcripts:
            _sub(
                item,
                "transcript",
                url=transcript.url,
                type=transcript.mime,
                language=transcript.language.lower(),
            )
        if self.chapters_url:
            _sub(item, "chapters", url=self.chapters_url, type="application/json+chapters")
        return item

    def extend_atom(self, entry: Any) -> Any:
        """Leave Atom entries alone (this extension is registered for RSS only)."""
        return entry


@dataclass(frozen=True)
class AtomLink:
    """An atom:link with every attribute RFC 4287 allows."""

    href: str
    rel: str = "alternate"
    type: str | None = None
    length: int | None = None
    title: str | None = None
    hreflang: str | None = None


class NoExtension:
    """A feed-level placeholder for entry-only extensions (feedgen wants a feed class)."""

    def extend_ns(self) -> dict[str, str]:
        """Declare no namespace."""
        return {}

    def extend_rss(self, feed: Any) -> Any:
        """Change nothing."""
        return feed

    def extend_atom(self, feed: Any) -> Any:
        """Change nothing."""
        return feed


class AtomLinksEntryExtension:
    """Write an entry's atom:link elements whole: feedgen 1.0 drops rel, type and length."""

    def __init__(self) -> None:
        self.links: list[AtomLink] = []

    def extend_ns(self) -> dict[str, str]:
        """Declare no namespace (links are Atom elements)."""
        return {}

    def extend_rss(self, item: Any) -> Any:
        """Leave RSS items alone (this extension is registered for Atom only)."""
        return item

    def extend_atom(self, entry: Any) -> Any:
        """Append one complete atom:link per stored link."""
        for link in self.links:
            element = etree.SubElement(entry, "link", {"href": link.href, "rel": link.rel})
            if link.type:
                element.set("type", link.type)
            if link.length is not None:
                element.set("length", str(link.length))
            if link.title:
                element.set("title", link.title)
            if link.hreflang:
                element.set("hreflang", link.hreflang)
        return entry
