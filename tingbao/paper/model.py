"""The issue model: immutable values that every other part reads.

An Issue holds Articles in reading order and the newsroom's Contact. Ids are stable: an issue id
comes from the paper and the publication date, an article id from the issue id and the title, so a
corrected issue keeps the ids (and feed guids) of articles whose titles did not change.

An undated issue (no date in its file name or text: published on the day it was received) has no
date to tell it from another undated issue received the same day, so its id also carries a key
made from its titles: `<slug>-YYYY-MM-DD-<key>`. Which stored undated issue a corrected file
replaces is decided where issues are stored (the worker's pipeline), which then gives the
correction the stored issue's id (and date) with `with_issue_id`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Literal

ArticleKind = Literal["article", "brief"]


def short_hash(text: str, length: int = 12) -> str:
    """Return a stable hex digest prefix of text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


UNDATED_KEY_LENGTH = 8
_ISSUE_ID = re.compile(r"(?P<slug>.+)-\d{4}-\d{2}-\d{2}(?:-[0-9a-f]{8})?")  # 8: UNDATED_KEY_LENGTH


def make_issue_id(paper_slug: str, published: date, undated_key: str | None = None) -> str:
    """Return the stable id of a paper's issue published on a date (and, for an undated issue,
    its key: see `undated_key`)."""
    base = f"{paper_slug}-{published.isoformat()}"
    return f"{base}-{undated_key}" if undated_key else base


def undated_key(titles: Sequence[str]) -> str:
    """Return the key that tells apart undated issues received the same day: their titles."""
    return short_hash("\n".join(titles), UNDATED_KEY_LENGTH)


def is_undated_id(issue_id: str) -> bool:
    """Return whether an issue id is an undated issue's (it ends in a key after the date)."""
    match = _ISSUE_ID.fullmatch(issue_id)
    return match is not None and match.end("slug") + len("-YYYY-MM-DD") < len(issue_id)


def paper_slug_of(issue_id: str) -> str:
    """Return the paper slug of an issue id (`<slug>-YYYY-MM-DD`, or with an undated key)."""
    match = _ISSUE_ID.fullmatch(issue_id)
    return match.group("slug") if match else issue_id


def make_article_id(issue_id: str, title: str) -> str:
    """Return the stable id of an article: same issue and title, same id."""
    return "a" + short_hash(f"{issue_id}\n{title}", 11)


def article_ids(issue_id: str, titles: Sequence[str]) -> list[str]:
    """Return the ids of an issue's articles in order; a repeated title gets "#2", "#3" ..."""
    ids: list[str] = []
    seen: set[str] = set()
    for title in titles:
        article_id = make_article_id(issue_id, title)
        repeat = 1
        while article_id in seen:
            repeat += 1
            article_id = make_article_id(issue_id, f"{title}#{repeat}")
        seen.add(article_id)
        ids.append(article_id)
    return ids


def with_issue_id(issue: Issue, stored: Issue) -> Issue:
    """Return the issue under a stored issue's id, date and title, its articles' ids made from
    that id (a correction of an undated issue, so unchanged titles keep their ids)."""
    ids = article_ids(stored.id, [a.title for a in issue.articles])
    articles = tuple(replace(a, id=i) for a, i in zip(issue.articles, ids, strict=True))
    return replace(
        issue, id=stored.id, published=stored.published, title=stored.title, articles=articles
    )


@dataclass(frozen=True)
class Section:
    """A run of paragraphs under an optional heading (小标题)."""

    heading: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One article: kicker (引题), title (主题), subtitle (副题) and sections."""

    id: str
    title: str
    sections: tuple[Section, ...]
    kicker: str | None = None
    subtitle: str | None = None
    kind: ArticleKind = "article"
    captions: tuple[str, ...] = ()  # photo captions from a printed page; never spoken

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Return every paragraph of the body in order."""
        return tuple(p for s in self.sections for p in s.paragraphs)

    @property
    def body_text(self) -> str:
        """Return the body as plain text: headings and paragraphs, one per line."""
        lines: list[str] = []
        for section in self.sections:
            if section.heading:
                lines.append(section.heading)
            lines.extend(section.paragraphs)
        return "\n".join(lines)

    @property
    def summary(self) -> str:
        """Return the lead paragraph, the natural summary of a news article."""
        paragraphs = self.paragraphs
        return paragraphs[0] if paragraphs else self.title

    @property
    def char_count(self) -> int:
        """Return the number of characters of title and body."""
        return len(self.title) + len(self.body_text)


@dataclass(frozen=True)
class Contact:
    """The newsroom's closing box: hotline, contribution e-mail, address and editors."""

    hotline: str | None = None
    email: str | None = None
    address: str | None = None
    editors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issue:
    """One published issue of a paper."""

    id: str
    paper: str
    title: str
    published: date
    articles: tuple[Article, ...]
    contact: Contact = field(default_factory=Contact)

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        return next((a for a in self.articles if a.id == article_id), None)

    @property
    def content_hash(self) -> str:
        """Return a hash of everything in the issue: equal hashes, equal issues."""
        return short_hash(json.dumps(issue_to_dict(self), ensure_ascii=False, sort_keys=True), 16)


def article_to_dict(article: Article) -> dict[str, Any]:
    """Return the article in the JSON shape of `tingbao parse --json` ("captions" only when
    the article has any, so issues without photos keep their shape and content hash)."""
    out: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "kicker": article.kicker,
        "subtitle": article.subtitle,
        "kind": article.kind,
        "sections": [
            {"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in article.sections
        ],
    }
    if article.captions:
        out["captions"] = list(article.captions)
    return out


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """Return the issue in the JSON shape of `tingbao parse --json` (see DESIGN.md)."""
    contact = asdict(issue.contact)
    contact["editors"] = list(issue.contact.editors)
    return {
        "issue": {
            "id": issue.id,
            "paper": issue.paper,
            "title": issue.title,
            "published": issue.published.isoformat(),
        },
        "articles": [article_to_dict(a) for a in issue.articles],
        "contact": contact,
    }


def issue_from_dict(data: dict[str, Any]) -> Issue:
    """Rebuild an Issue from the dict made by issue_to_dict."""
    head = data["issue"]
    contact = data.get("contact") or {}
    return Issue(
        id=head["id"],
        paper=head["paper"],
        title=head["title"],
        published=date.fromisoformat(head["published"]),
        articles=tuple(
            Article(
                id=a["id"],
                title=a["title"],
                kicker=a.get("kicker"),
                subtitle=a.get("subtitle"),
                kind=a.get("kind", "article"),
                captions=tuple(a.get("captions") or ()),
                sections=tuple(
                    Section(heading=s.get("heading"), paragraphs=tuple(s["paragraphs"]))
                    for s in a["sections"]
                ),
            )
            for a in data["articles"]
        ),
        contact=Contact(
            hotline=contact.get("hotline"),
            email=contact.get("email"),
            address=contact.get("address"),
            editors=tuple(contact.get("editors") or ()),
        ),
    )
