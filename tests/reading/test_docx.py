"""Word manuscripts: roles from styles and bold lines, plain-text rules without styles, tables in
place, and every broken or hostile .docx refused in one line before python-docx reads it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
import pytest

from tests.conftest import SAMPLE_TXT
from tests.reading.test_bad_input import assert_refused_in_one_line
from tests.reading.test_sample import CLOSING, MASTHEAD, assert_is_the_sample
from tingbao.paper.errors import DocxBombError, DocxCorruptError, DocxEncryptedError, InputError
from tingbao.paper.model import issue_to_dict
from tingbao.reading.docx import OLE_MAGIC, Paragraph, paragraphs_to_blocks
from tingbao.reading.reader import read_issue
from tingbao.worker.settings import Settings

# (text, style or None, bold): one paragraph each; a list of rows is a table.
Item = tuple[str, str | None, bool] | list[list[str]]


def write_docx(path: Path, items: Sequence[Item], header: str | None = None) -> Path:
    """Write a .docx with python-docx, paragraph by paragraph and table by table."""
    document = docx.Document()
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    for item in items:
        if isinstance(item, list):
            table = document.add_table(rows=len(item), cols=len(item[0]))
            for r, row in enumerate(item):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
            continue
        text, style, bold = item
        paragraph = document.add_paragraph(style=style)
        paragraph.add_run(text).bold = bold or None
    document.save(str(path))
    return path


def para(text: str, style: str | None = None, bold: bool = False) -> Item:
    return (text, style, bold)


def test_styles_give_titles_kickers_subtitles_and_headings(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_docx(
        tmp_path / "金虹桥-2021-09-10.docx",
        [
            para("决战创全、决胜小康", "Subtitle"),
            para("虹桥镇召开年中工作会议", "Title"),
            para("——进一步明确下半年工作重点"),
            para("9月8日，虹桥镇召开年中工作会议。会议由镇长主持。"),
            para("坚持经济工作", bold=True),
            para("会上强调，要为发展开好局、起好步。"),
            para("这是一整段加粗的正文，它很长，又有逗号，所以不是小标题。", bold=True),
            para("（记者 张三）"),
            para("社区新闻", "Heading 1"),
            para("垃圾分类", "Heading 2"),
            para("居民区开展垃圾分类宣传。"),
        ],
    )
    issue = read_issue(path, settings.paper, settings.reading).issue
    first, second = issue.articles
    assert (first.kicker, first.title, first.subtitle) == (
        "决战创全、决胜小康",
        "虹桥镇召开年中工作会议",
        "进一步明确下半年工作重点",
    )
    assert [s.heading for s in first.sections] == [None, "坚持经济工作"]
    assert first.sections[1].paragraphs == (
        "会上强调，要为发展开好局、起好步。",
        "这是一整段加粗的正文，它很长，又有逗号，所以不是小标题。",
        "（记者 张三）",  # a byline above the next title is not its kicker
    )
    assert (second.title, second.kicker) == ("社区新闻", None)
    assert [(s.heading, s.paragraphs) for s in second.sections] == [
        ("垃圾分类", ("居民区开展垃圾分类宣传。",))
    ]
    assert issue.published.isoformat() == "2021-09-10"


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # Heading 1 and Title are both titles; a bold short line right above one is its kicker.
        (
            [Paragraph("引题", bold=True), Paragraph("主题", 1), Paragraph("正文。")],
            [("引题", "kicker"), ("主题", "title"), ("正文。", "para")],
        ),
        # Only Heading 2 and 3 used: the shallowest level is the title.
        (
            [Paragraph("主题", 2), Paragraph("小标题", 3), Paragraph("正文。")],
            [("主题", "title"), ("小标题", "heading"), ("正文。", "para")],
        ),
        # A Subtitle-styled line under a title is its subtitle; elsewhere a 小标题.
        (
            [Paragraph("主题", 1), Paragraph("副题", subtitle_style=True), Paragraph("正文。")],
            [("主题", "title"), ("副题", "subtitle"), ("正文。", "para")],
        ),
        # A title broken over two lines keeps a space; a body line break joins without one.
        (
            [Paragraph("上半句\n下半句", 1), Paragraph("第一行\n第二行。")],
            [("上半句 下半句", "title"), ("第一行第二行。", "para")],
        ),
        # A table row is body text, however short and bold.
        (
            [Paragraph("主题", 1), Paragraph("时间 地点", bold=True, table=True)],
            [("主题", "title"), ("时间 地点", "para")],
        ),
        # No styles at all: roles are left to segmentation, line breaks end lines.
        (
            [
                Paragraph("主题"),
                Paragraph("正文第一行\n正文第二行。"),
                Paragraph("加粗", bold=True),
            ],
            [("主题", None), ("正文第一行", None), ("正文第二行。", None), ("加粗", None)],
        ),
    ],
)
def test_paragraph_roles(
    paragraphs: list[Paragraph], expected: list[tuple[str, str | None]]
) -> None:
    blocks = paragraphs_to_blocks(paragraphs, ())
    assert [(b.text, b.role) for b in blocks] == expected


def _sample_items(styled: bool) -> list[Item]:
    """The sample issue as a Word file: with Title/Heading styles, or all in Normal."""
    from tingbao.worker.settings import load_settings

    settings = load_settings({}, data_dir=Path("unused"))
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    items: list[Item] = [para(line) for line in MASTHEAD]
    for article in original.articles:
        if article.kicker:
            items.append(para(article.kicker, "Subtitle" if styled else None))
        items.append(para(article.title, "Title" if styled else None))
        for section in article.sections:
            if section.heading:
                items.append(para(section.heading, "Heading 2" if styled else None))
            items.extend(para(p) for p in section.paragraphs)
    items.extend(para(line) for line in CLOSING)
    return items


@pytest.mark.parametrize("styled", [True, False], ids=["styled", "all-normal"])
def test_sample_docx_gives_the_same_issue(styled: bool, settings: Settings, tmp_path: Path) -> None:
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    path = write_docx(tmp_path / "jinhongqiao-2020-07.docx", _sample_items(styled))
    from_docx = read_issue(path, settings.paper, settings.reading).issue
    assert_is_the_sample(from_docx)
    assert issue_to_dict(from_docx) == issue_to_dict(original)


def test_tables_are_read_in_place(settings: Settings, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "x-2021-09-10.docx",
        [
            para("社区体检安排", "Heading 1"),
            para("社区卫生服务中心安排了免费体检。"),
            [["项目", "时间"], ["血压", "9月8日"], ["血糖", "9月9日"]],
            para("请居民带好身份证。"),
        ],
    )
    [article] = read_issue(path, settings.paper, settings.reading).issue.articles
    assert article.paragraphs == (
        "社区卫生服务中心安排了免费体检。",
        "项目 时间",
        "血压 9月8日",
        "血糖 9月9日",
        "请居民带好身份证。",
    )


def test_merged_cells_are_read_once_a_row(settings: Settings, tmp_path: Path) -> None:
    """A cell merged across columns is read once; one merged down the rows once in each row."""
    document = docx.Document()
    document.add_paragraph("社区体检安排", style="Heading 1")
    document.add_paragraph("社区卫生服务中心安排了免费体检。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["项目", "时间", "地点"], ["血压", "9月8日", "卫生站"], ["血糖", "", ""]]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2)).text = "时间地点"
    table.cell(1, 2).merge(table.cell(2, 2))
    table.cell(2, 1).text = "9月9日"
    path = tmp_path / "x-2021-09-10.docx"
    document.save(str(path))
    [article] = read_issue(path, settings.paper, settings.reading).issue.articles
    assert article.paragraphs == (
        "社区卫生服务中心安排了免费体检。",
        "项目 时间地点",
        "血压 9月8日 卫生站",
        "血糖 9月9日 卫生站",
    )


def test_date_in_the_page_header(settings: Settings, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "第10期.docx",
        [para("社区新闻", "Heading 1"), para("居民区开展垃圾分类宣传。")],
        header="金虹桥 2021年9月10日",
    )
    result = read_issue(path, settings.paper, settings.reading)
    assert result.issue.published.isoformat() == "2021-09-10"
    assert result.layout is not None and result.layout.pages == ()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _declared_size(data: bytes, size: int) -> bytes:
    """Return the zip with its first central-directory entry claiming `size` bytes unpacked."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    out[at + 24 : at + 28] = size.to_bytes(4, "little")
    return bytes(out)


