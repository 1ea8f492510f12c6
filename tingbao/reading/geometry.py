"""Positioned text: what a text PDF (words) and a scan or photo (OCR boxes) hand to layout analysis.

Coordinates are page units with the origin at the top left (PDF points for PDFs, pixels for
images); only ratios matter to the analysis, never absolute values. A fragment's `size` is its font
size (OCR: the box height stands in for it). Layout analysis (`paper/layout/`) turns pages of
fragments into Regions, each with a role and its place in reading order, and those into Blocks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# What a region of a printed page is. Body-text roles become Blocks; the rest is page furniture
# (never spoken) or a caption (kept aside on the article).
LayoutRole = Literal[
    "headline",  # the main title (主题), possibly wrapped over several lines
    "kicker",  # 引题: a smaller line directly above a headline
    "subtitle",  # 副题: directly below a headline, often opened by ——
    "heading",  # 小标题 inside an article
    "body",  # paragraph text
    "caption",  # 图为…… under a photo
    "credit",  # （摄影 ……）, 记者 …… under a photo or at an article's end
    "byline",  # 记者/通讯员/文 …… at an article's top or end
    "running_head",  # "<paper> <date> 第2版 <section>", repeated on every page
    "folio",  # the page number, "— 2 —"
    "jump",  # （下转第2版）/（上接第1版）
    "box",  # the closing box (编审团, 投稿邮箱, 新闻热线, 地址)
    "masthead",  # the paper's name plate, 主办, 期号, 内部资料
]


@dataclass(frozen=True)
class Box:
    """A rectangle on a page: left, top, right, bottom, with y growing downwards."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: Box) -> Box:
        """Return the smallest box holding both."""
        return Box(
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )

    def overlap_x(self, other: Box) -> float:
        """Return how far the two boxes overlap side to side (0 when they stand apart)."""
        return max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))

    def holds(self, other: Box, slack: float = 1.0) -> bool:
        """Return whether the other box lies inside this one (within slack)."""
        return (
            other.x0 >= self.x0 - slack
            and other.x1 <= self.x1 + slack
            and other.top >= self.top - slack
            and other.bottom <= self.bottom + slack
        )

    def shares_column(self, other: Box, share: float = 0.5) -> bool:
        """Return whether the boxes overlap side to side by `share` of the narrower one."""
        return self.overlap_x(other) >= share * min(self.width, other.width)


def bounding(boxes: Iterable[Box]) -> Box:
    """Return the smallest box holding every box (there must be at least one)."""
    return functools.reduce(Box.union, boxes)


@dataclass(frozen=True)
class Fragment:
    """A run of text on one line: a PDF word (CJK: a run of characters) or an OCR line box."""

    text: str
    box: Box
    size: float  # font size (OCR: box height)
    bold: bool = False  # a heavy face: font name with Bold/Heavy/Black/Hei/黑
    confidence: float = 1.0  # OCR recognition score; 1.0 for a text layer


@dataclass(frozen=True)
class PageText:
    """The fragments of one page, as read from a text layer or by OCR."""

    number: int  # 1-based
    width: float
    height: float
    fragments: tuple[Fragment, ...]
    source: Literal["text", "ocr"] = "text"
    frames: tuple[Box, ...] = ()  # rectangles drawn on the page (a framed or shaded box)


@dataclass(frozen=True)
class Region:
    """A piece of a page that layout analysis understood: text, role, place and reading order."""

    page: int
    box: Box
    role: LayoutRole
    text: str
    order: int  # position in the reading order, from 0
    starts_paragraph: bool = True  # body only: False when it continues the previous region


BOLD_FONT_MARKS = ("bold", "heavy", "black", "hei", "黑", "semibold", "demi")


def is_bold_font(fontname: str) -> bool:
    """Return whether a font name says its face is heavy (…Bold, …Hei, 黑体)."""
    name = fontname.lower()
    return any(mark in name for mark in BOLD_FONT_MARKS)
