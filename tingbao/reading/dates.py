"""When an issue was published: from the command line, the file name, the text, or the day the
file was received (ingested), in that order; a file without a date is never refused for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tingbao.chinese.dates import DATE_IN_TEXT, MONTH_DAY_IN_TEXT, PAPER_TZ, YEAR_IN_TEXT

_NAME_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.年]?(?P<m>0[1-9]|1[0-2]|[1-9](?=\D))"
    r"(?:[-_.月]?(?P<d>[0-2]\d|3[01])(?!\d))?"
)


@dataclass(frozen=True)
class PublishedDate:
    """A publication date and how it was found."""

    value: date
    source: str  # "given", "file name", "text", "received"
    day_known: bool = True


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_from_name(name: str) -> PublishedDate | None:
    """Return a date in a file name (2020-07-30, 20200730, 2020-07, 2020年7月)."""
    for match in _NAME_DATE.finditer(name):
        day = match.group("d")
        value = _valid(int(match.group("y")), int(match.group("m")), int(day or 1))
        if value is not None:
            return PublishedDate(value, "file name", day_known=day is not None)
    return None


def today(now: datetime | None = None) -> date:
    """Return the day it is (or was at `now`) where the paper is published."""
    return (now or datetime.now(PAPER_TZ)).astimezone(PAPER_TZ).date()


def day_of(timestamp: float) -> date:
    """Return the paper's day at a POSIX time (a file's modification time)."""
    return datetime.fromtimestamp(timestamp, PAPER_TZ).date()


def nearest(month: int, day: int, around: date) -> date | None:
    """Return month/day in the year that puts it nearest `around` (12月30日 near 1 January: the
    year before)."""
    candidates = [
        d
        for year in (around.year - 1, around.year, around.year + 1)
        if (d := _valid(year, month, day))
    ]
    return min(candidates, key=lambda d: abs(d - around)) if candidates else None


def latest_date_in_text(text: str) -> date | None:
    """Return the latest date the text mentions; 7月30日 takes the latest year the text names."""
    found = dates_in_text(text)
    return max(found) if found else None


def dates_in_text(text: str, around: date | None = None) -> list[date]:
    """Return every date the text mentions.

    A date without a year (7月30日) takes the year that puts it nearest `around` when given, else
    the latest year the text names; with neither it is left out.
    """
    found = [
        d
        for m in DATE_IN_TEXT.finditer(text)
        if (d := _valid(int(m.group("y")), int(m.group("m")), int(m.group("d"))))
    ]
    years = [int(m.group("y")) for m in YEAR_IN_TEXT.finditer(text)]
    for m in MONTH_DAY_IN_TEXT.finditer(text):
        month, day = int(m.group("m")), int(m.group("d"))
        if around is not None:
            value = nearest(month, day, around)
        else:
            value = _valid(max(years), month, day) if years else None
        if value is not None:
            found.append(value)
    return found


def resolve_published(
    given: date | None, file_name: str, text: str, received: date | None = None
) -> PublishedDate:
    """Pick the publication date: given, else from the file name, else the latest in the text,
    else the day the file was received (None: today in the paper's time zone).

    A file name with only a month (jinhongqiao-2020-07.txt) takes its day from the latest date the
    text names in that month (7月30日 read in that month's year), else the 1st.
    """
    if given is not None:
        return PublishedDate(given, "given")
    from_name = date_from_name(file_name)
    if from_name is not None and not from_name.day_known:
        # A monthly file name (2020-07): the day is the latest one the text names in that month.
        month = from_name.value
        days = [
            d
            for d in dates_in_text(text, around=month + timedelta(days=14))
            if (d.year, d.month) == (month.year, month.month)
        ]
        if days:
            return PublishedDate(max(days), "file name", day_known=False)
    if from_name is not None:
        return from_name
    from_text = latest_date_in_text(text)
    if from_text is not None:
        return PublishedDate(from_text, "text")
    return PublishedDate(received or today(), "received")
