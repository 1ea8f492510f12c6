"""What on a printed page is not news: running heads, folios, the masthead, jump lines, captions,
photo credits and bylines. Pure rules on lines and their place on the page, table-tested.

- Running heads and folios sit in the top or bottom tenth of a page. A line there is furniture when
  it recurs at the same place on other pages (compared with its digits masked), or when it reads as
  a page number ("— 2 —", "第2版", "2 / 8") or a running head (a date and 第N版).
- The masthead is the top of the first page down to the paper's name plate and the lines set with
  it (主办, 期号, 内部资料, the date).
- Jump lines ("（下转第2版）", "（上接第1版）") end or open a part of an article continued
  elsewhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tingbao.reading.cleanup import looks_like_heading
from tingbao.reading.geometry import LayoutRole
from tingbao.reading.layout.lines import Line

MARGIN_ZONE = 0.1  # top and bottom tenth of a page
_NUMERALS = "0-9０-９一二三四五六七八九十〇零"
_MASK = re.compile(f"[{_NUMERALS}]+")
FOLIO = re.compile(
    rf"^[—\-–－_·•\s]*(第\s*)?[{_NUMERALS}]{{1,3}}\s*(版|页)?[—\-–－_·•\s]*$"
    rf"|^[{_NUMERALS}]{{1,3}}\s*/\s*[{_NUMERALS}]{{1,3}}$"
)
RUNNING_HEAD = re.compile(
    rf"第\s*[{_NUMERALS}]{{1,3}}\s*版|[{_NUMERALS}]{{2,4}}\s*年\s*[{_NUMERALS}]{{1,2}}\s*月"
)
JUMP = re.compile(
    rf"[（(]?\s*(?P<dir>下转|转|上接|接)\s*(?:第\s*)?(?P<page>[{_NUMERALS}]{{1,3}})\s*版\s*[）)]?"
)
MASTHEAD = re.compile(
    r"主办|承办|协办|内部资料|免费赠阅|免费交流|准印证|准印号|刊号|第\s*\d+\s*期|总第\s*\d+\s*期"
    r"|^\d{4}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?(\s*星期.)?$"
)
CAPTION = re.compile(r"^(图为|图：|图:|▲|△|■图|上图|下图|左图|右图|图片说明|图\s*\d)")
_NAMES = r"[\u4e00-\u9fff·]{2,5}(?:[\s、，,]+[\u4e00-\u9fff·]{2,5}){0,3}"
# Credits and bylines need a separator (space, colon, slash) or brackets, so that the last line of
# a paragraph ("……进行拍摄") is never taken for one.
CREDIT = re.compile(
    rf"^[（(]\s*(摄影|摄|图|图片|供图)\s*[:：/]?\s*{_NAMES}\s*[）)]$"
    rf"|^(摄影|图片|供图|图片来源|图)\s*[:：/\s]\s*{_NAMES}$"
    rf"|^[（(]?\s*(记者|通讯员)?\s*{_NAMES}\s+(摄|供图)\s*[）)]?$"
)
BYLINE = re.compile(
    r"^[（(■●]\s*(本报)?(记者|通讯员|特约记者|实习记者|撰稿|文|文字|供稿|作者)\s*[:：/]?\s*"
    rf"{_NAMES}\s*[）)]$"
    r"|^(本报)?(记者|通讯员|特约记者|实习记者|撰稿|文|文字|供稿|作者)\s*[:：/\s]\s*"
    rf"{_NAMES}$"
)
_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")}


@dataclass(frozen=True)
class Jump:
    """A jump line: this part goes on at `page` ("out"), or comes from `page` ("in")."""

    direction: str  # "out" or "in"
    page: int


def page_number(text: str) -> int | None:
    """Read 2, ２, 二 or 十二 as a page number."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if text.endswith("十"):
        return _CN_DIGITS.get(text[:-1], 0) * 10
    if len(text) == 2 and text[1] in _CN_DIGITS and text[0] in _CN_DIGITS:
        return _CN_DIGITS[text[0]] * 10 + _CN_DIGITS[text[1]]
    return _CN_DIGITS.get(text)


def find_jump(text: str) -> tuple[Jump | None, str]:
    """Return the jump a line holds and the line without it."""
    match = JUMP.search(text)
    if match is None:
        return None, text
    page = page_number(match.group("page"))
    if page is None:
        return None, text
    direction = "in" if "接" in match.group("dir") and "转" not in match.group("dir") else "out"
    rest = (text[: match.start()] + text[match.end() :]).strip()
    return Jump(direction, page), rest


