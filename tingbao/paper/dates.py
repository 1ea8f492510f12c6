"""When an issue was published: from the command line, the file name, or the text itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_NAME_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.年]?(?P<m>0[1-9]|1[0-2]|[1-9](?=\D))"
    r"(?:[-_.月]?(?P<d>[0-2]\d|3[01])(?!\d))?"
)
_TEXT_FULL = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_TEXT_MONTH_DAY = re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_TEXT_YEAR = re.compile(r"(?P<y>(?:19|20)\d{2})年")


@dataclass(frozen=True)
class PublishedDate:
    """A publication date and how it was found."""

    value: date
    source: str  # "given", "file name", "text"
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


def latest_date_in_text(text: str) -> date | None:
    """Return the latest date the text mentions; 7月30日 takes the latest year the text names."""
    found = dates_in_text(text)
    return max(found) if found else None


def dates_in_text(text: str) -> list[date]:
    """Return every date the text mentions; 7月30日 takes the latest year the text names."""
    found = [
        d
        for m in _TEXT_FULL.finditer(text)
        if (d := _valid(int(m.group("y")), int(m.group("m")), int(m.group("d"))))
    ]
    years = [int(m.group("y")) for m in _TEXT_YEAR.finditer(text)]
    if years:
        year = max(years)
        found += [
            d
            for m in _TEXT_MONTH_DAY.finditer(text)
            if (d := _valid(year, int(m.group("m")), int(m.group("d"))))
        ]
    return found


def resolve_published(given: date | None, file_name: str, text: str) -> PublishedDate | None:
    """Pick the publication date: given, else from the file name, else the latest in the text.

    A file name with only a month (jinhongqiao-2020-07.txt) takes its day from the latest date the
    text names in that month, else the 1st.
    """
    if given is not None:
        return PublishedDate(given, "given")
    from_name = date_from_name(file_name)
    if from_name is not None and not from_name.day_known:
        # A monthly file name (2020-07): the day is the latest one the text names in that month.
        month = from_name.value
        days = [d for d in dates_in_text(text) if (d.year, d.month) == (month.year, month.month)]
        if days:
            return PublishedDate(max(days), "file name", day_known=False)
    if from_name is not None:
        return from_name
    from_text = latest_date_in_text(text)
    return PublishedDate(from_text, "text") if from_text else None
