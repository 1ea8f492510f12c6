"""Where Chinese sentences end, and one greedy splitter that packs pieces of text under a limit.

The marks are named here once, as strings of characters; each part that splits or tests text
(reading's paragraph and headline rules, speech, chat messages) names the combination it needs,
and why, next to its use. ASCII "." is never a sentence end: it is a decimal point and in URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

# Marks that end a sentence.
FULL_STOPS = "。！？"
ASCII_FULL_STOPS = "!?"
STOPS = FULL_STOPS + ASCII_FULL_STOPS
# Marks that end a clause: a sentence may go on after them.
CLAUSE_END = "；"
ASCII_CLAUSE_END = ";"
CLAUSE_ENDS = CLAUSE_END + ASCII_CLAUSE_END
ELLIPSIS = "…"
# Marks inside a clause, where a long one may be broken.
COMMAS = "，,"
ENUMERATION_COMMA = "、"
COLONS = "：:"
# Marks that may follow a sentence end and belong to the sentence they close.
CLOSING_QUOTES = "”’」』\"'"
CLOSING_PARENS = "）)"
CLOSING_SQUARE_BRACKETS = "】]"
CLOSING_BRACKETS = CLOSING_PARENS + CLOSING_SQUARE_BRACKETS


def char_class(marks: str, *, negated: bool = False) -> str:
    """Return a regular expression character class matching one of marks (negated: any other)."""
    return f"[{'^' if negated else ''}{re.escape(marks)}]"


@cache
def _after(marks: str) -> re.Pattern[str]:
    return re.compile(f"(?<={char_class(marks)})")


def split_after(text: str, marks: str) -> list[str]:
    """Split text right after each of marks, keeping the marks and dropping empty pieces."""
    return [piece for piece in _after(marks).split(text) if piece]


def pack(
    pieces: Iterable[str],
    limit: int,
    *,
    measure: Callable[[str], int] = len,
    sep: str = "",
    cut: Callable[[str], int] | None = None,
) -> list[str]:
    """Join pieces greedily, in order, into chunks whose measure stays within limit.

    Consecutive pieces are joined with sep while the joined chunk still fits. A piece that does
    not fit alone is cut, when `cut` is given, at the index `cut` returns (repeatedly, each cut
    piece its own chunk, the rest packed on); without `cut` it stands alone as one chunk.
    """
    chunks: list[str] = []
    current = ""
    for whole in pieces:
        piece = whole
        if cut is not None:
            while measure(piece) > limit:
                if current:
                    chunks.append(current)
                    current = ""
                at = cut(piece)
                chunks.append(piece[:at])
                piece = piece[at:]
        candidate = f"{current}{sep}{piece}" if current else piece
        if current and measure(candidate) > limit:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
