"""The printed paper: a two-page A3 issue in three and four columns, scored at paragraph level.

Every true paragraph appears whole in its own article, every title, kicker, subtitle and 小标题
exactly, captions on their article, no running head, folio, caption, byline or jump marker in any
body, articles in reading order, and the closing box read into the contact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reading.printgen import TrueArticle
from tests.reading.printissue import RUNNING_HEAD, PrintIssue, make_print_issue
from tests.reading.printvariant import make_variant
from tingbao.cli.main import main
from tingbao.paper.model import Issue
from tingbao.reading.reader import read_issue
from tingbao.worker.settings import Settings, load_settings

FURNITURE = [
    *RUNNING_HEAD,
    "— 1 —",
    "— 2 —",
    "下转",
    "上接",
    "图为",
    "摄影",
    "记者 王小明",
    "主办",
    "内部资料",
    "第10期",
    "简讯",
    "本报编审团",
    "投稿邮箱",
]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> PrintIssue:
    folder = tmp_path_factory.mktemp("print")
    return make_print_issue(folder / "jinhongqiao-2024-09-10.pdf")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({}, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def parsed(printed: PrintIssue, settings: Settings) -> Issue:
    return read_issue(printed.path, settings.paper, settings.reading).issue


def score(truth: list[TrueArticle], issue: Issue) -> dict[str, float]:
    """Return the share of true paragraphs found whole in their own article, and of titles."""
    by_title = {a.title: a for a in issue.articles}
    whole = sum(
        p in by_title[t.title].paragraphs
        for t in truth
        if t.title in by_title
        for p in t.paragraphs
    )
    total = sum(len(t.paragraphs) for t in truth)
    return {
        "paragraphs": whole / total,
        "titles": sum(t.title in by_title for t in truth) / len(truth),
    }


def test_every_title_in_reading_order(printed: PrintIssue, parsed: Issue) -> None:
    assert [a.title for a in parsed.articles] == [t.title for t in printed.articles]


def test_every_paragraph_whole_in_its_own_article(printed: PrintIssue, parsed: Issue) -> None:
    assert score(printed.articles, parsed) == {"paragraphs": 1.0, "titles": 1.0}
    for truth, article in zip(printed.articles, parsed.articles, strict=True):
        assert list(article.paragraphs) == truth.paragraphs, truth.title


def test_kickers_subtitles_headings_and_kinds(printed: PrintIssue, parsed: Issue) -> None:
    for truth, article in zip(printed.articles, parsed.articles, strict=True):
        assert (article.kicker, article.subtitle, article.kind) == (
            truth.kicker,
            truth.subtitle,
            truth.kind,
        ), truth.title
        headings = [s.heading for s in article.sections if s.heading]
        assert headings == [h for h, _ in truth.sections if h], truth.title


def test_captions_kept_on_their_article_and_out_of_the_text(
    printed: PrintIssue, parsed: Issue
) -> None:
    for truth, article in zip(printed.articles, parsed.articles, strict=True):
        assert list(article.captions) == truth.captions, truth.title


@pytest.mark.parametrize("furniture", FURNITURE)
def test_no_page_furniture_in_any_body(parsed: Issue, furniture: str) -> None:
    for article in parsed.articles:
        assert furniture not in article.body_text, article.title
        assert furniture not in article.title


def test_closing_box_is_the_contact(printed: PrintIssue, parsed: Issue) -> None:
    contact = parsed.contact
    assert contact.hotline == "021-64059791"
    assert contact.email == "jinhongqiao@163.com"
    assert contact.address == "闵行区吴中路1136号608室"
    assert contact.editors == ("刘芬", "汤美红", "李家齐", "肖婉")


def test_parse_json_keeps_the_contract_and_adds_captions(
    printed: PrintIssue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "parse", str(printed.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["issue"]["id"] == "jinhongqiao-2024-09-10"
    first = data["articles"][0]
    assert set(first) >= {"id", "title", "kicker", "sections"}
    assert first["captions"] == printed.articles[0].captions
    assert "captions" not in data["articles"][2]  # additive: only where there are photos


def test_a_different_layout_reads_as_well(tmp_path: Path, settings: Settings) -> None:
    """One A4 page: justified 9 pt text, headlines side by side, five narrow columns."""
    path = tmp_path / "hongmei-2024-09-12.pdf"
    truth = make_variant(path)
    issue = read_issue(path, settings.paper, settings.reading).issue
    assert score(truth, issue) == {"paragraphs": 1.0, "titles": 1.0}
    assert [a.title for a in issue.articles] == [t.title for t in truth]
    for expected, article in zip(truth, issue.articles, strict=True):
        assert (article.kicker, article.subtitle) == (expected.kicker, expected.subtitle)
        assert [s.heading for s in article.sections if s.heading] == [
            h for h, _ in expected.sections if h
        ]
        for furniture in ("虹梅社区报", "第3版", "2024年9月12日"):
            assert furniture not in article.body_text


def test_text_set_at_an_angle_is_left_out(tmp_path: Path, settings: Settings) -> None:
    from reportlab.pdfgen import canvas

    from tests.reading.printgen import HEI, SONG, _fonts

    _fonts()
    path = tmp_path / "x-2024-09-12.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(595, 842))
    pdf.setFont(HEI, 20)
    pdf.drawString(60, 760, "社区举办读书会")
    pdf.setFont(SONG, 10.5)
    pdf.drawString(81, 730, "近日，社区图书室举办读书分享会，居民们畅谈读书心得。")
    pdf.saveState()
    pdf.translate(560, 300)
    pdf.rotate(90)
    pdf.drawString(0, 0, "竖排的广告语不是新闻")
    pdf.restoreState()
    pdf.save()
    result = read_issue(path, settings.paper, settings.reading)
    [article] = result.issue.articles
    assert article.paragraphs == ("近日，社区图书室举办读书分享会，居民们畅谈读书心得。",)
    assert any("set at an angle" in w for w in result.warnings)
