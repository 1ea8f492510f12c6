"""The sample issue, read from text, GB18030 with CRLF, Markdown and a generated PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_TXT
from tests.reading.pdfgen import write_issue_pdf
from tingbao.paper.model import Issue, issue_to_dict
from tingbao.reading.reader import read_issue
from tingbao.worker.settings import Settings

TITLES = [
    "虹桥镇召开2020年年中工作会议 进一步明确下半年工作重点",
    "2020年虹桥镇精神文明建设暨决战全国文明城区创建推进大会召开",
]
HEADINGS = [
    "坚持经济工作“中心居中”",
    "四项工作提高城市治理水平",
    "夯实基础提供有力保障",
    "明确十五个字工作思路",
    "凝聚精神力量 推动虹桥发展",
    "点亮文明能量源 唱响工作主旋律",
]
REJOINED = ["为“十四五”发展开好局、起好步", "以地区文化涵养为关键", "要坚定信心和决心"]
MASTHEAD = [
    "扫描二维码",
    "关注“上海社区发布”",
    "官方微信公众号",
    "自 / 家 / 门 / 口 / 这 / 点 / 事",
    "中共闵行区虹桥镇委员会 联合主办",
    "闵行区虹桥镇人民政府",
]
CLOSING = [
    "本报编审团:",
    "刘芬 汤美红",
    "李家齐 肖婉",
    "投稿邮箱:jinhongqiao@163.com",
    "新闻热线:021-64059791",
    "地址:闵行区吴中路1136号608室(信息办公室)",
]


def assert_is_the_sample(issue: Issue) -> None:
    assert [a.title for a in issue.articles] == TITLES
    assert issue.articles[1].kicker == "决战创全、决胜小康、奋斗有我"
    assert issue.articles[0].kicker is None
    headings = [s.heading for a in issue.articles for s in a.sections if s.heading]
    assert headings == HEADINGS
    bodies = "\n".join(a.body_text for a in issue.articles)
    for fragment in REJOINED:
        assert fragment in bodies
    for line in MASTHEAD + CLOSING[1:]:
        assert line not in bodies
    for word in ("扫描二维码", "联合主办", "编审团", "投稿邮箱", "新闻热线", "吴中路"):
        assert word not in bodies
    contact = issue.contact
    assert contact.hotline == "021-64059791"
    assert contact.email == "jinhongqiao@163.com"
    assert contact.address == "闵行区吴中路1136号608室(信息办公室)"
    assert contact.editors == ("刘芬", "汤美红", "李家齐", "肖婉")


def test_sample_text(settings: Settings) -> None:
    issue = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    assert_is_the_sample(issue)
    assert issue.id == "jinhongqiao-2020-07-30"
    assert issue.title == "金虹桥 2020年7月刊"
    first = issue.articles[0]
    assert first.paragraphs[0].startswith("为进一步统一思想")
    assert len(first.paragraphs) == 15 and len(issue.articles[1].paragraphs) == 8


def test_sample_gb18030_crlf_gives_the_same_issue(settings: Settings, tmp_path: Path) -> None:
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    text = SAMPLE_TXT.read_text(encoding="utf-8").replace("\n", "\r\n")
    copy = tmp_path / SAMPLE_TXT.name
    copy.write_bytes(text.encode("gb18030"))
    assert issue_to_dict(read_issue(copy, settings.paper, settings.reading).issue) == issue_to_dict(
        original
    )


def test_sample_markdown(settings: Settings, tmp_path: Path) -> None:
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    lines: list[str] = [*MASTHEAD, ""]
    for article in original.articles:
        if article.kicker:
            lines += [f"> {article.kicker}", ""]
        lines += [f"# {article.title}", ""]
        for section in article.sections:
            if section.heading:
                lines += [f"## {section.heading}", ""]
            for paragraph in section.paragraphs:
                lines += [paragraph, ""]
    lines += CLOSING
    path = tmp_path / "jinhongqiao-2020-07.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert issue_to_dict(read_issue(path, settings.paper, settings.reading).issue) == issue_to_dict(
        original
    )


@pytest.mark.slow
def test_sample_pdf_gives_the_same_issue(settings: Settings, tmp_path: Path) -> None:
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    pdf = write_issue_pdf(original, tmp_path / "jinhongqiao-2020-07.pdf", MASTHEAD, CLOSING)
    from_pdf = read_issue(pdf, settings.paper, settings.reading).issue
    assert_is_the_sample(from_pdf)
    assert issue_to_dict(from_pdf) == issue_to_dict(original)


def test_markdown_quote_not_above_a_title_stays_a_paragraph(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "x-2021-05-01.md"
    path.write_text(
        "# 标题\n\n**加粗**的[链接](http://x)正文。\n\n> 引用的一句话。\n\n- 列表一项。\n",
        encoding="utf-8",
    )
    article = read_issue(path, settings.paper, settings.reading).issue.articles[0]
    assert article.paragraphs == ("加粗的链接正文。", "引用的一句话。", "列表一项。")
