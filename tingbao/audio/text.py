"""Split text for speech: sentences at 。！？, and pieces of about N characters for one request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tingbao.audio.marks import CLOSE, OPEN, for_online
from tingbao.audio.normalize import speakable
from tingbao.chinese import sentences
from tingbao.chinese.lexicon import Lexicon

# A spoken line ends at full stops only: clauses joined by ；are read as one sentence.
_STOPS = sentences.char_class(sentences.STOPS)
# Quotes and round brackets that close a sentence are said with it (】 and ] are not kept).
_TAIL = sentences.char_class(sentences.CLOSING_QUOTES + sentences.CLOSING_PARENS)
_NOT_STOP = sentences.char_class(sentences.STOPS, negated=True)
_SENTENCE = re.compile(f"{_NOT_STOP}+(?:{_STOPS}+{_TAIL}*)?|{_STOPS}+")
# A line too long for one request is cut after a comma, 、, ；or colon, else anywhere.
_SOFT_BREAKS = (
    sentences.COMMAS + sentences.ENUMERATION_COMMA + sentences.CLAUSE_ENDS + sentences.COLONS
)


@dataclass(frozen=True)
class Line:
    """One sentence: as printed (for transcripts) and as spoken (for the engine)."""

    shown: str
    spoken: str


def split_sentences(text: str) -> list[str]:
    """Split text after each 。！？ (closing quotes stay with their sentence)."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _cut_long(sentence: str, limit: int) -> list[str]:
    """Cut a sentence longer than limit at commas, or hard when it has none."""
    clauses = sentences.split_after(sentence, _SOFT_BREAKS)
    return sentences.pack(clauses, limit, cut=lambda clause: _outside_marks(clause, limit))


def lines_of(text: str, limit: int, lexicon: Lexicon | None = None) -> tuple[Line, ...]:
    """Return the sentences of text, each cut to at most limit spoken characters."""
    lines: list[Line] = []
    for sentence in split_sentences(text):
        spoken = speakable(sentence, lexicon)
        if not spoken or speakable_chars(spoken) == 0:
            continue  # punctuation alone ("——。") has nothing to say; an engine sends no audio
        if len(spoken) <= limit:
            lines.append(Line(sentence, spoken))
            continue
        for part in _cut_long(spoken, limit):
            lines.append(Line(part, part))
    return tuple(lines)


def group_pieces(lines: Sequence[Line], limit: int) -> list[tuple[Line, ...]]:
    """Group consecutive lines into pieces of at most limit spoken characters."""
    pieces: list[tuple[Line, ...]] = []
    current: list[Line] = []
    size = 0
    for line in lines:
        if current and size + len(line.spoken) > limit:
            pieces.append(tuple(current))
            current, size = [], 0
        current.append(line)
        size += len(line.spoken)
    if current:
        pieces.append(tuple(current))
    return pieces


def piece_text(lines: Iterable[Line]) -> str:
    """Return the text sent to the engine for a piece."""
    return "".join(line.spoken for line in lines)


def speakable_chars(text: str) -> int:
    """Count the characters that take time to say (letters, digits, Chinese characters)."""
    return sum(1 for c in for_online(text) if c.isalnum())


def _outside_marks(text: str, cut: int) -> int:
    """Return cut, moved back to the start of a lexicon mark it would fall inside."""
    opened = text.rfind(OPEN, 0, cut)
    if opened > 0 and text.rfind(CLOSE, 0, cut) < opened:
        return opened
    return cut