def _signature(line: Line, height: float, width: float) -> tuple[str, str, int]:
    zone = "top" if line.box.top < height * MARGIN_ZONE else "bottom"
    centre = round(((line.box.x0 + line.box.x1) / 2) / width * 10)
    return zone, _MASK.sub("#", line.text.replace(" ", "")), centre


def in_margin(line: Line, height: float) -> bool:
    """Return whether a line sits in the top or bottom tenth of its page."""
    return line.box.top < height * MARGIN_ZONE or line.box.bottom > height * (1 - MARGIN_ZONE)


def running_furniture(
    pages: Sequence[Sequence[Line]],
    sizes: Sequence[tuple[float, float]],
    body: float,
    names: Sequence[str] = (),
) -> dict[int, LayoutRole]:
    """Return id(line) -> "running_head" or "folio" for the page furniture of every page.

    Running heads and folios are set no larger than the body text; a headline is never one.
    """
    counts: Counter[tuple[str, str, int]] = Counter()
    for lines, (width, height) in zip(pages, sizes, strict=True):
        seen = {_signature(ln, height, width) for ln in lines if in_margin(ln, height)}
        counts.update(seen)
    found: dict[int, LayoutRole] = {}
    for lines, (width, height) in zip(pages, sizes, strict=True):
        marked: list[Line] = []
        for line in lines:
            if not in_margin(line, height) or len(line.text) > 60 or line.size > 1.15 * body:
                continue
            if find_jump(line.text)[0] is not None:
                continue
            recurs = len(pages) > 1 and counts[_signature(line, height, width)] >= 2
            named = line.text.replace(" ", "") in names
            # A running head is a label, not prose: a line of text that merely mentions a date
            # or a 版 near the page's edge is the article's, unless it recurs on other pages.
            label = looks_like_heading(line.text, 40)
            if FOLIO.match(line.text):
                found[id(line)] = "folio"
                marked.append(line)
            elif recurs or named or (label and RUNNING_HEAD.search(line.text)):
                found[id(line)] = "running_head"
                marked.append(line)
        # The rest of a running head's row (the paper's name at its left, the section at its right).
        for line in lines:
            if id(line) in found or not in_margin(line, height) or len(line.text) > 30:
                continue
            if line.size > 1.6 * body:  # a paper's name in its logo face may be set larger
                continue
            if any(_same_row(line, other) for other in marked):
                found[id(line)] = "running_head"
    return found


def _same_row(a: Line, b: Line) -> bool:
    return min(a.box.bottom, b.box.bottom) - max(a.box.top, b.box.top) > 0.5 * min(
        a.box.height, b.box.height
    )


def masthead_lines(
    lines: Sequence[Line], height: float, names: Sequence[str], headline_size: float
) -> set[int]:
    """Return id(line) of the first page's masthead: the name plate and what is set beside it."""
    top = [ln for ln in lines if ln.box.top < height * 0.3]
    if not top:
        return set()
    wanted = [n.replace(" ", "") for n in names if n]
    plate = [
        ln
        for ln in top
        if any(w and w in ln.text.replace(" ", "") for w in wanted) and ln.size >= headline_size
    ]
    if not plate:
        largest = max(top, key=lambda ln: ln.size)
        if largest.size >= headline_size * 1.3 and len(largest.text.replace(" ", "")) <= 10:
            plate = [largest]
    marked = {id(ln) for ln in top if MASTHEAD.search(ln.text) and looks_like_heading(ln.text, 40)}
    if not plate:
        return marked
    bottom = max(ln.box.bottom for ln in plate)
    limit = bottom + max(ln.size for ln in plate) * 0.2
    band = [ln for ln in lines if ln.box.bottom <= limit]
    # Lines set beside the plate (主办, 期号, date) sit in its band; later masthead lines follow it.
    marked |= {id(ln) for ln in band}
    return marked


def caption_role(line_texts: Sequence[str]) -> LayoutRole | None:
    """Return "caption", "credit" or "byline" when a chunk's text reads as one, else None."""
    text = "".join(line_texts).strip()
    if not text:
        return None
    if CAPTION.match(text):
        return "caption"
    if len(text) <= 30 and CREDIT.match(text):
        return "credit"
    if len(text) <= 30 and BYLINE.match(text):
        return "byline"
    return None
