"""Page image (a scan or a phone photo) -> blocks: OCR in a sandboxed child, then the same layout
analysis as a printed PDF."""

from __future__ import annotations

from pathlib import Path

from tingbao.paper.formats import Extracted
from tingbao.paper.layout import read_pages
from tingbao.paper.ocr import ocr_image
from tingbao.paper.settings import PaperSettings, ReadingSettings


def read_image(
    path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings
) -> Extracted:
    """Read a JPEG, PNG or WebP page image by OCR into blocks."""
    result = ocr_image(path, reading)
    return read_pages(result.pages, result.warnings, paper, reading)
