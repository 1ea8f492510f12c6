"""Phone numbers, in one place: find them in text, parse them, and write them for each use.

This module is the one home of phone numbers. Its users: `paper.contact` (the hotline of the
closing box), `audio.normalize` (the spoken form), `bot.render` (the contact card and the hotline
message), `feeds.text` and `feeds.layout` (tel: links on the web pages). Nobody else parses them.

What counts as a phone number:
- a landline with an area code ((021)64059791, 021-6405 9791, +86 21 64059791, 0086-21-...),
  a mobile (138 0013 8000, +86 13800138000) or a 400/800 number: anywhere in the text;
- a landline without its area code (64059791) or a short service number (110, 12345, 95588,
  962121): only right after a word such as 电话, 热线, 拨打 (or in a list after such a number),
  since a bare 3-8 digit number in prose is usually a count, an amount or a date;
- a landline without area code followed by 转/分机 and an extension, anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What sort of line a number reaches."""

    LANDLINE = "landline"
    MOBILE = "mobile"
    SERVICE = "service"  # 400 and 800 numbers: national only
    SHORT = "short"  # 110, 12345, 95588, 962121: national only, no area code


@dataclass(frozen=True)
class Phone:
    """A parsed phone number: digits only, without separators."""

    kind: Kind
    number: str  # without country and area code: 64059791, 13800138000, 4008208820, 110
    area: str = ""  # with its leading 0 (021); empty when none was printed
    extension: str = ""
    country: str = "86"


@dataclass(frozen=True)
class PhoneMatch:
    """A phone number found in text, with where it stands and how it was printed."""

    start: int
    end: int
    text: str
    phone: Phone


