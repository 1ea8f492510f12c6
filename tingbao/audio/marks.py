"""Lexicon readings inside spoken text: each engine is told a word the way it can say it.

`speakable` (normalize.py) replaces a lexicon word with a mark holding both readings:
OPEN homophone SEP pinyin CLOSE. The online voice (no SSML) is given the homophone; the offline
voice is given the pinyin as espeak-ng phonemes. Private-use characters delimit the mark, so no
rewriting rule ever contains them; and no text brings one in: clean-up strips them from what is
read, the lexicon refuses them, and `hold_words` drops any left in the text (or in an entry stored
before) before it puts its own, so a mark in spoken text is always the lexicon's. Transcripts use
the printed sentence, so they keep the printed word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tingbao.chinese.characters import without_private_use
from tingbao.chinese.lexicon import Entry, Lexicon
from tingbao.chinese.pinyin import tone_marks

OPEN, SEP, CLOSE = "\ue000", "\ue001", "\ue002"
_SLOT = 0xE100  # slot n is chr(_SLOT + n) while the other rules run
_MARK = re.compile(f"{OPEN}([^{SEP}{CLOSE}]*){SEP}([^{CLOSE}]*){CLOSE}")
_SLOTTED = re.compile(f"{SEP}([\ue100-\ue8ff]){CLOSE}")


def hold_words(text: str, lexicon: Lexicon | None) -> tuple[str, list[Entry]]:
    """Return text with each lexicon word replaced by its homophone in a slotted mark, and the
    entries by slot (the other rewriting rules run between hold_words and fill_marks). Any
    private-use character already in text is dropped first: only the lexicon makes marks."""
    text = without_private_use(text)
    if lexicon is None:
        return text, []
    entries: list[Entry] = []
    out: list[str] = []
    position = 0
    for match in lexicon.matches(text):
        out.append(text[position : match.start])
        homophone = without_private_use(match.entry.homophone)
        out.append(f"{OPEN}{homophone}{SEP}{chr(_SLOT + len(entries))}{CLOSE}")
        entries.append(match.entry)
        position = match.end
    out.append(text[position:])
    return "".join(out), entries


def fill_marks(text: str, entries: Sequence[Entry]) -> str:
    """Put each held entry's pinyin into its mark."""
    if not entries:
        return text
    return _SLOTTED.sub(
        lambda m: f"{SEP}{without_private_use(entries[ord(m[1]) - _SLOT].pinyin)}{CLOSE}", text
    )


def for_online(text: str) -> str:
    """Return the text the online voice is given: each mark as its homophone."""
    return _MARK.sub(lambda m: m[1], text)


def for_offline(text: str, phonemes: Callable[[str], str]) -> str:
    """Return the text the offline voice is given: each mark as [[phonemes]] of its pinyin."""
    return _MARK.sub(lambda m: f"[[{phonemes(m[2])}]]", text)


def shown(text: str) -> str:
    """Return spoken text for people: each mark as homophone(pinyin with tone marks)."""
    return _MARK.sub(lambda m: f"{m[1]}({tone_marks(m[2])})", text)


def has_marks(text: str) -> bool:
    """Return whether text holds a lexicon reading."""
    return OPEN in text
