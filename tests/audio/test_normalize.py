"""Table tests of reading aloud: numbers, phones, years, plans, e-mail, marks, sentence splits."""

from __future__ import annotations

import pytest

from tingbao.audio.normalize import speakable
from tingbao.audio.numerals import cardinal, decimal, digits
from tingbao.audio.text import Line, group_pieces, lines_of, split_sentences


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (15, "十五"),
        (27, "二十七"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (1136, "一千一百三十六"),
        (2000, "两千"),
        (10001, "一万零一"),
        (20300, "两万零三百"),
        (120000000, "一亿二千万"),
    ],
)
def test_cardinal(n: int, spoken: str) -> None:
    assert cardinal(n) == spoken


def test_digits_and_decimals() -> None:
    assert digits("021", yao=True) == "零二幺"
    assert digits("2020") == "二零二零"
    assert decimal("12.5") == "十二点五"
    assert cardinal(2, liang=True) == "两"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("新闻热线:021-64059791", "新闻热线：零二幺，六四零五，九七九幺"),
        ("手机13812345678", "手机幺三八，幺二三四，五六七八"),
        ("请拨打12345反映", "请拨打幺二三四五反映"),
        ("400-820-8820", "四零零，八二零，八八二零"),
        ("2020年虹桥镇", "二零二零年虹桥镇"),
        ("2019-2020年", "二零一九到二零二零年"),
        ("2019-2020学年", "二零一九到二零二零学年"),
        ("2019—2020年", "二零一九到二零二零年"),
        ("2019至2020年", "二零一九到二零二零年"),
        ("2019年-2020年", "二零一九年到二零二零年"),
        ("2019-2020赛季", "二零一九到二零二零赛季"),
        ("2020届毕业生", "二零二零届毕业生"),
        ("7月27日,虹桥镇召开会议。", "七月二十七日，虹桥镇召开会议。"),
        ("于2020-07-30召开", "于二零二零年七月三十日召开"),
        ("截至2024/9/8", "截至二零二四年九月八日"),
        ("增长12.5%", "增长百分之十二点五"),
        ("占比5%-10%", "占比百分之五到百分之十"),
        ("共有2个实践站", "共有两个实践站"),
        ("服务2万人", "服务两万人"),
        ("第2届", "第二届"),
        ("3-5个", "三到五个"),
        ("1/3的居民", "三分之一的居民"),
        ("9:05开始", "九点零五分开始"),
        ("以“1+34+X”设点布局", "以一加三十四加X设点布局"),
        ("为“十四五”发展开好局", "为十四五发展开好局"),
        ("投稿邮箱:jinhongqiao@163.com", "投稿邮箱：j i n h o n g q i a o艾特幺六三点com"),
        ("吴中路1136号608室(信息办公室)", "吴中路一一三六号六零八室，信息办公室"),
        ("凝聚精神力量 推动虹桥发展", "凝聚精神力量，推动虹桥发展"),
        ("奋斗有我——2020年大会", "奋斗有我，二零二零年大会"),
        ("《金虹桥》报道", "金虹桥报道"),
        ("面积1,200平方米", "面积一千二百平方米"),
        ("温度30℃", "温度三十摄氏度"),
        ("２０２０年", "二零二零年"),
        ("见 https://example.com/a 详情", "见，网址请看文字版，详情"),
    ],
)
def test_speakable(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # The area code, the number in groups of four, then 转 and the extension; 1 is 幺.
        ("新闻热线：(021)64059791", "新闻热线：零二幺，六四零五，九七九幺"),
        ("新闻热线：（021）64059791", "新闻热线：零二幺，六四零五，九七九幺"),
        ("热线(021)64059791-8012", "热线零二幺，六四零五，九七九幺，转八零幺二"),
        ("64059791转8012", "六四零五，九七九幺，转八零幺二"),
        ("电话021—64059791", "电话零二幺，六四零五，九七九幺"),
        ("电话021 6405 9791", "电话零二幺，六四零五，九七九幺"),
        ("电话021.6405.9791", "电话零二幺，六四零五，九七九幺"),
        ("电话02164059791", "电话零二幺，六四零五，九七九幺"),
        ("电话021-64059791分机8012", "电话零二幺，六四零五，九七九幺，转八零幺二"),
        ("电话021-64059791 ext 8012", "电话零二幺，六四零五，九七九幺，转八零幺二"),
        ("电话0755-2345678", "电话零七五五，二三四，五六七八"),
        # +86 is read the way the number is dialled at home.
        ("电话+86 21 64059791", "电话零二幺，六四零五，九七九幺"),
        ("电话+86-021-64059791", "电话零二幺，六四零五，九七九幺"),
        ("电话0086 21 64059791", "电话零二幺，六四零五，九七九幺"),
        ("联系电话：64059791", "联系电话：六四零五，九七九幺"),
        ("联系电话：64059791-8012", "联系电话：六四零五，九七九幺，转八零幺二"),
        # Mobiles 3-4-4, 400/800 numbers 3-3-4.
        ("手机138-0013-8000", "手机幺三八，零零幺三，八零零零"),
        ("手机138 0013 8000", "手机幺三八，零零幺三，八零零零"),
        ("手机+86 138 0013 8000", "手机幺三八，零零幺三，八零零零"),
        ("客服4008208820", "客服四零零，八二零，八八二零"),
        ("免费电话800-820-8820", "免费电话八零零，八二零，八八二零"),
        # Short service numbers after 拨打, 热线 and the like; a list of them.
        ("请拨打110报警", "请拨打幺幺零报警"),
        ("市民服务热线12345", "市民服务热线幺二三四五"),
        ("拨打110、119或120", "拨打幺幺零、幺幺九或幺二零"),
        ("咨询电话962121", "咨询电话九六二幺二幺"),
        # Not phones: counts, amounts, dates and ranges keep their readings.
        ("共12345人", "共一万二千三百四十五人"),
        ("热线电话2020年共接听300余次", "热线电话二零二零年共接听三百余次"),
        ("110名志愿者", "一百一十名志愿者"),
    ],
)
def test_speakable_phones(written: str, spoken: str) -> None:
    assert speakable(written) == spoken
    assert "到" not in spoken


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("一句。二句！三句？", ["一句。", "二句！", "三句？"]),
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("没有句号的标题", ["没有句号的标题"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_long_sentences_are_cut_at_commas_and_pieces_stay_under_the_limit() -> None:
    text = "，".join(["虹桥镇召开工作会议"] * 30) + "。" + "第二句很短。"
    lines = lines_of(text, 50)
    assert all(len(line.spoken) <= 50 for line in lines)
    assert "".join(line.spoken for line in lines).startswith("虹桥镇召开工作会议，")
    pieces = group_pieces(lines, 120)
    assert all(sum(len(ln.spoken) for ln in piece) <= 120 for piece in pieces)
    assert [ln for piece in pieces for ln in piece] == list(lines)


def test_lines_keep_the_printed_text_for_transcripts() -> None:
    assert lines_of("新闻热线:021-64059791。", 1000) == (
        Line("新闻热线:021-64059791。", "新闻热线：零二幺，六四零五，九七九幺。"),
    )
