"""Table tests for the clean-up rules."""

from __future__ import annotations

import pytest

from tingbao.reading.cleanup import (
    chinese_punctuation,
    clean_line,
    compile_patterns,
    continues_into_next,
    ends_sentence,
    is_boilerplate,
    join_fragments,
    looks_like_heading,
    rejoin_paragraphs,
)
from tingbao.reading.settings import DEFAULT_BOILERPLATE_PATTERNS


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  虹桥镇\t召开  会议 ", "虹桥镇 召开 会议"),
        ("全角\u3000空格", "全角 空格"),
        ("控制\x0b字符\x00去掉\x1f", "控制字符去掉"),
        ("零宽\u200b空格\ufeff", "零宽空格"),
        ("<b>加粗</b>标题", "加粗标题"),
        ("正文<script>alert(1)</script>继续", "正文继续"),
        ("注释<!-- x -->之后", "注释之后"),
        ("实体 &amp; 符号", "实体 & 符号"),
        ("&#11;编码的控制字符", "编码的控制字符"),
        ("1 < 2 且 3 > 2", "1 < 2 且 3 > 2"),
        # Private-use characters (spoken text's lexicon marks), in any plane, raw or as entities.
        ("今天\ue000好\ue001hao3\ue002天气", "今天好hao3天气"),
        ("莘庄\uf8ff镇\U000f0000\U0010fffd", "莘庄镇"),
        ("编码的&#xe000;标记&#983040;", "编码的标记"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


@pytest.mark.parametrize(
    ("raw", "set_in_chinese"),
    [
        ("统一思想,提高认识", "统一思想，提高认识"),  # the sample's commas
        ("取得实效,7月29日", "取得实效，7月29日"),
        ("新势能;汇聚合力", "新势能；汇聚合力"),
        ("热线:021-64059791", "热线：021-64059791"),
        ("确保,“美丽家园”", "确保，“美丽家园”"),
        ("“美丽家园”,推进", "“美丽家园”，推进"),
        ("虹桥 , 古北", "虹桥，古北"),
        ("好吗?!", "好吗？！"),
        ("ABC, 中国", "ABC，中国"),
        ("1,000 人", "1,000 人"),  # digits: a thousands separator
        ("10:30 开会", "10:30 开会"),
        ("见 https://a.cn/?x=1,2", "见 https://a.cn/?x=1,2"),
        ("Hello, world!", "Hello, world!"),
        ("“Yes,” he said", "“Yes,” he said"),  # curly quotes around English stay English
    ],
)
def test_ascii_punctuation_beside_chinese_is_set_in_chinese(raw: str, set_in_chinese: str) -> None:
    assert chinese_punctuation(raw) == set_in_chinese
    assert clean_line(raw) == set_in_chinese


BOILERPLATE = compile_patterns(DEFAULT_BOILERPLATE_PATTERNS)


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("扫描二维码", True),
        ("关注“上海社区发布”", True),
        ("官方微信公众号", True),
        ("中共闵行区虹桥镇委员会 联合主办", True),
        ("自 / 家 / 门 / 口 / 这 / 点 / 事", True),
        ("第 2 版", True),
        ("虹桥镇召开2020年年中工作会议", False),
        ("“人民城市人民建,人民城市为人民”,卢国庆要求", False),
        ("1+34+X", False),
    ],
)
def test_boilerplate(line: str, dropped: bool) -> None:
    assert is_boilerplate(line, BOILERPLATE) is dropped


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("会议召开。", True),
        ("真的吗？", True),
        ("等等……", True),
        ("“基本完成半年度目标任务。”", True),
        ("以“1+34+X”", False),
        ("为“十四五”发展", False),
        ("加强排查固守,", False),
        ("（完）", True),
        ("以地区文化涵", False),
    ],
)
def test_ends_sentence(text: str, ends: bool) -> None:
    assert ends_sentence(text) is ends


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("坚持经济工作“中心居中”", True),
        ("凝聚精神力量 推动虹桥发展", True),
        ("决战创全、决胜小康、奋斗有我", True),
        ("不容有失。", False),
        ("卢国庆强调,全镇上下要始终与镇党委、政府步调一致", False),
        ("很" * 51, False),
    ],
)
def test_looks_like_heading(text: str, heading: bool) -> None:
    assert looks_like_heading(text) is heading


@pytest.mark.parametrize(
    ("text", "continues"),
    [
        ("统筹推进各项工作,确保规划圆满收官,为“十四五”发展", True),
        ("在工作中要坚定", False),  # short and bare: reads as a heading on its own
        ("卢国庆强调,全镇上下要始终与镇党委、政府步调一致,在工作中要坚定", True),
        ("四项工作提高城市治理水平", False),
        ("朝着目标奋力拼搏。", False),
    ],
)
def test_continues_into_next(text: str, continues: bool) -> None:
    assert continues_into_next(text) is continues


@pytest.mark.parametrize(
    ("head", "tail", "joined"),
    [
        ("为“十四五”发展", "开好局、起好步。", "为“十四五”发展开好局、起好步。"),
        ("version", "2 released.", "version 2 released."),
        ("以“1+34+X”", "设点布局", "以“1+34+X”设点布局"),
    ],
)
def test_join_fragments(head: str, tail: str, joined: str) -> None:
    assert join_fragments(head, tail) == joined


def test_rejoin_paragraphs_keeps_headings_apart() -> None:
    paragraphs = [
        "要坚持党的领导,在工作中要坚定",
        "信心和决心,狠抓贯彻落实。",
        "明确十五个字工作思路",
        "范丽春回顾了上半年工作。",
    ]
    assert rejoin_paragraphs(paragraphs) == [
        "要坚持党的领导,在工作中要坚定信心和决心,狠抓贯彻落实。",
        "明确十五个字工作思路",
        "范丽春回顾了上半年工作。",
    ]
