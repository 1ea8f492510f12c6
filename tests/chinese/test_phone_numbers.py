"""Table tests for phone numbers: finding, parsing, and the display, tel:, card and spoken forms."""

from __future__ import annotations

import pytest

from tingbao.chinese.phone_numbers import (
    Kind,
    Phone,
    card_number,
    display,
    find_phones,
    first_listed,
    parse_phone,
    replace_phones,
    spoken,
    tel_uri,
)
from tingbao.reading.contact import find_hotline

LANDLINE = Phone(Kind.LANDLINE, "64059791", "021")
LANDLINE_EXT = Phone(Kind.LANDLINE, "64059791", "021", "8012")
MOBILE = Phone(Kind.MOBILE, "13800138000")
SERVICE = Phone(Kind.SERVICE, "4008208820")


@pytest.mark.parametrize(
    ("text", "printed", "phone"),
    [
        # Area codes in brackets, followed by a dash, a space or nothing.
        ("新闻热线：(021)64059791", "(021)64059791", LANDLINE),
        ("新闻热线：（021）64059791", "（021）64059791", LANDLINE),
        ("电话 (021) 64059791。", "(021) 64059791", LANDLINE),
        ("021-64059791", "021-64059791", LANDLINE),
        ("021—64059791", "021—64059791", LANDLINE),
        ("021－64059791", "021－64059791", LANDLINE),
        ("021 64059791", "021 64059791", LANDLINE),
        ("02164059791", "02164059791", LANDLINE),
        ("０２１－６４０５９７９１", "０２１－６４０５９７９１", LANDLINE),
        # Country code, with or without the area code's 0.
        ("+86 21 64059791", "+86 21 64059791", LANDLINE),
        ("+86-021-64059791", "+86-021-64059791", LANDLINE),
        ("+862164059791", "+862164059791", LANDLINE),
        ("0086 21 64059791", "0086 21 64059791", LANDLINE),
        ("+86 (21) 6405 9791", "+86 (21) 6405 9791", LANDLINE),
        # Spaces and dots inside the number.
        ("021 6405 9791", "021 6405 9791", LANDLINE),
        ("021.6405.9791", "021.6405.9791", LANDLINE),
        ("021-6405-9791", "021-6405-9791", LANDLINE),
        # Extensions.
        ("热线(021)64059791-8012", "(021)64059791-8012", LANDLINE_EXT),
        ("021-64059791转8012", "021-64059791转8012", LANDLINE_EXT),
        ("021-64059791 转 8012", "021-64059791 转 8012", LANDLINE_EXT),
        ("021-64059791分机8012", "021-64059791分机8012", LANDLINE_EXT),
        ("021-64059791 ext. 8012", "021-64059791 ext. 8012", LANDLINE_EXT),
        ("021-64059791 EXT 8012", "021-64059791 EXT 8012", LANDLINE_EXT),
        ("021-64059791x8012", "021-64059791x8012", LANDLINE_EXT),
        ("64059791转8012", "64059791转8012", Phone(Kind.LANDLINE, "64059791", "", "8012")),
        # Other area codes: 010 and 02x have three digits, the rest four.
        ("010-12345678", "010-12345678", Phone(Kind.LANDLINE, "12345678", "010")),
        ("0755-2345678", "0755-2345678", Phone(Kind.LANDLINE, "2345678", "0755")),
        ("+86 755 2345 6789", "+86 755 2345 6789", Phone(Kind.LANDLINE, "23456789", "0755")),
        # 400 and 800 numbers.
        ("400-820-8820", "400-820-8820", SERVICE),
        ("4008208820", "4008208820", SERVICE),
        ("400 820 8820", "400 820 8820", SERVICE),
        ("800-820-8820", "800-820-8820", Phone(Kind.SERVICE, "8008208820")),
        ("400-820-8820转1", "400-820-8820转1", Phone(Kind.SERVICE, "4008208820", "", "1")),
        # Mobiles.
        ("138-0013-8000", "138-0013-8000", MOBILE),
        ("138 0013 8000", "138 0013 8000", MOBILE),
        ("手机13800138000", "13800138000", MOBILE),
        ("+86 138 0013 8000", "+86 138 0013 8000", MOBILE),
        ("+86-13800138000", "+86-13800138000", MOBILE),
        # Without an area code, or short: only after a word that announces a number.
        ("电话：64059791", "64059791", Phone(Kind.LANDLINE, "64059791")),
        ("联系电话是64059791-8012", "64059791-8012", Phone(Kind.LANDLINE, "64059791", "", "8012")),
        ("遇到火情请拨打119", "119", Phone(Kind.SHORT, "119")),
        ("请拨打110报警", "110", Phone(Kind.SHORT, "110")),
        ("市民服务热线12345", "12345", Phone(Kind.SHORT, "12345")),
        ("投诉请致电12315", "12315", Phone(Kind.SHORT, "12315")),
        ("请拨打“12345”反映", "12345", Phone(Kind.SHORT, "12345")),
        ("咨询电话：962121", "962121", Phone(Kind.SHORT, "962121")),
        ("客服电话95588", "95588", Phone(Kind.SHORT, "95588")),
        ("Tel: 64059791", "64059791", Phone(Kind.LANDLINE, "64059791")),
    ],
)
def test_find_one_phone(text: str, printed: str, phone: Phone) -> None:
    [found] = find_phones(text)
    assert (found.text, found.phone) == (printed, phone)
    assert text[found.start : found.end] == printed