def make_bad_docx(kind: str, folder: Path) -> Path:
    """Write one kind of broken or hostile .docx."""
    path = folder / f"{kind}-2021-09-10.docx"
    good = write_docx(folder / "good.docx", [para("标题", "Title"), para("正文。")]).read_bytes()
    if kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "password":
        # An encrypted OOXML file: an OLE compound file with an EncryptedPackage stream.
        path.write_bytes(OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"))
    elif kind == "old-doc":
        path.write_bytes(OLE_MAGIC + b"\0" * 504 + "WordDocument".encode("utf-16-le"))
    elif kind == "bomb-ratio":
        path.write_bytes(_zip({"word/document.xml": b"<" + b" " * (20 * 1024 * 1024)}))
    elif kind == "bomb-declared":
        path.write_bytes(_declared_size(good, 300 * 1024 * 1024))
    elif kind == "not-word":
        path.write_bytes(_zip({"hello.txt": "你好".encode()}))
    elif kind in ("bad-xml", "macro", "no-body"):
        with zipfile.ZipFile(io.BytesIO(good)) as archive:
            entries = {name: archive.read(name) for name in archive.namelist()}
        if kind == "bad-xml":
            entries["word/document.xml"] = b"<w:document><w:body><w:p>"
        elif kind == "no-body":  # well-formed XML that is not a Word body
            entries["word/document.xml"] = b"<other/>"
        else:  # a .docm renamed .docx
            types = entries["[Content_Types].xml"]
            entries["[Content_Types].xml"] = types.replace(
                b"document.main+xml", b"document.macroEnabled.main+xml"
            )
        path.write_bytes(_zip(entries))
    return path


BAD_DOCX = [
    ("truncated", "the Word file is damaged or truncated"),
    ("password", "the Word file is protected by a password: save it without one"),
    ("old-doc", "old Word .doc file"),
    ("bomb-ratio", "which Word never does"),
    ("bomb-declared", "MB, over the 200 MB limit"),
    ("not-word", "not a Word document"),
    ("bad-xml", "the Word file is damaged or truncated"),
    ("no-body", "the Word file is damaged or truncated"),
    ("macro", "a Word template or macro file, not a document"),
]


@pytest.mark.parametrize(("kind", "words"), BAD_DOCX, ids=[k for k, _ in BAD_DOCX])
def test_bad_docx_is_refused_in_one_line(
    kind: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_bad_docx(kind, tmp_path)
    assert_refused_in_one_line(path, words, tmp_path / "data", capsys)


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("password", DocxEncryptedError),
        ("truncated", DocxCorruptError),
        ("bomb-ratio", DocxBombError),
        ("bomb-declared", DocxBombError),
    ],
)
def test_bad_docx_errors_are_input_errors(
    kind: str, error: type[InputError], settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(error):
        read_issue(make_bad_docx(kind, tmp_path), settings.paper, settings.reading)


BRIEF_ITEMS = [
    ("社区开展消夏纳凉晚会", "8月30日晚，虹储居民区在小区广场举办消夏纳凉晚会，二百余名居民参加。"),
    ("反诈宣传走进菜市场", "9月2日，镇派出所民警走进吴中路菜市场，向摊主和居民讲解常见骗局。"),
]
BEFORE = [
    para("老年助餐点开张", "Heading 1"),
    para("9月5日上午，龙柏社区老年助餐点正式开张。"),
]
AFTER = [para("家庭医生进社区", "Heading 1"), para("9月7日上午，家庭医生来到古北新区义诊。")]


def _shape_xml(paragraphs: Sequence[tuple[str, bool]]) -> str:
    """Return a run holding a text box as Word saves one: a DrawingML shape, and the same box
    again as a VML fallback (read once)."""
    body = "".join(
        f"<w:p><w:r>{'<w:rPr><w:b/></w:rPr>' if bold else ''}<w:t>{text}</w:t></w:r></w:p>"
        for text, bold in paragraphs
    )
    return (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:wsp><wps:txbx><w:txbxContent>{body}</w:txbxContent>'
        "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{body}</w:txbxContent>"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def _with_text_box(path: Path, after: int, paragraphs: Sequence[tuple[str, bool]]) -> Path:
    """Anchor a text box holding the paragraphs in the document's paragraph `after`."""
    from docx.oxml import parse_xml

    document = docx.Document(str(path))
    document.paragraphs[after]._p.append(parse_xml(_shape_xml(paragraphs)))
    document.save(str(path))
    return path


def _brief_items(title_style: str | None, bold: bool) -> list[Item]:
    items: list[Item] = []
    for title, text in BRIEF_ITEMS:
        items += [para(title, title_style, bold), para(text)]
    return items


@pytest.mark.parametrize(
    ("label", "title_style", "bold"),
    [("简讯", "Heading 1", True), ("社区动态", "Heading 1", False), ("要闻简报", None, True)],
    ids=["heading-2-bold", "heading-2", "bold"],
)
def test_brief_box_items_are_briefs(
    label: str, title_style: str | None, bold: bool, settings: Settings, tmp_path: Path
) -> None:
    items = [para(label, title_style), *_brief_items("Heading 2" if title_style else None, bold)]
    path = write_docx(tmp_path / "jinhongqiao-2024-09-10.docx", [*BEFORE, *items, *AFTER])
    issue = read_issue(path, settings.paper, settings.reading).issue
    assert [(a.kind, a.title, a.paragraphs) for a in issue.articles] == [
        ("article", "老年助餐点开张", ("9月5日上午，龙柏社区老年助餐点正式开张。",)),
        *(("brief", title, (text,)) for title, text in BRIEF_ITEMS),
        ("article", "家庭医生进社区", ("9月7日上午，家庭医生来到古北新区义诊。",)),
    ]
    assert all(label not in a.title for a in issue.articles)


def test_text_boxes_are_read_once_where_anchored(settings: Settings, tmp_path: Path) -> None:
    path = write_docx(tmp_path / "jinhongqiao-2024-09-10.docx", [*BEFORE, *AFTER])
    box = [("简讯", True)] + [
        piece for title, text in BRIEF_ITEMS for piece in ((title, True), (text, False))
    ]
    _with_text_box(path, 1, box)  # anchored in the first article's paragraph
    issue = read_issue(path, settings.paper, settings.reading).issue
    assert [(a.kind, a.title) for a in issue.articles] == [
        ("article", "老年助餐点开张"),
        *(("brief", title) for title, _ in BRIEF_ITEMS),
        ("article", "家庭医生进社区"),
    ]
    assert [a.paragraphs for a in issue.articles[1:3]] == [(text,) for _, text in BRIEF_ITEMS]


def test_footnotes_comments_and_margins_stay_out(settings: Settings, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "jinhongqiao-2024-09-10.docx", [*BEFORE, *AFTER], header="页眉里的刊名"
    )
    document = docx.Document(str(path))
    document.sections[0].footer.paragraphs[0].text = "页脚里的话"
    document.add_comment(document.paragraphs[1].runs, text="批注不是新闻", author="编辑")
    document.save(str(path))
    issue = read_issue(path, settings.paper, settings.reading).issue
    text = "".join(a.title + a.body_text for a in issue.articles)
    for margin in ("页眉", "页脚", "批注"):
        assert margin not in text
