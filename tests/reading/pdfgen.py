"""Generate test PDFs the way a newsroom's layout would: reportlab's built-in CID font STSong-Light,
titles 18 pt, headings 13 pt, body 10.5 pt wrapped with a two-character indent."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tingbao.paper.model import Issue

FONT = "STSong-Light"
TITLE, HEADING, BODY = 18.0, 13.0, 10.5
MARGIN = 60.0
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def wrap(text: str, size: float, width: float, indent: float = 0.0) -> list[str]:
    """Wrap text character by character to fit width (the first line indented)."""
    lines: list[str] = []
    line = ""
    limit = width - indent
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > limit:
            lines.append(line)
            line, limit = char, width
        else:
            line += char
    if line:
        lines.append(line)
    return lines


class Writer:
    """Lay lines out top to bottom, starting a new page when one is full."""

    def __init__(self, path: Path) -> None:
        self.canvas = canvas.Canvas(str(path), pagesize=A4)
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def line(self, text: str, size: float, x_offset: float = 0.0, gap: float = 0.0) -> None:
        self.y -= gap
        if self.y - size < MARGIN:
            self.canvas.showPage()
            self.y = A4[1] - MARGIN
        self.y -= size * 1.5
        self.canvas.setFont(FONT, size)
        self.canvas.drawString(MARGIN + x_offset, self.y, text)

    def paragraph(self, text: str) -> None:
        for n, piece in enumerate(wrap(text, BODY, self.width, indent=2 * BODY)):
            self.line(piece, BODY, 2 * BODY if n == 0 else 0.0)

    def save(self) -> None:
        self.canvas.save()


def write_issue_pdf(
    issue: Issue,
    path: Path,
    masthead: Sequence[str] = (),
    closing: Sequence[str] = (),
    repeat: int = 1,
) -> Path:
    """Write the issue's articles (repeated to make long files) between masthead and closing box."""
    out = Writer(path)
    for text in masthead:
        out.line(text, BODY)
    for _ in range(repeat):
        for article in issue.articles:
            if article.kicker:
                out.line(article.kicker, TITLE, gap=BODY)
            for piece in wrap(article.title, TITLE, out.width):
                out.line(piece, TITLE, gap=0.0 if article.kicker else BODY)
            for section in article.sections:
                if section.heading:
                    out.line(section.heading, HEADING, gap=BODY / 2)
                for paragraph in section.paragraphs:
                    out.paragraph(paragraph)
    for text in closing:
        out.line(text, BODY)
    out.save()
    return path
