"""Lines of a column -> paragraphs.

Chinese print indents a paragraph's first line by about two characters; that indent, not the line
ends, is what opens a paragraph. A line that stops short of the column's right edge ends one only
when it also ends a sentence or stands alone (a short line with no prose punctuation, such as a
name in the closing box); a line cut short by the 禁则 rule (no line opens with ，。、) is short by
one character and never splits a paragraph. Text runs on across column and page ends: a column
whose first line is not indented continues the paragraph before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tingbao.reading.cleanup import ends_sentence, looks_like_heading
from tingbao.reading.layout.lines import Line

INDENT = 1.2  # characters: a first line is indented by about two
SHORT = 2.0  # characters short of the right edge: the line ends early
GAP = 0.8  # line heights of white space: a new paragraph


@dataclass
class Paragraph:
    """A paragraph being assembled, and whether its last line may run on into the next one."""

    text: str
    open: bool
    lines: int = 1


_LETTER = re.compile(r"[A-Za-z]")


def join_lines(head: str, tail: str) -> str:
    """Join two printed lines of a paragraph: a space only between two Latin words, since a line
    break in print never splits a word but may split a number (20|20 is 2020)."""
    if head and tail and _LETTER.match(head[-1]) and _LETTER.match(tail[0]):
        return f"{head} {tail}"
    return head + tail


def _stands_alone(text: str) -> bool:
    # A label line; a 、 marks a list in running prose, so such a line may go on.
    return looks_like_heading(text, 24) and "、" not in text


def line_ends_paragraph(line: Line, right: float) -> bool:
    """Return whether a line ends its paragraph on its own (short, and a sentence or a label)."""
    short = line.box.x1 < right - SHORT * line.size
    return short and (ends_sentence(line.text) or _stands_alone(line.text))


def is_indented(line: Line, left: float) -> bool:
    """Return whether a line starts about two characters in from the column's left edge."""
    return line.box.x0 - left >= INDENT * line.size


def paragraphs(
    lines: Sequence[Line], left: float, right: float, previous: Paragraph | None
) -> list[Paragraph]:
    """Split a column chunk's lines into new paragraphs; lines that continue `previous` (when it
    is open) are added to it in place."""
    out: list[Paragraph] = []
    current = previous if previous is not None and previous.open else None
    last: Line | None = None
    for line in lines:
        if not line.text:
            continue
        new = current is None or is_indented(line, left)
        if not new and last is None and current is not None:
            # A paragraph that ended a sentence at the column's end, then a short line with no
            # prose punctuation: a title or 小标题 set in the body face, not the paragraph's rest.
            new = ends_sentence(current.text) and line_ends_paragraph(line, right)
        if last is not None and not new:
            gap = line.box.top - last.box.bottom
            new = line_ends_paragraph(last, right) or gap > GAP * max(line.size, last.box.height)
        if new or current is None:
            current = Paragraph(line.text, True)
            out.append(current)
        else:
            current.text = join_lines(current.text, line.text)
            current.lines += 1
        current.open = not line_ends_paragraph(line, right)
        last = line
    return out
