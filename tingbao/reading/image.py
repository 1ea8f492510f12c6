"""Page image (a scan or a phone photo) -> blocks: OCR in a sandboxed child, then the same layout
analysis as a printed PDF."""

from __future__ import annotations

from pathlib import Path

from tingbao.paper.settings import PaperSettings
from tingbao.reading.formats import Extracted
from tingbao.reading.layout import read_pages
from tingbao.reading.ocr import ocr_image
from tingbao.reading.settings import ReadingSettings


def read_image(
    path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings
) -> Extracted:
    """Read a JPEG, PNG or WebP page image by OCR into blocks."""
    result = ocr_image(path, reading)
    return read_pages(result.pages, result.warnings, paper, reading)
