"""Headlines: a wrapped headline is one title; a smaller line right above it is its kicker (引题),
one right below it or opened by —— its subtitle (副题). Size and weight both count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tingbao.chinese import sentences
from tingbao.reading.layout.lines import Chunk, Line, loose_size
from tingbao.reading.layout.regions import TitleUnit

# A subtitle opens with a dash (——); OCR often reads that dash as 一一.
SUBTITLE_MARK = re.compile(r"^(?:[—–-]{1,2}|一一)\s*")
SAME_SIZE = 0.06  # sizes within 6 % are one size
SAME_SIZE_OCR = 0.18  # OCR box heights vary more for one size
# A chunk ending a sentence or a clause (；) is prose, never a kicker or subtitle.
_PROSE_END = re.compile(sentences.char_class(sentences.STOPS + sentences.CLAUSE_ENDS) + "$")


def _same(a: Line, b: Line) -> bool:
    tolerance = SAME_SIZE_OCR if a.ocr or b.ocr else SAME_SIZE
    return abs(a.size - b.size) <= tolerance * max(a.size, b.size)


def _stacks(lines: Sequence[Line]) -> list[list[Line]]:
    """Split a headline chunk's lines into runs of one size, top to bottom."""
    runs: list[list[Line]] = []
    for line in lines:
        same = _same(runs[-1][0], line) and line.bold == runs[-1][0].bold if runs else False
        if runs and (loose_size(line) or same):
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def split_headline(chunk: Chunk) -> TitleUnit:
    """Turn a chunk of headline lines into a title unit: the largest run is the title."""
    runs = _stacks(chunk.lines)
    main = max(range(len(runs)), key=lambda i: (runs[i][0].size, runs[i][0].bold, -i))
    unit = TitleUnit(chunk.page, runs[main])
    for run in runs[:main]:
        unit.kicker.extend(run)
    for run in runs[main + 1 :]:
        unit.subtitle.extend(run)
    if not unit.kicker and len(unit.title) >= 2:
        # Same size above: in a left-aligned stack, a first line much narrower than the line
        # under it is a kicker, since a wrapped headline fills its first line before the next.
        # A centred stack with a short first line is a headline broken by hand for balance.
        first, second = unit.title[0], unit.title[1]
        aligned = abs(first.box.x0 - second.box.x0) <= 0.5 * first.size
        if aligned and first.box.width <= 0.75 * second.box.width:
            unit.kicker, unit.title = [first], unit.title[1:]
    dash = next((i for i, ln in enumerate(unit.title) if SUBTITLE_MARK.match(ln.text)), None)
    if dash is not None and dash > 0:
        unit.subtitle = [*unit.title[dash:], *unit.subtitle]
        unit.title = unit.title[:dash]
    return unit


def attach(unit: TitleUnit, chunk: Chunk, body: float) -> str | None:
    """Return "kicker" or "subtitle" when a smaller chunk sits right above or below the unit."""
    box, other = unit.box, chunk.box
    if box.overlap_x(other) <= 0 or len(chunk.lines) > 3 or _PROSE_END.search(chunk.text):
        return None
    if len(chunk.text) > 60:
        return None
    gap_above = box.top - other.bottom
    gap_below = other.top - box.bottom
    if 0 - 0.5 * body <= gap_above <= 1.2 * max(body, chunk.size) and chunk.size < unit.size:
        return "kicker"
    below = -0.5 * body <= gap_below <= 1.2 * max(body, chunk.size)
    if below and (chunk.style != "body" or SUBTITLE_MARK.match(chunk.text)):
        return "subtitle"
    return None
