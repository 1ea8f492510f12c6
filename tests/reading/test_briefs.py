"""简讯 boxes in print PDFs and their scans: one brief per item, the label never an article nor
part of a title, the articles around the box whole; and the 7.5 pt closing box read whole.

The pages come from briefgen (every title style, framed, shaded and bare, one and three columns,
top, middle and bottom of a column and the foot of the page). The scans are OCR'd once for the
module, as one file of a few pages, and each page is analysed on its own. Small print: the closing
boxes are set at 7 and 7.5 pt, one page scanned soft and noisy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.reading.briefgen import CASES, EDITORS, BoxCase, make_brief_page
from tests.reading.printgen import TrueArticle
from tests.reading.scans import DPI, render_pages, similar
from tingbao.paper import notices
from tingbao.paper.model import Contact
from tingbao.reading.cleanup import compile_patterns
from tingbao.reading.contact import doubtful_contact
from tingbao.reading.geometry import PageText
from tingbao.reading.layout import read_pages
from tingbao.reading.ocr_extract import name_gaps, rows, small_lines
from tingbao.reading.reader import read_issue
from tingbao.reading.segment import DraftArticle, Segmented, segment
from tingbao.worker.settings import Settings, load_settings

LABELS = ("简讯", "要闻简报", "社区动态", "一句话新闻", "图片新闻")
# One and three columns; larger and plain titles; framed, shaded, and shaded inside an
# article's columns (the scan's frame is found in the image); closing boxes at 7 and 7.5 pt.
SCANNED = [(CASES[0], 7.0), (CASES[5], 7.0), (CASES[8], 7.5)]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({}, data_dir=tmp_path_factory.mktemp("data"))


def assert_contact(contact: Contact) -> None:
    assert contact.editors == EDITORS
    assert contact.email == "jinhongqiao@163.com"
    assert contact.hotline == "021-64059791"
    assert contact.address == "闵行区吴中路1136号608室"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_print_pdf_box_gives_one_brief_per_item(
    case: BoxCase, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "jinhongqiao-2024-09-10.pdf"
    truth = make_brief_page(path, case)
    issue = read_issue(path, settings.paper, settings.reading).issue
    got = [(a.kind, a.title, list(a.paragraphs)) for a in issue.articles]
    assert got == [(t.kind, t.title, t.paragraphs) for t in truth]
    assert all(label not in a.title for a in issue.articles for label in LABELS)
    assert_contact(issue.contact)


def _matches(truth: list[TrueArticle], drafts: tuple[DraftArticle, ...]) -> bool:
    """OCR misreads a character here and there: titles and paragraphs are compared folded."""
    return len(drafts) == len(truth) and all(
        d.kind == t.kind
        and similar(d.title, t.title) >= 0.8
        and len(d.paragraphs) == len(t.paragraphs)
        and all(similar(a, b) >= 0.9 for a, b in zip(d.paragraphs, t.paragraphs, strict=True))
        for d, t in zip(drafts, truth, strict=True)
    )


def blurred(image: Image.Image, seed: int = 1) -> Image.Image:
    """Return a page image as a worn scanner gives it: slightly soft, with sensor noise."""
    soft = np.asarray(image.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, 8.0, soft.shape)
    return Image.fromarray(np.clip(soft + noise, 0, 255).astype(np.uint8))


@dataclass
class Scanned:
    """The scan's pages as OCR read them (once for the module), with their truth."""

    truths: list[list[TrueArticle]]
    found: list[Segmented]
    warnings: list[tuple[str, ...]]


