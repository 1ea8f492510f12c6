"""Ordered regions -> Blocks: stitch articles continued on another page, assemble paragraphs, set
captions aside, put the closing box last, and record every region for the layout picture.

Jumps: a part that ends with "下转第N版" goes on in the region of page N that opens with
"上接第M版"; that region is read right after the part, its repeated headline and the markers are
dropped, and the paragraph the jump split is joined again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from tingbao.paper import notices
from tingbao.paper.notices import ReadingWarning
from tingbao.reading.blocks import Block, Role
from tingbao.reading.cleanup import is_boilerplate, looks_like_heading
from tingbao.reading.contact import doubtful_contact
from tingbao.reading.geometry import Box, LayoutRole, Region, bounding
from tingbao.reading.layout.furniture import find_jump
from tingbao.reading.layout.lines import Chunk, Line
from tingbao.reading.layout.model import Layout, OrderedPage
from tingbao.reading.layout.regions import PageRegion, order_chunks
from tingbao.reading.layout.text import Paragraph, join_lines, paragraphs
from tingbao.reading.layout.units import SUBTITLE_MARK
from tingbao.reading.segment import BRIEF_MARKER


@dataclass
class _Out:
    """The blocks and regions being written, in reading order."""

    items: list[Block | Paragraph] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    order: int = 0
    previous: Paragraph | None = None
    heading_role: Role | None = "heading"  # None: segmentation decides title or 小标题

    def region(self, page: int, box: Box, role: LayoutRole, text: str, starts: bool = True) -> None:
        self.regions.append(Region(page, box, role, text, self.order, starts))
        self.order += 1

    def block(self, text: str, role: Role | None) -> None:
        self.items.append(Block(text, role))


def _box(lines: Sequence[Line]) -> Box:
    return bounding(line.box for line in lines)


def _text(lines: Sequence[Line]) -> str:
    text = ""
    for line in lines:
        text = join_lines(text, line.text)
    return text


@dataclass
class _Part:
    region: PageRegion
    jump_in: int | None = None
    jump_out: int | None = None


def _jumps(region: PageRegion) -> _Part:
    part = _Part(region)
    lines = [
        *(region.unit.lines if region.unit else []),
        *(ln for c in region.chunks for ln in c.lines),
    ]
    for index, line in enumerate(lines):
        jump, _ = find_jump(line.text)
        if jump is None:
            continue
        if jump.direction == "in" and index <= len(region.unit.lines if region.unit else []) + 2:
            part.jump_in = jump.page
        elif jump.direction == "out":
            part.jump_out = jump.page
    return part


def stitch(pages: Sequence[Sequence[PageRegion]]) -> list[_Part]:
    """Return the regions in reading order, each continuation moved right after its start."""
    parts = [_jumps(region) for regions in pages for region in regions]
    continued: set[int] = set()
    out: list[_Part] = []

    def place(part: _Part) -> None:
        out.append(part)
        if part.jump_out is None:
            return
        for other in parts:
            if (
                id(other) not in continued
                and other.region.page == part.jump_out
                and other.jump_in == part.region.page
            ):
                continued.add(id(other))
                place(other)
                return

    for part in parts:
        if part.jump_in is not None and id(part) not in continued:
            # Does any earlier part jump here? Then it is placed with that part.
            source = any(
                p.jump_out == part.region.page and p.region.page == part.jump_in for p in parts
            )
            if source:
                continue
        if id(part) in continued:
            continue
        place(part)
    placed = {id(p) for p in out}
    out.extend(p for p in parts if id(p) not in placed)
    return out


def unmatched_jumps(parts: Sequence[_Part]) -> list[str]:
    """Return a warning for each jump that found no continuation (or continuation no start)."""
    warnings: list[str] = []
    for index, part in enumerate(parts):
        if part.jump_out is None:
            continue
        following = parts[index + 1] if index + 1 < len(parts) else None
        if following is None or following.jump_in != part.region.page:
            text = (
                f"page {part.region.page}: an article goes on at page {part.jump_out} "
                "(下转), but no part there says where it comes from (上接); check its end"
            )
            warnings.append(ReadingWarning(notices.JUMP_UNMATCHED, text))
    return warnings


def _column_edges(chunk: Chunk, region: PageRegion) -> tuple[float, float]:
    """Return the left and right edges of the column a chunk stands in, from its region's text
    chunks in that column."""
    box = chunk.box
    same = [
        c
        for c in region.chunks
        if c is chunk or (c.style != "headline" and box.shares_column(c.box))
    ]
    return min(c.box.x0 for c in same), max(c.box.x1 for c in same)


def _clean(lines: Sequence[Line], boilerplate: Sequence[re.Pattern[str]]) -> list[Line]:
    kept: list[Line] = []
    for line in lines:
        _, text = find_jump(line.text)
        if not text or is_boilerplate(text, boilerplate):
            continue
        if text != line.text:
            line = replace(line, text=text)
        kept.append(line)
    return kept


def _write_unit(out: _Out, part: _Part, briefs: bool) -> bool:
    """Write a region's title unit; return whether it opens a 简讯 box."""
    unit = part.region.unit
    if unit is None:
        return briefs
    if part.jump_in is not None:  # the repeated headline of a continuation
        out.region(unit.page, unit.box, "jump", _text(unit.lines))
        return briefs
    title = _text(unit.title)
    out.previous = None
    if BRIEF_MARKER.match(title):
        out.block(title, "heading")
        out.region(unit.page, _box(unit.title), "headline", title)
        return True
    parts: tuple[tuple[Role, LayoutRole, list[Line]], ...] = (
        ("kicker", "kicker", unit.kicker),
        ("title", "headline", unit.title),
        ("subtitle", "subtitle", unit.subtitle),
    )
    for role, drawn_as, lines in parts:
        if lines:
            text = _text(lines)
            if role == "subtitle":
                text = SUBTITLE_MARK.sub("", text)
            out.block(text, role)
            out.region(unit.page, _box(lines), drawn_as, text)
    return False


