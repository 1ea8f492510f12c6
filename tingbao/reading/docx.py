"""Word manuscripts (.docx) -> blocks: paragraph styles give the roles, tables are read in place.

A document that styles its titles (Title, Heading 1, …) gets exact roles, as Markdown does: the
shallowest heading level used is the article title, deeper ones and short all-bold lines are 小标题,
a short line styled apart (Subtitle, a deeper heading, bold) right above a title is its kicker and
a line opened by "——" right below it its subtitle. A document set all in "Normal" leaves the roles
to be inferred, as for plain text. Each table row becomes one paragraph, in document order.

Text boxes (w:txbxContent, in DrawingML shapes and in VML) often hold a 简讯 box or a sidebar: their
paragraphs are read right after the paragraph they are anchored in, once each (Word saves a shape
twice, as DrawingML and as a VML fallback; the fallback is passed over). Footnotes, comments, and
headers and footers are not the news (the margins are only searched for the date).

A .docx is a zip, so before python-docx opens one its declared sizes and packing ratio are checked
(zip bombs); Python's zipfile never inflates an entry past its declared size. A .docx saved with a
password is an OLE compound file instead, and is refused with what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tingbao.paper.errors import (
    DocxBombError,
    DocxCorruptError,
    DocxEncryptedError,
    DocxNotWordError,
)
from tingbao.paper.settings import PaperSettings
from tingbao.reading.blocks import Block, Role
from tingbao.reading.cleanup import (
    clean_line,
    compile_patterns,
    is_boilerplate,
    join_fragments,
    looks_like_heading,
)
from tingbao.reading.formats import Extracted
from tingbao.reading.settings import ReadingSettings

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # Word's own files pack 3 to 20 times; a bomb packs thousands of times
RATIO_FLOOR_BYTES = 1024 * 1024  # under this, any ratio is harmless
MAX_ENTRIES = 10_000
DOCUMENT_PART = "word/document.xml"
DAMAGED = "the Word file is damaged or truncated: save it again and resend"

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_TITLE_STYLES = frozenset({"title", "标题"})
_SUBTITLE_STYLES = frozenset({"subtitle", "副标题"})
_SUBTITLE_MARK = re.compile(r"^[—–]{1,2}\s*")
_BRACKETED = re.compile(r"^[（(【\[]")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph as the role rules see it."""

    text: str
    level: int | None = None  # 1 for Title and Heading 1, n for Heading n
    subtitle_style: bool = False
    bold: bool = False
    table: bool = False


def check_package(data: bytes) -> None:
    """Refuse a .docx that is password-protected, damaged, not Word, or would unpack too large."""
    if data.startswith(OLE_MAGIC):
        if "WordDocument".encode("utf-16-le") in data:
            raise DocxNotWordError(
                "this is an old Word .doc file named .docx: save it as .docx "
                "(Word: Save As, Word Document)"
            )
        raise DocxEncryptedError("the Word file is protected by a password: save it without one")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise DocxCorruptError(DAMAGED) from None
    if len(entries) > MAX_ENTRIES:
        raise DocxBombError(f"the Word file holds {len(entries)} parts: save it again from Word")
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocxBombError(
            f"the Word file unpacks to {unpacked / 1048576:.0f} MB, over the "
            f"{MAX_UNPACKED_BYTES / 1048576:.0f} MB limit: save it again from Word"
        )
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise DocxBombError(
            f"the Word file unpacks {unpacked // max(packed, 1)} times larger than it is, "
            "which Word never does: save it again from Word"
        )
    if DOCUMENT_PART not in {e.filename for e in entries}:
        raise DocxNotWordError(
            "the file is a zip archive but not a Word document: save it as .docx from Word"
        )


def _style_chain(style: Any) -> Iterator[Any]:
    """Yield a style and the styles it is based on (a custom title style based on Heading 1)."""
    seen = 0
    while style is not None and seen < 10:
        yield style
        style = style.base_style
        seen += 1


