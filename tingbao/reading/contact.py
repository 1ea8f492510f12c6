"""The closing box (本报编审团, 投稿邮箱, 新闻热线, 地址): find it and read it into a Contact."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from tingbao.chinese.phone_numbers import first_listed
from tingbao.chinese.sentences import FULL_STOPS, char_class
from tingbao.paper.model import Contact

CONTACT_KEY = re.compile(
    r"^(本报|本刊)?(编审团|编委会|编审|责任编辑|主编|编辑)|^(投稿)?(邮箱|电子邮件|E-?mail)|"
    r"^(新闻|报料)?热线|^(联系)?电话|^(通讯)?地址|^邮编",
    re.I,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_HOTLINE_LABEL = re.compile(r"热线|电话")
_FAX_LINE = re.compile(r"^.*传真.*$", re.M)
# The colon after a label may be lost in a scan ("地址 闵行区…"); the label opens its line.
_ADDRESS = re.compile(r"(?:^(?:通讯|联系)?地址\s*[:：]?|地址\s*[:：])\s*(.+)", re.M)
_EDITORS = re.compile(r"(?:编审团|编委会|编审|责任编辑|编辑)\s*[:：]?\s*(.*)")
_NAME_SPLIT = re.compile(r"[\s、，,;；/]+")
_CONTACT_LINE_MAX = 40
# A label with its colon, where it may stand inside a line run together with the value before it
# ("肖婉投稿邮箱：…"); scanned left to right, so 投稿邮箱 is found whole, never as 投稿|邮箱.
_LABEL = re.compile(
    r"(?:投稿)?(?:邮箱|电子邮件|E-?mail)|(?:新闻|报料)?热线|(?:联系)?电话|(?:通讯)?地址|邮编"
    r"|(?:本报|本刊)?(?:编审团|编委会)",
    re.I,
)


def _is_contact_line(text: str) -> bool:
    return bool(CONTACT_KEY.search(text)) or (
        len(text) <= _CONTACT_LINE_MAX and not re.search(char_class(FULL_STOPS), text)
    )


_EMAIL_LABEL = re.compile(r"邮箱|电子邮件|E-?mail", re.I)
_EMAIL_LIKE = re.compile(r"@|[A-Za-z0-9._-]{2,}\.(?:com|cn|net|org|gov|edu)\b", re.I)
_NUMBER_LABEL = re.compile(r"热线|电话|传真")
SURE = 0.9  # an OCR score under this leaves an e-mail address or phone number in doubt


def doubtful_contact(text: str, confidence: float) -> bool:
    """Return whether an OCR line of the closing box holds an e-mail address or phone number in
    doubt: read with a low score, or not the shape one has (an address without its @, a 热线
    line whose digits make no number). A label alone is no doubt. Publishing a wrong address or
    number is worse than none."""
    email_like = bool(_EMAIL_LIKE.search(text)) or bool(
        _EMAIL_LABEL.search(text) and re.search(r"[A-Za-z0-9]{3,}", text)
    )
    label = _NUMBER_LABEL.search(text)
    number_like = label is not None and bool(re.search(r"\d", text[label.end() :]))
    if not (email_like or number_like):
        return False
    if confidence < SURE:
        return True
    if email_like and not _EMAIL.search(text):
        return True
    value = text[label.end() :] if label else text
    return number_like and first_listed(value, labelled=True) is None


def find_contact_start(lines: Sequence[str]) -> int | None:
    """Return the index where the closing box starts, or None when the text has none."""
    start: int | None = None
    for index in range(len(lines) - 1, -1, -1):
        if not _is_contact_line(lines[index]):
            break
        if CONTACT_KEY.search(lines[index]):
            start = index
    if start is None:
        return None
    keyed = sum(1 for line in lines[start:] if CONTACT_KEY.search(line))
    return start if keyed >= 2 else None


def find_hotline(lines: Sequence[str]) -> str | None:
    """Return the hotline as printed: on a 热线/电话 line first, else the first number anywhere."""
    for line in lines:
        label = _HOTLINE_LABEL.search(line)
        printed = first_listed(line[label.end() :], labelled=True) if label else None
        if printed:
            return printed
    # Blank out e-mail addresses rather than cut them, so the digits around them never join.
    text = _EMAIL.sub(lambda m: " " * len(m.group(0)), "\n".join(lines))
    return first_listed(_FAX_LINE.sub("", text), labelled=False)


def split_labels(lines: Sequence[str]) -> list[str]:
    """Return the lines with every label (followed by its colon) that stands after other text
    on a line moved to a line of its own: "肖婉投稿邮箱：a@b.cn" is a name, then a label."""
    out: list[str] = []
    for line in lines:
        starts = [m.start() for m in _LABEL.finditer(line) if _colon_after(line, m.end())]
        cuts = [0, *(n for n in starts if n > 0), len(line)]
        out.extend(p for a, b in itertools.pairwise(cuts) if (p := line[a:b].strip()))
    return out


def _colon_after(line: str, end: int) -> bool:
    return line[end : end + 2].lstrip()[:1] in (":", "：")


def parse_contact(lines: Sequence[str]) -> Contact:
    """Read hotline, e-mail, address and editors from the closing box's lines; names are never
    joined across lines, and a label run into the value before it is read apart."""
    lines = split_labels(lines)
    text = "\n".join(lines)
    email = _EMAIL.search(text)
    hotline = find_hotline(lines)
    address = _ADDRESS.search(text)
    editors: list[str] = []
    collecting = False
    for line in lines:
        match = _EDITORS.search(line)
        if match and not collecting and not editors:
            collecting = True
            rest = match.group(1)
        elif collecting and not CONTACT_KEY.search(line):
            rest = line
        else:
            collecting = False
            continue
        editors.extend(name for name in _NAME_SPLIT.split(rest) if name)
    return Contact(
        hotline=hotline,
        email=email.group(0) if email else None,
        address=address.group(1).strip() if address else None,
        editors=tuple(editors),
    )
