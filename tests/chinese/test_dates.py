"""Table tests for Chinese dates: the written forms, reading them back, the paper's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tingbao.chinese.dates import (
    DATE_IN_TEXT,
    MONTH_DAY_IN_TEXT,
    PAPER_TZ,
    YEAR_IN_TEXT,
    chinese_date,
    month_day,
    written_month,
)


@pytest.mark.parametrize(
    ("day", "written", "month", "days"),
    [
        (date(2020, 7, 30), "2020年7月30日", "2020年7月", "7月30日"),
        (date(2021, 1, 2), "2021年1月2日", "2021年1月", "1月2日"),
        (date(1999, 12, 31), "1999年12月31日", "1999年12月", "12月31日"),
        (date(2024, 10, 1), "2024年10月1日", "2024年10月", "10月1日"),
    ],
)
def test_written_forms(day: date, written: str, month: str, days: str) -> None:
    assert chinese_date(day) == written
    assert written_month(day) == month
    assert month_day(day) == days


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (DATE_IN_TEXT, "2020年7月30日出版", [("2020", "7", "30")]),
        (
            DATE_IN_TEXT,
            "1999年12月1日，2021年01月02日",
            [("1999", "12", "1"), ("2021", "01", "02")],
        ),
        (DATE_IN_TEXT, "1899年7月30日", []),
        (DATE_IN_TEXT, "2020年7月", []),
        (MONTH_DAY_IN_TEXT, "7月30日开幕", [("7", "30")]),
        (MONTH_DAY_IN_TEXT, "2020年7月30日", []),
        (MONTH_DAY_IN_TEXT, "107月30日", []),
        (YEAR_IN_TEXT, "2019年和2020年", [("2019",), ("2020",)]),
        (YEAR_IN_TEXT, "1800年", []),
    ],
)
def test_dates_in_text(pattern: re.Pattern[str], text: str, found: list[tuple[str, ...]]) -> None:
    assert [tuple(v for v in m.groups() if v is not None) for m in pattern.finditer(text)] == found


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2021, 7, 2, 15, 59, tzinfo=UTC), date(2021, 7, 2)),
        (datetime(2021, 7, 2, 16, 0, tzinfo=UTC), date(2021, 7, 3)),
        (datetime(2021, 12, 31, 23, 30, tzinfo=UTC), date(2022, 1, 1)),
    ],
)
def test_paper_tz_is_shanghai(instant: datetime, day: date) -> None:
    assert instant.astimezone(PAPER_TZ).date() == day


def test_paper_tz_prints_as_an_offset() -> None:
    at = datetime(2020, 7, 30, 6, 0, tzinfo=PAPER_TZ)
    assert PAPER_TZ.utcoffset(None) == timedelta(hours=8)
    assert at.isoformat() == "2020-07-30T06:00:00+08:00"
    assert at.strftime("%z") == "+0800"
