"""Fragments -> lines -> chunks: the first steps of layout analysis, pure geometry.

A line is the fragments of one page that share a baseline and follow each other with no gap wider
than a third of a character; a column gutter is wider, so a line never crosses one. A chunk is a run
of lines of one style class stacked in one column (a paragraph run, a headline, a caption): lines
join it when they sit right under its last line and overlap it horizontally.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tingbao.reading.cleanup import clean_line
from tingbao.reading.geometry import Box, Fragment, LayoutRole, PageText, bounding

# Style classes, relative to the body size: headline >= 1.4, large >= 1.1, small < 0.92.
StyleClass = Literal["headline", "large", "body", "small"]
HEADLINE_RATIO = 1.4
LARGE_RATIO = 1.1
SMALL_RATIO = 0.92
LINE_GAP = 0.6  # largest gap inside a line, in characters (a CJK space is half of one)
# OCR's detector already joins the characters of a line; its boxes overshoot the ink by up to half
# a character (a full-width "，" ending a column's line reaches into the gutter), so a gutter may
# measure only half a character between two detections. Detections join only when nearly touching.
OCR_LINE_GAP = 0.25
PITCH_MIN_EMS = 4  # an OCR line this many characters wide gives its size by character pitch
CHUNK_GAP = 1.0  # largest gap between two lines of a chunk, in line heights
INDENT_EMS = 2.5  # a paragraph's first line is indented by about two characters


@dataclass
class Line:
    """One line of text on a page."""

    page: int
    box: Box
    text: str
    size: float
    bold: bool
    confidence: float
    style: StyleClass = "body"
    ocr: bool = False  # read by OCR: sizes are box heights, so they vary more
    frame: int = -1  # the drawn frame (PageText.frames) the line stands in; -1: none

    @property
    def chars(self) -> int:
        return max(1, len(self.text.replace(" ", "")))


class Chunk:
    """Lines of one style class stacked in one column; its box grows with each line added."""

    def __init__(self, page: int, lines: Sequence[Line] = (), role: LayoutRole = "body") -> None:
        self.page = page
        self.role: LayoutRole = role  # body text unless given another role
        self.lines: list[Line] = []
        self.box = Box(0.0, 0.0, 0.0, 0.0)
        for line in lines:
            self.add(line)

    def add(self, line: Line) -> None:
        """Append a line below the others."""
        self.box = line.box if not self.lines else self.box.union(line.box)
        self.lines.append(line)

    @property
    def style(self) -> StyleClass:
        return self.lines[0].style

    @property
    def size(self) -> float:
        return max(line.size for line in self.lines)

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


def _join(left: str, right: str, gap: float, size: float) -> str:
    """Join two fragments of a line; a visible gap (between names, in a headline) is a space."""
    if left and right and gap > 0.25 * size and not left.endswith(" "):
        return f"{left} {right}"
    return left + right


def _make_line(page: int, frags: Sequence[Fragment], ocr: bool) -> Line:
    frags = sorted(frags, key=lambda f: f.box.x0)
    text = frags[0].text
    for before, after in itertools.pairwise(frags):
        text = _join(text, after.text, after.box.x0 - before.box.x1, after.size)
    box = bounding(f.box for f in frags)
    weights = [max(1, len(f.text.strip())) for f in frags]
    total = sum(weights)
    size = max(f.size for f, w in zip(frags, weights, strict=True) if w * 2 >= max(weights))
    bold = sum(w for f, w in zip(frags, weights, strict=True) if f.bold) * 2 > total
    confidence = min(f.confidence for f in frags)
    return Line(page, box, clean_line(text), size, bold, confidence, ocr=ocr)


def frame_of(box: Box, frames: Sequence[Box]) -> int:
    """Return the index of the smallest frame holding a box, or -1 when none does."""
    holding = [n for n, frame in enumerate(frames) if frame.holds(box)]
    return min(holding, key=lambda n: frames[n].width * frames[n].height, default=-1)


def page_lines(page: PageText) -> list[Line]:
    """Group a page's fragments into lines, top to bottom, left to right."""
    rows: dict[int, list[list[Fragment]]] = defaultdict(list)
    bucket = 2.0
    line_gap = OCR_LINE_GAP if page.source == "ocr" else LINE_GAP
    for frag in sorted(page.fragments, key=lambda f: (f.box.x0, f.box.top)):
        if not frag.text.strip():
            continue
        centre = (frag.box.top + frag.box.bottom) / 2
        home: list[Fragment] | None = None
        span = max(1, int(0.3 * frag.size / bucket) + 1)
        key = int(centre // bucket)
        for near in range(key - span, key + span + 1):
            for run in rows.get(near, ()):
                last = run[-1]
                last_centre = (last.box.top + last.box.bottom) / 2
                gap = frag.box.x0 - last.box.x1
                size = min(last.size, frag.size)
                if (
                    abs(centre - last_centre) <= 0.3 * size
                    and -0.5 * size <= gap <= line_gap * size
                ):
                    home = run
                    break
            if home is not None:
                break
        if home is None:
            rows[key].append([frag])
        else:
            home.append(frag)
    ocr = page.source == "ocr"
    lines = [_make_line(page.number, run, ocr) for runs in rows.values() for run in runs]
    lines = [line for line in lines if line.text]
    for line in lines:
        line.frame = frame_of(line.box, page.frames)
    if ocr:
        measure_ocr_sizes(lines)
    lines.sort(key=lambda ln: (ln.box.top, ln.box.x0))
    return lines


def ems(text: str) -> float:
    """Return how many character widths text takes: a CJK character or full-width mark is one,
    a Latin letter or digit about half of one."""
    width = 0.0
    for char in text:
        if char.isspace():
            width += 0.3
        elif ord(char) < 0x80:
            width += 0.55 if char.isalnum() else 0.35
        else:  # CJK, and the quotes and dashes a CJK face sets full width
            width += 1.0
    return width


def loose_size(line: Line) -> bool:
    """Return whether a line's size says little: read by OCR and too short to take it from its
    character pitch (a paragraph's last two characters, a headline's wrapped last word)."""
    return line.ocr and ems(line.text) < PITCH_MIN_EMS


def measure_ocr_sizes(lines: Sequence[Line]) -> None:
    """Give OCR lines a font size from their character pitch (width per character), which is
    steadier than the box height: the detector pads boxes unevenly. Short lines, whose pitch says
    little, take their height times the page's usual pitch-to-height ratio."""
    pitches = {id(ln): ln.box.width / ems(ln.text) for ln in lines if ems(ln.text) >= PITCH_MIN_EMS}
    ratios = sorted(pitches[id(ln)] / ln.box.height for ln in lines if id(ln) in pitches)
    ratio = ratios[len(ratios) // 2] if ratios else 0.8
    for line in lines:
        line.size = pitches.get(id(line), line.box.height * ratio)


def body_size(lines: Iterable[Line]) -> float:
    """Return the size most characters are set in (rounded to about 4 %)."""
    counts: Counter[float] = Counter()
    for line in lines:
        counts[round(line.size * 25) / 25 if line.size < 30 else round(line.size)] += line.chars
    if not counts:
        return 10.0
    common = counts.most_common(1)[0][0]
    near = [ln.size for ln in lines if abs(ln.size - common) <= common * 0.05]
    return sorted(near)[len(near) // 2] if near else common


def style_of(size: float, body: float) -> StyleClass:
    """Return the style class of a size, relative to the body size."""
    if size >= body * HEADLINE_RATIO:
        return "headline"
    if size >= body * LARGE_RATIO:
        return "large"
    if size < body * SMALL_RATIO:
        return "small"
    return "body"


def promote_titles(lines: Sequence[Line]) -> bool:
    """When no line is set at headline size (a small paper may set its titles at 1.3 times the
    body), make the largest of two or more larger sizes the headline size. Return whether the
    larger lines are still of one size only, so titles and 小标题 cannot be told apart by size."""
    if any(line.style == "headline" for line in lines):
        return False
    large = [line for line in lines if line.style == "large"]
    if not large:
        return False
    top = max(line.size for line in large)
    if not any(line.size <= top / 1.1 for line in large):
        return True
    for line in large:
        if line.size >= top / 1.06:
            line.style = "headline"
    return False


def _same_style(chunk: Chunk, line: Line) -> bool:
    """Return whether a line is set like a chunk; a short OCR line's size says too little to
    set it apart (a paragraph's last two characters, a headline's wrapped last word), unless
    it would make a headline-sized line part of body text."""
    if chunk.style == line.style:
        return True
    return loose_size(line) and line.style != "headline"


def _flush(chunk: Chunk, line: Line) -> bool:
    """Return whether a line starts where the chunk's lines start, or an indent from there (a
    paragraph's short last line under its indented first one)."""
    left = min(ln.box.x0 for ln in chunk.lines)
    return abs(line.box.x0 - left) <= INDENT_EMS * line.size


def chunk_lines(lines: Sequence[Line], breaks_before: set[int]) -> list[Chunk]:
    """Stack lines into chunks; a line whose index is in breaks_before always opens one."""
    chunks: list[Chunk] = []
    open_chunks: list[Chunk] = []
    for index, line in enumerate(lines):
        home: Chunk | None = None
        if index not in breaks_before:
            for chunk in reversed(open_chunks):
                last = chunk.lines[-1]
                if chunk.page != line.page or not _same_style(chunk, line):
                    continue
                if last.frame != line.frame:  # a frame's edge: inside and outside never join
                    continue
                if last.bold != line.bold and line.style == "body":
                    continue
                height = max(last.box.height, line.box.height, line.size)
                gap = line.box.top - last.box.bottom
                if gap < -0.5 * height or gap > CHUNK_GAP * height:
                    continue
                if chunk.box.overlap_x(line.box) > 0 and (
                    chunk.box.shares_column(line.box, 0.6) or _flush(chunk, line)
                ):
                    home = chunk
                    break
        if home is None:
            home = Chunk(line.page)
            chunks.append(home)
            open_chunks.append(home)
        home.add(line)
        # Forget chunks far above: they cannot take another line.
        open_chunks = [
            c for c in open_chunks if line.box.top - c.lines[-1].box.bottom <= 3 * line.size
        ]
    return chunks
