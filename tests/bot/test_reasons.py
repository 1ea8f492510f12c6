"""Editors read refusals and warnings in Chinese, whatever the paper part says in English."""

from __future__ import annotations

import pickle

import pytest

from tingbao.chat.reasons import GENERIC_REASON, refusal_reason, warning_text
from tingbao.paper import errors, notices
from tingbao.paper.notices import ReadingWarning


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (errors.EmptyInputError("the file is empty"), "空的"),
        (errors.PdfEncryptedError("password"), "密码"),
        (errors.NoArticlesError("no title"), "标题"),
        (errors.ImageTooLargeError("too large"), "图片太大"),
        (errors.ImageError("damaged"), "图片损坏"),
        (errors.OcrNoTextError("no text"), "没有认出文字"),
        (errors.OcrTimeoutError("too long"), "识别超时"),
        (errors.InputError("no such file"), GENERIC_REASON),
    ],
)
def test_refusal_reason_is_chinese(exc: Exception, words: str) -> None:
    reason = refusal_reason(exc)
    assert words in reason
    assert not any(
        "a" <= c.lower() <= "z"
        for c in reason.replace("PDF", "").replace("UTF-8", "").replace("Markdown", "")
    )


@pytest.mark.parametrize(
    ("warning", "expected"),
    [
        (
            ReadingWarning(
                notices.DATE_GUESSED,
                "publication date 2020-07-30 guessed from the text: give --published",
            ),
            "出版日期",
        ),
        (
            ReadingWarning(
                notices.PREFACE_LEFT_OUT, "2 paragraph(s) before the first title were left out"
            ),
            "第一个标题前面",
        ),
        (
            ReadingWarning(
                notices.TITLE_WITHOUT_TEXT, "title without text left out: 社区新闻", "社区新闻"
            ),
            "已略过：社区新闻",
        ),
        (
            ReadingWarning(
                notices.OCR_UNSURE,
                "page 2: OCR is unsure of 2 lines, check them: 「社区新闻」「老年门诊」",
                "「社区新闻」「老年门诊」",
            ),
            "请核对：「社区新闻」「老年门诊」",
        ),
        (
            ReadingWarning(
                notices.OCR_BLANK_PAGE,
                "page 4: OCR found no text on it (a blank page, or only pictures)",
            ),
            "有一页没有认出文字",
        ),
        ("something new", "有内容需要核对。"),
        ("没有找到出版日期，请核对。", "没有找到出版日期，请核对。"),
    ],
)
def test_warning_text_is_chinese(warning: str, expected: str) -> None:
    assert expected in warning_text(warning)


@pytest.mark.parametrize("code", notices.CODES)
def test_every_warning_code_has_its_chinese_and_rewording_cannot_change_it(code: str) -> None:
    said = warning_text(ReadingWarning(code, "the English text", "「细节」"))
    reworded = warning_text(ReadingWarning(code, "entirely different words", "「细节」"))
    assert said == reworded != "有内容需要核对。"
    assert not any("a" <= c.lower() <= "z" for c in said)


def test_the_english_text_alone_is_not_translated() -> None:
    # Translation is by code: text that merely reads like a known warning is not matched.
    assert warning_text("title without text left out: 社区新闻") == "有内容需要核对。"


def test_a_warning_keeps_its_code_through_a_process_boundary() -> None:
    warning = ReadingWarning(notices.OCR_UNSURE, "OCR is unsure", "「甲」")
    copy = pickle.loads(pickle.dumps(warning))
    assert (copy, copy.code, copy.detail) == (warning, notices.OCR_UNSURE, "「甲」")
