"""A two-page A3 issue of 金虹桥 as a layout program would export it, and what a reader should get.

Page 1: masthead; the lead article under a headline across all four columns (kicker, subtitle,
小标题, a photo with its caption); an article over columns 1-2 that jumps to page 2; an article in
column 3 whose headline wraps over three lines; a boxed 简讯 column in column 4.
Page 2: running head; the rest of the jumped article in columns 1-2; an article over columns 3-4;
below, a band of three wider columns with one article and the closing box in the bottom corner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SAMPLE_TXT
from tests.reading.printgen import (
    BODY,
    HEI,
    MARGIN,
    PAPER,
    SONG,
    Composer,
    Flow,
    TrueArticle,
    items_of,
)
from tingbao.reading.cleanup import chinese_punctuation

CLOSING = [
    "本报编审团：",
    "刘芬 汤美红 李家齐 肖婉",
    "投稿邮箱：jinhongqiao@163.com",
    "新闻热线：021-64059791",
    "地址：闵行区吴中路1136号608室",
]
RUNNING_HEAD = ("金虹桥", "2024年9月10日", "第2版 · 社区")


def _sample_paragraphs() -> list[str]:
    """The sample's paragraphs, set with Chinese punctuation as a printed paper is (its text
    has ASCII commas); the sample splits a few at its own page breaks: join those."""
    lines = chinese_punctuation(SAMPLE_TXT.read_text(encoding="utf-8")).split("\n")
    paragraphs: list[str] = []
    for line in (ln.strip() for ln in lines if len(ln.strip()) > 60):
        if paragraphs and not paragraphs[-1].endswith(("。", "”")):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def articles() -> list[TrueArticle]:
    """Return the issue's articles in reading order."""
    sample = _sample_paragraphs()
    lead = TrueArticle(
        kicker="凝心聚力谋发展 踔厉奋发开新局",
        title="虹桥镇召开年中工作会议部署下半年重点任务",
        subtitle="全镇上下齐心协力确保全年目标任务圆满完成",
        sections=[
            (None, sample[0:2]),
            ("坚持经济工作中心位置", sample[2:4]),
        ],
        captions=["图为会议现场，与会人员认真听取工作报告。（摄影 张敏）"],
        byline="（记者 王小明）",
    )
    jumped = TrueArticle(
        title="精神文明建设推进大会召开",
        sections=[(None, sample[6:9]), ("凝聚精神力量", sample[9:12])],
    )
    narrow = TrueArticle(
        title="老年助餐点在龙柏社区开张运营",
        sections=[
            (
                None,
                [
                    "9月5日上午，龙柏社区老年助餐点正式开张，每天中午为辖区内七十岁以上的老人提供"
                    "荤素搭配的午餐，老人们只需花十二元就能吃上热乎饭菜。",
                    "助餐点由社区食堂改建而成，设有六十个座位，还为行动不便的老人提供送餐上门服务。"
                    "开张当天，不少老人早早就来排队，纷纷称赞饭菜可口、价格实惠。",
                    "社区工作人员表示，下一步将根据老人们的意见不断调整菜单，让大家吃得放心、"
                    "吃得舒心。",
                ],
            )
        ],
    )
    briefs = [
        TrueArticle(
            title="社区开展消夏纳凉晚会",
            sections=[
                (None, ["8月30日晚，虹储居民区在小区广场举办消夏纳凉晚会，二百余名居民参加。"])
            ],
            kind="brief",
        ),
        TrueArticle(
            title="反诈宣传走进菜市场",
            sections=[(None, ["9月2日，镇派出所民警走进吴中路菜市场，向摊主和居民讲解常见骗局。"])],
            kind="brief",
        ),
        TrueArticle(
            title="口袋公园向居民开放",
            sections=[(None, ["位于虹梅路旁的口袋公园近日建成开放，新增绿地一千二百平方米。"])],
            kind="brief",
        ),
    ]
    second = TrueArticle(
        kicker="家门口的好去处",
        title="社区文化活动中心完成改造",
        sections=[(None, sample[12:14])],
    )
    wide = TrueArticle(
        title="垃圾分类实效推进工作交流会举行",
        sections=[(None, sample[4:6]), ("下一步工作安排", sample[14:17])],
        captions=["图为志愿者在小区垃圾分类投放点值守。（摄影 李强）"],
    )
    return [lead, jumped, narrow, *briefs, second, wide]


