"""Table tests for the pure text helpers."""

from __future__ import annotations

from datetime import date

import pytest

from tingbao.feeds.layout import hotline_links
from tingbao.feeds.text import (
    article_datetime,
    clean_block,
    clean_text,
    hms,
    issue_datetime,
    mailto_uri,
    minutes_label,
    tag_authority,
    tag_uri,
    tel_uri,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("普通文字", "普通文字"),
        ("a\x0bb\x00c\x1fd", "abcd"),
        ("行一\r\n行二", "行一 行二"),
        ("  多　 空格  ", "多 空格"),
        ("\ufffe\uffff坏\ud800字", "坏字"),
        ("C1\x85控制\x9f", "C1控制"),
        ("]]> <script>", "]]> <script>"),  # escaping is the renderer's job, not removal
        (None, ""),
        ("", ""),
    ],
)
def test_clean_text(raw: str | None, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_block_keeps_lines() -> None:
    assert clean_block("一\x0b行\n\n  二行 \n") == "一行\n二行"


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("021-64059791", "tel:+862164059791"),
        ("+86 21 6405 9791", "tel:+862164059791"),
        ("（021）64059791", "tel:+862164059791"),
        ("新闻热线：021-64059791、64059792", "tel:+862164059791"),
        ("(021)64059791-8012", "tel:+862164059791;ext=8012"),
        ("138 0013 8000", "tel:+8613800138000"),
        ("400-820-8820", "tel:4008208820"),
        ("12345", "tel:12345"),
        ("021-1234", "tel:0211234"),  # no number paper.phone knows: its digits
    ],
)
def test_tel_uri(phone: str, uri: str) -> None:
    assert tel_uri(phone) == uri


@pytest.mark.parametrize(
    ("hotline", "html"),
    [
        ("（021）64059791", '<a class="tap" href="tel:+862164059791">021-64059791</a>'),
        (
            "021-64059791、64059792",
            '<a class="tap" href="tel:+862164059791">021-64059791</a>、'
            '<a class="tap" href="tel:64059792">64059792</a>',
        ),
        ("021-1234", '<a class="tap" href="tel:0211234">021-1234</a>'),
        ("见<报>", "见&lt;报&gt;"),
    ],
)
def test_hotline_links(hotline: str, html: str) -> None:
    assert hotline_links(hotline) == html


def test_mailto_uri() -> None:
    assert mailto_uri(" jinhongqiao@163.com ") == "mailto:jinhongqiao@163.com"
    assert mailto_uri("a b@x.cn") == "mailto:a%20b@x.cn"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, None), (-1, None), (0, "0:00:00"), (61.4, "0:01:01"), (3725.6, "1:02:06")],
)
def test_hms(seconds: float | None, expected: str | None) -> None:
    assert hms(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"), [(None, ""), (20, "不到1分钟"), (150, "约2分钟"), (839, "约14分钟")]
)
def test_minutes_label(seconds: float | None, expected: str) -> None:
    assert minutes_label(seconds) == expected


@pytest.mark.parametrize(
    ("base", "authority"),
    [
        ("https://News.Example.org/tingbao/", "news.example.org"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("/relative/", "localhost"),
    ],
)
def test_tag_authority(base: str, authority: str) -> None:
    assert tag_authority(base) == authority


def test_tag_uri_is_stable_and_quoted() -> None:
    day = date(2020, 7, 30)
    first = tag_uri("example.org", day, "jhq-2020-07-30", "a123")
    assert first == "tag:example.org,2020-07-30:jhq-2020-07-30/a123"
    assert tag_uri("example.org", day, "jhq-2020-07-30", "a123") == first
    assert tag_uri("example.org", day, "期 1") == "tag:example.org,2020-07-30:%E6%9C%9F%201"


def test_dates_order_articles_in_reading_order() -> None:
    day = date(2020, 7, 30)
    assert issue_datetime(day).isoformat() == "2020-07-30T06:00:00+08:00"
    stamps = [article_datetime(day, n) for n in range(3)]
    assert stamps == sorted(stamps, reverse=True)
    assert all(s < issue_datetime(day) for s in stamps)
