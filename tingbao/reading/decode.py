"""Turn the bytes of an uploaded text file into text, or refuse with a clear reason.

Chinese text arrives as UTF-8 (with or without BOM) or GB18030/GBK, often with CRLF. UTF-8 is tried
strictly first, then GB18030; charset detectors guess wrong on short GBK text, so none is used.
"""

from __future__ import annotations

import codecs
import unicodedata

from tingbao.paper.errors import EmptyInputError, UndecodableError
from tingbao.reading.formats import accepted_text

_TEXT_RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x24F),  # Latin-1, Latin extended
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x27BF),  # letterlike, arrows, math, shapes, dingbats
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK punctuation, kana
    (0x3100, 0x31FF),  # bopomofo
    (0x3200, 0x33FF),  # enclosed CJK
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms
)
MIN_TEXT_SHARE = 0.9


def _is_texty(char: str) -> bool:
    if char in "\n\r\t":
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _TEXT_RANGES)


def decode_text(data: bytes) -> str:
    """Decode data as UTF-8 or GB18030 and normalize newlines, or raise an InputError."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UndecodableError(
                "not valid UTF-16 text: save it as UTF-8 and try again"
            ) from None
    else:
        if b"\x00" in data:
            raise UndecodableError(
                f"this is a binary file, not text: send a {accepted_text()} file"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise UndecodableError(
                    "the text is neither UTF-8 nor GB18030/GBK: save it as UTF-8 and try again"
                ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyInputError("the file is empty: it holds no text")
    sample = [c for c in text if not c.isspace()][:20000]
    texty = sum(1 for c in sample if _is_texty(c))
    if sample and texty / len(sample) < MIN_TEXT_SHARE:
        raise UndecodableError(f"this does not look like text: send a {accepted_text()} file")
    return unicodedata.normalize("NFC", text)