def _write_chunk(
    out: _Out,
    chunk: Chunk,
    role: LayoutRole,
    part: _Part,
    briefs: bool,
    boilerplate: Sequence[re.Pattern[str]],
) -> bool:
    """Write one chunk of a region; return whether a 简讯 box is open."""
    lines = _clean(chunk.lines, boilerplate)
    raw = _text(chunk.lines)
    if not lines:
        if raw:
            out.region(chunk.page, chunk.box, "jump", raw)
        return briefs
    text = _text(lines)
    if role == "heading":
        out.previous = None
        if BRIEF_MARKER.match(text):
            out.block(text, "heading")
            out.region(chunk.page, chunk.box, "heading", text)
            return True
        out.block(text, "headline" if briefs else out.heading_role)
        out.region(chunk.page, chunk.box, "heading", text)
        return briefs
    if role == "caption":
        out.block(text, "caption")
        out.region(chunk.page, chunk.box, role, text)
        return briefs
    if role != "body":
        out.region(chunk.page, chunk.box, role, text)
        return briefs
    left, right = _column_edges(chunk, part.region)
    continues = out.previous is not None and out.previous.open
    new = paragraphs(lines, left, right, out.previous)
    out.region(chunk.page, chunk.box, "body", text, starts=not continues or not lines)
    out.items.extend(new)
    if new or continues:
        out.previous = new[-1] if new else out.previous
    return briefs


def _paragraph_role(paragraph: Paragraph) -> Literal["para"] | None:
    """A paragraph of one short line without prose punctuation may be a 小标题 set in the body
    face (or read by OCR, which cannot see weight): leave it to segmentation to decide."""
    if paragraph.lines == 1 and looks_like_heading(paragraph.text, 24):
        return None
    return "para"


def assemble(
    pages: Sequence[OrderedPage],
    boilerplate: Sequence[re.Pattern[str]],
    headings_given: bool = True,
) -> Layout:
    """Write the ordered regions of every page as blocks, the closing box last."""
    out = _Out(heading_role="heading" if headings_given else None)
    briefs = False
    ordered = stitch([page.regions for page in pages])
    for part in ordered:
        briefs = _write_unit(out, part, briefs)
        for chunk in order_chunks(part.region.chunks):
            briefs = _write_chunk(out, chunk, chunk.role, part, briefs, boilerplate)
    doubts: list[str] = []
    for page in pages:
        for chunk in page.boxes:
            for line in chunk.lines:
                if line.ocr and doubtful_contact(line.text, line.confidence):
                    doubts.append(unsure_contact(line))
                elif line.text and not is_boilerplate(line.text, boilerplate):
                    out.block(line.text, "para")
            out.region(chunk.page, chunk.box, "box", _text(chunk.lines))
    for page in pages:
        for line, role in page.parts.furniture:
            out.regions.append(Region(line.page, line.box, role, line.text, -1))
    blocks = [
        item if isinstance(item, Block) else Block(item.text, _paragraph_role(item))
        for item in out.items
        if item.text
    ]
    return Layout(blocks, tuple(out.regions), (*unmatched_jumps(ordered), *doubts))


def unsure_contact(line: Line) -> ReadingWarning:
    """Return the warning for a closing-box line left out: its e-mail or number is in doubt."""
    text = (
        f"page {line.page}: the closing box line 「{line.text}」 was read with doubt "
        f"(OCR score {line.confidence:.2f}) and left out: check the e-mail address or phone "
        "number and add it by hand"
    )
    return ReadingWarning(notices.CONTACT_UNSURE, text, f"「{line.text}」")
