"""PDF -> blocks: positioned words from a sandboxed child, OCR for pages without a text layer, then
layout analysis (columns, regions, roles, reading order) into blocks.

A page with no text layer (a scan exported as PDF) is rendered and read by OCR; its boxes are scaled
to the page's points so text pages and scanned pages of one file are measured alike. A document of
more pages than TINGBAO_MAX_PAGES is refused by the child before it reads any page, so a file of
ten thousand blank pages never reaches OCR.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tingbao.paper import notices
from tingbao.paper.errors import (
    PdfCorruptError,
    PdfEncryptedError,
    PdfTimeoutError,
    TooManyPagesError,
)
from tingbao.paper.notices import ReadingWarning
from tingbao.paper.settings import PaperSettings
from tingbao.reading import children
from tingbao.reading.formats import Extracted
from tingbao.reading.geometry import Box, Fragment, PageText, is_bold_font
from tingbao.reading.layout import read_pages
from tingbao.reading.settings import ReadingSettings

UNMAPPED = "\ufffd"  # a glyph whose font does not say which character it draws
BOLD_WEIGHT = 600


def _page(number: int, raw: dict[str, Any]) -> PageText:
    fragments = tuple(
        Fragment(text, Box(x0, top, x1, bottom), size, is_bold_font(font) or weight >= BOLD_WEIGHT)
        for text, x0, top, x1, bottom, size, font, weight in raw["words"]
    )
    frames = tuple(Box(*frame) for frame in raw.get("frames", ()))
    return PageText(number, raw["width"], raw["height"], fragments, frames=frames)


def too_many_pages(count: int, limit: int) -> TooManyPagesError:
    """Return the refusal of a document with more pages than the limit."""
    return TooManyPagesError(
        f"the PDF has {count} pages, over the limit of {limit}: "
        "split it into smaller files, or raise TINGBAO_MAX_PAGES"
    )


def run_extractor(
    path: Path, timeout_s: float, memory_mb: int, max_pages: int = ReadingSettings.max_pages
) -> tuple[list[PageText], dict[int, int]]:
    """Extract the positioned words of each page in a child process under time and memory
    limits; also return, by page, how many characters set at an angle were left out.

    A document of more than max_pages pages is refused before any page is read."""
    command = [
        sys.executable,
        "-m",
        "tingbao.reading.pdf_extract",
        str(path),
        str(memory_mb),
        str(max(1, int(timeout_s) + 1)),
        str(max_pages),
    ]
    with children.running(command) as child:
        try:
            stdout, _ = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise PdfTimeoutError(
                f"reading the PDF took longer than {timeout_s:g} s: it may be damaged; "
                "export it again or send the text instead"
            ) from None
    try:
        result: dict[str, Any] = json.loads(stdout.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PdfTimeoutError(
            "reading the PDF ran out of time or memory: it may be damaged; "
            "export it again or send the text instead"
        ) from None
    if not result.get("ok"):
        kind = result.get("error")
        if kind == "encrypted":
            raise PdfEncryptedError("the PDF is protected by a password: send it without one")
        if kind == "pages":
            raise too_many_pages(int(result.get("detail", "0")), max_pages)
        if kind == "memory":
            raise PdfTimeoutError(
                f"reading the PDF needed more than {memory_mb} MB of memory: send the text instead"
            )
        raise PdfCorruptError("the PDF is damaged or truncated: export it again and resend")
    pages = [_page(n, raw) for n, raw in enumerate(result["pages"], start=1)]
    rotated = {
        n: raw["rotated"] for n, raw in enumerate(result["pages"], start=1) if raw["rotated"]
    }
    return pages, rotated


def _scaled(ocr: PageText, like: PageText) -> PageText:
    """Return an OCR page measured in the points of the PDF page it was rendered from."""
    k = like.width / ocr.width if ocr.width else 1.0
    fragments = tuple(
        replace(
            f,
            box=Box(f.box.x0 * k, f.box.top * k, f.box.x1 * k, f.box.bottom * k),
            size=f.size * k,
        )
        for f in ocr.fragments
    )
    frames = tuple(Box(b.x0 * k, b.top * k, b.x1 * k, b.bottom * k) for b in ocr.frames)
    return PageText(like.number, like.width, like.height, fragments, "ocr", frames)


def _unreadable(page: PageText) -> bool:
    """Return whether a page's text layer says nothing (no text, or fonts that do not say which
    characters they draw): such a page is read by OCR instead."""
    text = "".join(f.text for f in page.fragments)
    return not text or text.count(UNMAPPED) > len(text) * 0.3


def read_pdf(path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings) -> Extracted:
    """Read a PDF: its text layer where it has one, OCR where it has none; then layout analysis."""
    pages, rotated = run_extractor(
        path, reading.pdf_timeout_s, reading.pdf_memory_mb, reading.max_pages
    )
    warnings: list[str] = [
        ReadingWarning(
            notices.TEXT_AT_AN_ANGLE,
            f"page {number}: {count} characters set at an angle (vertical text?) were left out",
        )
        for number, count in rotated.items()
    ]
    blank = [p.number for p in pages if _unreadable(p)]
    if blank:
        from tingbao.reading.ocr import ocr_pdf  # loads the OCR models only for scans

        result = ocr_pdf(path, reading, pages=blank)
        warnings.extend(result.warnings)
        by_number = {p.number: p for p in pages}
        for ocr_page, number in zip(result.pages, blank, strict=True):
            by_number[number] = _scaled(ocr_page, by_number[number])
        pages = [by_number[n] for n in sorted(by_number)]
    return read_pages(pages, warnings, paper, reading)
