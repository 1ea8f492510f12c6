"""Decoding: UTF-8 with or without BOM, GB18030, CRLF; refusals for everything else."""

from __future__ import annotations

import codecs

import pytest

from tingbao.paper.errors import EmptyInputError, UndecodableError
from tingbao.reading.decode import decode_text

TEXT = "虹桥镇召开会议\n7月27日,会议召开。\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.replace("\n", "\r\n").encode("gb18030"),
        TEXT.encode("gbk"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "gb18030-crlf", "gbk", "utf16"],
)
def test_decodes_known_encodings(data: bytes) -> None:
    assert decode_text(data) == TEXT


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"  \n\r\n\t ", EmptyInputError, "empty"),
        (codecs.BOM_UTF8 + b"\n\n", EmptyInputError, "empty"),
        (bytes(range(256)) * 4, UndecodableError, "binary"),
        (b"\x81\x30\xff\xfe\xfd" * 50, UndecodableError, "UTF-8"),
        (bytes(range(1, 9)) * 100, UndecodableError, "not look like text"),
    ],
    ids=["blank", "bom-only", "binary", "invalid-both", "not-texty"],
)
def test_refuses_what_is_not_text(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        decode_text(data)
