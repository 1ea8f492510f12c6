"""A second printed layout, unlike the first: one A4 page, justified 9 pt body, two headlines
side by side on one row (one left-aligned in a light face over two columns, one wrapped in the
third column under a bold kicker), 小标题 in the heavy face at body size, and a band of five
narrow columns under a headline that wraps over two lines with a subtitle; a running head and a
bare folio.
"""

from __future__ import annotations

from pathlib import Path

from tests.reading.printgen import HEI, MARGIN, SONG, Composer, Flow, TrueArticle, items_of

A4 = (595.0, 842.0)
BODY = 9.0

LEFT = TrueArticle(
    title="虹梅街道推进老旧小区加装电梯",
    sections=[
        (
            None,
            [
                "今年以来，街道把老旧小区加装电梯作为民心工程来抓，已有十二台电梯完成安装并投入使用，"
                "另有八台正在施工，预计年底前全部完工。",
                "为解决居民意见难统一的问题，街道组织居委会、业委会和物业公司一起上门听取意见，"
                "逐户讲清楚费用分摊和后续维护办法，不少原本有顾虑的低层住户也投了赞成票。",
            ],
        ),
        (
            "◆ 专业力量全程指导",
            [
                "街道还引入专业设计单位，为每个门洞量身定做方案，尽量减少对低层住户采光和通行的影响，"
                "施工期间安排专人每天巡查，确保安全文明施工。",
                "住在五楼的陈阿姨说，过去下楼买菜要歇好几回，现在电梯装到了家门口，出门方便多了，"
                "心里别提多高兴。",
            ],
        ),
    ],
)
RIGHT = TrueArticle(
    kicker="暖心服务",
    title="家庭医生走进社区开展义诊",
    sections=[
        (
            None,
            [
                "9月7日上午，社区卫生服务中心的家庭医生团队来到古北新区，为居民测量血压、血糖，"
                "讲解秋季常见病的预防知识。",
                "不少老人拿着体检报告前来咨询，医生们一一耐心解答，并提醒大家按时服药、合理饮食。",
            ],
        )
    ],
)
BAND = TrueArticle(
    title="社区志愿者服务队成立五周年表彰大会举行 二十名优秀志愿者受到表彰",
    subtitle="志愿服务让邻里更亲近",
    sections=[
        (
            None,
            [
                "9月8日下午，社区志愿者服务队成立五周年表彰大会在社区文化中心举行，"
                "二十名优秀志愿者和五支优秀服务团队受到表彰。",
                "五年来，服务队从最初的十几个人发展到三百多人，服务内容涵盖助老助残、环境整治、"
                "文明交通、防疫宣传等多个方面，累计服务时长超过五万小时。",
                "会上，老志愿者代表分享了自己的服务故事。七十二岁的王老伯说，只要身体允许，"
                "他会一直做下去，用自己的行动影响身边更多的人。",
                "社区党委书记表示，将继续完善志愿服务激励机制，为志愿者提供更多培训和保障，"
                "让志愿服务成为社区的一道亮丽风景线。",
            ],
        )
    ],
)


def make_variant(path: Path) -> list[TrueArticle]:
    """Write the one-page A4 variant and return its articles in reading order."""
    doc = Composer(pages=1, size=A4)
    width, height = doc.width, doc.height
    left, right = MARGIN, width - MARGIN
    doc.text(1, left, 20, "虹梅社区报", SONG, 8.0)
    doc.text(1, right - 120, 20, "2024年9月12日  第3版", SONG, 8.0)
    doc.rule(1, left, right, 32)
    cols = doc.columns(1, 0, 0, 3, left, right)
    top = doc.headline(1, cols[0].x0, cols[1].x1, 44, LEFT, size=17.0, font=SONG, centre=False)
    flow = Flow(doc, doc.columns(1, top, 470, 2, cols[0].x0, cols[1].x1), BODY, justify=True)
    assert not flow.pour(items_of(LEFT))
    kicker = RIGHT.kicker
    RIGHT.kicker = None
    doc.text(1, cols[2].x0, 44, kicker or "", HEI, 11.0)
    top = doc.headline(1, cols[2].x0, cols[2].x1, 44 + 16, RIGHT, size=15.0, centre=False)
    RIGHT.kicker = kicker
    flow = Flow(doc, [doc.columns(1, top, 470, 3, left, right)[2]], BODY, justify=True)
    assert not flow.pour(items_of(RIGHT))
    doc.rule(1, left, right, 482)
    top = doc.headline(1, left, right, 494, BAND, size=16.0)
    flow = Flow(doc, doc.columns(1, top, height - 50, 5, left, right), BODY, justify=True)
    assert not flow.pour(items_of(BAND))
    doc.centred(1, left, right, height - 30, "3", SONG, 8.0)
    doc.render(path)
    return [LEFT, RIGHT, BAND]
