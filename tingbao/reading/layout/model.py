"""The values layout analysis passes between its steps, and its result."""

from __future__ import annotations

from dataclasses import dataclass, field

from tingbao.reading.blocks import Block
from tingbao.reading.geometry import LayoutRole, Region
from tingbao.reading.layout.lines import Chunk, Line
from tingbao.reading.layout.regions import PageRegion, TitleUnit


@dataclass(frozen=True)
class Layout:
    """What layout analysis made of the pages: blocks for segmentation, regions for the picture."""

    blocks: list[Block]
    regions: tuple[Region, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class PageParts:
    """One page after roles are given: title units, chunks, and the furniture set aside."""

    number: int
    units: list[TitleUnit]
    chunks: list[Chunk]
    furniture: list[tuple[Line, LayoutRole]]


@dataclass
class OrderedPage:
    """A page's regions in reading order, its closing-box chunks, and its parts."""

    regions: list[PageRegion]
    boxes: list[Chunk]
    parts: PageParts
