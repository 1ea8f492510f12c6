"""The pronunciation lexicon: how a word is said, for both voices, and where it applies in text.

An entry gives a word two readings: a homophone (characters the online voice, which takes no SSML,
reads right: 莘庄 -> 新庄) and tone-number pinyin, one syllable per Chinese character of the word
("xin1 zhuang1", neutral tone 5, ü written v, as pypinyin's TONE3 style), for the offline voice.

Where an entry applies (`Entry.context`):
- "anywhere": every occurrence of the word. Place names, two-character surnames (尉迟, 万俟) and
  the full names editors add (单晓明) are of this kind.
- "surname": a one-character polyphonic surname (单 shàn, 曾 zēng …). Applied everywhere it would
  misread ordinary words (单位, 曾经, 解决, 检查), so it applies only where it begins a name:
  (T) directly followed by a title (TITLES; 某 only as 某某 or before punctuation or the end), and
      itself at the start of a name: after no Chinese character (start, punctuation, a space,
      digits) or right after an introducer (INTRODUCERS: 记者, 居民, 感谢, 和, 的 …), so the 查
      of 检查老师 and the 乐 of 音乐老师 stay as they are; or
  (R) after a role (ROLES, a space allowed between), as the first of a 2-3 character name that
      ends where a byline's name ends (a space, the end, 、 ） / or 摄 报道 供图 整理), and not the
      start of a common word (NOT_NAMES): 记者 单晓明 摄, （通讯员 曾丽）.
  Anything else is left alone; an editor adds a person's full name as an "anywhere" entry.
Matching is longest first, then left to right, without overlaps: a shorter entry never applies
inside a longer one's match.

A word and its reading are written text: a control or format character (ESC, BEL, a line break,
a bidi override), a private-use character (spoken text marks readings with them, audio/marks.py)
or markup (< > & [ ]: SSML, HTML entities, the offline voice's [[phonemes]]) is refused with its
reason (UnsafeTextError), before any other rule, so no entry can steer a voice or a terminal.

Pinyin itself (parsing, reading a homophone, finding one) is pinyin.py's, from pypinyin's data.
Errors: LexiconError's subclasses (InputErrors of the paper part, in paper/errors.py's tree), with
a `code` the bot words in Chinese and an English message for the command line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tingbao.chinese.characters import escape, is_hidden
from tingbao.chinese.pinyin import HAN, homophone_for, parse_pinyin
from tingbao.chinese.pinyin import read as read_homophone
from tingbao.paper.errors import BadReadingError, BadWordError, UnsafeTextError

Context = Literal["anywhere", "surname"]

MAX_WORD = 20
MARKUP = "<>&[]"  # SSML and HTML (<speak>, &lt;), and espeak-ng's phoneme input ([[ ]])
TITLES = ("先生", "女士", "老师", "书记", "主任", "镇长", "同志", "阿姨", "师傅", "老伯")
ROLES = ("记者", "通讯员", "居民", "村民", "书记", "主任", "负责人")
# Words after which a name begins; each ends a word, so it cannot join the surname into one.
INTRODUCERS = (
    *ROLES,
    *("感谢", "谢谢", "陪同", "看望", "慰问", "采访", "邀请", "带领", "找到"),
    *("和", "与", "及", "同", "跟", "向", "对", "给", "请", "让", "叫", "由", "据", "是"),
    *("为", "位", "的"),
)
NAME_ENDS = ("摄", "报道", "供图", "整理")
NAME_END_MARKS = "、）)/／|｜"
# Common words a surname character begins (surname: what follows): never a name after a role.
_WORD_STARTS = {
    "单": "位独元身纯一亲车据价向调人项次个子",
    "曾": "经是在任获有被为与多说参到去来用",
    "解": "决释答读开除放说析难忧困锁题馋渴",
    "查": "找看询处验阅明实获到出清收办封证",
    "仇": "恨人视",
    "朴": "素实",
}
NOT_NAMES = frozenset(s + c for s, follows in _WORD_STARTS.items() for c in follows)


@dataclass(frozen=True)
class Entry:
    """How a word is said: a homophone for the online voice, pinyin for the offline one."""

    word: str
    homophone: str
    pinyin: str  # "xin1 zhuang1": one tone-number syllable per Chinese character of word
    context: Context = "anywhere"


@dataclass(frozen=True)
class Match:
    """Where an entry applies in a text: text[start:end] is entry.word."""

    start: int
    end: int
    entry: Entry


def is_han(char: str) -> bool:
    """Return whether char is a Chinese character."""
    return HAN.fullmatch(char) is not None


def han_count(text: str) -> int:
    """Return how many Chinese characters text holds."""
    return len(HAN.findall(text))


def parse_reading(word: str, raw: str) -> Entry:
    """Return the entry for word from what an editor wrote: a homophone (新庄), pinyin with tone
    numbers or marks, or both (新庄 xin1 zhuang1); the missing one is derived."""
    check_text("word", word)
    check_text("reading", raw)
    word = word.strip()
    chars = han_count(word)
    if chars == 0:
        raise BadWordError("no_chinese", f"{word!r} has no Chinese character", word)
    if len(word) > MAX_WORD:
        raise BadWordError("word_too_long", f"{word!r} is longer than {MAX_WORD} characters", word)
    given = raw.strip()
    if not given:
        raise BadReadingError("no_reading", f"no reading given for {word!r}: add one", word)
    homophone = "".join(HAN.findall(given))
    latin = HAN.sub(" ", given)
    if re.search(r"[^\w\s'’‘,，、;；:\-\u0300-\u036f]|_", unicodedata.normalize("NFD", latin)):
        raise BadReadingError(
            "bad_characters", f"{given!r} is neither Chinese characters nor pinyin", given
        )
    return _entry(word, chars, homophone, parse_pinyin(latin) if latin.strip() else None)


def check_text(what: str, text: str) -> None:
    """Raise UnsafeTextError when text (an editor's word or reading) holds a hidden character
    (a control, format or private-use one) or markup; the detail is the character, escaped."""
    for char in text:
        if char in MARKUP:
            raise UnsafeTextError(
                "markup", f"the {what} {text!r} holds markup {char!r}: write plain text", char
            )
        if is_hidden(char):
            private = unicodedata.category(char) == "Co"
            kind = "a private-use character" if private else "a control character"
            raise UnsafeTextError(
                "private_use" if private else "control_character",
                f"the {what} {text!r} holds {kind} ({escape(char)}): type it again without it",
                escape(char),
            )


def _entry(word: str, chars: int, homophone: str, pinyin: list[str] | None) -> Entry:
    if pinyin is not None and len(pinyin) != chars:
        raise BadReadingError(
            "syllable_count",
            f"{len(pinyin)} syllables for the {chars} characters of {word!r}: give one for each",
            f"{len(pinyin)}/{chars}",
        )
    if homophone:
        if len(homophone) != chars:
            raise BadReadingError(
                "homophone_count",
                f"the homophone {homophone!r} has {len(homophone)} characters, "
                f"{word!r} has {chars}: give one for each",
                f"{len(homophone)}/{chars}",
            )
        heard = read_homophone(homophone)
        if pinyin is not None and heard != pinyin:
            raise BadReadingError(
                "homophone_mismatch",
                f"{homophone!r} is read {' '.join(heard)}, not {' '.join(pinyin)}: "
                "give either one alone, or characters read as the pinyin",
                " ".join(heard),
            )
        pinyin = heard
    else:
        assert pinyin is not None
        homophone = "".join(homophone_for(syllable) for syllable in pinyin)
    return Entry(word, _spell(word, homophone), " ".join(pinyin))


def _spell(word: str, han: str) -> str:
    """Return word with its Chinese characters replaced, in order, by those of han."""
    replacements = iter(han)
    return HAN.sub(lambda _: next(replacements), word)


def _place(word: str, homophone: str, pinyin: str) -> Entry:
    return Entry(word, homophone, pinyin)


def _surname(word: str, homophone: str, pinyin: str) -> Entry:
    return Entry(word, homophone, pinyin, "surname")


# Shipped entries: a character in each has several readings and the name takes one a voice does
# not pick by itself (both pypinyin and espeak-ng's Mandarin dictionary read them wrong), or is
# rare. Readings as in 《现代汉语词典》(7th ed.) / 《新华字典》(12th ed.) and the places' own
# romanizations (Wikipedia's articles on them). Left out on purpose: 七宝, 虹桥, 华漕, 大场, 梅陇,
# 泗泾, 吴泾 (every voice reads them right), 六灶 (sources disagree), and the surnames whose
# family reading varies (乐 lè/yuè, 盖 gě/gài, 覃 qín/tán) or whose character is too common in
# other words (区 ōu, 员 yùn): editors add those per person.
DEFAULT_ENTRIES: tuple[Entry, ...] = (
    # 莘 xīn: "莘庄，地名，在上海" (新华字典, 莘 xīn); 莘庄镇, Minhang: "Xinzhuang" (Wikipedia).
    _place("莘庄", "新庄", "xin1 zhuang1"),
    # Roads, schools and estates of 莘庄 named after it (莘松路, 莘朱路, 莘北路, 莘建路): xīn.
    _place("莘松", "新松", "xin1 song1"),
    _place("莘朱", "新朱", "xin1 zhu1"),
    _place("莘北", "新北", "xin1 bei3"),
    _place("莘建", "新建", "xin1 jian4"),
    # 闵行区: "Minhang" (Wikipedia 闵行区); 行 háng as in 银行, not xíng.
    _place("闵行", "闵航", "min3 hang2"),
    # 浦江镇, Minhang, was made in 2000 of 陈行, 杜行 and 鲁汇 (Wikipedia 浦江镇): Chenhang, Duhang.
    _place("陈行", "陈航", "chen2 hang2"),
    _place("杜行", "杜航", "du4 hang2"),
    # 杨行镇, Baoshan: "Yanghang" (Wikipedia 杨行镇).
    _place("杨行", "杨航", "yang2 hang2"),
    # 颛桥镇, Minhang: "Zhuanqiao" (Wikipedia 颛桥镇); 颛 is outside the 3755 common characters.
    _place("颛桥", "专桥", "zhuan1 qiao2"),
    # 诸翟, the old town of 华漕镇, Minhang: Zhūzhái (百度百科 诸翟); 翟 zhái, not dí.
    _place("诸翟", "诸宅", "zhu1 zhai2"),
    # 泖港镇, Songjiang: "Maogang" (Wikipedia 泖港镇); 泖 mǎo (also liǔ), rare.
    _place("泖港", "卯港", "mao3 gang3"),
    # Two-character surnames, never ordinary words: 尉迟 Yùchí, 万俟 Mòqí (新华字典, 尉 yù, 万 mò).
    _place("尉迟", "玉迟", "yu4 chi2"),
    _place("万俟", "莫其", "mo4 qi2"),
    # Polyphonic surnames (新华字典 under each character: "姓" with this reading).
    _surname("单", "善", "shan4"),
    _surname("曾", "增", "zeng1"),
    _surname("解", "谢", "xie4"),
    _surname("查", "渣", "zha1"),
    _surname("仇", "求", "qiu2"),
    _surname("朴", "瓢", "piao2"),
    _surname("缪", "妙", "miao4"),
    _surname("翟", "宅", "zhai2"),  # Zhái is the usual family reading (Dí is rare)
)


class Lexicon:
    """The entries in force: the shipped ones overlaid by editors' (see `overlay`)."""

    def __init__(
        self,
        entries: Iterable[Entry] = DEFAULT_ENTRIES,
        defaults: Iterable[Entry] = DEFAULT_ENTRIES,
    ) -> None:
        self._by_word = {entry.word: entry for entry in entries}
        self._defaults = frozenset(defaults)

    @classmethod
    def overlay(
        cls, edits: Mapping[str, Entry | None], defaults: Sequence[Entry] = DEFAULT_ENTRIES
    ) -> Lexicon:
        """Return the defaults with editors' edits: word -> its entry, or None for removed.
        An edited default keeps where it applies (a surname stays a surname)."""
        shipped = {entry.word: entry for entry in defaults}
        entries = dict(shipped)
        for word, edit in edits.items():
            if edit is None:
                entries.pop(word, None)
            else:
                base = shipped.get(word)
                entries[word] = replace(edit, context=base.context) if base else edit
        return cls(entries.values(), defaults)

    def entries(self) -> list[Entry]:
        """Return every entry, in pinyin order."""
        return sorted(self._by_word.values(), key=lambda e: (e.pinyin, e.word))

    def get(self, word: str) -> Entry | None:
        """Return the entry of word, or None."""
        return self._by_word.get(word)

    def is_default(self, word: str) -> bool:
        """Return whether word's entry is the shipped one, unchanged."""
        return self._by_word.get(word) in self._defaults

    def matches(self, text: str) -> list[Match]:
        """Return where entries apply in text: longest first, then leftmost, never overlapping;
        in text order."""
        found = [
            Match(start, start + len(entry.word), entry)
            for entry in self._by_word.values()
            for start in _occurrences(text, entry.word)
            if entry.context == "anywhere" or _begins_name(text, start, entry.word)
        ]
        found.sort(key=lambda m: (m.start - m.end, m.start))
        taken: list[Match] = []
        for match in found:
            if all(match.end <= t.start or t.end <= match.start for t in taken):
                taken.append(match)
        return sorted(taken, key=lambda m: m.start)

    def fingerprint(self, text: str) -> str:
        """Return a short hash of the entries that apply in text ("" when none): a change of
        the lexicon changes it only for the texts whose reading it changes."""
        used = sorted({m.entry for m in self.matches(text)}, key=lambda e: e.word)
        return _digest(used) if used else ""

    def digest(self) -> str:
        """Return a short hash of every entry."""
        return _digest(sorted(self._by_word.values(), key=lambda e: e.word))


def _digest(entries: Iterable[Entry]) -> str:
    lines = "\n".join(f"{e.word}\t{e.homophone}\t{e.pinyin}\t{e.context}" for e in entries)
    return hashlib.sha256(lines.encode()).hexdigest()[:16]


def _occurrences(text: str, word: str) -> Iterator[int]:
    start = text.find(word)
    while start != -1:
        yield start
        start = text.find(word, start + 1)


def _begins_name(text: str, start: int, surname: str) -> bool:
    """Return whether the surname at text[start:] begins a name (module docstring: T or R)."""
    end = start + len(surname)
    after_title = text.startswith(TITLES, end) or (
        (text.startswith("某", end) and (end + 1 == len(text) or not is_han(text[end + 1])))
        or text.startswith("某某", end)
    )
    name_start = start == 0 or not is_han(text[start - 1]) or text.endswith(INTRODUCERS, 0, start)
    if after_title and name_start:
        return True
    role_end = start
    while role_end > 0 and text[role_end - 1] in " \u3000":
        role_end -= 1
    if not text.endswith(ROLES, 0, role_end) or text[start : end + 1] in NOT_NAMES:
        return False
    return any(han_count(text[end : end + n]) == n and _name_ends(text, end + n) for n in (2, 1))


def _name_ends(text: str, at: int) -> bool:
    return (
        at == len(text)
        or text[at].isspace()
        or text[at] in NAME_END_MARKS
        or text.startswith(NAME_ENDS, at)
    )
