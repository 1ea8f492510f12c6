"""Table tests for sentence ends and the greedy splitter."""

from __future__ import annotations

import re

import pytest

from tingbao.chinese.sentences import (
    ASCII_CLAUSE_END,
    ASCII_FULL_STOPS,
    CLAUSE_END,
    CLAUSE_ENDS,
    CLOSING_BRACKETS,
    CLOSING_PARENS,
    CLOSING_QUOTES,
    CLOSING_SQUARE_BRACKETS,
    FULL_STOPS,
    STOPS,
    char_class,
    pack,
    split_after,
)


@pytest.mark.parametrize(
    ("name", "marks"),
    [
        (FULL_STOPS, "。！？"),
        (ASCII_FULL_STOPS, "!?"),
        (STOPS, "。！？!?"),
        (CLAUSE_END, "；"),
        (ASCII_CLAUSE_END, ";"),
        (CLAUSE_ENDS, "；;"),
        (CLOSING_QUOTES, "”’」』\"'"),
        (CLOSING_PARENS, "）)"),
        (CLOSING_SQUARE_BRACKETS, "】]"),
        (CLOSING_BRACKETS, "）)】]"),
    ],
)
def test_marks(name: str, marks: str) -> None:
    assert name == marks


@pytest.mark.parametrize(
    ("marks", "text", "matches"),
    [
        (STOPS, "好。", ["。"]),
        (STOPS, "a?b!c.", ["?", "!"]),
        (CLOSING_BRACKETS, "x]）", ["]", "）"]),
        ("^-\\", "a^b-c\\", ["^", "-", "\\"]),  # marks that are special in a class stay literal
    ],
)
def test_char_class(marks: str, text: str, matches: list[str]) -> None:
    assert re.findall(char_class(marks), text) == matches


def test_char_class_negated() -> None:
    assert re.findall(char_class(STOPS, negated=True) + "+", "一。二！三") == ["一", "二", "三"]


@pytest.mark.parametrize(
    ("text", "marks", "pieces"),
    [
        ("一。二！三", STOPS, ["一。", "二！", "三"]),
        ("一；二。", STOPS, ["一；二。"]),
        ("一；二。", STOPS + CLAUSE_ENDS, ["一；", "二。"]),
        ("。。", STOPS, ["。", "。"]),
        ("", STOPS, []),
        ("没有标点", STOPS, ["没有标点"]),
    ],
)
def test_split_after(text: str, marks: str, pieces: list[str]) -> None:
    assert split_after(text, marks) == pieces


@pytest.mark.parametrize(
    ("pieces", "limit", "sep", "chunks"),
    [
        (["ab", "cd", "ef"], 4, "", ["abcd", "ef"]),
        (["ab", "cd", "ef"], 6, "", ["abcdef"]),
        (["ab", "cd", "ef"], 5, "+", ["ab+cd", "ef"]),
        (["ab", "cdefgh", "ij"], 4, "", ["ab", "cdefgh", "ij"]),  # too long: stands alone
        (["", "ab"], 4, "", ["ab"]),
        ([], 4, "", []),
    ],
)
def test_pack(pieces: list[str], limit: int, sep: str, chunks: list[str]) -> None:
    assert pack(pieces, limit, sep=sep) == chunks


@pytest.mark.parametrize(
    ("pieces", "limit", "chunks"),
    [
        # A piece too long is cut at the limit; what is left packs on with the next piece.
        (["ab", "cdefghi", "j"], 3, ["ab", "cde", "fgh", "ij"]),
        (["abcdef"], 3, ["abc", "def"]),
        (["a", "bc"], 3, ["abc"]),
    ],
)
def test_pack_cuts(pieces: list[str], limit: int, chunks: list[str]) -> None:
    assert pack(pieces, limit, cut=lambda piece: limit) == chunks


def test_pack_measure() -> None:
    double = pack(["ab", "cd", "e"], 8, measure=lambda text: 2 * len(text))
    assert double == ["abcd", "e"]