def _level(style: Any) -> tuple[int | None, bool]:
    """Return the heading level a paragraph style gives (Title: 1) and whether it is Subtitle."""
    for item in _style_chain(style):
        name = (item.name or "").strip().lower()
        if name in _TITLE_STYLES:
            return 1, False
        if name in _SUBTITLE_STYLES:
            return None, True
        match = _HEADING_STYLE.match(name)
        if match and match.group(1) != "0":
            return int(match.group(1)), False
    return None, False


def _style_bold(style: Any) -> bool:
    for item in _style_chain(style):
        if item.font.bold is not None:
            return bool(item.font.bold)
    return False


def _all_bold(paragraph: Any) -> bool:
    """Return whether every run that shows text is bold (set on the run, else by its style)."""
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    default = _style_bold(paragraph.style)
    for run in runs:
        bold = run.bold
        if bold is None and run.style is not None:
            bold = run.style.font.bold
        if not (default if bold is None else bold):
            return False
    return True


def _paragraph(paragraph: Any) -> Paragraph:
    level, subtitle = _level(paragraph.style)
    return Paragraph(paragraph.text, level, subtitle, _all_bold(paragraph))


def _table_rows(table: Any) -> Iterator[Paragraph]:
    """Yield each row of a table as one paragraph, its cells' text joined by spaces."""
    for row in table.rows:
        cells: list[str] = []
        listed = row.cells
        index = 0
        while index < len(listed):
            cell = listed[index]
            # A cell merged across columns is listed once per grid column it spans.
            index += max(cell.grid_span, 1)
            text = " ".join(p.text for p in _cell_paragraphs(cell)).strip()
            if text:
                cells.append(text)
        if cells:
            yield Paragraph(" ".join(cells), table=True)


def _cell_paragraphs(cell: Any) -> Iterator[Any]:
    """Yield a cell's paragraphs, those of nested tables included."""
    for item in cell.iter_inner_content():
        if hasattr(item, "rows"):
            for row in item.rows:
                for inner in row.cells:
                    yield from _cell_paragraphs(inner)
        else:
            yield item


_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Text box content not inside a VML fallback of a DrawingML shape, and not nested in another box
# (the outer box's paragraphs hold it).
_TEXT_BOXES = ".//w:txbxContent[not(ancestor::mc:Fallback)][not(ancestor::w:txbxContent)]"


def _text_box_paragraphs(paragraph: Any) -> Iterator[Paragraph]:
    """Yield the paragraphs of the text boxes anchored in a paragraph, in document order."""
    from docx.text.paragraph import Paragraph as DocxParagraph
    from lxml import etree

    element = paragraph._p
    for box in etree.ElementBase.xpath(element, _TEXT_BOXES, namespaces={"w": _W, "mc": _MC}):
        for inner in box.iterchildren(f"{{{_W}}}p"):
            yield _paragraph(DocxParagraph(inner, paragraph._parent))


def document_paragraphs(document: Any) -> list[Paragraph]:
    """Return the body's paragraphs, table rows and text boxes in document order."""
    found: list[Paragraph] = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            found.extend(_table_rows(item))
        else:
            found.append(_paragraph(item))
            found.extend(_text_box_paragraphs(item))
    return found


