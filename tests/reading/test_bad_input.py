"""Bad input: one line on stderr naming the file and the problem, exit status 1, nothing stored."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from tests.conftest import SAMPLE_TXT
from tests.reading.pdfgen import write_issue_pdf
from tingbao.cli.main import main
from tingbao.reading.reader import read_issue
from tingbao.worker.settings import load_settings


def heavy_pdf(path: Path, chars: int = 3_000_000) -> Path:
    """Write a valid PDF whose one page draws so many glyphs, each in its own place, that
    reading it takes minutes (compressed, the file stays small)."""
    per_line = 1000
    line = b"(" + b"a" * per_line + b") Tj 0 -0.24 Td "
    text = b"BT /F1 0.2 Tf 10 780 Td " + line * (chars // per_line) + b"ET"
    content = zlib.compress(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def make_bad(kind: str, folder: Path) -> Path:
    """Create one kind of bad input file."""
    path = folder / {"encrypted": "a.pdf", "scanned": "s.pdf", "truncated": "t.pdf"}.get(
        kind, f"{kind}.txt"
    )
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_bytes(b" \r\n\t\n  \n")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "undecodable":
        path.write_bytes(b"\x81\x30\xff\xfe\xfd" * 100)
    elif kind == "too-large":
        path.write_bytes(b"a" * (1024 * 1024 + 1))
    elif kind == "no-title":
        path.write_text("这是一段话,没有任何标题。\n又一段话,也没有标题。\n", encoding="utf-8")
    elif kind == "encrypted":
        pdf = canvas.Canvas(str(path), encrypt="secret")
        pdf.drawString(72, 700, "hello")
        pdf.save()
    elif kind == "scanned":
        pdf = canvas.Canvas(str(path))
        pdf.rect(72, 72, 400, 600, fill=1)
        pdf.save()
    elif kind == "truncated":
        settings = load_settings({}, data_dir=folder / "unused")
        issue = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
        whole = write_issue_pdf(issue, folder / "whole.pdf").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif kind == "hanging":
        path = heavy_pdf(folder / "hang.pdf")
    return path


BAD_INPUTS = [
    ("empty", "empty"),
    ("blank", "empty"),
    ("binary", "binary file"),
    ("undecodable", "neither UTF-8 nor GB18030"),
    ("too-large", "over the 1 MB limit"),
    ("no-title", "no article title"),
    ("encrypted", "password"),
    ("scanned", "OCR"),
    ("truncated", "damaged or truncated"),
    ("hanging", "took longer than"),
]


@pytest.mark.parametrize(("kind", "words"), BAD_INPUTS, ids=[k for k, _ in BAD_INPUTS])
def test_bad_input_is_refused_in_one_line(
    kind: str,
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TINGBAO_MAX_INPUT_MB", "1")
    monkeypatch.setenv("TINGBAO_PDF_TIMEOUT", "3")
    assert_refused_in_one_line(make_bad(kind, tmp_path), words, tmp_path / "data", capsys)


def assert_refused_in_one_line(
    path: Path, words: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Parsing and ingesting the file both exit 1 with one line naming it, and store nothing."""
    for command in (["parse", str(path), "--json"], ["ingest", str(path)]):
        status = main(["--data-dir", str(data_dir), *command])
        out, err = capsys.readouterr()
        assert status == 1
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"tingbao: {path}: ")
        assert words in lines[0]
        assert "Traceback" not in err
    assert main(["--data-dir", str(data_dir), "issues", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "parse", str(tmp_path / "nope.txt")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_owner_only_encrypted_pdf_opens(tmp_path: Path) -> None:
    """A PDF locked only against editing opens with the empty password."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    settings = load_settings({}, data_dir=tmp_path / "data")
    path = tmp_path / "news-2020-07-30.pdf"
    pdf = canvas.Canvas(
        str(path), encrypt=StandardEncryption("", ownerPassword="owner", canModify=0)
    )
    pdf.setFont("Helvetica", 18)
    pdf.drawString(60, 700, "Town meeting held")
    pdf.setFont("Helvetica", 10.5)
    pdf.drawString(81, 670, "The town held its meeting today.")
    pdf.save()
    article = read_issue(path, settings.paper, settings.reading).issue.articles[0]
    assert (article.title, article.paragraphs) == (
        "Town meeting held",
        ("The town held its meeting today.",),
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "正文\x0b里有控制字符\x07。",
        "正文<script>alert('x')</script>里有脚本。",
        "正文里有<b>标记</b>。",
    ],
)
def test_control_characters_and_markup_never_pass(hostile: str, tmp_path: Path) -> None:
    path = tmp_path / "x-2021-01-02.txt"
    path.write_text(f"<h1>会议召开</h1>\n{hostile}\n", encoding="utf-8")
    settings = load_settings({}, data_dir=tmp_path)
    issue = read_issue(path, settings.paper, settings.reading).issue
    article = issue.articles[0]
    assert article.title == "会议召开"
    text = article.body_text
    assert not any(ord(c) < 32 for c in text)
    assert "<" not in text and "script" not in text
    assert text.startswith("正文")


@pytest.mark.subprocess
def test_cli_exit_status_in_a_real_process(tmp_path: Path) -> None:
    path = make_bad("binary", tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tingbao.cli.main",
            "--data-dir",
            str(tmp_path),
            "parse",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "binary file" in done.stderr
