"""Pure text rendering: Telegram HTML for issues, articles, chapters, contact and previews.

Messages use parse mode HTML, so every piece of paper text goes through `esc`. Long articles are
split at paragraph boundaries so that each message, tags included, stays under Telegram's limit.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import date

from tingbao.chat import texts
from tingbao.chinese import phone_numbers as phones
from tingbao.chinese import sentences
from tingbao.chinese.dates import chinese_date, month_day, written_month
from tingbao.paper.model import Article, Contact, Issue

# Telegram's limit is 4096 characters after entity parsing; measuring the raw HTML (longer than
# the parsed text) in UTF-16 code units keeps us under it for any script, emoji included.
MESSAGE_LIMIT = 4096
# A long paragraph is cut after a sentence or a clause (；): a message break reads as a pause.
MESSAGE_CUTS = sentences.STOPS + sentences.CLAUSE_ENDS


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def attr(value: str) -> str:
    """Escape a value for an attribute of Telegram's HTML (a link's href), quotes included."""
    return html.escape(value, quote=True)


def tg_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# The chat's name for the one written date (bot/inline.py and channel_plan.py call it so).


def issue_label(title: str, published: date) -> str:
    """Return an issue's name on a button: its title, after the date unless the title has it."""
    names_date = month_day(published) in title
    names_month = written_month(published) in title
    return title if names_date or names_month else f"{chinese_date(published)} {title}"


def hit_label(title: str, published: date) -> str:
    """Return a search hit on a button: the article's title and its issue's date."""
    return f"{title}（{chinese_date(published)}）"


def shorten(text: str, limit: int) -> str:
    """Return text cut to limit characters, with … when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_line(article: Article, limit: int = 60) -> str:
    """Return the start of an article's lead paragraph, for a one-line description."""
    return shorten(article.summary.strip().split("\n", 1)[0], limit)


def article_card(article: Article, published: date, paper_name: str, limit: int = 150) -> str:
    """Return a short HTML card for an article: title, paper and date, the start of its lead."""
    return "\n".join(
        [
            f"<b>{esc(article.title)}</b>",
            texts.CARD_LINE.format(paper=esc(paper_name), date=chinese_date(published)),
            esc(shorten(article.summary.strip(), limit)),
        ]
    )


def _hard_pieces(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces whose escaped form fits limit: at sentence ends, else anywhere."""

    def escaped_len(piece: str) -> int:
        return tg_len(esc(piece))

    def cut(sentence: str) -> int:
        # A "sentence" longer than a message: cut it at the longest start whose escaped form fits
        # (at least one character, so a run of & or < can never stall the cut).
        low, high = 1, min(len(sentence), limit)
        while low < high:
            middle = (low + high + 1) // 2
            if escaped_len(sentence[:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        return low

    return sentences.pack(
        sentences.split_after(text, MESSAGE_CUTS), limit, measure=escaped_len, cut=cut
    )


def pack_blocks(blocks: Iterable[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n") -> list[str]:
    """Join HTML blocks into messages under limit, never cutting inside a block."""
    return sentences.pack(blocks, limit, measure=tg_len, sep=sep)


def article_blocks(article: Article, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Return the article as HTML blocks (head, headings, paragraphs), each under limit."""
    head = [f"<b>{esc(article.kicker)}</b>"] if article.kicker else []
    head.append(f"<b>{esc(article.title)}</b>")
    if article.subtitle:
        head.append(f"<i>{esc(article.subtitle)}</i>")
    blocks = ["\n".join(head)]
    for section in article.sections:
        if section.heading:
            blocks.append(f"<b>{esc(section.heading)}</b>")
        for paragraph in section.paragraphs:
            # Tag-free paragraph text may be cut anywhere without breaking the HTML.
            blocks.extend(esc(piece) for piece in _hard_pieces(paragraph, limit))
    return blocks


def article_messages(article: Article, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Return the article as one or more HTML messages, split at paragraph boundaries."""
    return pack_blocks(article_blocks(article, limit), limit)


def issue_head(issue: Issue) -> str:
    """Return the heading of an issue's table of contents."""
    return texts.ISSUE_HEAD.format(
        title=esc(issue.title), date=chinese_date(issue.published), count=len(issue.articles)
    )


def new_issue_head(issue: Issue, paper_name: str) -> str:
    """Return the one message a subscriber gets when an issue is published."""
    return texts.NEW_ISSUE_HEAD.format(
        paper=esc(paper_name),
        title=esc(issue.title),
        date=chinese_date(issue.published),
        count=len(issue.articles),
    )


def clock_time(seconds: float) -> str:
    """Return seconds as m:ss, or h:mm:ss past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def chapters_text(issue: Issue, chapters_json: bytes | None) -> str:
    """Return the chapter list of the whole-issue episode; without a chapters file, the titles."""
    lines = [texts.CHAPTERS_HEAD]
    parsed: list[tuple[float, str]] = []
    if chapters_json:
        try:
            data = json.loads(chapters_json)
            for chapter in data.get("chapters", []):
                parsed.append((float(chapter["startTime"]), str(chapter["title"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            parsed = []
    if parsed:
        lines.extend(f"{clock_time(start)}  {esc(title)}" for start, title in parsed)
    else:
        lines.extend(f"{n}. {esc(a.title)}" for n, a in enumerate(issue.articles, 1))
    return pack_blocks(lines, sep="\n")[0]


def first_phone(text: str | None) -> str | None:
    """Return the first phone number in text as printed (a hotline field may hold several)."""
    found = next(phones.find_phones(text, labelled=True), None) if text else None
    return found.text if found else None


def card_phone(text: str | None) -> str | None:
    """Return the contact card's phone_number for the first phone in text (+862164059791)."""
    found = next(phones.find_phones(text, labelled=True), None) if text else None
    return phones.card_number(found.phone) if found else None


def contact_text(paper_name: str, contact: Contact) -> str | None:
    """Return the hotline, e-mail and address as text, or None when nothing is known."""
    lines = []
    if contact.hotline:
        shown = phones.replace_phones(contact.hotline, phones.display, labelled=True)
        lines.append(texts.HOTLINE_LINE.format(value=esc(shown)))
    if contact.email:
        lines.append(texts.EMAIL_LINE.format(value=esc(contact.email)))
    if contact.address:
        lines.append(texts.ADDRESS_LINE.format(value=esc(contact.address)))
    if not lines:
        return None
    if first_phone(contact.hotline):
        lines.append(texts.HOTLINE_TAP)
    return "\n".join([texts.HOTLINE_HEAD.format(paper=esc(paper_name)), *lines])


def preview_text(issue: Issue, warnings: Sequence[str]) -> str:
    """Return what an editor checks before publishing: date, titles, contact, warnings."""
    lines = [
        texts.PREVIEW_HEAD.format(
            date=chinese_date(issue.published), title=esc(issue.title), count=len(issue.articles)
        )
    ]
    lines.extend(f"{n}. {esc(a.title)}" for n, a in enumerate(issue.articles, 1))
    found = [
        value
        for value in (issue.contact.hotline, issue.contact.email, issue.contact.address)
        if value
    ]
    lines.append(
        texts.PREVIEW_CONTACT.format(found=esc("；".join(found)))
        if found
        else texts.PREVIEW_NO_CONTACT
    )
    if warnings:
        lines.append(texts.PREVIEW_WARNINGS)
        lines.extend(f"· {esc(w)}" for w in warnings[:10])
    lines.append(texts.PREVIEW_ASK)
    return pack_blocks(lines, sep="\n")[0]
