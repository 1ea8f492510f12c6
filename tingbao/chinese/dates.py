"""How a day is written in Chinese (2020年7月30日) and read back from text, and the paper's time
zone: each defined once.

Web pages, feeds, chat messages, issue titles, the readings and the phone line all write a date
the same way. What is read aloud is this written form too: the voices read its figures well, and
the speech normaliser (audio/normalize.py) turns them into words where an engine needs it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta, timezone

# The papers are Shanghai's. China keeps one offset all year (no summer time since 1991), so a
# fixed offset is exact and needs no time zone database on the machine. Its name is never
# printed: feeds write the offset (+08:00, +0800), never the name (%Z).
PAPER_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# A date as written, read back from text: 2020年7月30日 (groups y, m, d); 7月30日 not right after
# a digit or 年 (m, d); a year, 2020年 (y). Years are 19xx or 20xx.
DATE_IN_TEXT = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
MONTH_DAY_IN_TEXT = re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
YEAR_IN_TEXT = re.compile(r"(?P<y>(?:19|20)\d{2})年")


def month_day(day: date) -> str:
    """Return the month and day of a date as written: 7月30日."""
    return f"{day.month}月{day.day}日"


def written_month(day: date) -> str:
    """Return the year and month of a date as written: 2020年7月."""
    return f"{day.year}年{day.month}月"


def chinese_date(day: date) -> str:
    """Return a date the way a Chinese reader writes it: 2020年7月30日."""
    return f"{day.year}年{month_day(day)}"