@pytest.mark.parametrize(
    "text",
    [
        "2020年",
        "2020",
        "共投入1,380万元",
        "人均13800元",
        "2020-07-30",
        "2020.07.30",
        "2019-2020学年",
        "2019—2020",
        "ISBN 978-7-5327-4567-8",
        "9787532745678",
        "12345678901234",
        "吴中路1136号608室",
        "邮编200336",
        "3.14",
        "9:00-17:00",
        "110",  # a short number without 拨打, 热线 ...
        "12345",
        "64059791",  # a local number without a keyword
        "64059791-8012",
        "021-1234",  # too short for a landline
        "热线电话2020年共接听300余次",
        "电话12345元",
        "拨打64059",  # not a known short number
        "电话2020.07.30",
        "(21)64059791",  # an area code without its 0 needs +86
        "+1 212 555 0100",  # not a Chinese number
        "以“1+34+X”设点布局",
    ],
)
def test_not_a_phone(text: str) -> None:
    assert list(find_phones(text)) == []


def test_several_phones_and_lists() -> None:
    text = "电话021-64059791、64059792，手机13800138000，火警119"
    assert [m.text for m in find_phones(text)] == ["021-64059791", "64059792", "13800138000"]
    assert [m.text for m in find_phones("拨打110、119或120")] == ["110", "119", "120"]
    assert first_listed("热线：021-64059791、64059792（白天）") == "021-64059791、64059792"
    assert first_listed("没有号码") is None


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("021-64059791", LANDLINE),
        (" 12345 ", Phone(Kind.SHORT, "12345")),  # a hotline field is a phone field
        ("64059791", Phone(Kind.LANDLINE, "64059791")),
        ("021-64059791 转 8012", LANDLINE_EXT),
        ("021-64059791、64059792", None),
        ("热线021-64059791", None),
        ("无", None),
        ("", None),
    ],
)
def test_parse_phone(text: str, phone: Phone | None) -> None:
    assert parse_phone(text) == phone


@pytest.mark.parametrize(
    ("phone", "shown", "tel", "card", "said"),
    [
        (
            LANDLINE,
            "021-64059791",
            "tel:+862164059791",
            "+862164059791",
            "零二幺，六四零五，九七九幺",
        ),
        (
            LANDLINE_EXT,
            "021-64059791转8012",
            "tel:+862164059791;ext=8012",
            "+862164059791",
            "零二幺，六四零五，九七九幺，转八零幺二",
        ),
        (
            Phone(Kind.LANDLINE, "2345678", "0755"),
            "0755-2345678",
            "tel:+867552345678",
            "+867552345678",
            "零七五五，二三四，五六七八",
        ),
        (
            Phone(Kind.LANDLINE, "64059791"),
            "64059791",
            "tel:64059791",
            "64059791",
            "六四零五，九七九幺",
        ),
        (
            MOBILE,
            "138 0013 8000",
            "tel:+8613800138000",
            "+8613800138000",
            "幺三八，零零幺三，八零零零",
        ),
        (SERVICE, "400-820-8820", "tel:4008208820", "4008208820", "四零零，八二零，八八二零"),
        (Phone(Kind.SHORT, "110"), "110", "tel:110", "110", "幺幺零"),
        (Phone(Kind.SHORT, "12345"), "12345", "tel:12345", "12345", "幺二三四五"),
    ],
)
def test_forms(phone: Phone, shown: str, tel: str, card: str, said: str) -> None:
    assert display(phone) == shown
    assert tel_uri(phone) == tel
    assert card_number(phone) == card
    assert spoken(phone) == said
    assert "到" not in said and "十" not in said and "一" not in said


def test_replace_phones_keeps_the_rest() -> None:
    text = "热线（021）64059791，2020年开通"
    assert replace_phones(text, display) == "热线021-64059791，2020年开通"
    assert replace_phones("无号码", display) == "无号码"


@pytest.mark.parametrize(
    ("lines", "hotline"),
    [
        (["新闻热线:021-64059791"], "021-64059791"),
        (["新闻热线：（021）64059791、64059792"], "（021）64059791、64059792"),
        (["新闻热线:021-64059791（工作日9:00-17:00）"], "021-64059791"),
        (["传真：021-64059792", "联系电话：021-64059791"], "021-64059791"),
        (["热线：12345"], "12345"),
        (["地址：吴中路1136号608室", "021-64059791"], "021-64059791"),  # unlabelled
        (["传真：021-64059792"], None),
        (["投稿邮箱:a13800138000@qq.com", "邮编：200336"], None),
    ],
)
def test_hotline_of_the_closing_box_stays_as_printed(lines: list[str], hotline: str | None) -> None:
    assert find_hotline(lines) == hotline
