"""The input formats tingbao reads: one table, from which the reader, the decoder's refusals, the
bot's upload check and every help text are built.

Each format names its suffixes, how its content is recognised (magic bytes), a label for editors,
and its reader as "module:function" (imported on first use, so a text file never loads the OCR
models). A reader takes the path, the bytes, the paper and the reading settings, and returns
`Extracted`.
Formats tingbao does not read have a refusal that says what to send instead.

The table is handed in, not patched: `ReadingSettings.formats` is the table a deployment reads
with (FORMATS by default; a test adds a format there), and every function here takes the table
it works on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tingbao.paper.errors import InputError
from tingbao.reading.blocks import Block

if TYPE_CHECKING:
    from tingbao.paper.settings import PaperSettings
    from tingbao.reading.geometry import PageText, Region
    from tingbao.reading.settings import ReadingSettings


@dataclass(frozen=True)
class Extracted:
    """What a reader found in a file: blocks for segmentation, and what it saw on the pages."""

    blocks: list[Block]
    text: str  # the plain text, for finding dates
    warnings: tuple[str, ...] = ()
    pages: tuple[PageText, ...] = ()  # positioned input (PDF, scan, photo), for the layout picture
    regions: tuple[Region, ...] = ()  # what layout analysis made of them


Reader = Callable[[Path, bytes, "PaperSettings", "ReadingSettings"], Extracted]


@dataclass(frozen=True)
class InputFormat:
    """One kind of file an editor may drop."""

    kind: str
    name: str  # in English messages: "a PDF", "an image"
    suffixes: tuple[str, ...]
    label: str  # how editors call it, in Chinese
    reader: str  # "module:function"
    magic: tuple[bytes, ...] = ()  # the content must start with one of these (empty: text)

    def matches_content(self, data: bytes) -> bool:
        """Return whether the bytes look like this format (always, for text formats)."""
        if not self.magic:
            return True
        if self.kind == "image" and data[:4] == b"RIFF":
            return data[8:12] == b"WEBP"
        return data.startswith(self.magic)

    def load_reader(self) -> Reader:
        """Import and return the reader function."""
        module, _, name = self.reader.partition(":")
        reader: Reader = getattr(importlib.import_module(module), name)
        return reader


FORMATS: tuple[InputFormat, ...] = (
    InputFormat("text", "a text file", (".txt",), "文本", "tingbao.reading.plaintext:read_text"),
    InputFormat(
        "markdown",
        "a Markdown file",
        (".md", ".markdown"),
        "Markdown",
        "tingbao.reading.markdown:read_markdown",
    ),
    InputFormat(
        "pdf",
        "a PDF",
        (".pdf",),
        "PDF（排版稿或扫描件）",
        "tingbao.reading.pdf:read_pdf",
        (b"%PDF-",),
    ),
    InputFormat(
        "docx",
        "a Word .docx file",
        (".docx",),
        "Word（.docx）",
        "tingbao.reading.docx:read_docx",
        # A .docx is a zip; one saved with a password is an OLE compound file instead, let in
        # here so that its reader can say so.
        (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ),
    InputFormat(
        "image",
        "an image",
        (".jpg", ".jpeg", ".png", ".webp"),
        "图片（扫描或拍照）",
        "tingbao.reading.image:read_image",
        (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF"),  # RIFF: WebP, checked above
    ),
)

# Files editors often have that tingbao does not read, and what to send instead.
REFUSALS: dict[str, str] = {
    ".doc": "old Word .doc files are not read: save it as .docx (Word: Save As, Word Document)",
    ".wps": "WPS files are not read: save it as .docx or export a PDF",
    ".rtf": "RTF files are not read: save it as .docx or .txt",
    ".pages": "Pages files are not read: export a PDF or .docx",
    ".odt": "OpenDocument files are not read: save it as .docx or export a PDF",
    ".xls": "spreadsheets are not read: send the issue as PDF, .docx or text",
    ".xlsx": "spreadsheets are not read: send the issue as PDF, .docx or text",
    ".ppt": "slides are not read: export a PDF",
    ".pptx": "slides are not read: export a PDF",
    ".zip": "archives are not read: send the issue's file itself",
    ".rar": "archives are not read: send the issue's file itself",
    ".7z": "archives are not read: send the issue's file itself",
    ".heic": "HEIC photos are not read: send the photo as JPEG (most phones: Settings, Camera, "
    "Most Compatible)",
    ".tif": "TIFF scans are not read: export the scan as PDF or PNG",
    ".tiff": "TIFF scans are not read: export the scan as PDF or PNG",
}


def all_suffixes(formats: Sequence[InputFormat] = FORMATS) -> tuple[str, ...]:
    """Return every suffix tingbao reads, in table order."""
    return tuple(s for fmt in formats for s in fmt.suffixes)


def accepted_text(formats: Sequence[InputFormat] = FORMATS) -> str:
    """Return the suffixes as a phrase for English messages: ".txt, .md, .pdf or .docx"."""
    names = [fmt.suffixes[0] for fmt in formats]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def accepted_text_zh(formats: Sequence[InputFormat] = FORMATS) -> str:
    """Return the suffixes as a phrase for editors: ".txt、.md、.pdf 或 .docx"."""
    names = [s for fmt in formats for s in fmt.suffixes if s != ".markdown"]
    return "、".join(names[:-1]) + " 或 " + names[-1] if len(names) > 1 else names[0]


def format_for(path: Path, data: bytes, formats: Sequence[InputFormat] = FORMATS) -> InputFormat:
    """Return the format of a file from its suffix, checked against its content; or refuse."""
    suffix = path.suffix.lower()
    if suffix in REFUSALS:
        raise InputError(REFUSALS[suffix])
    for fmt in formats:
        if suffix in fmt.suffixes:
            if not fmt.matches_content(data):
                raise InputError(
                    f"the file is named {suffix} but is not {fmt.name}: export it again"
                )
            return fmt
    # No known suffix (or none at all): recognise the content, else read it as text.
    for fmt in formats:
        if fmt.magic and fmt.matches_content(data):
            return fmt
    return formats[0]
