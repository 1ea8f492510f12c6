"""Split text for speech: sentences at 。！？, and pieces of about N characters for one request.

Every line is at most the piece size, whatever the text: a paragraph with no sentence end (an
article written as one run-on paragraph) is cut at its commas, else anywhere, into lines of
bounded size. One far longer than a piece is cut before it is rewritten for speech, so the
rewriting (normalize.py, whose rules cost more than linear time on long runs of digits) only
ever sees a few pieces' worth of text at once.
"""

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
# A sentence longer than this many pieces is cut as printed, before it is rewritten for speech;
# a shorter one is rewritten whole, so a number or a name is never cut in two there.
_PRECUT_PIECES = 4
_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.")


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


def _printed_cut(text: str, limit: int) -> int:
    """Return where to cut printed text longer than limit: at limit, or before the run of Latin
    letters or digits a cut there would split (a number is read whole), unless that run fills
    the whole piece."""
    if text[limit] not in _LATIN:
        return limit
    start = limit
    while start > 0 and text[start - 1] in _LATIN:
        start -= 1
    return start or limit


def _printed_chunks(sentence: str, limit: int) -> list[str]:
    """Return a sentence as printed, cut at its commas (else anywhere) into pieces of at most
    limit characters when it is more than _PRECUT_PIECES pieces long; else the sentence."""
    if len(sentence) <= _PRECUT_PIECES * limit:
        return [sentence]
    clauses = sentences.split_after(sentence, _SOFT_BREAKS)
    return sentences.pack(clauses, limit, cut=lambda clause: _printed_cut(clause, limit))


def lines_of(text: str, limit: int, lexicon: Lexicon | None = None) -> tuple[Line, ...]:
    """Return the sentences of text, each cut to at most limit spoken characters."""
    lines: list[Line] = []
    for whole in split_sentences(text):
        for sentence in _printed_chunks(whole, limit):
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
