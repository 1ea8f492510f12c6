"""Scans and phone photos of printed pages, read by OCR with its bundled models, then through the
same layout analysis as a text PDF. OCR misreads a character here and there, so text is compared
after folding punctuation and spaces, and a paragraph counts as found whole when one paragraph of
its own article matches it to 90 % or better (a paragraph split or merged with another does not).
"""

from __future__ import annotations

import pytest

from tests.reading.printgen import TrueArticle
from tests.reading.printissue import make_print_issue
from tests.reading.printvariant import make_variant
from tests.reading.scans import phone_photo, scanned_pdf, similar
from tingbao.paper.model import Article, Issue
from tingbao.reading.reader import read_issue
from tingbao.worker.settings import Settings, load_settings

Case = tuple[list[TrueArticle], Issue]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def match(truth: TrueArticle, issue: Issue) -> Article | None:
    best = max(issue.articles, key=lambda a: similar(a.title, truth.title), default=None)
    return best if best is not None and similar(best.title, truth.title) >= 0.8 else None


def paragraph_score(truths: list[TrueArticle], issue: Issue) -> float:
    found = total = 0
    for truth in truths:
        article = match(truth, issue)
        for paragraph in truth.paragraphs:
            total += 1
            if article is not None and any(
                similar(p, paragraph) >= 0.9 for p in article.paragraphs
            ):
                found += 1
    return found / total


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({}, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Case:
    folder = tmp_path_factory.mktemp("scan")
    printed = make_print_issue(folder / "print.pdf")
    scan = scanned_pdf(printed.path, folder / "jinhongqiao-2024-09-10.pdf")
    return printed.articles, read_issue(scan, settings.paper, settings.reading).issue


@pytest.fixture(scope="module")
def photographed(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Case:
    folder = tmp_path_factory.mktemp("photo")
    truth = make_variant(folder / "variant.pdf")
    # Turned by 3 degrees: the lines are levelled before layout analysis.
    photo = phone_photo(folder / "variant.pdf", folder / "hongmei-2024-09-12.jpg", angle=3.0)
    return truth, read_issue(photo, settings.paper, settings.reading).issue


def test_scan_of_the_printed_issue_gives_its_articles(scanned: Case) -> None:
    truths, issue = scanned
    assert all(match(t, issue) is not None for t in truths), [a.title for a in issue.articles]
    assert [match(t, issue) for t in truths] == [
        a for a in issue.articles if any(similar(a.title, t.title) >= 0.8 for t in truths)
    ]  # reading order
    assert paragraph_score(truths, issue) >= 0.95
    for furniture in ("第2版", "下转", "上接", "图为", "摄影", "内部资料", "编审团"):
        assert all(furniture not in a.body_text for a in issue.articles), furniture
    assert issue.contact.email == "jinhongqiao@163.com"
    assert issue.contact.hotline == "021-64059791"


def test_phone_photo_of_a_page_gives_its_articles(photographed: Case) -> None:
    truths, issue = photographed
    assert [match(t, issue) is not None for t in truths] == [True] * len(truths)
    assert paragraph_score(truths, issue) >= 0.9
    for furniture in ("虹梅社区报", "第3版"):
        assert all(furniture not in a.body_text for a in issue.articles), furniture
