"""The pronunciation lexicon, pure: readings parsed and derived, the shipped entries, where entries
apply in text (surnames only in names), and fingerprints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tingbao.chinese.characters import printable, without_private_use
from tingbao.chinese.lexicon import DEFAULT_ENTRIES, Entry, Lexicon, parse_reading
from tingbao.chinese.pinyin import homophone_chars, homophone_for, parse_pinyin, read, tone_marks
from tingbao.paper.errors import (
    BadPinyinError,
    BadReadingError,
    BadWordError,
    InputError,
    LexiconError,
    PaperError,
    UnknownReadingError,
    UnsafeTextError,
)

XINZHUANG = Entry("莘庄", "新庄", "xin1 zhuang1")


@pytest.mark.parametrize(
    ("word", "raw", "expected"),
    [
        ("莘庄", "新庄", XINZHUANG),
        ("莘庄", " 新庄 ", XINZHUANG),
        ("莘庄", "新庄 xin1 zhuang1", XINZHUANG),
        ("莘庄", "新庄xin1zhuang1", XINZHUANG),
        ("闵行", "闵航", Entry("闵行", "闵航", "min3 hang2")),
        # Pinyin alone: the homophone is made of characters with that one reading.
        ("莘庄", "xin1 zhuang1", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("莘庄", "xin1zhuang1", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("莘庄", "Xin1 Zhuang1", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("莘庄", "ｘｉｎ１ ｚｈｕａｎｇ１", Entry("莘庄", "薪桩", "xin1 zhuang1")),  # full width
        ("莘庄", "xīn zhuāng", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("莘庄", "xīnzhuāng", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("莘庄", "Xīn Zhuāng", Entry("莘庄", "薪桩", "xin1 zhuang1")),
        ("西安", "xī'ān", Entry("西安", "西鞍", "xi1 an1")),
        ("西安", "xīān", Entry("西安", "西鞍", "xi1 an1")),  # two marks: two syllables
        ("绿地", "lǜ dì", Entry("绿地", "氯蒂", "lv4 di4")),
        ("绿地", "lu:4 di4", Entry("绿地", "氯蒂", "lv4 di4")),
        ("绿地", "lü4 di4", Entry("绿地", "氯蒂", "lv4 di4")),
        ("莘北", "xin1 bei3", Entry("莘北", "薪北", "xin1 bei3")),  # 北: its first reading
        ("单", "shàn", Entry("单", "擅", "shan4")),
        ("东西", "东溪 dōng xī", Entry("东西", "东溪", "dong1 xi1")),
        # Characters that are not Chinese stay where they are in the homophone.
        ("A3区", "欧", Entry("A3区", "A3欧", "ou1")),
    ],
)
def test_readings_are_parsed_and_the_missing_form_derived(
    word: str, raw: str, expected: Entry
) -> None:
    assert parse_reading(word, raw) == expected


@pytest.mark.parametrize(
    ("word", "raw", "code"),
    [
        ("abc", "xin1", "no_chinese"),
        ("", "xin1", "no_chinese"),
        ("莘" * 21, "新", "word_too_long"),
        ("莘庄", "", "no_reading"),
        ("莘庄", "   ", "no_reading"),
        ("莘庄", "xin zhuang", "no_tone"),
        ("莘庄", "xin1", "syllable_count"),
        ("莘庄", "xin1 zhuang1 zhen4", "syllable_count"),
        ("莘庄", "xin6 zhuang1", "bad_syllable"),
        ("莘庄", "xin0 zhuang1", "bad_syllable"),
        ("莘庄", "xyz1 zhuang1", "bad_syllable"),
        ("莘庄", "xin1 zhuang", "bad_syllable"),  # a tone number on one, none on the other
        ("莘庄", "新", "homophone_count"),
        ("莘庄", "新庄镇", "homophone_count"),
        ("莘庄", "新庄 shen1 zhuang1", "homophone_mismatch"),
        ("闵行", "闵行 min3 hang2", "homophone_mismatch"),  # pypinyin reads 行 xíng here
        ("东西", "dōng xi", "no_homophone"),  # no common character is only a neutral xi
        ("莘庄", "新庄!", "bad_characters"),
        ("莘庄", "<b>", "markup"),  # markup is refused before the reading is read
        ("莘庄", "xin_1 zhuang1", "bad_characters"),
    ],
)
def test_bad_readings_are_refused_with_a_code_and_a_reason(word: str, raw: str, code: str) -> None:
    with pytest.raises(LexiconError) as raised:
        parse_reading(word, raw)
    assert raised.value.code == code
    message = str(raised.value)
    assert message and "\n" not in message
    assert isinstance(raised.value, InputError)


@pytest.mark.parametrize(
    ("word", "raw", "kind"),
    [
        ("abc", "新", BadWordError),
        ("莘" * 21, "新", BadWordError),
        ("莘庄", "", BadReadingError),
        ("莘庄", "新庄 shen1 zhuang1", BadReadingError),
        ("莘庄", "xin zhuang", BadPinyinError),
        ("莘庄", "xyz1 zhuang1", BadPinyinError),
        ("东西", "dōng xi", UnknownReadingError),
    ],
)
def test_bad_readings_raise_the_narrow_error_of_the_paper_tree(
    word: str, raw: str, kind: type[LexiconError]
) -> None:
    with pytest.raises(kind) as raised:
        parse_reading(word, raw)
    assert isinstance(raised.value, LexiconError) and isinstance(raised.value, PaperError)
    assert not isinstance(raised.value, ValueError)


def test_pinyin_errors_carry_their_code_and_the_piece_at_fault() -> None:
    with pytest.raises(BadPinyinError) as bad:
        parse_pinyin("xin1 zhuang")
    assert (bad.value.code, bad.value.detail) == ("bad_syllable", "zhuang")
    with pytest.raises(UnknownReadingError) as unknown:
        homophone_for("xi5")
    assert (unknown.value.code, unknown.value.detail) == ("no_homophone", "xi5")
    assert isinstance(unknown.value, BadReadingError)


def test_shipped_entries_are_valid_and_their_homophones_read_as_their_pinyin() -> None:
    words = [entry.word for entry in DEFAULT_ENTRIES]
    assert len(words) == len(set(words))
    for entry in DEFAULT_ENTRIES:
        again = parse_reading(entry.word, f"{entry.homophone} {entry.pinyin}")
        assert again == replace(entry, context="anywhere"), entry
        assert read(entry.homophone) == entry.pinyin.split()
        assert entry.context == "surname" or len(entry.word) > 1, entry
    assert Lexicon().get("莘庄") == XINZHUANG
    assert Lexicon().get("七宝") is None  # every voice reads it right


def test_homophones_for_pinyin_have_that_reading_only() -> None:
    chars = homophone_chars()
    assert chars["xin1"] == "薪" and chars["hang2"] == "航"
    assert all(read(char) == [reading] for reading, char in list(chars.items())[::50])


def test_tone_marks_for_the_editor() -> None:
    assert tone_marks("xin1 zhuang1") == "xīn zhuāng"
    assert tone_marks("lv4 di4") == "lǜ dì"
    assert tone_marks("dong1 xi5") == "dōng xi"


def spans(text: str, lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """Return (word, homophone) of every match, in text order."""
    return [(m.entry.word, m.entry.homophone) for m in (lexicon or Lexicon()).matches(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("莘庄镇位于闵行区。", [("莘庄", "新庄"), ("闵行", "闵航")]),
        ("从莘庄到颛桥，再到诸翟。", [("莘庄", "新庄"), ("颛桥", "专桥"), ("诸翟", "诸宅")]),
        ("莘松路和莘朱路口", [("莘松", "新松"), ("莘朱", "新朱")]),
        ("莘莘学子", []),  # 莘 alone is shēn: not an entry
        ("尉迟恭和万俟卨", [("尉迟", "玉迟"), ("万俟", "莫其")]),
        # A surname followed by a title, at the start of a name.
        ("单先生说", [("单", "善")]),
        ("“曾老师好！”", [("曾", "增")]),
        ("感谢解阿姨和查师傅。", [("解", "谢"), ("查", "渣")]),
        ("居民仇老伯", [("仇", "求")]),
        ("朴女士、缪同志、翟书记", [("朴", "瓢"), ("缪", "妙"), ("翟", "宅")]),
        ("他的单主任", [("单", "善")]),
        ("居民单某。", [("单", "善")]),
        ("单某某表示", [("单", "善")]),
        # After a role, the first character of a byline's name.
        ("记者 单晓明 摄", [("单", "善")]),
        ("记者单晓明报道", [("单", "善")]),
        ("（通讯员 曾丽）", [("曾", "增")]),
        ("通讯员　查小龙\n", [("查", "渣")]),
        ("文/记者 曾丽、解放", [("曾", "增")]),
    ],
)
def test_where_entries_apply(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "单位",
        "曾经",
        "解决",
        "检查",
        "查找",
        "仇恨",
        "朴素",
        "地区",
        "盖章",
        "音乐",
        "各单位要检查落实，曾经的问题已经解决。",
        "居民查找线索，仇恨与朴素无关，地区盖章，音乐会。",
        "检查老师布置的作业",  # 查 + title, but 查 ends 检查
        "音乐老师",
        "社区主任和小区阿姨",
        "简单同志",
        "不曾先生",
        "负责人解释说，",  # a role, then a word, not a name
        "居民解决了。",
        "书记曾经说",
        "书记曾经 来过",
        "记者查看 现场",
        "主任查阅、核对",
        "查某公司",  # 某 before more text: "a certain"
        "单晓明说",  # a full name without a title or a role: an editor adds it
    ],
)
def test_surnames_never_touch_ordinary_words(text: str) -> None:
    assert spans(text) == []


def test_longest_entry_wins_and_shorter_ones_never_apply_inside_it() -> None:
    lexicon = Lexicon(
        [
            Entry("莘庄", "新庄", "xin1 zhuang1"),
            Entry("莘庄镇", "新庄镇", "xin1 zhuang1 zhen4"),
            Entry("庄镇", "装镇", "zhuang1 zhen4"),
            Entry("镇政府", "镇正府", "zhen4 zheng4 fu3"),
            Entry("单", "善", "shan4", "surname"),
        ]
    )
    assert spans("莘庄镇政府", lexicon) == [("莘庄镇", "新庄镇")]
    assert spans("莘庄和庄镇，单先生", lexicon) == [
        ("莘庄", "新庄"),
        ("庄镇", "装镇"),
        ("单", "善"),
    ]
    matches = lexicon.matches("到莘庄镇")
    assert [(m.start, m.end) for m in matches] == [(1, 4)]
    # Equal lengths that overlap: the leftmost.
    overlapping = Lexicon([Entry("甲乙", "甲乙", "jia3 yi3"), Entry("乙丙", "乙丙", "yi3 bing3")])
    assert spans("甲乙丙", overlapping) == [("甲乙", "甲乙")]


def test_editors_change_and_remove_shipped_entries_and_add_their_own() -> None:
    own = Entry("单晓明", "善晓明", "shan4 xiao3 ming2")
    changed = Entry("闵行", "敏航", "min3 hang2")
    lexicon = Lexicon.overlay(
        {"闵行": changed, "莘庄": None, own.word: own, "单": Entry("单", "丹", "dan1")}
    )
    assert lexicon.get("莘庄") is None
    assert lexicon.get("闵行") == changed and not lexicon.is_default("闵行")
    assert lexicon.is_default("颛桥") and not lexicon.is_default(own.word)
    assert lexicon.get("单") == Entry("单", "丹", "dan1", "surname")  # still a surname only
    assert spans("单位的单晓明和莘庄", lexicon) == [("单晓明", "善晓明")]
    assert spans("单先生", lexicon) == [("单", "丹")]
    words = [e.word for e in lexicon.entries()]
    assert words == [e.word for e in sorted(lexicon.entries(), key=lambda e: (e.pinyin, e.word))]
    assert "莘庄" not in words and own.word in words


def test_fingerprint_changes_only_with_the_entries_a_text_uses() -> None:
    text = "莘庄镇的单先生"
    shipped = Lexicon()
    assert shipped.fingerprint("今天天气很好") == "" == Lexicon([]).fingerprint(text)
    print_ = shipped.fingerprint(text)
    assert len(print_) == 16 and print_ == Lexicon().fingerprint(text)
    # Another entry elsewhere, or a change to an entry the text does not use: the same.
    assert (
        Lexicon.overlay({"颛桥": None, "泗泾": Entry("泗泾", "四京", "si4 jing1")}).fingerprint(
            text
        )
        == print_
    )
    # A change to an entry it uses, or its removal: different.
    assert Lexicon.overlay({"莘庄": Entry("莘庄", "心庄", "xin1 zhuang1")}).fingerprint(text) != (
        print_
    )
    assert Lexicon.overlay({"单": None}).fingerprint(text) not in ("", print_)
    assert Lexicon.overlay({"单": None, "莘庄": None}).fingerprint(text) == ""
    # A new entry that now applies in the text: different.
    assert (
        Lexicon.overlay({"天气": Entry("天气", "天器", "tian1 qi4")}).fingerprint("今天天气很好")
        != ""
    )


@pytest.mark.parametrize(
    ("word", "raw", "code", "detail"),
    [
        ("莘\x1b[31m庄", "新庄", "control_character", "\\x1b"),  # a terminal colour
        ("莘庄", "新\x07庄", "control_character", "\\x07"),  # the bell
        ("莘\n庄", "新庄", "control_character", "\\n"),
        ("莘庄", "xin1\tzhuang1", "control_character", "\\t"),
        ("莘\u202e庄", "新庄", "control_character", "\\u202e"),  # a bidi override
        ("莘庄\ue000", "新庄", "private_use", "\\ue000"),  # a mark of spoken text
        ("莘庄", "新\ue001庄", "private_use", "\\ue001"),
        ("莘庄", "新庄\U000f0000", "private_use", "\\U000f0000"),  # plane 15
        ("<speak>莘庄", "新庄", "markup", "<"),
        ("莘庄", "新庄</speak>", "markup", "<"),
        ("[[莘庄]]", "新庄", "markup", "["),
        ("莘庄", "[[xin1 zhuang1]]", "markup", "["),
        ("&lt;莘庄", "新庄", "markup", "&"),
    ],
)
def test_hidden_characters_and_markup_are_refused_with_their_reason(
    word: str, raw: str, code: str, detail: str
) -> None:
    with pytest.raises(UnsafeTextError) as refused:
        parse_reading(word, raw)
    assert (refused.value.code, refused.value.detail) == (code, detail)
    assert isinstance(refused.value, LexiconError)
    message = str(refused.value)
    assert message.isprintable() and "\x1b" not in message  # one line, nothing raw


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("莘庄", "莘庄"),
        ("新 庄", "新 庄"),
        ("莘\x1b[31m庄", "莘\\x1b[31m庄"),
        ("a\x07b\nc\x7f", "a\\x07b\\nc\\x7f"),
        ("\u202e庄莘", "\\u202e庄莘"),
        ("莘庄\ue000\U0010fffd", "莘庄\\ue000\\U0010fffd"),
    ],
)
def test_printable_escapes_what_shows_nothing_of_itself(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(text).isprintable()


def test_without_private_use_keeps_everything_else() -> None:
    text = "莘庄\ue000\ue001xin1\ue002镇\uf8ff\U000f0000\U0010fffd。"
    assert without_private_use(text) == "莘庄xin1镇。"
