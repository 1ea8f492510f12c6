"""PDF -> blocks: text lines and font sizes from a sandboxed child, then layout rules.

Headlines are set larger than body text and 小标题 somewhat larger; a body line indented by about
two characters opens a paragraph, a line that stops short of the right margin closes one, and any
other line (including the last one of a page) continues into the next.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tingbao.paper.blocks import Block, Role
from tingbao.paper.cleanup import (
    clean_line,
    compile_patterns,
    ends_sentence,
    is_boilerplate,
    join_fragments,
)
from tingbao.paper.errors import (
    PdfCorruptError,
    PdfEncryptedError,
    PdfNoTextError,
    PdfTimeoutError,
)
from tingbao.paper.formats import Extracted
from tingbao.paper.settings import Settings

_UNMAPPED = re.compile(r"\(cid:\d+\)")
HEADLINE_RATIO = 1.4
HEADING_RATIO = 1.12
INDENT_CHARS = 1.2
SHORT_LINE_CHARS = 1.5


@dataclass(frozen=True)
class PdfLine:
    """One text line of a page."""

    text: str
    size: float
    x0: float
    x1: float
    chars: int = 0


def run_extractor(path: Path, timeout_s: float, memory_mb: int) -> list[list[PdfLine]]:
    """Extract the lines of each page in a child process under time and memory limits."""
    command = [
        sys.executable,
        "-m",
        "tingbao.paper.pdf_extract",
        str(path),
        str(memory_mb),
        str(max(1, int(timeout_s) + 1)),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise PdfTimeoutError(
            f"reading the PDF took longer than {timeout_s:g} s: it may be damaged; "
            "export it again or send the text instead"
        ) from None
    try:
        result: dict[str, Any] = json.loads(done.stdout.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PdfTimeoutError(
            "reading the PDF ran out of time or memory: it may be damaged; "
            "export it again or send the text instead"
        ) from None
    if not result.get("ok"):
        kind = result.get("error")
        if kind == "encrypted":
            raise PdfEncryptedError("the PDF is protected by a password: send it without one")
        if kind == "memory":
            raise PdfTimeoutError(
                f"reading the PDF needed more than {memory_mb} MB of memory: send the text instead"
            )
        raise PdfCorruptError("the PDF is damaged or truncated: export it again and resend")
    return [
        [
            PdfLine(ln["text"], ln["size"], ln["x0"], ln["x1"], ln.get("chars", 0))
            for ln in p["lines"]
        ]
        for p in result["pages"]
    ]


def body_size(pages: Sequence[Sequence[PdfLine]]) -> float:
    """Return the font size that most characters are set in."""
    counts: Counter[float] = Counter()
    for page in pages:
        for line in page:
            counts[round(line.size * 2) / 2] += max(line.chars, len(line.text))
    return counts.most_common(1)[0][0]


def _role(size: float, body: float) -> Role:
    if size >= body * HEADLINE_RATIO:
        return "headline"
    if size >= body * HEADING_RATIO:
        return "heading"
    return "para"


def lines_to_blocks(pages: Sequence[Sequence[PdfLine]], boilerplate: Sequence[Any]) -> list[Block]:
    """Assemble lines into headline, heading and paragraph blocks."""
    if not any(pages):
        raise PdfNoTextError(
            "the PDF has no text layer (scanned pages?): it needs OCR first, or send the text"
        )
    text = "".join(line.text for page in pages for line in page)
    if len("".join(_UNMAPPED.findall(text))) > len(text) / 2:
        raise PdfNoTextError(
            "the PDF's fonts do not say which characters they draw: "
            "export it again with embedded fonts, or send the text"
        )
    body = body_size(pages)
    lines = [(line, _role(line.size, body)) for page in pages for line in page]
    body_lines = [line for line, role in lines if role == "para"] or [line for line, _ in lines]
    left = min(line.x0 for line in body_lines)
    right = max(line.x1 for line in body_lines)
    blocks: list[Block] = []
    open_line: PdfLine | None = None  # the last line, if its block may continue
    for line, role in lines:
        text = clean_line(line.text)
        if not text or is_boilerplate(text, boilerplate):
            open_line = None
            continue
        previous = blocks[-1] if blocks else None
        indented = role == "para" and line.x0 >= left + INDENT_CHARS * body
        reaches_right = line.x1 >= right - SHORT_LINE_CHARS * line.size
        # A short line that ends no sentence, after a sentence that filled its line, is a line of
        # its own (the closing box, a byline), not the end of that paragraph.
        stands_alone = (
            open_line is not None
            and ends_sentence(open_line.text)
            and not reaches_right
            and not ends_sentence(text)
        )
        if (
            previous is not None
            and open_line is not None
            and previous.role == role
            and not indented
            and not stands_alone
        ):
            blocks[-1] = Block(join_fragments(previous.text, text), role)
        else:
            blocks.append(Block(text, role))
        open_line = line if reaches_right else None
    return blocks


def read_pdf(path: Path, data: bytes, settings: Settings) -> Extracted:
    """Read a PDF's text layer into blocks."""
    pages = run_extractor(path, settings.pdf_timeout_s, settings.pdf_memory_mb)
    blocks = lines_to_blocks(pages, compile_patterns(settings.boilerplate_patterns))
    return Extracted(blocks, "\n".join(b.text for b in blocks))
