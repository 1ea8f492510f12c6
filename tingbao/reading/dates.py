"""When an issue was published: from the command line, the file name, the text, or the day the
file was received (ingested), in that order; a file without a date is never refused for it.

A date is taken only when it can be an issue's: a file name's date that is no real day (02-30,
year 0001 or 9999) is not taken, and said so (`PublishedDate.impossible`); a date more than
`days_ahead` days after today (given or in the file name, 2099-12-31) refuses the file, since it
would stay "the latest issue" for years; a date that far ahead in the text (a plan "到2035年…")
is passed over for the text's other dates, else the day received, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tingbao.chinese.dates import DATE_IN_TEXT, MONTH_DAY_IN_TEXT, PAPER_TZ, YEAR_IN_TEXT
from tingbao.paper import notices
from tingbao.paper.errors import FutureDateError
from tingbao.paper.notices import ReadingWarning

_NAME_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.年]?(?P<m>0[1-9]|1[0-2]|[1-9](?=\D))"
    r"(?:[-_.月]?(?P<d>[0-2]\d|3[01])(?!\d))?"
)


# Something in a file name written like a date, real or not: 2021-02-30, 0001.05.05, 20210230.
_NAME_DATE_LIKE = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-_.年])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    r"|(?<!\d)(?P<y2>\d{4})年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日?"
    r"|(?<!\d)(?P<y3>(?:19|20)\d{2})(?P<m3>\d{2})(?P<d3>\d{2})(?!\d)"
)
FIRST_YEAR, LAST_YEAR = 1900, 2099  # the years a file name's date may name (as _NAME_DATE)
DEFAULT_DAYS_AHEAD = 31


def too_far_ahead(value: date, source: str, days_ahead: int) -> FutureDateError:
    """Return the one-line refusal of a date more than `days_ahead` days after today."""
    return FutureDateError(
        f"the publication date {value.isoformat()} (from the {source}) is more than "
        f"{days_ahead} days after today: correct the date, or give --published YYYY-MM-DD"
    )


@dataclass(frozen=True)
class PublishedDate:
    """A publication date and how it was found."""

    value: date
    source: str  # "given", "file name", "text", "received"
    day_known: bool = True
    impossible: str | None = None  # a date-like part of the file name that is no real day
    future_in_text: date | None = None  # a date in the text too far ahead, passed over


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


def impossible_date_in_name(name: str) -> str | None:
    """Return the first part of a file name written like a date that is no real publication day
    (2021-02-30, 0001-05-05, 9999-12-31, 20210230), or None."""
    for match in _NAME_DATE_LIKE.finditer(name):
        year, month, day = (
            int(match.group(g1) or match.group(g2) or match.group(g3))
            for g1, g2, g3 in (("y", "y2", "y3"), ("m", "m2", "m3"), ("d", "d2", "d3"))
        )
        if not FIRST_YEAR <= year <= LAST_YEAR or _valid(year, month, day) is None:
            return match.group(0)
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
    given: date | None,
    file_name: str,
    text: str,
    received: date | None = None,
    *,
    days_ahead: int = DEFAULT_DAYS_AHEAD,
    now: date | None = None,
) -> PublishedDate:
    """Pick the publication date: given, else from the file name, else the latest in the text,
    else the day the file was received (None: today in the paper's time zone).

    A file name with only a month (jinhongqiao-2020-07.txt) takes its day from the latest date the
    text names in that month (7月30日 read in that month's year), else the 1st. A given or
    file-name date more than `days_ahead` days after `now` (None: today) raises FutureDateError;
    text dates that far ahead are passed over.
    """
    current = now or today()
    latest_ok = current + timedelta(days=days_ahead)

    def checked(found: PublishedDate) -> PublishedDate:
        if found.value > latest_ok:
            raise too_far_ahead(found.value, found.source, days_ahead)
        return found

    if given is not None:
        return checked(PublishedDate(given, "given"))
    from_name = date_from_name(file_name)
    if from_name is not None and not from_name.day_known:
        # A monthly file name (2020-07): the day is the latest one the text names in that month.
        month = from_name.value
        days = [
            d
            for d in dates_in_text(text, around=month + timedelta(days=14))
            if (d.year, d.month) == (month.year, month.month) and d <= latest_ok
        ]
        if days:
            return checked(PublishedDate(max(days), "file name", day_known=False))
    if from_name is not None:
        return checked(from_name)
    impossible = impossible_date_in_name(file_name)
    in_text = dates_in_text(text)
    taken = [d for d in in_text if d <= latest_ok]
    ahead = max((d for d in in_text if d > latest_ok), default=None)
    if taken:
        return PublishedDate(max(taken), "text", impossible=impossible, future_in_text=ahead)
    fallback = min(received or current, current)  # a file stamped in the future arrived today
    return PublishedDate(fallback, "received", impossible=impossible, future_in_text=ahead)


def date_warnings(when: PublishedDate, days_ahead: int) -> list[ReadingWarning]:
    """Return the warnings an editor should read about how the publication date was found."""
    notes: list[ReadingWarning] = []
    if when.impossible is not None:
        impossible = (
            f"the date {when.impossible!r} in the file name is not a real day: not taken; "
            "correct it in the file name or give --published YYYY-MM-DD"
        )
        notes.append(ReadingWarning(notices.DATE_IMPOSSIBLE, impossible, when.impossible))
    if when.future_in_text is not None:
        ahead = (
            f"the date {when.future_in_text.isoformat()} in the text is more than {days_ahead} "
            "days after today: not taken as the publication date"
        )
        notes.append(ReadingWarning(notices.DATE_FUTURE_IN_TEXT, ahead))
    if when.source == "received":
        undated = (
            f"no publication date in the file name or text: published on "
            f"{when.value.isoformat()}, the day it was received; give --published YYYY-MM-DD "
            "or put the date in the file name to change it"
        )
        notes.append(ReadingWarning(notices.DATE_RECEIVED, undated))
    if when.source == "text":
        guessed = (
            f"publication date {when.value.isoformat()} guessed from the text: "
            "give --published or put the date in the file name to be sure"
        )
        notes.append(ReadingWarning(notices.DATE_GUESSED, guessed))
    return notes
