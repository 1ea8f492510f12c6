"""Pure text helpers: XML-safe text, stable tag URIs, dates, durations, tel: and mailto: links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlsplit

from tingbao.chinese import phone_numbers as phones
from tingbao.chinese.dates import PAPER_TZ

# XML 1.0 forbids C0 controls but tab, LF, CR, lone surrogates and U+FFFE/U+FFFF; C1 controls
# and DEL are allowed but render as garbage in readers, so they go too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\r\n\u3000]+")
# An issue "appears" at 06:00 Shanghai time on its publication date: fixed, so builds repeat.
# Feeds print only the offset (+08:00), so the zone's name ("CST" here before) never shows.
ISSUE_HOUR = time(6, 0, tzinfo=PAPER_TZ)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def clean_text(text: str | None) -> str:
    """Return text without characters XML cannot carry, white space folded to single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", _NOT_XML.sub("", text)).strip()


def clean_block(text: str | None) -> str:
    """Return text without characters XML cannot carry, keeping line breaks."""
    if not text:
        return ""
    lines = (clean_text(line) for line in _NOT_XML.sub("", text).splitlines())
    return "\n".join(line for line in lines if line)


def issue_datetime(published: date) -> datetime:
    """Return the fixed instant an issue is dated in feeds."""
    return datetime.combine(published, ISSUE_HOUR)


def article_datetime(published: date, position: int) -> datetime:
    """Return an article's instant: a minute earlier per position: date order is reading order."""
    return issue_datetime(published) - timedelta(minutes=position + 1)


def tag_authority(base_url: str) -> str:
    """Return the host of the base URL as a tag URI authority ("localhost" when there is none)."""
    host = urlsplit(base_url).hostname or "localhost"
    return host.lower()


def tag_uri(authority: str, published: date, *ids: str) -> str:
    """Return a tag URI (RFC 4151) from stable ids: the same ids always give the same URI."""
    specific = "/".join(quote(i, safe="-._~") for i in ids)
    return f"tag:{authority},{published.isoformat()}:{specific}"


def hms(seconds: float | None) -> str | None:
    """Return a duration as H:MM:SS (iTunes style), or None when unknown."""
    if seconds is None or seconds < 0:
        return None
    total = round(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def minutes_label(seconds: float | None) -> str:
    """Return a duration for people, in Chinese: 约3分钟, or 不到1分钟."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    return f"约{minutes}分钟" if minutes >= 1 else "不到1分钟"


def tel_uri(phone: str) -> str:
    """Return a tel: URI for the first phone number in text (021-64059791 -> tel:+862164059791).

    Text that holds no number paper.phone knows keeps its digits, so a link is never empty.
    """
    found = next(phones.find_phones(phone, labelled=True), None)
    if found is not None:
        return phones.tel_uri(found.phone)
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def mailto_uri(email: str) -> str:
    """Return a mailto: URI for an address."""
    return "mailto:" + quote(clean_text(email), safe="@.+-_")
