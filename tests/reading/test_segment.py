"""Table tests for segmentation, the contact box and publication dates."""

from __future__ import annotations

from datetime import date

import pytest

from tingbao.reading.blocks import Block
from tingbao.reading.cleanup import compile_patterns
from tingbao.reading.contact import find_contact_start, parse_contact
from tingbao.reading.dates import date_from_name, latest_date_in_text, resolve_published
from tingbao.reading.segment import is_lead, segment
from tingbao.reading.settings import DEFAULT_MASTHEAD_PATTERNS

MASTHEAD = compile_patterns(DEFAULT_MASTHEAD_PATTERNS)


def blocks(*lines: str) -> list[Block]:
    return [Block(line) for line in lines]


@pytest.mark.parametrize(
    ("paragraph", "lead"),
    [
        ("7月27日,虹桥镇召开2020年年中工作会议。", True),
        ("2020年7月27日，镇里召开会议。", True),
        ("近日，社区举办了一场活动。", True),
        ("为进一步统一思想,提高认识,7月27日,虹桥镇召开会议。", True),
        ("为持续点亮“文明能量源”,加强精神文明建设工作,虹桥镇今年根据区委统一部署", False),
        ("2019年以来,在镇党委正确领导下", False),
        ("“全镇上下众志成城”卢国庆指出", False),
    ],
)
def test_is_lead(paragraph: str, lead: bool) -> None:
    assert is_lead(paragraph) is lead


def test_title_heading_and_kicker() -> None:
    result = segment(
        blocks(
            "镇里召开年中工作会议",
            "7月27日,镇里召开会议。",
            "坚持经济工作“中心居中”",
            "会上强调了工作要求。",
            "决战创全、决胜小康",
            "文明创建推进大会召开",
            "7月30日,镇里召开大会。",
        )
    )
    first, second = result.articles
    assert first.title == "镇里召开年中工作会议"
    assert [s.heading for s in first.sections] == [None, "坚持经济工作“中心居中”"]
    assert second.kicker == "决战创全、决胜小康"
    assert second.title == "文明创建推进大会召开"


def test_heading_before_time_phrase_without_day_stays_a_heading() -> None:
    result = segment(
        blocks(
            "大会召开",
            "7月30日,镇里召开大会。",
            "凝聚精神力量 推动虹桥发展",
            "2019年以来,在镇党委正确领导下,工作有序推进。",
        )
    )
    assert len(result.articles) == 1
    assert result.articles[0].sections[1].heading == "凝聚精神力量 推动虹桥发展"


def test_subtitle_after_title() -> None:
    result = segment(blocks("社区来了新书屋", "——记虹桥镇的一间书屋", "近日,书屋开放。"))
    article = result.articles[0]
    assert (article.title, article.subtitle) == ("社区来了新书屋", "记虹桥镇的一间书屋")


def test_briefs_become_short_articles() -> None:
    result = segment(
        blocks(
            "大会召开",
            "7月30日,镇里召开大会。",
            "简讯",
            "社区开展消夏活动",
            "居民们一起唱歌跳舞。",
            "老年食堂开张",
            "食堂每天供应午餐。",
            "价格实惠,欢迎前来。",
        )
    )
    kinds = [(a.title, a.kind, len(a.paragraphs)) for a in result.articles]
    assert kinds == [
        ("大会召开", "article", 1),
        ("社区开展消夏活动", "brief", 1),
        ("老年食堂开张", "brief", 2),
    ]


def test_masthead_dropped_and_contact_split_off() -> None:
    result = segment(
        blocks(
            "闵行区虹桥镇人民政府",
            "镇里召开会议",
            "7月27日,镇里召开会议。",
            "本报编审团:",
            "刘芬 汤美红",
            "投稿邮箱:news@example.cn",
            "新闻热线:021-64059791",
        ),
        MASTHEAD,
    )
    article = result.articles[0]
    assert article.kicker is None and article.title == "镇里召开会议"
    assert article.paragraphs == ("7月27日,镇里召开会议。",)
    assert result.contact.editors == ("刘芬", "汤美红")
    assert result.contact.hotline == "021-64059791"


def test_explicit_roles_win_over_inference() -> None:
    result = segment(
        [
            Block("一句引题", "kicker"),
            Block("主标题", "title"),
            Block("小标题一", "heading"),
            Block("正文第一段。", "para"),
        ]
    )
    article = result.articles[0]
    assert (article.kicker, article.title) == ("一句引题", "主标题")
    assert article.sections[0].heading == "小标题一"


def test_paragraphs_before_first_title_are_reported() -> None:
    result = segment(blocks("这段话没有标题,也不是新闻。", "会议召开", "7月1日,会议召开。"))
    assert len(result.articles) == 1
    assert result.warnings and "before the first title" in result.warnings[0]


@pytest.mark.parametrize(
    ("lines", "start"),
    [
        (["正文。", "本报编审团:", "刘芬 汤美红", "投稿邮箱:a@b.cn", "新闻热线:021-1"], 1),
        (["正文。", "地址:某路1号"], None),  # one key line alone is not a closing box
        (["新闻热线:021-64059791 是本报的电话,欢迎来电。", "正文。"], None),
    ],
)
def test_find_contact_start(lines: list[str], start: int | None) -> None:
    assert find_contact_start(lines) == start


