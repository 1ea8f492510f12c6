"""Generate a printed community paper the way a layout program exports it, with its ground truth.

A3 pages; a masthead on page 1; running heads and folios on later pages; articles in 3 and 4
columns of different widths; headlines spanning some columns, one wrapped inside a narrow column;
kickers and subtitles; 小标题 in a heavier face; photos with captions and credits; bylines; an
article continued on the next page with jump lines; a boxed 简讯 column; the closing box in the
bottom corner of the last page. Body text is set ragged (not justified) with the 禁则 rule: a line
never opens with ，。、 etc., so the character before moves down with it and the line ends short.

Fonts are embedded TrueType (WenQuanYi Zen Hei for headlines and 小标题, AR PL UMing for body), so
the pages render for OCR. The truth is the list of articles a reader should get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HEI_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
SONG_FILE = "/usr/share/fonts/truetype/arphic/uming.ttc"
HEI, SONG = "Hei", "Song"
A3 = (842.0, 1191.0)
MARGIN = 40.0
GUTTER = 14.0
BODY, LEADING = 10.5, 1.6
NO_START = set("，。、；：？！）」』”’》…％,.;:?!)")
PAPER = "金虹桥"

_fonts_ready = False


def _fonts() -> None:
    global _fonts_ready
    if not _fonts_ready:
        pdfmetrics.registerFont(TTFont(HEI, HEI_FILE, subfontIndex=0))
        pdfmetrics.registerFont(TTFont(SONG, SONG_FILE, subfontIndex=0))
        _fonts_ready = True


@dataclass
class TrueArticle:
    """What a reader should get for one article."""

    title: str
    sections: list[tuple[str | None, list[str]]]
    kicker: str | None = None
    subtitle: str | None = None
    captions: list[str] = field(default_factory=list)
    kind: str = "article"
    byline: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for _, ps in self.sections for p in ps]


@dataclass
class Frame:
    """A column on a page: x0..x1, top..bottom (top-left origin)."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class Op:
    page: int
    kind: str  # text, rect, line
    args: tuple[object, ...]


class Composer:
    """Lays out text into frames and renders the pages at the end."""

    def __init__(self, pages: int, size: tuple[float, float] = A3) -> None:
        _fonts()
        self.pages = pages
        self.width, self.height = size
        self.ops: list[Op] = []

    def text(
        self,
        page: int,
        x: float,
        top: float,
        text: str,
        font: str,
        size: float,
        spacing: float = 0.0,
        colour: tuple[float, float, float] = (0.0, 0.0, 0.0),
    ) -> None:
        self.ops.append(Op(page, "text", (x, top, text, font, size, spacing, colour)))

    def rect(
        self, page: int, box: tuple[float, float, float, float], fill: bool, under: bool = False
    ) -> None:
        """Draw a frame, or a grey block (fill); `under`: beneath the text (a shaded box)."""
        self.ops.append(Op(page, "under" if under else "rect", (*box, fill)))

    def rule(self, page: int, x0: float, x1: float, y: float) -> None:
        self.ops.append(Op(page, "line", (x0, x1, y)))

    def columns(
        self, page: int, top: float, bottom: float, count: int, x0: float, x1: float
    ) -> list[Frame]:
        width = (x1 - x0 - GUTTER * (count - 1)) / count
        return [
            Frame(page, x0 + i * (width + GUTTER), x0 + i * (width + GUTTER) + width, top, bottom)
            for i in range(count)
        ]

    def centred(
        self, page: int, x0: float, x1: float, top: float, text: str, font: str, size: float
    ) -> None:
        width = pdfmetrics.stringWidth(text, font, size)
        self.text(page, x0 + (x1 - x0 - width) / 2, top, text, font, size)

    def headline(
        self,
        page: int,
        x0: float,
        x1: float,
        top: float,
        article: TrueArticle,
        size: float = 22.0,
        font: str = HEI,
        centre: bool = True,
    ) -> float:
        """Set kicker, title (wrapped to the width) and subtitle; return the bottom."""
        y = top
        if article.kicker:
            self.centred(page, x0, x1, y, article.kicker, SONG, 13.0)
            y += 13.0 * 1.5
        for line in wrap(article.title, font, size, x1 - x0, 0.0):
            if centre:
                self.centred(page, x0, x1, y, line, font, size)
            else:
                self.text(page, x0, y, line, font, size)
            y += size * 1.3
        if article.subtitle:
            self.centred(page, x0, x1, y, "——" + article.subtitle, SONG, 13.0)
            y += 13.0 * 1.5
        return y + BODY * 0.8

    def render(self, path: Path) -> Path:
        pdf = canvas.Canvas(str(path), pagesize=(self.width, self.height))
        for page in range(1, self.pages + 1):
            ops = [o for o in self.ops if o.page == page]
            for op in sorted(ops, key=lambda o: o.kind != "under"):
                if op.kind == "text":
                    x, top, text, font, size, spacing, colour = op.args
                    pdf.setFillColorRGB(*colour)  # type: ignore[misc]
                    baseline = self.height - float(top) - float(size) * 0.88  # type: ignore[arg-type]
                    obj = pdf.beginText(float(x), baseline)  # type: ignore[arg-type]
                    obj.setFont(str(font), float(size))  # type: ignore[arg-type]
                    obj.setCharSpace(float(spacing))  # type: ignore[arg-type]
                    obj.textOut(str(text))
                    pdf.drawText(obj)
                    pdf.setFillGray(0)
                elif op.kind in ("rect", "under"):
                    x0, top, x1, bottom, fill = op.args
                    pdf.setFillGray(0.9 if op.kind == "under" else 0.85)
                    pdf.rect(
                        float(x0),
                        self.height - float(bottom),
                        float(x1) - float(x0),
                        float(bottom) - float(top),
                        fill=1 if fill else 0,
                    )  # type: ignore[arg-type]
                    pdf.setFillGray(0)
                else:
                    x0, x1, y = op.args
                    pdf.line(float(x0), self.height - float(y), float(x1), self.height - float(y))  # type: ignore[arg-type]
            pdf.showPage()
        pdf.save()
        return path


