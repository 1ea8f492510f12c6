"""Plain text -> blocks: one block per non-empty line; roles are inferred later."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tingbao.paper.blocks import Block
from tingbao.paper.cleanup import clean_line, is_boilerplate


def text_to_blocks(text: str, boilerplate: Sequence[re.Pattern[str]]) -> list[Block]:
    """Split text into cleaned lines, dropping empty and boilerplate lines."""
    blocks: list[Block] = []
    for raw in text.split("\n"):
        line = clean_line(raw)
        if line and not is_boilerplate(line, boilerplate):
            blocks.append(Block(line))
    return blocks
