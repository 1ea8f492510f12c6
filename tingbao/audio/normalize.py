"""Rewrite written Chinese into what a person would say, since edge-tts takes no SSML.

Pure functions: `speakable(text)` turns one sentence of an article into the text handed to the
speech engine. Rules run in order; each one converts the digits it owns into Chinese characters,
so later, more general rules never see them. What reaches an engine says a word's sound only
where the lexicon put a mark (marks.py): private-use characters and square brackets of the text
itself are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tingbao.audio.marks import fill_marks, hold_words
from tingbao.audio.numerals import cardinal, decimal, digits
from tingbao.chinese.lexicon import Lexicon
from tingbao.chinese.phone_numbers import replace_phones, spoken

_CJK = r"\u3400-\u9fff"
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ％＋．／＠－～",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%+./@-~",
)
_SYMBOLS = (
    ("㎡", "平方米"),
    ("m²", "平方米"),
    ("℃", "摄氏度"),
    ("°C", "摄氏度"),
    ("&", "和"),
    ("=", "等于"),
)
# Measure words after which a lone 2 is read 两 (两个人, but 二月, 二号, 二级).
_LIANG_UNITS = (
    "个|位|名|人|家|户|项|条|件|辆|所|座|台|份|本|只|次|场|批|元|块|米|公里|千米|平方米|亩|吨|"
    "公斤|千克|斤|天|周|小时|分钟|秒|岁|种|类|处|间|张|套|层|组|队|支|栋|幢|倍|成|万|亿|千"
)
_OTHER_UNITS = "月|日|号|年|级|届|期|版|章|节|点|分|百|%"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_EMAIL_WORDS = {"com", "cn", "net", "org", "gov", "edu", "qq"}
_URL = re.compile(r"(?:https?://|www\.)[\w./?=&%#:+-]+", re.IGNORECASE)


def _spell(word: str) -> str:
    """Spell letters one by one, digits as in a phone number (163 -> 幺六三), marks by name."""
    if word.lower() in _EMAIL_WORDS:
        return word.lower()
    runs = re.findall(r"\d+|[A-Za-z]|.", word)
    marks = {".": "点", "_": "下划线", "-": "横杠", "+": "加"}
    spoken = [digits(r, yao=True) if r.isdigit() else marks.get(r, r) for r in runs]
    # Letters are spaced so the voice spells them; Chinese words join without a pause.
    out = ""
    for part in spoken:
        if out and out[-1].isascii() and part[0].isascii():
            out += " "
        out += part
    return out


def _email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return _spell(local) + "艾特" + "点".join(_spell(label) for label in domain.split("."))


def _sub(pattern: str, repl: Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    compiled = re.compile(pattern)
    return lambda text: compiled.sub(repl, text)


def _time(m: re.Match[str]) -> str:
    hour, minute = int(m.group(1)), int(m.group(2))
    return cardinal(hour, liang=True) + "点" + (f"{_minutes(minute)}分" if minute else "")


def _minutes(minute: int) -> str:
    return ("零" if minute < 10 else "") + cardinal(minute)


def _plan(m: re.Match[str]) -> str:
    terms = re.split(r"\s*\+\s*", m.group(0))
    return "加".join(cardinal(int(t)) if t.isdigit() else t.upper() for t in terms)


def _plain_number(m: re.Match[str]) -> str:
    text = m.group(0)
    if "." not in text and (len(text) >= 5 or (text.startswith("0") and len(text) > 1)):
        return digits(text)
    return decimal(text)


_NUM = r"\d+(?:\.\d+)?"
_YEAR_WORDS = "年|学年|财年|赛季|届"
_RULES: tuple[Callable[[str], str], ...] = (
    _sub(r"(?<![\w])" + _URL.pattern, lambda m: "网址请看文字版"),
    lambda text: _EMAIL.sub(_email, text),
    # Phone numbers of every kind, digit by digit: paper.phone finds and groups them.
    lambda text: replace_phones(text, spoken),
    _sub(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)", _time),
    # Dates written with dashes, slashes or dots: 2020-07-30 -> 二零二零年七月三十日.
    _sub(
        r"(?<![\d.])((?:19|20)\d{2})[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01])(?![\d.])",
        lambda m: f"{digits(m[1])}年{cardinal(int(m[2]))}月{cardinal(int(m[3]))}日",
    ),
    # Years, alone or as a range, digit by digit: 2020年 -> 二零二零年, 2019-2020学年 ->
    # 二零一九到二零二零学年 (到 is right between years; phones above never get it).
    _sub(r"(?<=\d{4}年)\s*[-—–~至到]\s*(?=\d{4}\s*年)", lambda m: "到"),
    _sub(
        r"(?<!\d)(\d{4})\s*[-—–~至到]\s*(\d{4})(?=\s*(?:" + _YEAR_WORDS + r"))",
        lambda m: digits(m[1]) + "到" + digits(m[2]),
    ),
    _sub(r"(?<!\d)(\d{4})(?=\s*年)", lambda m: digits(m[1])),
    _sub(r"(?<!\d)((?:19|20)\d{2})(?=\s*(?:" + _YEAR_WORDS + r"))", lambda m: digits(m[1])),
    _sub(r"(" + _NUM + r")\s*%\s*[-—~至到]\s*(" + _NUM + r")\s*%", lambda m: f"{m[1]}%到{m[2]}%"),
    _sub(r"(" + _NUM + r")\s*%", lambda m: "百分之" + decimal(m[1])),
    _sub(r"(?<![\d.])(?:\d+|[A-Za-z])(?:\s*\+\s*(?:\d+|[A-Za-z]))+(?![\w])", _plan),
    _sub(
        r"(?<![\d/])(\d+)/(\d+)(?![\d/])",
        lambda m: f"{cardinal(int(m[2]))}分之{cardinal(int(m[1]))}",
    ),
    _sub(
        r"(" + _NUM + r")\s*[-~～—至]\s*(?=" + _NUM + r")",
        lambda m: decimal(m[1]) + "到",
    ),
    _sub(r"(?<=\d),(?=\d{3}(?!\d))", lambda m: ""),
    _sub(r"(\d{3,})(?=\s*(?:号|室|弄|栋|幢|房间))", lambda m: digits(m[1])),
    _sub(r"(" + _NUM + r")(?=\s*(?:kg|公斤))", lambda m: decimal(m[1], liang=True)),
    _sub(r"(?<=[零一二三四五六七八九十两点])\s*kg", lambda m: "公斤"),
    _sub(r"(" + _NUM + r")(?=\s*km)", lambda m: decimal(m[1], liang=True)),
    _sub(r"(?<=[零一二三四五六七八九十两点])\s*km", lambda m: "公里"),
    _sub(r"(" + _NUM + r")(?=\s*(?:" + _LIANG_UNITS + r"))", lambda m: decimal(m[1], liang=True)),
    _sub(r"(" + _NUM + r")(?=\s*(?:" + _OTHER_UNITS + r"))", lambda m: decimal(m[1])),
    _sub(_NUM, _plain_number),
)
_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "+": "加"})


def _punctuation(text: str) -> str:
    """Make ASCII punctuation Chinese, drop quotes, and turn brackets and dashes into pauses."""
    text = text.translate(_PUNCT)
    text = re.sub(r"(?<=[" + _CJK + r"])\.(?!\w)", "。", text)
    text = re.sub(r"[“”‘’「」『』《》〈〉\"'`]", "", text)
    text = re.sub(r"[（(【\[]\s*([^）)】\]]*?)\s*[）)】\]]", r"，\1，", text)
    # A square bracket left over would be the offline voice's phoneme input ("[[ni3]]"): only a
    # lexicon mark may say how a word sounds (marks.for_offline).
    text = re.sub(r"[\[\]]", "", text)
    text = re.sub(r"[——–]+|…+|\.{3,}", "，", text)
    text = re.sub(r"\s*/\s*", " ", text)
    # A space between two Chinese words is a pause in print (headlines): say it as one.
    text = re.sub(r"(?<=[" + _CJK + r"])\s+(?=[" + _CJK + r"])", "，", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"，\s*(?=[，。！？；：、])", "", text)
    text = re.sub(r"([；：、])\s*，", r"\1", text)
    return text.strip(" ，、")


def speakable(text: str, lexicon: Lexicon | None = None) -> str:
    """Return text rewritten the way a person reads it aloud (numbers, phones, e-mail, marks).

    The lexicon's words are replaced first (longest first), by marks holding both readings
    (marks.py), which no later rule touches."""
    text, held = hold_words(text, lexicon)
    text = text.translate(_FULLWIDTH)
    for old, new in _SYMBOLS:
        text = text.replace(old, new)
    for rule in _RULES:
        text = rule(text)
    return fill_marks(_punctuation(text), held)
