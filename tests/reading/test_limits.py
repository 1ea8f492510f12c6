"""One bad file costs seconds, not hours: a PDF of too many pages is refused by its page count
before any page is read (or OCR'd), an article or paragraph too long to speak is refused, and the
limits are settings."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tingbao.paper.errors import SettingsError, TooLongError, TooManyPagesError
from tingbao.paper.settings import PaperSettings
from tingbao.reading.blocks import Block
from tingbao.reading.reader import read_issue
from tingbao.reading.segment import segment
from tingbao.reading.settings import ReadingSettings, TextLimits, load_reading_settings

PAPER = PaperSettings()


def blank_pdf(path: Path, pages: int) -> Path:
    """Write a PDF of blank A4 pages (no text layer: every page would go to OCR)."""
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842).close()
    document.save(str(path))
    document.close()
    return path


def test_a_pdf_of_ten_thousand_blank_pages_is_refused_in_seconds_by_its_page_count(
    tmp_path: Path,
) -> None:
    pdf = blank_pdf(tmp_path / "blank-2021-07-02.pdf", 10_000)
    assert pdf.stat().st_size < 2 * 1024 * 1024  # small enough to pass the size limit
    started = time.monotonic()
    with pytest.raises(TooManyPagesError) as refused:
        read_issue(pdf, PAPER, ReadingSettings())
    elapsed = time.monotonic() - started
    # OCR reads a page in a second or more: 64 pages, let alone 10,000, would take minutes.
    assert elapsed < 15, f"refused after {elapsed:.1f} s"
    message = str(refused.value)
    assert "10000 pages" in message and "64" in message and "TINGBAO_MAX_PAGES" in message
    assert "\n" not in message


def test_the_page_limit_is_a_setting(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "blank-2021-07-02.pdf", 5)
    with pytest.raises(TooManyPagesError, match="5 pages, over the limit of 4"):
        read_issue(pdf, PAPER, ReadingSettings(max_pages=4))


def test_a_two_megabyte_article_in_one_paragraph_is_refused_with_bounded_memory(
    tmp_path: Path,
) -> None:
    paragraph = "7月1日，虹桥镇社区食堂开张" + "居民排队品尝午餐老人八折" * 58_000  # ~2 MB
    text = f"社区食堂开张\n{paragraph}\n"
    path = tmp_path / "news-2021-07-02.txt"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(TooLongError) as refused:
            read_issue(path, PAPER, ReadingSettings())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    message = str(refused.value)
    assert "10000 characters" in message and "TINGBAO_MAX_PARAGRAPH_CHARS" in message
    assert "「7月1日，虹桥镇社区食堂" in message  # how it opens, so the editor finds it


def test_unfinished_lines_are_rejoined_only_up_to_the_paragraph_limit(tmp_path: Path) -> None:
    # A hard-wrapped file with no full stop: every line continues into the next.
    lines = ["居民们在社区食堂排队，品尝新开张的午餐，老人还能享受八折优惠，"] * 50_000
    path = tmp_path / "news-2021-07-02.txt"
    path.write_text("社区食堂开张\n" + "\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(TooLongError, match=r"over 10000 characters.*TINGBAO_MAX_PARAGRAPH_CHARS"):
        read_issue(path, PAPER, ReadingSettings())
    assert time.monotonic() - started < 10


def test_segmentation_takes_the_configured_lengths() -> None:
    blocks = [Block("社区食堂开张"), Block("7月1日，食堂开张，" + "居民排队品尝午餐，" * 300)]
    assert segment(blocks).articles  # ~2,700 characters: within the default limits
    with pytest.raises(TooLongError, match="over 2000 characters"):
        segment(blocks, limits=TextLimits(paragraph_chars=2_000))
    with pytest.raises(TooLongError, match="2716 characters long, over the limit of 2700"):
        segment(blocks, limits=TextLimits(article_chars=2_700, paragraph_chars=2_710))


def test_an_article_of_many_short_paragraphs_is_refused_over_the_article_limit(
    tmp_path: Path,
) -> None:
    body = "\n".join(f"第{n}段：居民们在社区食堂排队品尝午餐。" for n in range(3_000))
    path = tmp_path / "news-2021-07-02.txt"
    path.write_text(f"社区食堂开张\n7月1日，食堂开张。\n{body}\n", encoding="utf-8")
    with pytest.raises(TooLongError) as refused:
        read_issue(path, PAPER, ReadingSettings())
    message = str(refused.value)
    assert "「社区食堂开张」" in message and "over the limit of 30000" in message
    assert "TINGBAO_MAX_ARTICLE_CHARS" in message


def test_an_ordinary_issue_is_within_every_limit(tmp_path: Path) -> None:
    body = "\n".join("居民们在社区食堂排队品尝午餐，老人八折。" for _ in range(100))
    path = tmp_path / "news-2021-07-02.txt"
    path.write_text(f"社区食堂开张\n7月1日，食堂开张。\n{body}\n", encoding="utf-8")
    issue = read_issue(path, PAPER, ReadingSettings()).issue
    assert len(issue.articles) == 1 and len(issue.articles[0].paragraphs) == 101


def test_limits_are_read_from_the_environment() -> None:
    reading = load_reading_settings(
        {
            "TINGBAO_MAX_PAGES": "8",
            "TINGBAO_MAX_ARTICLE_CHARS": "20000",
            "TINGBAO_MAX_PARAGRAPH_CHARS": "3000",
        }
    )
    assert reading.max_pages == 8
    assert reading.lengths == TextLimits(article_chars=20_000, paragraph_chars=3_000)
    defaults = load_reading_settings({})
    assert (defaults.max_pages, defaults.lengths) == (64, TextLimits(30_000, 10_000))
    with pytest.raises(SettingsError, match="TINGBAO_MAX_PAGES=0 must be at least 1"):
        load_reading_settings({"TINGBAO_MAX_PAGES": "0"})
    with pytest.raises(SettingsError, match="TINGBAO_MAX_PARAGRAPH_CHARS"):
        load_reading_settings({"TINGBAO_MAX_PARAGRAPH_CHARS": "many"})