def _one_line(text: str, joiner: str) -> str:
    """Return a paragraph's lines as one: a title's line break is a space, a body's nothing."""
    lines = [clean_line(line.replace("\t", " ")) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if joiner:
        return joiner.join(lines)
    joined = ""
    for line in lines:
        joined = join_fragments(joined, line)
    return joined


def _is_kicker(paragraph: Paragraph, line: str, title_level: int) -> bool:
    styled_apart = paragraph.subtitle_style or (
        paragraph.level is not None and paragraph.level > title_level
    )
    return (
        (styled_apart or paragraph.bold)
        and looks_like_heading(line)
        and not _BRACKETED.match(line)
        and not paragraph.table
    )


def _styled_apart(paragraph: Paragraph, line: str) -> bool:
    """Return whether a paragraph is set apart from the body: a heading style, or short and bold."""
    if paragraph.level is not None or paragraph.subtitle_style:
        return True
    return paragraph.bold and not paragraph.table and looks_like_heading(line)


def paragraphs_to_blocks(
    paragraphs: Sequence[Paragraph], boilerplate: Sequence[re.Pattern[str]]
) -> list[Block]:
    """Give paragraphs their roles from the styles, or none when the document uses no styles."""
    levels = [p.level for p in paragraphs if p.level is not None and p.text.strip()]
    if not levels:
        return _unstyled_blocks(paragraphs, boilerplate)
    title_level = min(levels)
    kept: list[tuple[Paragraph, str]] = []
    for paragraph in paragraphs:
        # A line break inside a title is a space ("主题 副句"); inside body text it is nothing.
        spaced = paragraph.level is not None or paragraph.subtitle_style or paragraph.bold
        line = _one_line(paragraph.text, " " if spaced else "")
        if line and not is_boilerplate(line, boilerplate):
            kept.append((paragraph, line))
    blocks: list[Block] = []
    for index, (paragraph, line) in enumerate(kept):
        following = kept[index + 1][0] if index + 1 < len(kept) else None
        role: Role
        if paragraph.level == title_level:
            role = "title"
        elif (
            following is not None
            and following.level == title_level
            and _is_kicker(paragraph, line, title_level)
        ):
            role = "kicker"
        elif (
            blocks
            and blocks[-1].role == "title"
            and (_SUBTITLE_MARK.match(line) or paragraph.subtitle_style)
        ):
            role, line = "subtitle", _SUBTITLE_MARK.sub("", line)
        elif _styled_apart(paragraph, line):
            role = "heading"
        else:
            role = "para"
        if line:
            blocks.append(Block(line, role))
    return blocks


def _unstyled_blocks(
    paragraphs: Sequence[Paragraph], boilerplate: Sequence[re.Pattern[str]]
) -> list[Block]:
    """Read a document set all in one style like plain text: a line break ends a line."""
    blocks: list[Block] = []
    for paragraph in paragraphs:
        pieces = (
            [paragraph.text.replace("\t", " ")] if paragraph.table else paragraph.text.split("\n")
        )
        for raw in pieces:
            line = clean_line(raw.replace("\t", " "))
            if line and not is_boilerplate(line, boilerplate):
                # A table row is never a title, however short.
                blocks.append(Block(line, "para" if paragraph.table else None))
    return blocks


def _margin_text(document: Any) -> str:
    """Return the text of the page headers and footers (where Word files often keep the date)."""
    lines: list[str] = []
    for section in document.sections:
        for part in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
        ):
            if not part.is_linked_to_previous:
                lines.extend(p.text for p in part.paragraphs)
    return "\n".join(line for line in lines if line.strip())


def _open(data: bytes) -> Any:
    """Open the package with python-docx, or refuse it in one line."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        return Document(io.BytesIO(data))
    except ValueError as exc:
        # python-docx opens only documents: a macro-enabled file or a template says so here.
        if "not a Word file" in str(exc):
            raise DocxNotWordError(
                "this is a Word template or macro file, not a document: "
                "save it as .docx (Word: Save As, Word Document)"
            ) from None
        raise DocxCorruptError(DAMAGED) from None
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        zlib.error,
        XMLSyntaxError,
        KeyError,
        EOFError,
    ):
        raise DocxCorruptError(DAMAGED) from None
    except MemoryError:
        raise
    except Exception:  # python-docx meets a part it does not expect: a damaged file, one line
        raise DocxCorruptError(DAMAGED) from None


def read_docx(path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings) -> Extracted:
    """Read a Word .docx manuscript into blocks (roles from its styles when it uses them)."""
    check_package(data)
    document = _open(data)
    try:
        paragraphs = document_paragraphs(document)
        margins = _margin_text(document)
    except MemoryError:
        raise
    except Exception:  # e.g. a document.xml with no body: python-docx raises AttributeError
        raise DocxCorruptError(DAMAGED) from None
    blocks = paragraphs_to_blocks(paragraphs, compile_patterns(reading.boilerplate_patterns))
    text = "\n".join([margins, *(p.text for p in paragraphs)])
    return Extracted(blocks, text)
