"""Warnings the readers raise about what they had to guess or leave out, each with a stable code.

A warning is its English text for operators (the CLI, the logs), so it prints and stores as any
string; its `code` says which warning it is, and `detail` holds what the warning names (the
title left out, the lines OCR was unsure of). What an editor reads in the chat is looked up by
code (chat/reasons.py), never found by matching the English text, so rewording a warning cannot
change what editors see.
"""

from __future__ import annotations

from typing import Final

DATE_RECEIVED: Final = "date-received"  # no date anywhere: published on the day received
DATE_GUESSED: Final = "date-guessed"  # the publication date was guessed from the text
DATE_IMPOSSIBLE: Final = "date-impossible"  # the file name's date is no real day (detail: it)
DATE_FUTURE_IN_TEXT: Final = "date-future-in-text"  # the text's latest date is too far ahead
PREFACE_LEFT_OUT: Final = "preface-left-out"  # paragraphs before the first title
TITLE_WITHOUT_TEXT: Final = "title-without-text"  # a title with no text under it (detail: it)
OCR_UNSURE: Final = "ocr-unsure"  # lines read with low confidence (detail: the lines)
OCR_BLANK_PAGE: Final = "ocr-blank-page"  # a page without any text, even by OCR
TEXT_AT_AN_ANGLE: Final = "text-at-an-angle"  # vertical or rotated text left out of a PDF
JUMP_UNMATCHED: Final = "jump-unmatched"  # 下转 with no 上接 part to continue it
CONTACT_UNSURE: Final = "contact-unsure"  # an e-mail or phone read doubtfully, left out (detail)
CORRECTS_STORED: Final = "corrects-stored"  # an undated file taken as a stored issue's correction

CODES: Final = (
    DATE_RECEIVED,
    DATE_GUESSED,
    DATE_IMPOSSIBLE,
    DATE_FUTURE_IN_TEXT,
    PREFACE_LEFT_OUT,
    TITLE_WITHOUT_TEXT,
    OCR_UNSURE,
    OCR_BLANK_PAGE,
    TEXT_AT_AN_ANGLE,
    JUMP_UNMATCHED,
    CONTACT_UNSURE,
    CORRECTS_STORED,
)


class ReadingWarning(str):
    """A reader's warning: its English text, with a stable code and what it names."""

    code: str
    detail: str

    def __new__(cls, code: str, text: str, detail: str = "") -> ReadingWarning:
        if code not in CODES:
            raise ValueError(f"unknown warning code {code!r}")  # a bug in the raiser
        warning = super().__new__(cls, text)
        warning.code = code
        warning.detail = detail
        return warning

    def __reduce__(self) -> tuple[type[ReadingWarning], tuple[str, str, str]]:
        return (ReadingWarning, (self.code, str(self), self.detail))
