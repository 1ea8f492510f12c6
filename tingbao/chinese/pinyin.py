"""Pinyin for the lexicon, from pypinyin's data: parse what an editor typed, read a homophone,
and find a homophone for a reading. Pure; the data is pypinyin's, loaded once.

Readings are in pypinyin's TONE3 style: lower-case letters, ü written v, then the tone 1-5 (5 is
the neutral tone): "xin1", "lv4", "de5".

Errors (paper/errors.py's tree): BadPinyinError for text that is not pinyin with tones, and
UnknownReadingError for a homophone or reading pypinyin's data cannot convert; both carry the
`code` the bot words in Chinese.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_tone, to_tone3
from pypinyin.pinyin_dict import pinyin_dict

from tingbao.paper.errors import BadPinyinError, UnknownReadingError

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}  # combining tone marks
_SPLIT = re.compile(r"[\s'’‘,，、;；\-]+")
_NUMBERED = re.compile(r"(?:[a-z]+[0-9])+")


def tone_marks(pinyin: str) -> str:
    """Return tone-number pinyin with tone marks, as an editor reads it: "xīn zhuāng"."""
    return " ".join(to_tone(syllable) for syllable in pinyin.split())


@functools.cache
def known_readings() -> frozenset[str]:
    """Return every reading pypinyin knows of any character, in TONE3 style ("xin1")."""
    return frozenset(
        to_tone3(reading, neutral_tone_with_five=True)
        for readings in pinyin_dict.values()
        for reading in readings.split(",")
    )


@functools.cache
def known_syllables() -> frozenset[str]:
    """Return every toneless syllable of known_readings (Latin letters, ü as v)."""
    bare = (reading.rstrip("012345") for reading in known_readings())
    return frozenset(s for s in bare if re.fullmatch(r"[a-z]+", s))


@functools.cache
def homophone_chars() -> dict[str, str]:
    """Return reading -> a common character said so without context: the first GB2312 level-1
    character (the 3755 common ones, in pinyin order) whose only reading it is, else (北 for
    bei3) the first whose first reading, the one a voice picks by itself, it is."""
    only: dict[str, str] = {}
    first: dict[str, str] = {}
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                char = bytes([high, low]).decode("gb2312")
            except UnicodeDecodeError:  # the unused end of row 0xD7
                continue
            readings = pinyin_dict.get(ord(char), "").split(",")
            if readings[0]:
                reading = to_tone3(readings[0], neutral_tone_with_five=True)
                (only if len(readings) == 1 else first).setdefault(reading, char)
    return first | only


def read(homophone: str) -> list[str]:
    """Return the pinyin pypinyin gives the Chinese characters of homophone, in context."""
    han = "".join(HAN.findall(homophone))
    syllables = lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
    if len(syllables) != len(han) or not all(s in known_readings() for s in syllables):
        raise UnknownReadingError(
            "homophone_unknown",
            f"some characters of {homophone!r} have no known reading: use common characters",
            homophone,
        )
    return syllables


def parse_pinyin(text: str) -> list[str]:
    """Return TONE3 syllables from pinyin with tone numbers ("xin1zhuang1", "Xin1 Zhuang1") or
    tone marks ("xīn zhuāng"; a syllable without a mark is neutral)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("u:", "v")
    tokens = [t for t in _SPLIT.split(text) if t]
    if not any(c.isdigit() for c in text) and not any(
        m in unicodedata.normalize("NFD", text) for m in _MARKS
    ):
        raise BadPinyinError(
            "no_tone", f"{text.strip()!r} has no tones: write xin1 zhuang1 or xīn zhuāng", text
        )
    numbered = any(c.isdigit() for c in text)  # then every syllable has its number
    syllables: list[str] = []
    for token in tokens:
        syllables += _numbered(token) if numbered else _marked(token)
    for syllable in syllables:
        if syllable[:-1] not in known_syllables() or not (
            syllable in known_readings() or syllable.endswith("5")
        ):
            raise BadPinyinError(
                "bad_syllable", f"{syllable!r} is not a Mandarin syllable and tone", syllable
            )
    return syllables


def _numbered(token: str) -> list[str]:
    token = token.replace("ü", "v")
    if not _NUMBERED.fullmatch(token):
        raise BadPinyinError(
            "bad_syllable", f"{token!r}: every syllable needs a tone number 1-5", token
        )
    syllables = re.findall(r"[a-z]+[0-9]", token)
    for syllable in syllables:
        if syllable[-1] not in "12345":
            raise BadPinyinError("bad_syllable", f"{syllable!r}: tones are 1 to 5", syllable)
    return syllables


def _marked(token: str) -> list[str]:
    """Split a tone-marked token into syllables (fewest, each with at most one mark)."""
    letters: list[str] = []
    tones: dict[int, int] = {}
    for char in unicodedata.normalize("NFD", token):
        if char in _MARKS:
            tones[len(letters) - 1] = _MARKS[char]
        elif char == "\u0308" and letters and letters[-1] == "u":  # ü
            letters[-1] = "v"
        elif re.fullmatch(r"[a-z]", char):
            letters.append(char)
        else:
            raise BadPinyinError("bad_syllable", f"{token!r} is not pinyin", token)
    bare = "".join(letters)
    best: list[list[str] | None] = [[]] + [None] * len(bare)
    for end in range(1, len(bare) + 1):
        for start in range(max(0, end - 6), end):
            done, piece = best[start], bare[start:end]
            marks = [tones[i] for i in range(start, end) if i in tones]
            if done is None or piece not in known_syllables() or len(marks) > 1:
                continue
            found = [*done, f"{piece}{marks[0] if marks else 5}"]
            current = best[end]
            if current is None or len(found) < len(current):
                best[end] = found
    result = best[len(bare)]
    if result is None:
        raise BadPinyinError("bad_syllable", f"{token!r} is not pinyin", token)
    return result


def homophone_for(reading: str) -> str:
    """Return the common character read only `reading` (homophone_chars)."""
    char = homophone_chars().get(reading)
    if char is None:
        raise UnknownReadingError(
            "no_homophone",
            f"no common character is read only {reading}: give a homophone too",
            reading,
        )
    return char
