"""Plain text -> blocks: one block per non-empty line; roles are inferred later."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tingbao.paper.settings import PaperSettings
from tingbao.reading.blocks import Block
from tingbao.reading.cleanup import clean_line, compile_patterns, is_boilerplate
from tingbao.reading.decode import decode_text
from tingbao.reading.formats import Extracted
from tingbao.reading.settings import ReadingSettings


def text_to_blocks(text: str, boilerplate: Sequence[re.Pattern[str]]) -> list[Block]:
    """Split text into cleaned lines, dropping empty and boilerplate lines."""
    blocks: list[Block] = []
    for raw in text.split("\n"):
        line = clean_line(raw)
        if line and not is_boilerplate(line, boilerplate):
            blocks.append(Block(line))
    return blocks


def read_text(path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings) -> Extracted:
    """Read a plain text file (UTF-8, UTF-16 or GB18030) into blocks."""
    text = decode_text(data)
    return Extracted(text_to_blocks(text, compile_patterns(reading.boilerplate_patterns)), text)
