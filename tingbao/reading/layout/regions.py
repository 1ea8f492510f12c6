"""Title units, regions and reading order: which chunks belong under which headline, and in what
order a reader takes them.

- A title unit is a headline (one or more lines of the largest size, a wrapped headline being one
  title) with the kicker set above it and the subtitle below it.
- Its region is the area under it across the columns it spans: the columns whose first lines start
  together right under the headline (a short headline still owns every column its article starts
  in). A chunk belongs to the nearest title unit above it whose columns cover it.
- Reading order: regions by a recursive XY cut of their boxes (bands top to bottom, then columns
  left to right; overlapping boxes, such as an L-shaped article, by their tops); inside a region,
  its columns left to right and each column top to bottom. Chunks under no headline form regions
  of their own (the rest of an article continued from the page before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tingbao.reading.geometry import Box, bounding
from tingbao.reading.layout.lines import Chunk, Line

ALIGN = 1.6  # first lines of an article's columns start within this many body lines of each other


@dataclass
class TitleUnit:
    """A headline with its kicker and subtitle."""

    page: int
    title: list[Line]
    kicker: list[Line] = field(default_factory=list)
    subtitle: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [*self.kicker, *self.title, *self.subtitle]

    @property
    def size(self) -> float:
        return max(line.size for line in self.title)

    @property
    def box(self) -> Box:
        return bounding(line.box for line in self.lines)


@dataclass
class PageRegion:
    """A title unit (or none) and the chunks under it, in reading order once ordered."""

    page: int
    unit: TitleUnit | None
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def box(self) -> Box:
        boxes = [c.box for c in self.chunks]
        if self.unit is not None:
            boxes.append(self.unit.box)
        return bounding(boxes)


def _blocked(unit: TitleUnit, chunk: Box, units: Sequence[TitleUnit]) -> bool:
    """Return whether another headline stands between the unit and the chunk."""
    top, bottom = unit.box.bottom, chunk.top
    return any(
        other is not unit and top <= other.box.top < bottom and other.box.overlap_x(chunk) > 0
        for other in units
    )


def _claimed(unit: TitleUnit, chunk: Box, units: Sequence[TitleUnit], body: float) -> bool:
    """Return whether another headline at the unit's level or lower stands right over the chunk."""
    return any(
        other is not unit
        and other.box.bottom <= chunk.top + 0.5 * body
        and other.box.top >= unit.box.top - 2 * body
        and other.box.overlap_x(chunk) > 0
        for other in units
    )


def unit_spans(units: Sequence[TitleUnit], chunks: Sequence[Chunk], body: float) -> list[Box]:
    """Return, for each title unit, the span of the columns its article starts in."""
    spans: list[Box] = []
    for unit in units:
        below = [
            c
            for c in chunks
            if c.box.top >= unit.box.bottom - 0.5 * body
            and not _blocked(unit, c.box, units)
            and c.box.top - unit.box.bottom <= 8 * body
        ]
        seeds = [c for c in below if c.box.overlap_x(unit.box) > 0]
        if not seeds:
            spans.append(unit.box)
            continue
        first = min(c.box.top for c in seeds)
        span = unit.box
        taken = [c for c in seeds if c.box.top - first <= ALIGN * body * 1.5]
        for chunk in taken:
            span = span.union(Box(chunk.box.x0, span.top, chunk.box.x1, span.bottom))
        grew = True
        while grew:
            grew = False
            for chunk in below:
                if chunk in taken or abs(chunk.box.top - first) > ALIGN * body * 1.5:
                    continue
                if _claimed(unit, chunk.box, units, body):
                    continue
                near = min(abs(chunk.box.x0 - span.x1), abs(span.x0 - chunk.box.x1))
                if near <= 3 * body:
                    taken.append(chunk)
                    span = span.union(Box(chunk.box.x0, span.top, chunk.box.x1, span.bottom))
                    grew = True
        spans.append(span)
    return spans


def assign(
    page: int, units: Sequence[TitleUnit], chunks: Sequence[Chunk], body: float
) -> list[PageRegion]:
    """Give each chunk to the nearest title unit above whose columns cover it."""
    spans = unit_spans(units, chunks, body)
    regions = {id(u): PageRegion(page, u) for u in units}
    orphans: list[PageRegion] = []
    for chunk in chunks:
        owner: TitleUnit | None = None
        for unit, span in zip(units, spans, strict=True):
            if unit.box.bottom > chunk.box.top + 0.5 * body or not span.shares_column(chunk.box):
                continue
            if owner is None or unit.box.bottom > owner.box.bottom:
                owner = unit
        if owner is None:
            _add_orphan(orphans, page, chunk, body)
        else:
            regions[id(owner)].chunks.append(chunk)
    return [*regions.values(), *orphans]


def _add_orphan(orphans: list[PageRegion], page: int, chunk: Chunk, body: float) -> None:
    """Chunks under no headline that stand together form one region."""
    for region in orphans:
        box = region.box
        if chunk.box.top <= box.bottom + 2 * body and chunk.box.bottom >= box.top - 2 * body:
            region.chunks.append(chunk)
            return
    orphans.append(PageRegion(page, None, [chunk]))


def _cuts(boxes: Sequence[Box], horizontal: bool, tolerance: float) -> list[list[int]]:
    """Split item indexes into bands (horizontal) or columns with a gap between them."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].top if horizontal else boxes[i].x0)
    groups: list[list[int]] = []
    reach = float("-inf")
    for index in order:
        box = boxes[index]
        start, end = (box.top, box.bottom) if horizontal else (box.x0, box.x1)
        if groups and start < reach - tolerance:
            groups[-1].append(index)
            reach = max(reach, end)
        else:
            groups.append([index])
            reach = end
    return groups


def xy_order(boxes: Sequence[Box], tolerance: float) -> list[int]:
    """Return item indexes in reading order by a recursive XY cut."""
    if len(boxes) <= 1:
        return list(range(len(boxes)))
    for horizontal in (True, False):
        groups = _cuts(boxes, horizontal, tolerance)
        if len(groups) > 1:
            ordered: list[int] = []
            for group in groups:
                sub = xy_order([boxes[i] for i in group], tolerance)
                ordered.extend(group[i] for i in sub)
            return ordered
    return sorted(range(len(boxes)), key=lambda i: (boxes[i].top, boxes[i].x0))


def order_chunks(chunks: Sequence[Chunk]) -> list[Chunk]:
    """Return a region's chunks column by column, left to right, each column top to bottom."""
    columns: list[list[Chunk]] = []
    for chunk in sorted(chunks, key=lambda c: c.box.x0):
        for column in columns:
            if bounding(c.box for c in column).shares_column(chunk.box):
                column.append(chunk)
                break
        else:
            columns.append([chunk])
    columns.sort(key=lambda col: min(c.box.x0 for c in col))
    return [c for col in columns for c in sorted(col, key=lambda c: c.box.top)]
