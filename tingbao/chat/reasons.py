"""Say in plain Chinese why an editor's file was refused, and what the reader had to guess.

The paper part's errors and warnings are written for operators in English; editors in the chat
see these instead.
"""

from __future__ import annotations

import re

from tingbao.paper import errors, notices

_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (errors.EmptyInputError, "文件是空的，没有文字。"),
    (errors.TooManyPagesError, "页数太多了，请分成几份再发。"),
    (errors.TooLongError, "有一篇文章或一段太长了，请分成几篇或几段再发。"),
    (errors.TooLargeError, "文件太大了，请分成几份再发。"),
    (errors.UndecodableError, "认不出文字编码，请另存为 UTF-8 文本再发。"),
    (errors.PdfEncryptedError, "PDF 设了密码，请去掉密码再发。"),
    (errors.PdfCorruptError, "PDF 文件损坏或不完整，请重新导出再发。"),
    (errors.PdfTimeoutError, "PDF 太复杂，读取超时，请重新导出或直接发文字稿。"),
    (errors.DocxEncryptedError, "Word 文件设了密码，请去掉密码再发。"),
    (errors.DocxCorruptError, "Word 文件损坏或不完整，请重新保存再发。"),
    (errors.DocxNotWordError, "这不是 Word 的 .docx 文件，请在 Word 里另存为 .docx 再发。"),
    (errors.DocxBombError, "Word 文件解压后太大，可能已损坏，请重新保存再发。"),
    (errors.ImageTooLargeError, "图片太大了，请发小一些的照片或扫描图。"),
    (errors.ImageError, "图片损坏或不完整，请重新拍照或扫描后再发。"),
    (errors.OcrNoTextError, "没有认出文字：请在光线充足处正对版面拍清楚，或扫描后再发。"),
    (errors.OcrTimeoutError, "文字识别超时或内存不够，请发小一些的图片，或分几次发。"),
    (errors.FutureDateError, "出版日期比今天晚太多，请改正文件名里的日期再发。"),
    (errors.NoArticlesError, "没找到文章标题：请让每个标题单独一行，或用 Markdown 的 # 标出标题。"),
)
GENERIC_REASON = "文件读不出来，请检查后再发。"

# By warning code (paper/notices.py); a text ending in "：" is followed by what the warning names.
_WARNINGS: dict[str, str] = {
    notices.DATE_GUESSED: "出版日期是从正文里推测的，请核对；文件名里写上日期更可靠。",
    notices.DATE_RECEIVED: "没有找到出版日期，按收到的日期发布；日期不对请在文件名里写上日期再发。",
    notices.DATE_IMPOSSIBLE: "文件名里的日期不存在，没有采用，请改正文件名里的日期：",
    notices.DATE_FUTURE_IN_TEXT: "正文里有个日期比今天晚太多，没有当作出版日期，请核对。",
    notices.PREFACE_LEFT_OUT: "第一个标题前面有几段文字没有收录。",
    notices.TITLE_WITHOUT_TEXT: "有的标题下面没有正文，已略过：",
    notices.OCR_UNSURE: "有几行字认得不太准，请核对：",
    notices.OCR_BLANK_PAGE: "有一页没有认出文字（空白页或只有图片）。",
    notices.TEXT_AT_AN_ANGLE: "有竖排或斜排的文字没有收录，请核对。",
    notices.JUMP_UNMATCHED: "有篇文章“下转”到别的版，但没找到“上接”的部分，请核对。",
    notices.CONTACT_UNSURE: "报尾的邮箱或电话认得不准，没有采用，请核对后补上：",
    notices.CORRECTS_STORED: "这份文件没有日期，内容和已发布的一期大体相同，已当作这一期的更正：",
}
GENERIC_WARNING = "有内容需要核对。"


def refusal_reason(exc: Exception) -> str:
    """Return the Chinese reason for a file the reader refused."""
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return GENERIC_REASON


def warning_text(warning: str) -> str:
    """Return a reader warning in Chinese, looked up by its code (a dropped title keeps it)."""
    code = getattr(warning, "code", None)
    text = _WARNINGS.get(code) if code is not None else None
    if text is not None:
        return text + getattr(warning, "detail", "") if text.endswith("：") else text
    if not re.search(r"[A-Za-z]{3,}", warning):
        return warning  # already written for editors
    return GENERIC_WARNING
