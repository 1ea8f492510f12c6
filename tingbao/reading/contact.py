"""The closing box (本报编审团, 投稿邮箱, 新闻热线, 地址): find it and read it into a Contact."""

from __future__ import annotations

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
_ADDRESS = re.compile(r"地址\s*[:：]\s*(.+)")
_EDITORS = re.compile(r"(?:编审团|编委会|编审|责任编辑|编辑)\s*[:：]?\s*(.*)")
_NAME_SPLIT = re.compile(r"[\s、，,;；/]+")
_CONTACT_LINE_MAX = 40


def _is_contact_line(text: str) -> bool:
    return bool(CONTACT_KEY.search(text)) or (
        len(text) <= _CONTACT_LINE_MAX and not re.search(char_class(FULL_STOPS), text)
    )


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


def parse_contact(lines: Sequence[str]) -> Contact:
    """Read hotline, e-mail, address and editors from the closing box's lines."""
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
