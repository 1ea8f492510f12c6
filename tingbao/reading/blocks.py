"""Blocks: the common form every reader (text, Markdown, PDF) produces for segmentation.

A block is one paragraph or one headline/heading line. Readers that know the structure (Markdown's
`#`, a PDF's font sizes) set its role; plain text leaves it to be inferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# headline: set large (a title or kicker, role decided by its neighbours; after 简讯, a brief's
# title); kicker/title/subtitle: given exactly (Markdown, Word, layout analysis); heading: a 小标题;
# para: body text; caption: a photo caption, kept on the article and never spoken.
Role = Literal["headline", "kicker", "title", "subtitle", "heading", "para", "caption"]
HEADLINE_ROLES: frozenset[str] = frozenset({"headline", "kicker", "title", "subtitle"})


@dataclass(frozen=True)
class Block:
    """One paragraph or heading line, with its role when the reader knows it."""

    text: str
    role: Role | None = None
