"""简讯 boxes as papers set them, with their truth: a label (简讯, 要闻简报, 社区动态, 一句话新闻,
图片新闻) at the top, then items, each a short title and a paragraph.

The item titles are set a little larger than the body, bold at body size, in another colour, or
simply as short lines without closing punctuation; the box is framed by a drawn rectangle, set on a
shaded background, or bare; it stands in a one-column page or in the third column of a
three-column page, at the top, middle or bottom of its column, or across the foot of the page.
Each page ends with a closing box set at 7.5 pt with two editors' names a line.

Built on printgen's Composer and Flow (embedded TrueType faces, so the pages render for OCR).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.reading.printgen import HEI, SONG, Composer, Flow, TrueArticle, items_of

A4 = (595.0, 842.0)
MARGIN = 40.0
BODY = 10.0
PITCH = BODY * 1.6
CLOSING = [
    "本报编审团：",
    "刘芬 汤美红",
    "李家齐 肖婉",
    "投稿邮箱：jinhongqiao@163.com",
    "新闻热线：021-64059791",
    "地址：闵行区吴中路1136号608室",
]
CLOSING_SIZE = 7.5
EDITORS = ("刘芬", "汤美红", "李家齐", "肖婉")

ITEMS = [
    ("社区开展消夏纳凉晚会", "8月30日晚，虹储居民区在小区广场举办消夏纳凉晚会，二百余名居民参加。"),
    ("反诈宣传走进菜市场", "9月2日，镇派出所民警走进吴中路菜市场，向摊主和居民讲解常见骗局。"),
    ("口袋公园向居民开放", "位于虹梅路旁的口袋公园近日建成开放，新增绿地一千二百平方米。"),
]
BEFORE = TrueArticle(
    title="老年助餐点在龙柏社区开张",
    sections=[
        (
            None,
            [
                "9月5日上午，龙柏社区老年助餐点正式开张，每天中午为辖区内七十岁以上的老人提供"
                "荤素搭配的午餐，老人们只需花十二元就能吃上热乎饭菜。",
                "助餐点由社区食堂改建而成，设有六十个座位，还为行动不便的老人提供送餐上门服务。",
            ],
        )
    ],
)
AFTER = TrueArticle(
    title="家庭医生走进社区开展义诊",
    sections=[
        (
            None,
            [
                "9月7日上午，社区卫生服务中心的家庭医生团队来到古北新区，为居民测量血压、血糖，"
                "讲解秋季常见病的预防知识。",
                "不少老人拿着体检报告前来咨询，医生们一一耐心解答，并提醒大家按时服药。",
            ],
        )
    ],
)


@dataclass(frozen=True)
class BoxCase:
    """One way of setting a 简讯 box."""

    label: str
    title_style: str  # "larger", "bold", "colour", "plain"
    frame: str  # "rect", "shade", "bare"
    columns: int  # 1 or 3
    position: str  # "top", "middle", "bottom", "foot", or "inside" an article's columns

    @property
    def name(self) -> str:
        return f"{self.columns}col-{self.position}-{self.title_style}-{self.frame}"


CASES = [
    BoxCase("简讯", "larger", "rect", 1, "middle"),
    BoxCase("要闻简报", "bold", "shade", 1, "top"),
    BoxCase("社区动态", "plain", "bare", 1, "bottom"),
    BoxCase("一句话新闻", "colour", "rect", 3, "top"),
    BoxCase("图片新闻", "bold", "bare", 3, "middle"),
    BoxCase("简讯", "plain", "shade", 3, "bottom"),
    BoxCase("要闻简报", "larger", "bare", 3, "foot"),
    # Framed in the third column under an article's headline across all three: the article's
    # text goes on below the box, and only the frame tells the box from it.
    BoxCase("简讯", "bold", "rect", 3, "inside"),
    BoxCase("社区动态", "plain", "shade", 3, "inside"),
]
LONG = TrueArticle(
    title="虹桥镇召开年中工作会议部署下半年重点任务",
    sections=[
        (
            None,
            [
                f"{topic}方面，会议要求各部门对照年初确定的目标任务，逐项梳理完成情况，"
                "找准短板弱项，细化工作举措，确保各项任务按时保质完成，以实际成效取信于民。"
                for topic in (
                    "经济发展",
                    "城市管理",
                    "社会治理",
                    "民生保障",
                    "生态环境",
                    "平安建设",
                )
            ],
        )
    ],
)


def briefs() -> list[TrueArticle]:
    return [TrueArticle(title=t, sections=[(None, [p])], kind="brief") for t, p in ITEMS]


def _title(doc: Composer, page: int, x: float, y: float, text: str, style: str) -> float:
    """Set an item title; return the y below it."""
    if style == "larger":
        doc.text(page, x, y, text, SONG, BODY * 1.15)
        return y + BODY * 1.15 * 1.5
    if style == "bold":
        doc.text(page, x, y, text, HEI, BODY)
    elif style == "colour":
        doc.text(page, x, y, text, SONG, BODY, colour=(0.8, 0.1, 0.1))
    else:
        doc.text(page, x, y, text, SONG, BODY)
    return y + PITCH


def set_box(doc: Composer, page: int, x0: float, x1: float, top: float, case: BoxCase) -> float:
    """Set the 简讯 box (label, items, frame) from top; return its bottom."""
    y = top + 6
    doc.centred(page, x0, x1, y, case.label, HEI, 14.0)
    y += 14.0 * 1.8
    for title, paragraph in ITEMS:
        y = _title(doc, page, x0 + 6, y, title, case.title_style)
        flow = Flow(doc, doc.columns(page, y, y + 200, 1, x0 + 6, x1 - 6), BODY)
        assert not flow.pour([("para", paragraph)])
        y = flow.y + PITCH * 0.4
    bottom = y + 4
    if case.frame != "bare":
        doc.rect(page, (x0, top, x1, bottom), case.frame == "shade", under=True)
    return bottom


def _article(
    doc: Composer, page: int, x0: float, x1: float, top: float, article: TrueArticle
) -> float:
    """Set a headline and its text in one column; return the bottom."""
    y = doc.headline(page, x0, x1, top, article, size=16.0, centre=False)
    flow = Flow(doc, doc.columns(page, y, y + 600, 1, x0, x1), BODY)
    assert not flow.pour(items_of(article))
    return flow.y + PITCH


def closing_box(
    doc: Composer, page: int, x0: float, top: float, size: float = CLOSING_SIZE
) -> None:
    """Set the closing box (7.5 pt unless told), in a rule frame, from top."""
    y = top
    for line in CLOSING:
        doc.text(page, x0, y, line, SONG, size)
        y += size * 1.6
    doc.rect(page, (x0 - 4, top - 4, x0 + 150, y + 2), False)


def make_brief_page(
    path: Path, case: BoxCase, closing_size: float = CLOSING_SIZE
) -> list[TrueArticle]:
    """Write one page with a 简讯 box set as the case says, and the closing box set at
    closing_size; return its articles in reading order."""
    doc = Composer(pages=1, size=A4)
    left, right = MARGIN, A4[0] - MARGIN
    if case.columns == 1:
        order: list[TrueArticle | None] = {
            "top": [None, BEFORE, AFTER],
            "middle": [BEFORE, None, AFTER],
            "bottom": [BEFORE, AFTER, None],
        }[case.position]
        y = 50.0
        for article in order:
            if article is None:
                y = set_box(doc, 1, left, right, y, case) + PITCH
            else:
                y = _article(doc, 1, left, right, y, article)
        closing_box(doc, 1, left, y + PITCH, closing_size)
        truth = [b for a in order for b in (briefs() if a is None else [a])]
    elif case.position == "inside":
        top = doc.headline(1, left, right, 50.0, LONG, size=20.0)
        cols = doc.columns(1, top, 300.0, 3, left, right)
        cols[2].bottom = 640.0
        cols[2].top = set_box(doc, 1, cols[2].x0, cols[2].x1, top, case) + PITCH
        flow = Flow(doc, cols, BODY)
        assert not flow.pour(items_of(LONG))
        assert flow.index == 2, "the article must go on below the box"
        closing_box(doc, 1, left, 740.0, closing_size)
        truth = [LONG, *briefs()]
    else:
        cols = doc.columns(1, 0, 0, 3, left, right)
        # Columns 1-2: one article each; column 3: the box and the article AFTER around it.
        _article(doc, 1, cols[0].x0, cols[0].x1, 50.0, BEFORE)
        third: list[TrueArticle | None] = {
            "top": [None, AFTER],
            "middle": [AFTER, None],
            "bottom": [AFTER, None],
            "foot": [AFTER],
        }[case.position]
        y = 50.0
        for article in third:
            if article is None:
                y = set_box(doc, 1, cols[2].x0, cols[2].x1, y, case) + PITCH
            else:
                y = _article(doc, 1, cols[2].x0, cols[2].x1, y, article)
        if case.position == "middle":
            extra = TrueArticle(
                title="垃圾分类志愿者上岗",
                sections=[(None, ["9月起，二十名志愿者在小区投放点值守，指导居民分类投放。"])],
            )
            y = _article(doc, 1, cols[2].x0, cols[2].x1, y, extra)
            third.append(extra)
        middle = TrueArticle(
            title="口袋公园里的读书角",
            sections=[(None, ["社区在口袋公园设立读书角，居民可以免费借阅图书。"])],
        )
        _article(doc, 1, cols[1].x0, cols[1].x1, 50.0, middle)
        truth = [BEFORE, middle]
        truth += [b for a in third for b in (briefs() if a is None else [a])]
        if case.position == "foot":
            set_box(doc, 1, left, right, 560.0, case)
            truth += briefs()
        closing_box(doc, 1, cols[0].x0, 740.0, closing_size)
    doc.render(path)
    return truth