@pytest.fixture(scope="module")
def scanned(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """Three pages in one scan: a one-column page and a three-column page whose closing boxes
    are set at 7 pt, and a three-column page at 7.5 pt with a shaded box inside an article's
    columns, scanned soft and noisy."""
    from tingbao.reading.ocr import ocr_pdf
    from tingbao.reading.pdf import _scaled

    folder = tmp_path_factory.mktemp("scans")
    truths, images = [], []
    for n, (case, size) in enumerate(SCANNED):
        truths.append(make_brief_page(folder / f"{n}.pdf", case, size))
        [image] = render_pages(folder / f"{n}.pdf")
        images.append(blurred(image) if n == len(SCANNED) - 1 else image)
    scan = folder / "scan.pdf"
    images[0].save(scan, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    result = ocr_pdf(scan, settings.reading)
    masthead = compile_patterns(settings.reading.masthead_patterns)
    found, warnings = [], []
    for page in result.pages:
        a4 = PageText(1, 595.0, 842.0, ())
        one = _scaled(replace(page, number=1), a4)  # each page read as a page of its own
        extracted = read_pages([one], [], settings.paper, settings.reading)
        found.append(segment(extracted.blocks, masthead))
        warnings.append(extracted.warnings)
    return Scanned(truths, found, warnings)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", range(len(SCANNED)))
def test_scanned_boxes_give_one_brief_per_item(scanned: Scanned, page: int) -> None:
    truth, found = scanned.truths[page], scanned.found[page]
    assert _matches(truth, found.articles), [a.title for a in found.articles]
    assert all(label not in a.title for a in found.articles for label in LABELS)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", [0, 1])
def test_small_print_in_a_scan_is_read_whole(scanned: Scanned, page: int) -> None:
    """7 pt at 200 dpi: read again enlarged, every name apart and the e-mail as printed."""
    assert_contact(scanned.found[page].contact)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_doubtful_small_print_is_left_out_with_a_warning(scanned: Scanned) -> None:
    """A soft, noisy scan of small print: an e-mail address comes out as printed, or not at all
    with a warning; never wrong."""
    contact, warnings = scanned.found[-1].contact, scanned.warnings[-1]
    assert contact.email in ("jinhongqiao@163.com", None)
    assert contact.hotline in ("021-64059791", None)
    unsure = [w for w in warnings if getattr(w, "code", None) == notices.CONTACT_UNSURE]
    assert (contact.email is None) <= any("邮箱" in w for w in unsure), warnings
    assert (contact.hotline is None) <= any("热线" in w for w in unsure), warnings
    assert contact.address == "闵行区吴中路1136号608室"


@pytest.mark.parametrize(
    ("heights", "texts", "small"),
    [
        # Most lines at 28 px; two short lines at 20 px are read again, a long one is not.
        (
            [28, 28, 28, 20, 20, 20],
            ["正文"] * 3 + ["刘芬 汤美红", "邮箱：a@b.cn", "图" * 60],
            [3, 4],
        ),
        ([28, 28], ["正文", "小"], []),  # too few lines to tell what is usual
        ([20, 20, 20, 20], ["小"] * 4, []),  # a page all of one size
    ],
)
def test_small_lines_are_chosen_for_a_second_reading(
    heights: list[float], texts: list[str], small: list[int]
) -> None:
    assert small_lines(heights, texts) == small


def _item(x0: float, top: float, x1: float, height: float = 20.0) -> list[object]:
    return [[(x0, top), (x1, top), (x1, top + height), (x0, top + height)], "字", 0.99]


def test_small_print_is_read_again_by_rows() -> None:
    items = [
        _item(100, 100, 160),
        _item(164, 101, 200),  # beside the first: one row ("李家齐" "肖婉")
        _item(100, 130, 200),  # the next line
        _item(400, 100, 460),  # far to the right: another column
    ]
    assert sorted(map(sorted, rows(items, [0, 1, 2, 3]))) == [[0, 1], [2], [3]]


@pytest.mark.parametrize(
    ("text", "confidence", "doubtful"),
    [
        ("投稿邮箱：jinhongqiao@163.com", 0.99, False),
        ("投稿邮箱：jinhongqiaoo163.com", 0.99, True),  # the @ misread
        ("投稿邮箱：jinhongqiao@163.com", 0.7, True),  # read with a low score
        ("新闻热线：021-64059791", 0.99, False),
        ("新闻热线：021-64059791", 0.8, True),
        ("新闻热线：", 0.99, False),  # a label alone: its number is on the next line
        ("地址：闵行区吴中路1136号608室", 0.6, False),  # no e-mail, no phone number
        ("刘芬 汤美红", 0.5, False),
    ],
)
def test_doubtful_contact(text: str, confidence: float, doubtful: bool) -> None:
    assert doubtful_contact(text, confidence) is doubtful


def _ink(*widths: int, height: int = 10) -> np.ndarray:
    """A line's ink: blocks of the given widths (characters) and blanks (negative widths)."""
    columns = [np.full((height, abs(w)), w > 0) for w in widths]
    return np.concatenate(columns, axis=1)


@pytest.mark.parametrize(
    ("ink", "cuts"),
    [
        # 刘芬 汤美红: two characters, a space (half a character), three characters.
        (_ink(10, -1, 10, -6, 10, -1, 10, -1, 10), [2]),
        # 李家齐 肖婉: three, then two.
        (_ink(10, -1, 10, -1, 10, -5, 10, -1, 10), [3]),
        # A character with a gap inside (川) and glyphs set solid: no space.
        (_ink(3, -3, 2, -2, 2, -1, 10, -1, 10), []),
        (_ink(10, -1, 10, -1, 10, -1, 10), []),
    ],
    ids=["2+3", "3+2", "gap-inside-a-character", "solid"],
)
def test_name_gaps(ink: np.ndarray, cuts: list[int]) -> None:
    assert name_gaps(ink) == cuts