def wrap(text: str, font: str, size: float, width: float, indent: float) -> list[str]:
    """Wrap character by character; a line never opens with closing punctuation (禁则)."""
    lines: list[str] = []
    line = ""
    limit = width - indent
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > limit:
            if char in NO_START and len(line) > 1:
                lines.append(line[:-1])
                line = line[-1] + char
            else:
                lines.append(line)
                line = char
            limit = width
        else:
            line += char
    if line:
        lines.append(line)
    return lines


Item = tuple[str, str]  # ("para" | "heading" | "photo" | "byline", text)


class Flow:
    """Pours an article's items into frames, column after column."""

    def __init__(
        self,
        composer: Composer,
        frames: Sequence[Frame],
        body: float = BODY,
        justify: bool = False,
        heading_font: str = HEI,
    ) -> None:
        self.composer = composer
        self.body = body
        self.justify = justify
        self.heading_font = heading_font
        self.frames = list(frames)
        self.index = 0
        self.y = self.frames[0].top if frames else 0.0

    @property
    def frame(self) -> Frame:
        return self.frames[self.index]

    def _advance(self, height: float) -> bool:
        """Make room for height, moving to the next frame; False when none is left."""
        while self.y + height > self.frame.bottom:
            if self.index + 1 >= len(self.frames):
                return False
            self.index += 1
            self.y = self.frame.top
        return True

    def pour(self, items: list[Item], jump_to: int | None = None) -> list[Item]:
        """Set items until the frames are full; return what is left (a paragraph's rest too)."""
        pitch = self.body * LEADING
        while items:
            kind, text = items[0]
            frame_width = self.frame.x1 - self.frame.x0
            if kind == "heading":
                if not self._advance(pitch * 2.5):
                    return items
                self.y += pitch * 0.4
                self.composer.text(
                    self.frame.page,
                    self.frame.x0,
                    self.y,
                    text,
                    self.heading_font,
                    self.body * 1.05,
                )
                self.y += pitch * 1.2
            elif kind == "photo":
                caption_lines = wrap(text, SONG, 9.0, frame_width, 0.0)
                height = 90 + len(caption_lines) * 9.0 * 1.4 + pitch
                if not self._advance(height):
                    return items
                f = self.frame
                self.composer.rect(f.page, (f.x0, self.y, f.x1, self.y + 90), True)
                self.y += 94
                for line in caption_lines:
                    self.composer.text(f.page, f.x0, self.y, line, SONG, 9.0)
                    self.y += 9.0 * 1.4
                self.y += pitch * 0.5
            elif kind == "byline":
                if not self._advance(pitch):
                    return items
                f = self.frame
                width = pdfmetrics.stringWidth(text, SONG, self.body)
                self.composer.text(f.page, f.x1 - width, self.y, text, SONG, self.body)
                self.y += pitch
            else:
                first_indent = 2 * self.body if kind == "para" else 0.0
                lines = wrap(text, SONG, self.body, frame_width, first_indent)
                for number, line in enumerate(lines):
                    last = number == len(lines) - 1
                    room = pitch * (2 if last and jump_to is not None else 1)
                    if not self._advance(room):
                        rest = "".join(lines[number:])
                        self._jump(jump_to)
                        return [("cont", rest), *items[1:]]
                    indent = 2 * self.body if number == 0 and kind == "para" else 0.0
                    self.composer.text(
                        self.frame.page, self.frame.x0 + indent, self.y, line, SONG, self.body
                    )
                    self.y += pitch
            items = items[1:]
        return []

    def _jump(self, page: int | None) -> None:
        if page is None:
            raise ValueError("the article does not fit its frames")
        f = self.frame
        text = f"（下转第{page}版）"
        width = pdfmetrics.stringWidth(text, SONG, self.body)
        self.composer.text(f.page, f.x1 - width, self.y, text, SONG, self.body)


def items_of(article: TrueArticle, photo_after: int | None = None) -> list[Item]:
    """Return an article's items: paragraphs and 小标题, a photo, and the byline last."""
    items: list[Item] = []
    count = 0
    for heading, paragraphs in article.sections:
        if heading:
            items.append(("heading", heading))
        for paragraph in paragraphs:
            items.append(("para", paragraph))
            count += 1
            if photo_after is not None and count == photo_after:
                items.extend(("photo", c) for c in article.captions)
    if article.byline:
        items.append(("byline", article.byline))
    return items
