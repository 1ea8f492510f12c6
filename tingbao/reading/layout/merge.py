"""Put back together what a change of size split apart: a closing box's label and names set in
another size than its keyed lines, and the last line of a caption (OCR, which measures size from
boxes, splits these most often)."""

from __future__ import annotations

import re

from tingbao.chinese import sentences
from tingbao.reading.geometry import Box, LayoutRole
from tingbao.reading.layout.lines import Chunk

# A line with a full stop in it is prose; ；may part a closing box's list of names.
_SENTENCE = re.compile(sentences.char_class(sentences.STOPS))
BOX_LINE_MAX = 40
CAPTION_TAIL_MAX = 30


def _below(upper: Box, lower: Box, gap: float) -> bool:
    """Return whether lower sits right under upper, overlapping it."""
    return upper.overlap_x(lower) > 0 and -0.3 * gap <= lower.top - upper.bottom <= gap


def _merged(page: int, first: Chunk, second: Chunk, role: LayoutRole) -> Chunk:
    lines = sorted([*first.lines, *second.lines], key=lambda ln: ln.box.top)
    return Chunk(page, lines, role)


def _short_lines(chunk: Chunk) -> bool:
    return all(len(ln.text) <= BOX_LINE_MAX and not _SENTENCE.search(ln.text) for ln in chunk.lines)


def absorb(chunks: list[Chunk], body: float) -> list[Chunk]:
    """Grow closing boxes by the short lines right above and below them, and captions by a
    short last line right below them."""
    changed = True
    while changed:
        changed = False
        for index, chunk in enumerate(chunks):
            role = chunk.role
            if role not in ("box", "caption"):
                continue
            for other in chunks:
                if other is chunk or other.role in ("box", role, "heading"):
                    continue
                gap = 1.5 * max(body, chunk.size)
                if role == "box":
                    near = _below(chunk.box, other.box, gap) or _below(other.box, chunk.box, gap)
                    fits = _short_lines(other)
                else:
                    near = _below(chunk.box, other.box, 1.0 * max(body, chunk.size))
                    fits = len(other.lines) <= 2 and len(other.text) <= CAPTION_TAIL_MAX
                if near and fits:
                    chunks[index] = _merged(chunk.page, chunk, other, role)
                    chunks.remove(other)
                    changed = True
                    break
            if changed:
                break
    return chunks