def test_parse_contact() -> None:
    contact = parse_contact(
        [
            "本报编审团:",
            "刘芬 汤美红",
            "李家齐 肖婉",
            "投稿邮箱:jinhongqiao@163.com",
            "新闻热线:021-64059791",
            "地址:闵行区吴中路1136号608室(信息办公室)",
        ]
    )
    assert contact.editors == ("刘芬", "汤美红", "李家齐", "肖婉")
    assert contact.email == "jinhongqiao@163.com"
    assert contact.hotline == "021-64059791"
    assert contact.address == "闵行区吴中路1136号608室(信息办公室)"


@pytest.mark.parametrize(
    ("name", "expected", "day_known"),
    [
        ("jinhongqiao-2020-07.txt", date(2020, 7, 1), False),
        ("jinhongqiao-2020-07-30.pdf", date(2020, 7, 30), True),
        ("金虹桥20200730.md", date(2020, 7, 30), True),
        ("2021年3月.txt", date(2021, 3, 1), False),
        ("issue.txt", None, False),
        ("scan-2020-13.txt", None, False),
    ],
)
def test_date_from_name(name: str, expected: date | None, day_known: bool) -> None:
    found = date_from_name(name)
    assert (found.value if found else None) == expected
    if found:
        assert found.day_known is day_known


def test_latest_date_in_text() -> None:
    text = "2019年以来……7月27日,镇里开会。7月30日,又开大会。2020年上半年……"
    assert latest_date_in_text(text) == date(2020, 7, 30)
    assert latest_date_in_text("没有日期") is None


def test_resolve_published_order() -> None:
    given = date(2021, 1, 2)
    assert resolve_published(given, "x-2020-07-30.txt", "").value == given  # type: ignore[union-attr]
    by_name = resolve_published(None, "x-2020-07-30.txt", "2019年1月1日")
    assert by_name is not None and by_name.source == "file name"
    by_month = resolve_published(None, "x-2020-07.txt", "2020年……7月27日……7月30日……8月2日")
    assert by_month is not None and by_month.value == date(2020, 7, 30)
    assert not by_month.day_known
    empty_month = resolve_published(None, "x-2020-07.txt", "没有日期")
    assert empty_month is not None and empty_month.value == date(2020, 7, 1)
    by_text = resolve_published(None, "x.txt", "2019年1月1日")
    assert by_text is not None and (by_text.value, by_text.source) == (date(2019, 1, 1), "text")


@pytest.mark.parametrize(
    ("lines", "editors", "email"),
    [
        # Two names a line over two lines: four names.
        (["本报编审团：刘芬 汤美红", "李家齐 肖婉", "投稿邮箱：a@b.cn"], 4, "a@b.cn"),
        # A label run into the name before it.
        (["本报编审团：刘芬 汤美红 李家齐 肖婉投稿邮箱：a@b.cn"], 4, "a@b.cn"),
        (["编审团：", "刘芬、汤美红", "李家齐、肖婉新闻热线：021-64059791"], 4, None),
    ],
)
def test_closing_box_lines_are_never_glued(
    lines: list[str], editors: int, email: str | None
) -> None:
    contact = parse_contact(lines)
    assert contact.editors == ("刘芬", "汤美红", "李家齐", "肖婉")[:editors]
    assert contact.email == email


@pytest.mark.parametrize(
    "label", ["简讯", "要闻简报", "社区动态", "一句话新闻", "图片新闻", "【简讯】"]
)
@pytest.mark.parametrize("glued", [False, True], ids=["own-line", "glued-to-title"])
def test_every_brief_label_opens_briefs(label: str, glued: bool) -> None:
    items = ["社区开展消夏活动", "居民们一起唱歌跳舞。", "老年食堂开张", "食堂每天供应午餐。"]
    head = [label + items[0]] if glued else [label, items[0]]
    result = segment(
        [
            Block("大会召开", "title"),
            Block("7月30日，镇里召开大会。", "para"),
            *(Block(t, "heading") for t in head),
            *(Block(t, "heading" if n % 2 == 0 else "para") for n, t in enumerate(items) if n),
        ]
    )
    assert [(a.title, a.kind, a.paragraphs) for a in result.articles] == [
        ("大会召开", "article", ("7月30日，镇里召开大会。",)),
        ("社区开展消夏活动", "brief", ("居民们一起唱歌跳舞。",)),
        ("老年食堂开张", "brief", ("食堂每天供应午餐。",)),
    ]


@pytest.mark.parametrize(
    ("line", "address"),
    [
        ("地址：闵行区吴中路1136号608室", "闵行区吴中路1136号608室"),
        ("地址 闵行区吴中路1136号608室", "闵行区吴中路1136号608室"),  # the colon lost in a scan
        ("联系地址：吴中路1号", "吴中路1号"),
    ],
)
def test_address_as_printed(line: str, address: str) -> None:
    assert parse_contact(["本报编审团：刘芬", line, "新闻热线：021-64059791"]).address == address
