"""Layout analysis: pages of positioned text (PDF words, OCR boxes) -> Blocks in reading order.

lines -> chunks (lines stacked in one column) -> roles (furniture, headlines, kickers, subtitles,
小标题, captions, the closing box) -> regions (the area under a headline across the columns it
spans) -> reading order (regions top to bottom and left to right, a region's columns left to right,
pages in order) -> articles continued on another page stitched at their jump lines -> Blocks.
A rectangle drawn on the page (a frame or a shaded block) fences what it holds: lines inside and
outside never make one chunk, and chunks inside belong only to headlines inside.
Pure: geometry in, blocks out; a text PDF and its scan take the same road.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from tingbao.paper.settings import PaperSettings
from tingbao.reading.cleanup import compile_patterns, looks_like_heading
from tingbao.reading.contact import find_contact_start
from tingbao.reading.formats import Extracted
from tingbao.reading.geometry import Box, LayoutRole, PageText, bounding
from tingbao.reading.layout.assemble import assemble
from tingbao.reading.layout.furniture import (
    caption_role,
    find_jump,
    masthead_lines,
    running_furniture,
)
from tingbao.reading.layout.lines import (
    Chunk,
    Line,
    body_size,
    chunk_lines,
    page_lines,
    promote_titles,
    style_of,
)
from tingbao.reading.layout.merge import absorb
from tingbao.reading.layout.model import Layout, OrderedPage, PageParts
from tingbao.reading.layout.regions import PageRegion, TitleUnit, assign, xy_order
from tingbao.reading.layout.units import attach, split_headline
from tingbao.reading.settings import ReadingSettings

__all__ = ["Layout", "analyse", "read_pages"]


def _split_box(chunk: Chunk) -> tuple[Chunk, Chunk | None]:
    """Split the closing box off the end of a chunk, when the chunk ends with one."""
    start = find_contact_start([ln.text for ln in chunk.lines])
    if start is None or start == 0:
        return chunk, None
    head = Chunk(chunk.page, chunk.lines[:start])
    return head, Chunk(chunk.page, chunk.lines[start:])


def _is_box(chunk: Chunk) -> bool:
    return find_contact_start([ln.text for ln in chunk.lines]) == 0


def _heading_like(chunk: Chunk) -> bool:
    text = chunk.text
    return len(chunk.lines) <= 2 and looks_like_heading(text, 30)


def _attach_to_units(chunk: Chunk, units: Sequence[TitleUnit], body: float) -> bool:
    """Make a smaller chunk right above or below a headline its kicker or subtitle."""
    if chunk.style != "large" and not chunk.text.startswith(("—", "–")):
        return False
    for unit in units:
        part = attach(unit, chunk, body)
        if part == "kicker":
            unit.kicker = [*chunk.lines, *unit.kicker]
            return True
        if part == "subtitle":
            unit.subtitle = [*unit.subtitle, *chunk.lines]
            return True
    return False


def _page_parts(
    page: PageText,
    lines: list[Line],
    furniture: Mapping[int, LayoutRole],
    body: float,
) -> PageParts:
    content = [ln for ln in lines if id(ln) not in furniture]
    breaks: set[int] = set()
    for index, line in enumerate(content):
        jump, _ = find_jump(line.text)
        if jump is not None:
            breaks.update((index, index + 1))
        elif caption_role([line.text]) is not None:
            breaks.add(index)
    chunks: list[Chunk] = []
    for chunk in chunk_lines(content, breaks):
        head, box = _split_box(chunk)
        chunks.append(head)
        if box is not None:
            chunks.append(box)
    units: list[TitleUnit] = []
    rest: list[Chunk] = []
    for chunk in chunks:
        if chunk.style == "headline":
            units.append(split_headline(chunk))
        else:
            rest.append(chunk)
    kept: list[Chunk] = []
    for chunk in rest:
        if _is_box(chunk):
            chunk.role = "box"
            kept.append(chunk)
            continue
        role = caption_role([ln.text for ln in chunk.lines])
        if role is None and chunk.style == "small":
            role = "caption"
        if role is None and _attach_to_units(chunk, units, body):
            continue
        if role is None and (chunk.style == "large" or chunk.lines[0].bold):
            role = "heading" if _heading_like(chunk) else None
        if role is not None:
            chunk.role = role
        kept.append(chunk)
    kept = absorb(kept, body)
    furniture_lines = [(ln, furniture[id(ln)]) for ln in lines if id(ln) in furniture]
    return PageParts(page.number, units, kept, furniture_lines)


def framed_regions(
    page: int, units: Sequence[TitleUnit], chunks: Sequence[Chunk], body: float
) -> list[PageRegion]:
    """Give chunks to title units frame by frame: what a drawn frame or shading holds belongs
    to the units inside it, and nothing outside does (a 简讯 box beside or under an article)."""
    frames = sorted({c.lines[0].frame for c in chunks} | {u.title[0].frame for u in units})
    regions: list[PageRegion] = []
    for frame in frames:
        inside = [u for u in units if u.title[0].frame == frame]
        held = [c for c in chunks if c.lines[0].frame == frame]
        # A box standing in an article's column is a hole in it: the article's text goes on
        # below the box, so the box counts where the article's columns start.
        holes = [
            _hole(
                page,
                [c.box for c in chunks if c.lines[0].frame == other]
                + [u.box for u in units if u.title[0].frame == other],
            )
            for other in frames
            if other not in (-1, frame)
        ]
        for region in assign(page, inside, [*held, *holes], body):
            region.chunks = [c for c in region.chunks if c not in holes]
            if region.chunks or region.unit is not None:
                regions.append(region)
    return regions


def _hole(page: int, boxes: Sequence[Box]) -> Chunk:
    """Return a stand-in chunk as large as what a frame holds, holding no text."""
    return Chunk(page, [Line(page, bounding(boxes), "", 0.0, False, 1.0)])


def analyse(
    pages: Sequence[PageText],
    boilerplate: Sequence[re.Pattern[str]] = (),
    paper_names: Sequence[str] = (),
) -> Layout:
    """Read pages of positioned text into blocks in reading order, with the regions found."""
    page_line_lists = [page_lines(page) for page in pages]
    every = [ln for lines in page_line_lists for ln in lines]
    if not every:
        return Layout([], ())
    body = body_size(every)
    for line in every:
        line.style = style_of(line.size, body)
    sizes = [(p.width, p.height) for p in pages]
    furniture: dict[int, LayoutRole] = running_furniture(
        page_line_lists, sizes, body, [n.replace(" ", "") for n in paper_names]
    )
    if pages:
        headline = max((ln.size for ln in every if ln.style == "headline"), default=body * 1.4)
        for key in masthead_lines(page_line_lists[0], pages[0].height, paper_names, headline):
            furniture[key] = "masthead"
    one_size = promote_titles([ln for ln in every if id(ln) not in furniture])
    parts: list[PageParts] = []
    for page, lines in zip(pages, page_line_lists, strict=True):
        parts.append(_page_parts(page, lines, furniture, body))
    ordered: list[OrderedPage] = []
    for part in parts:
        boxes = [c for c in part.chunks if c.role == "box"]
        flow = [c for c in part.chunks if c.role != "box"]
        regions = framed_regions(part.number, part.units, flow, body)
        order = xy_order([r.box for r in regions], tolerance=body * 0.5)
        ordered.append(OrderedPage([regions[i] for i in order], boxes, part))
    # With one larger size only, a line set in it may be a title or a 小标题: segmentation decides
    # from what follows it (a news lead opens an article), as it does for plain text.
    return assemble(ordered, boilerplate, headings_given=not one_size)


def read_pages(
    pages: Sequence[PageText],
    warnings: Sequence[str],
    paper: PaperSettings,
    reading: ReadingSettings,
) -> Extracted:
    """Analyse positioned pages (a PDF's text layer, OCR boxes) into what a reader returns."""
    layout = analyse(pages, compile_patterns(reading.boilerplate_patterns), (paper.name,))
    return Extracted(
        layout.blocks,
        "\n".join(b.text for b in layout.blocks),
        (*warnings, *layout.warnings),
        pages=tuple(pages),
        regions=layout.regions,
    )
