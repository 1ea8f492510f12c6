"""`tingbao lexicon add` as the probe ran it: control characters (ESC, BEL, a line break),
private-use characters and markup in the word or the reading are refused in one printable line,
nothing is stored, and no line that echoes a word prints a control character raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from tingbao.chinese.lexicon import Entry
from tingbao.cli.main import main
from tingbao.store.engine import Database
from tingbao.store.lexicon import LexiconStore


@pytest.mark.parametrize(
    ("word", "reading", "line"),
    [
        (
            "莘\x1b[31m庄",
            "新庄",
            "tingbao: the word '莘\\x1b[31m庄' holds a control character (\\x1b): "
            "type it again without it",
        ),
        (
            "莘庄",
            "新\x07庄",
            "tingbao: the reading '新\\x07庄' holds a control character (\\x07): "
            "type it again without it",
        ),
        (
            "莘\n庄",
            "新庄",
            "tingbao: the word '莘\\n庄' holds a control character (\\n): type it again without it",
        ),
        (
            "莘庄\ue000",
            "新庄",
            "tingbao: the word '莘庄\\ue000' holds a private-use character (\\ue000): "
            "type it again without it",
        ),
        (
            "<speak>莘庄",
            "新庄",
            "tingbao: the word '<speak>莘庄' holds markup '<': write plain text",
        ),
        ("[[莘庄]]", "新庄", "tingbao: the word '[[莘庄]]' holds markup '[': write plain text"),
        ("&lt;莘庄", "新庄", "tingbao: the word '&lt;莘庄' holds markup '&': write plain text"),
    ],
)
def test_hidden_characters_and_markup_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], word: str, reading: str, line: str
) -> None:
    assert main(["--data-dir", str(tmp_path), "lexicon", "add", word, reading]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [line]
    assert captured.out == ""
    db = Database(f"sqlite:///{tmp_path / 'tingbao.db'}")
    try:  # refused before the database was even opened
        assert not (tmp_path / "tingbao.db").exists() or LexiconStore(db).rows() == []
    finally:
        db.dispose()


def test_lines_that_echo_a_word_escape_its_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "lexicon", "list"]) == 0  # makes the database
    capsys.readouterr()
    db = Database(f"sqlite:///{tmp_path / 'tingbao.db'}")
    try:  # an entry stored before words were checked
        LexiconStore(db).add(Entry("莘\x1b庄", "新\x1b庄", "xin1 zhuang1"))
    finally:
        db.dispose()
    assert main([*data, "lexicon"]) == 0
    listed = capsys.readouterr().out
    assert "莘\\x1b庄\t新\\x1b庄\txīn zhuāng\teditor" in listed.splitlines()
    assert main([*data, "say", "莘\x1b庄到了。"]) == 0
    assert capsys.readouterr().out.strip() == "新\\x1b庄(xīn zhuāng)到了。"
    assert main([*data, "lexicon", "remove", "莘\x1b庄"]) == 0
    assert capsys.readouterr().out.strip() == "removed 莘\\x1b庄"
    assert main([*data, "lexicon", "remove", "莘\x07庄"]) == 1
    assert capsys.readouterr().err.strip() == (
        "tingbao: '莘\\x07庄' is not in the lexicon (see `tingbao lexicon`)"
    )
