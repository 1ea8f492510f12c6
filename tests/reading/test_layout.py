"""Layout analysis as a pure function: hand-placed lines in, blocks and regions out."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tingbao.reading.geometry import Box, Fragment, PageText
from tingbao.reading.layout import analyse
from tingbao.reading.layout.furniture import caption_role, find_jump, page_number
from tingbao.reading.layout.lines import page_lines

BODY = 10.0
WIDTH, HEIGHT = 595.0, 842.0
Placed = tuple[str, float, float, float]  # text, x0, top, size


def page(number: int, lines: Sequence[Placed], bold: Sequence[str] = ()) -> PageText:
    """A page of one fragment per line, each character one size wide."""
    fragments = tuple(
        Fragment(text, Box(x0, top, x0 + len(text) * size, top + size), size, text in bold)
        for text, x0, top, size in lines
    )
    return PageText(number, WIDTH, HEIGHT, fragments)


def column(texts: Sequence[str], x0: float, top: float, indent: Sequence[int] = ()) -> list[Placed]:
    """Lines of one column, 1.5 body sizes apart; lines whose index is in indent start 2 in."""
    return [
        (text, x0 + (2 * BODY if n in indent else 0.0), top + n * 1.5 * BODY, BODY)
        for n, text in enumerate(texts)
    ]


FULL = "这是一行排满整栏的正文文字内容"  # 15 characters: a full 150-point column


def paragraphs(pages: Sequence[PageText]) -> list[str]:
    return [b.text for b in analyse(pages).blocks if b.role == "para"]


def test_a_body_line_that_says_who_hosted_stays_at_the_top_of_page_one() -> None:
    lines = [
        ("社区读书会", 60.0, 60.0, 2.2 * BODY),
        *column(["本次讲座由镇妇联主办，镇", "环保所协办，居民踊跃参加。"], 60.0, 90.0, indent=[0]),
    ]
    assert paragraphs([page(1, lines)]) == ["本次讲座由镇妇联主办，镇环保所协办，居民踊跃参加。"]


def test_a_dated_line_at_the_top_of_a_page_is_text_not_a_running_head() -> None:
    first = page(
        1,
        [
            ("社区举办消夏晚会", 60.0, 300.0, 2.2 * BODY),
            *column([FULL, FULL], 60.0, 330.0, indent=[0]),
        ],
    )
    second = page(2, column(["2020年7月28日上午，居民们", "陆续来到广场。"], 60.0, 40.0))
    texts = paragraphs([first, second])
    assert texts[-1].endswith("2020年7月28日上午，居民们陆续来到广场。")


def test_running_heads_and_folios_recur_and_are_never_text() -> None:
    pages = [
        page(
            n,
            [
                ("金虹桥", 60.0, 20.0, 8.0),
                (f"第{n}版", 480.0, 20.0, 8.0),
                ("社区新闻标题" + "一二三"[n - 1], 60.0, 100.0, 2.2 * BODY),
                *column([FULL, "结束。"], 60.0, 130.0, indent=[0]),
                (f"— {n} —", 280.0, 810.0, 8.0),
            ],
        )
        for n in (1, 2, 3)
    ]
    layout = analyse(pages)
    roles = {r.text: r.role for r in layout.regions}
    assert roles["金虹桥"] == "running_head" and roles["— 3 —"] == "folio"
    assert roles["第2版"] in ("running_head", "folio")  # a page label: furniture either way
    assert all("版" not in b.text and "—" not in b.text for b in layout.blocks)


def test_columns_are_read_left_to_right_and_a_paragraph_runs_across_them() -> None:
    left = column(["一栏开头的段落首行文字内容", FULL, FULL], 60.0, 130.0, indent=[0])
    right = column(
        ["续上一栏的文字。", "另起一段的首行文字内容", "结束。"], 230.0, 130.0, indent=[1]
    )
    lines = [("两栏的文章", 60.0, 100.0, 2.2 * BODY), *left, *right]
    assert paragraphs([page(1, lines)]) == [
        "一栏开头的段落首行文字内容" + FULL + FULL + "续上一栏的文字。",
        "另起一段的首行文字内容结束。",
    ]


@pytest.mark.parametrize(
    ("text", "jump", "rest"),
    [
        ("（下转第2版）", ("out", 2), ""),
        ("居民们纷纷表示（下转第二版）", ("out", 2), "居民们纷纷表示"),
        ("(上接第1版)", ("in", 1), ""),
        ("上接第十二版", ("in", 12), ""),
        ("第2版", None, "第2版"),
    ],
)
def test_jump_lines(text: str, jump: tuple[str, int] | None, rest: str) -> None:
    found, left = find_jump(text)
    assert (None if found is None else (found.direction, found.page), left) == (jump, rest)


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("图为居民在新建的口袋公园内休憩。", "caption"),
        ("（摄影 张敏）", "credit"),
        ("张敏 摄", "credit"),
        ("记者 王小明", "byline"),
        ("（通讯员 李华 王强）", "byline"),
        ("镇里组织居民进行拍摄", None),
        ("记者看到现场一片繁忙", None),
    ],
)
def test_captions_credits_and_bylines(text: str, role: str | None) -> None:
    assert caption_role([text]) == role


@pytest.mark.parametrize(("text", "number"), [("2", 2), ("２", 2), ("二", 2), ("十二", 12)])
def test_page_numbers(text: str, number: int) -> None:
    assert page_number(text) == number


def test_a_jump_with_no_continuation_is_warned_about() -> None:
    lines = [
        ("转版的文章", 60.0, 100.0, 2.2 * BODY),
        *column(["首行文字内容写到这里", "（下转第2版）"], 60.0, 130.0, indent=[0]),
    ]
    layout = analyse([page(1, lines), page(2, column(["另一篇的正文。"], 60.0, 130.0))])
    assert [w for w in layout.warnings if "goes on at page 2" in w]
    assert all("下转" not in b.text for b in layout.blocks)


def small_paper(title_size: float, heading_size: float | None) -> list[PageText]:
    """Two articles on one page, titles set only a little larger than the body."""
    lines: list[Placed] = [("社区食堂开张", 60.0, 60.0, title_size)]
    top = 60.0 + 2 * title_size
    if heading_size is not None:
        lines.append(("饭菜可口价格实惠", 60.0, top, heading_size))
        top += 2 * heading_size
    lines += column(["7月1日，镇里第一家社区食", "堂开张。"], 60.0, top, indent=[0])
    lines += [("消夏活动开始", 60.0, top + 60.0, title_size)]
    lines += column(["7月2日，社区消夏活动开始。"], 60.0, top + 60.0 + 2 * title_size, indent=[0])
    return [page(1, lines)]


@pytest.mark.parametrize(
    ("heading_size", "titles"),
    [
        (11.5, ["社区食堂开张", "消夏活动开始"]),  # two larger sizes: the larger is the title's
        (None, ["社区食堂开张", "消夏活动开始"]),  # one larger size: leads tell titles apart
    ],
)
def test_titles_set_only_a_little_larger_than_the_body(
    heading_size: float | None, titles: list[str]
) -> None:
    from tingbao.reading.segment import segment

    found = segment(analyse(small_paper(13.0, heading_size)).blocks)
    assert [a.title for a in found.articles] == titles
    if heading_size is not None:  # a smaller line right under a title is its subtitle
        assert found.articles[0].subtitle == "饭菜可口价格实惠"


@pytest.mark.parametrize(
    ("first_x0", "kicker", "title"),
    [
        (60.0, "决战创全", "社区召开文明创建推进大会"),  # left-aligned: a short line is a kicker
        (115.0, None, "社区开展垃圾分类宣传进楼道活动"),  # centred: a headline broken by hand
    ],
)
def test_a_same_size_line_above_a_headline(first_x0: float, kicker: str | None, title: str) -> None:
    from tingbao.reading.segment import segment

    size = 2.2 * BODY
    first, second = (
        ("决战创全", "社区召开文明创建推进大会")
        if kicker
        else ("社区开展", "垃圾分类宣传进楼道活动")
    )
    lines = [
        (first, first_x0, 60.0, size),
        (second, 60.0, 60.0 + 1.3 * size, size),
        *column(["近日，社区举办活动，居民积极参加。"], 60.0, 130.0, indent=[0]),
    ]
    [article] = segment(analyse([page(1, lines)]).blocks).articles
    assert (article.kicker, article.title) == (kicker, title)


@pytest.mark.parametrize(("source", "lines"), [("text", 1), ("ocr", 2)])
def test_ocr_detections_half_a_character_apart_are_two_columns(source: str, lines: int) -> None:
    """OCR boxes overshoot the ink: a gutter between two columns' lines may measure half a
    character; a text layer's half-character gap is a space inside one line."""
    left = Fragment("街面拓展区域等薄弱点，", Box(100, 500, 320, 520), 20.0, False)
    right = Fragment("精神，强化责任，以更强", Box(330, 500, 550, 520), 20.0, False)
    found = page_lines(PageText(1, WIDTH, HEIGHT, (left, right), source))  # type: ignore[arg-type]
    assert len(found) == lines