@dataclass
class PrintIssue:
    """The generated file and its truth."""

    path: Path
    articles: list[TrueArticle]
    closing: list[str]


def make_print_issue(path: Path) -> PrintIssue:
    """Write the two-page issue as a PDF and return it with its truth."""
    lead, jumped, narrow, brief1, brief2, brief3, second, wide = articles()
    doc = Composer(pages=2)
    width, height = doc.width, doc.height
    left, right = MARGIN, width - MARGIN
    # Page 1: masthead.
    doc.text(1, left, 40, PAPER, HEI, 60.0)
    doc.text(1, right - 230, 50, "中共闵行区虹桥镇委员会 主办", SONG, 10.0)
    doc.text(1, right - 230, 68, "2024年9月10日 第10期（总第188期）", SONG, 10.0)
    doc.text(1, right - 230, 86, "内部资料 免费交流", SONG, 10.0)
    doc.rule(1, left, right, 118)
    # The lead article across four columns.
    bottom = doc.headline(1, left, right, 132, lead, size=24.0)
    flow = Flow(doc, doc.columns(1, bottom, 560, 4, left, right))
    assert not flow.pour(items_of(lead, photo_after=4))
    doc.rule(1, left, right, 572)
    # Columns 1-2: the article that jumps; column 3: the narrow one; column 4: briefs.
    cols = doc.columns(1, 0, 0, 4, left, right)
    band_top, band_bottom = 586, height - 60
    top = doc.headline(1, cols[0].x0, cols[1].x1, band_top, jumped)
    flow = Flow(doc, doc.columns(1, top, band_bottom, 2, cols[0].x0, cols[1].x1))
    rest = flow.pour(items_of(jumped), jump_to=2)
    assert rest, "the jumped article must not fit page 1"
    top = doc.headline(1, cols[2].x0, cols[2].x1, band_top, narrow, size=20.0)
    flow = Flow(doc, [doc.columns(1, top, band_bottom, 4, left, right)[2]])
    assert not flow.pour(items_of(narrow))
    box = cols[3]
    doc.rect(1, (box.x0 - 4, band_top - 4, box.x1 + 4, band_top + 420), False)
    doc.centred(1, box.x0, box.x1, band_top + 4, "简讯", HEI, 16.0)
    y = band_top + 34.0
    for brief in (brief1, brief2, brief3):
        doc.text(1, box.x0, y, brief.title, HEI, 11.0)
        flow = Flow(doc, doc.columns(1, y + 18, band_top + 410, 4, left, right)[3:])
        assert not flow.pour(items_of(brief))
        y = flow.y + 10
    doc.centred(1, left, right, height - 30, "— 1 —", SONG, 9.0)
    # Page 2: running head, the jump's rest, an article over columns 3-4, a three-column band.
    doc.text(2, left, 24, RUNNING_HEAD[0], HEI, 9.0)
    doc.centred(2, left, right, 24, RUNNING_HEAD[1], SONG, 9.0)
    doc.text(2, right - 80, 24, RUNNING_HEAD[2], SONG, 9.0)
    doc.rule(2, left, right, 40)
    cols = doc.columns(2, 0, 0, 4, left, right)
    doc.text(2, cols[0].x0, 56, "（上接第1版）", SONG, BODY)
    flow = Flow(doc, doc.columns(2, 56 + BODY * 1.6, 560, 2, cols[0].x0, cols[1].x1))
    assert not flow.pour(rest)
    top = doc.headline(2, cols[2].x0, cols[3].x1, 56, second)
    flow = Flow(doc, doc.columns(2, top, 560, 2, cols[2].x0, cols[3].x1))
    assert not flow.pour(items_of(second))
    doc.rule(2, left, right, 572)
    top = doc.headline(2, left, right, 586, wide)
    three = doc.columns(2, top, height - 60, 3, left, right)
    three[2].bottom = height - 200
    flow = Flow(doc, three)
    assert not flow.pour(items_of(wide, photo_after=2))
    corner = three[2]
    doc.rect(2, (corner.x0 - 4, height - 186, corner.x1 + 4, height - 64), False)
    y = height - 180
    for line in CLOSING:
        doc.text(2, corner.x0, y, line, SONG, 9.5)
        y += 9.5 * 1.7
    doc.centred(2, left, right, height - 30, "— 2 —", SONG, 9.0)
    doc.render(path)
    return PrintIssue(path, [lead, jumped, narrow, brief1, brief2, brief3, second, wide], CLOSING)
