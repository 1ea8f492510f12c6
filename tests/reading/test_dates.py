"""Publication dates: given, file name, text, else the day the file was received (never refused)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.worker.conftest import write_small_issue
from tingbao.chat.reasons import warning_text
from tingbao.chinese.dates import PAPER_TZ
from tingbao.cli.main import main
from tingbao.paper import notices
from tingbao.paper.errors import FutureDateError
from tingbao.paper.model import undated_key
from tingbao.reading.dates import dates_in_text, day_of, nearest, resolve_published, today
from tingbao.reading.reader import read_issue
from tingbao.store.engine import Database
from tingbao.worker.settings import Settings

RECEIVED = date(2021, 9, 10)


@pytest.mark.parametrize(
    ("given", "name", "text", "expected", "source"),
    [
        (date(2021, 1, 2), "x-2020-07-30.txt", "2019年1月1日", date(2021, 1, 2), "given"),
        (None, "x-2020-07-30.txt", "2019年1月1日", date(2020, 7, 30), "file name"),
        (None, "x-2020-07.txt", "2020年……7月27日……7月30日……8月2日", date(2020, 7, 30), "file name"),
        # A monthly name reads the text's year-less dates in its own year.
        (None, "x-2020-07.txt", "7月27日……7月30日", date(2020, 7, 30), "file name"),
        (None, "x-2020-07.txt", "没有日期", date(2020, 7, 1), "file name"),
        (None, "x.txt", "2019年1月1日", date(2019, 1, 1), "text"),
        (None, "x.txt", "2020年……7月30日", date(2020, 7, 30), "text"),
        # No full date anywhere: the day it was received, whatever year-less dates the text has.
        (None, "第10期.txt", "没有日期", RECEIVED, "received"),
        (None, "第10期.txt", "9月8日，社区举行活动。", RECEIVED, "received"),
    ],
)
def test_resolve_published(
    given: date | None, name: str, text: str, expected: date, source: str
) -> None:
    found = resolve_published(given, name, text, RECEIVED)
    assert (found.value, found.source) == (expected, source)


@pytest.mark.parametrize(
    ("text", "around", "expected"),
    [
        ("9月8日", date(2021, 9, 10), [date(2021, 9, 8)]),
        ("12月30日", date(2022, 1, 3), [date(2021, 12, 30)]),  # the year before
        ("1月5日", date(2021, 12, 28), [date(2022, 1, 5)]),  # the year after
        ("2月29日", date(2021, 3, 1), [date(2020, 2, 29)]),  # the nearest year that has one
        ("9月8日", None, []),  # no year anywhere: left out
        ("2019年……9月8日", None, [date(2019, 9, 8)]),  # the latest year the text names
        ("2019年9月8日……10月1日", date(2021, 9, 10), [date(2019, 9, 8), date(2021, 10, 1)]),
        ("13月40日", date(2021, 9, 10), []),
    ],
)
def test_year_less_dates_take_the_nearest_year(
    text: str, around: date | None, expected: list[date]
) -> None:
    assert dates_in_text(text, around) == expected


def test_nearest_and_the_paper_day() -> None:
    assert nearest(2, 30, date(2021, 1, 1)) is None
    # 23:30 in London on 2 July is already 3 July in Shanghai.
    late = datetime(2021, 7, 2, 23, 30, tzinfo=UTC)
    assert today(late) == date(2021, 7, 3)
    assert day_of(late.timestamp()) == date(2021, 7, 3)
    assert today(datetime(2021, 7, 3, 0, 30, tzinfo=PAPER_TZ)) == date(2021, 7, 3)


def test_undated_file_takes_the_received_day_with_a_warning(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_small_issue(tmp_path, "第10期.txt")
    result = read_issue(path, settings.paper, settings.reading, received=RECEIVED)
    assert result.issue.published == RECEIVED
    assert result.undated
    # The day received and a key from its titles: two undated issues of a day are two issues.
    assert (
        result.issue.id == f"jinhongqiao-2021-09-10-{undated_key(['社区食堂开张', '消夏活动开始'])}"
    )
    [warning] = [w for w in result.warnings if "received" in w]
    assert "2021-09-10" in warning and "--published" in warning and "file name" in warning
    given = read_issue(
        path, settings.paper, settings.reading, published=date(2021, 7, 2), received=RECEIVED
    )
    assert given.issue.published == date(2021, 7, 2)
    assert not any("received" in w for w in given.warnings)


def test_cli_parses_an_undated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_small_issue(tmp_path, "第10期.txt")
    before = today()
    assert main(["--data-dir", str(tmp_path / "d"), "parse", str(path), "--json"]) == 0
    after = today()
    out, err = capsys.readouterr()
    published = json.loads(out)["issue"]["published"]
    assert published in (before.isoformat(), after.isoformat())
    [line] = err.strip().splitlines()
    assert line.startswith(f"warning: {path}: no publication date in the file name or text")
    assert f"published on {published}, the day it was received" in line
    assert "--published" in line


async def test_inbox_publishes_an_undated_file_on_the_day_it_arrived(
    settings: Settings, db: Database
) -> None:
    from tests.worker.conftest import World

    write_small_issue(settings.inbox_dir, "第10期.txt")
    arrived = datetime(2021, 7, 2, 23, 30, tzinfo=UTC).timestamp()  # 3 July in Shanghai
    world = World(settings.with_overrides(inbox_settle_s=0.0), db)
    world.pipeline.arrived = lambda _: arrived  # the inbox's clock, as the file system tells it
    report = await world.pipeline.run_inbox()
    [stored] = report.stored
    assert stored.startswith("jinhongqiao-2021-07-03-")
    assert world.issues.get_issue(stored).published == date(2021, 7, 3)
    assert report.failed == []


@pytest.mark.parametrize(
    "name", ["x-2021-02-30.txt", "x-0001-05-05.txt", "x-9999-12-31.txt", "x-20210230.txt"]
)
def test_an_impossible_date_in_a_file_name_is_said_not_taken(
    name: str, settings: Settings, tmp_path: Path
) -> None:
    found = resolve_published(None, name, "没有日期", RECEIVED)
    assert (found.value, found.source) == (RECEIVED, "received")
    assert found.impossible is not None and found.impossible in name
    result = read_issue(write_small_issue(tmp_path, name), settings.paper, settings.reading)
    [warning] = [w for w in result.warnings if getattr(w, "code", "") == notices.DATE_IMPOSSIBLE]
    assert found.impossible in warning and warning_text(warning).endswith(found.impossible)


def test_a_date_far_ahead_is_refused_by_name_and_passed_over_in_text() -> None:
    now = date(2021, 7, 2)
    with pytest.raises(FutureDateError, match=r"2099-12-31 .* more than 31 days after today"):
        resolve_published(None, "x-2099-12-31.txt", "", RECEIVED, now=now)
    with pytest.raises(FutureDateError):
        resolve_published(date(2021, 9, 1), "x.txt", "", RECEIVED, days_ahead=30, now=now)
    near = resolve_published(None, "x-2021-07-20.txt", "", RECEIVED, now=now)
    assert near.value == date(2021, 7, 20)
    plan = resolve_published(None, "x.txt", "2021年6月30日……2035年12月31日前建成", now=now)
    assert (plan.value, plan.source, plan.future_in_text) == (
        date(2021, 6, 30),
        "text",
        date(2035, 12, 31),
    )
    alone = resolve_published(None, "x.txt", "2035年12月31日前建成", RECEIVED, now=now)
    assert (alone.value, alone.source) == (date(2021, 7, 2), "received")  # RECEIVED is later