# Same length in and out, so spans found in the translated text hold in the original.
_ASCII = str.maketrans("０１２３４５６７８９＋－（）．\u3000\u00a0", "0123456789+-().\x20\x20")
_DASH = "-—–"
_SEP = rf"(?:[ \t]?[{_DASH}][ \t]?|\.|[ \t]{{1,2}})"  # never a line break
_RUN = re.compile(
    r"(?<![\d.,/+])"
    rf"(?P<cc>(?:\+|00)[ \t]?86{_SEP}?)?"
    rf"(?:\([ \t]?(?P<paren>\d{{2,4}})[ \t]?\)[ \t]?(?:[{_DASH}.][ \t]?)?)?"
    rf"(?P<body>\d+(?:{_SEP}\d+){{0,3}})"
    r"(?:[ \t]?(?P<mark>转(?:分机)?|分机号?|ext\.?|x)[ \t]?(?P<ext>\d{1,6}))?"
    r"(?!\d)",
    re.IGNORECASE,
)
_GROUP = re.compile(r"\d+")
_AREA = re.compile(r"010|02\d|0[3-9]\d\d")
_LOCAL = re.compile(r"[1-9]\d{6,7}")
_LOCAL_BARE = re.compile(r"[2-9]\d{6,7}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"[48]00\d{7}")
# Emergency and public service numbers (110, 119, 120, 122, 12315, 12345), carriers (10086),
# banks and companies (95588), Shanghai's 962 hotlines (962121).
_SHORT = re.compile(r"11[0249]|12[02]|12\d{3}|100\d{2}|95\d{3}|96\d{3,4}")
_KEYWORD = re.compile(
    r"(?:电话|热线|拨打|致电|手机|传真|联系|咨询|号码|(?<![a-z])tel\.?)(?:号码)?\s*(?:是|为)?\s*[:：]?\s*"
    r"[“\"「]?\s*$",
    re.IGNORECASE,
)
_KEYWORD_REACH = 16  # characters before a number searched for a keyword
_LIST_GAP = re.compile(r"\s*[、/，,;；或及和]\s*[“\"「]?\s*")
# A number followed by one of these is a count, an amount or a date, even after 电话 or 热线.
_UNIT_AFTER = re.compile(r"\s*(?:[年月日号个次人元万亿件条起余多%位名户天]|小时|分钟)")
_EXT_KINDS = (Kind.LANDLINE, Kind.SERVICE)


def _landline(digits: str) -> Phone | None:
    """Split 0 + area + local: 010 and 02x have three digits, every other area code four."""
    size = 3 if digits[1:2] in ("1", "2") else 4
    area, local = digits[:size], digits[size:]
    if _AREA.fullmatch(area) and _LOCAL.fullmatch(local):
        return Phone(Kind.LANDLINE, local, area)
    return None


def _national(digits: str) -> Phone | None:
    """Read the digits after +86 (a leading 0 of the area code allowed)."""
    if digits.startswith("0"):
        digits = digits[1:]
    if _MOBILE.fullmatch(digits):
        return Phone(Kind.MOBILE, digits)
    if _SERVICE.fullmatch(digits):
        return Phone(Kind.SERVICE, digits)
    return _landline("0" + digits)


def _classify(
    digits: str, *, cc: bool, paren: str, context: bool, extended: bool, dotted: bool
) -> Phone | None:
    """Return the phone these digits make, or None.

    context: the digits stand right after 电话, 热线 and the like; extended: 转 and an extension
    follow them. Either makes a landline without its area code believable; only context makes a
    short service number.
    """
    if paren:
        if not paren.startswith("0") and cc:
            paren = "0" + paren
        return _landline(paren + digits) if paren.startswith("0") else None
    if cc:
        return _national(digits)
    if digits.startswith("0"):
        return _landline(digits)
    if _MOBILE.fullmatch(digits):
        return Phone(Kind.MOBILE, digits)
    if _SERVICE.fullmatch(digits):
        return Phone(Kind.SERVICE, digits)
    if dotted:
        return None
    if (context or extended) and _LOCAL_BARE.fullmatch(digits):
        return Phone(Kind.LANDLINE, digits)
    if context and _SHORT.fullmatch(digits):
        return Phone(Kind.SHORT, digits)
    return None


def _read(text: str, m: re.Match[str], context: bool) -> tuple[Phone, int] | None:
    """Return the phone a candidate run starts with and where it ends, or None."""
    body_start = m.start("body")
    groups = list(_GROUP.finditer(m.group("body")))
    for count in range(len(groups), 0, -1):
        used = groups[:count]
        digits = "".join(g.group(0) for g in used)
        seps = m.group("body")[used[0].end() : used[-1].start()]
        marked = count == len(groups) and m.group("ext") is not None
        bare = not m.group("cc") and not m.group("paren")
        phone = _classify(
            digits,
            cc=bool(m.group("cc")),
            paren=m.group("paren") or "",
            context=context,
            extended=marked,
            dotted="." in seps,
        )
        if phone is None:
            continue
        end = body_start + used[-1].end()
        needs_context = phone.kind is Kind.SHORT or (phone.kind is Kind.LANDLINE and bare)
        if phone.kind in _EXT_KINDS and marked:
            phone, end = _with_ext(phone, m.group("ext")), m.end()
        elif phone.kind in _EXT_KINDS and count == len(groups) - 1:
            last = groups[-1]
            between = m.group("body")[used[-1].end() : last.start()]
            if between.strip() in tuple(_DASH) and len(last.group(0)) <= 6:
                phone, end = _with_ext(phone, last.group(0)), body_start + last.end()
        if needs_context and not marked and _UNIT_AFTER.match(text, end):
            return None
        return phone, end
    return None


def _with_ext(phone: Phone, extension: str) -> Phone:
    return Phone(phone.kind, phone.number, phone.area, extension, phone.country)


def find_phones(text: str, *, labelled: bool = False) -> Iterator[PhoneMatch]:
    """Yield the phone numbers in text in order; labelled: all of text is a phone field."""
    plain = text.translate(_ASCII)
    pos = 0
    previous_end = -1
    while (m := _RUN.search(plain, pos)) is not None:
        listed = previous_end >= 0 and _LIST_GAP.fullmatch(plain, previous_end, m.start())
        window = max(0, m.start() - _KEYWORD_REACH)
        context = labelled or bool(listed) or bool(_KEYWORD.search(plain, window, m.start()))
        found = _read(plain, m, context)
        if found is None:
            pos = m.start() + 1
            continue
        phone, end = found
        yield PhoneMatch(m.start(), end, text[m.start() : end], phone)
        pos = previous_end = end


def first_listed(text: str, *, labelled: bool = False) -> str | None:
    """Return the first phone number in text as printed, with any listed right after it."""
    found = list(find_phones(text, labelled=labelled))
    if not found:
        return None
    plain = text.translate(_ASCII)
    last = found[0]
    for after in found[1:]:
        if not _LIST_GAP.fullmatch(plain, last.end, after.start):
            break
        last = after
    return text[found[0].start : last.end]


def parse_phone(text: str) -> Phone | None:
    """Return the phone number text is (spaces around allowed), or None."""
    stripped = text.strip()
    found = next(find_phones(stripped, labelled=True), None)
    if found is None or found.start != 0 or found.end != len(stripped):
        return None
    return found.phone


def replace_phones(text: str, write: Callable[[Phone], str], *, labelled: bool = False) -> str:
    """Return text with every phone number rewritten by write (spoken, display ...)."""
    out: list[str] = []
    pos = 0
    for found in find_phones(text, labelled=labelled):
        out.append(text[pos : found.start])
        out.append(write(found.phone))
        pos = found.end
    out.append(text[pos:])
    return "".join(out)


def groups(phone: Phone) -> tuple[str, ...]:
    """Return the digit groups a person reads with a pause between: area, then 3-4-4 or 4-4."""
    n = phone.number
    if phone.kind is Kind.MOBILE:
        return (n[:3], n[3:7], n[7:])
    if phone.kind is Kind.SERVICE:
        return (n[:3], n[3:6], n[6:])
    if phone.kind is Kind.SHORT:
        return (n,)
    area = (phone.area,) if phone.area else ()
    return (*area, n[:-4], n[-4:])


def display(phone: Phone) -> str:
    """Return the number written the usual way: 021-64059791转8012, 138 0013 8000, 400-820-8820."""
    if phone.kind is Kind.MOBILE:
        text = " ".join(groups(phone))
    elif phone.kind is Kind.SERVICE:
        text = "-".join(groups(phone))
    elif phone.area:
        text = f"{phone.area}-{phone.number}"
    else:
        text = phone.number
    return f"{text}转{phone.extension}" if phone.extension else text


def e164(phone: Phone) -> str | None:
    """Return +8621..., or None for numbers not dialled from abroad (400, short, no area code)."""
    if phone.kind is Kind.MOBILE:
        return f"+{phone.country}{phone.number}"
    if phone.kind is Kind.LANDLINE and phone.area:
        return f"+{phone.country}{phone.area[1:]}{phone.number}"
    return None


def tel_uri(phone: Phone) -> str:
    """Return a tel: URI (RFC 3966): tel:+862164059791;ext=8012, or tel:110 for national ones."""
    uri = "tel:" + (e164(phone) or phone.number)
    return f"{uri};ext={phone.extension}" if phone.extension else uri


def card_number(phone: Phone) -> str:
    """Return what a contact card (Telegram sendContact's phone_number) holds: E.164, no ext."""
    return e164(phone) or phone.number


_SPOKEN = "零幺二三四五六七八九"


def _say(digits: str) -> str:
    return "".join(_SPOKEN[int(d)] for d in digits)


def spoken(phone: Phone) -> str:
    """Return the number as read aloud: digit by digit, 1 as 幺, a pause (，) between groups.

    A number printed with +86 is read the way it is dialled at home (零二幺, not 加八六 二幺).
    """
    text = "，".join(_say(g) for g in groups(phone))
    return f"{text}，转{_say(phone.extension)}" if phone.extension else text
