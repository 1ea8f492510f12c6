"""Markdown -> blocks, the exact format for editors who want to be sure.

`# ` is an article title, `## ` (or deeper) a section heading, a `> ` line right above a title its
kicker, a line opened by "——" right below a title its subtitle; every other line is a paragraph
(a line cut short is rejoined like plain text). Inline markup is removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tingbao.paper.settings import PaperSettings
from tingbao.reading.blocks import Block, Role
from tingbao.reading.cleanup import clean_line, compile_patterns, is_boilerplate
from tingbao.reading.decode import decode_text
from tingbao.reading.formats import Extracted
from tingbao.reading.settings import ReadingSettings

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
)


def strip_inline(text: str) -> str:
    """Remove Markdown inline markup, keeping the words."""
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def markdown_to_blocks(text: str, boilerplate: Sequence[re.Pattern[str]]) -> list[Block]:
    """Read Markdown into blocks with explicit roles."""
    raw_blocks: list[tuple[str, Role]] = []
    for raw in text.split("\n"):
        if not raw.strip() or _RULE.match(raw):
            continue
        heading = _HEADING.match(raw.strip())
        quote = _QUOTE.match(raw.strip())
        if heading:
            level = len(heading.group(1))
            raw_blocks.append((heading.group(2), "title" if level == 1 else "heading"))
        elif quote:
            raw_blocks.append((quote.group(1), "kicker"))
        else:
            raw_blocks.append((_LIST.sub("", raw), "para"))
    blocks: list[Block] = []
    for index, (raw_text, role) in enumerate(raw_blocks):
        line = clean_line(strip_inline(raw_text))
        if not line or is_boilerplate(line, boilerplate):
            continue
        next_role = raw_blocks[index + 1][1] if index + 1 < len(raw_blocks) else None
        if role == "kicker" and next_role != "title":
            role = "para"  # a quotation, not a kicker
        if role == "para" and blocks and blocks[-1].role == "title" and line.startswith("——"):
            role, line = "subtitle", line.lstrip("—").strip()
        blocks.append(Block(line, role))
    return blocks


def read_markdown(
    path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings
) -> Extracted:
    """Read a Markdown file into blocks with explicit roles."""
    text = decode_text(data)
    blocks = markdown_to_blocks(text, compile_patterns(reading.boilerplate_patterns))
    return Extracted(blocks, text)
