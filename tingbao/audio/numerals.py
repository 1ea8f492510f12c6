"""Arabic numbers as a Mandarin speaker reads them: cardinals, decimals, digit strings."""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """Read 0 < n < 10000 with inner zeros (1005 -> 一千零五)."""
    out: list[str] = []
    zero_pending = False
    for power in (3, 2, 1, 0):
        digit = (n // 10**power) % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(out)


def cardinal(n: int, *, liang: bool = False) -> str:
    """Read a non-negative integer (27 -> 二十七, 10 -> 十); liang reads a lone 2 as 两."""
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    if n == 2 and liang:
        return "两"
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_BIG_UNITS):
        return digits(str(sum(g * 10000**i for i, g in enumerate(groups))))
    out: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        lower_higher = index < len(groups) - 1
        gap = group < 1000 or (lower_higher and groups[index + 1] == 0)
        if out and gap and not out[-1].endswith("零"):
            out.append("零")
        out.append(_four(group) + _BIG_UNITS[index])
    text = "".join(out)
    # 10-19 at the start are read 十, 十一 ... not 一十; a leading 2千/2万/2亿 is read 两.
    if text.startswith("一十"):
        text = text[1:]
    elif text[:2] in ("二千", "二万", "二亿"):
        text = "两" + text[1:]
    return text


def digits(text: str, *, yao: bool = False) -> str:
    """Read a digit string one digit at a time; yao reads 1 as 幺 (phone numbers)."""
    table = DIGITS.replace("一", "幺") if yao else DIGITS
    return "".join(table[int(c)] if c.isdigit() else c for c in text)


def decimal(text: str, *, liang: bool = False) -> str:
    """Read "3.14" as 三点一四 and "12" as 十二."""
    whole, _, fraction = text.partition(".")
    head = cardinal(int(whole or "0"), liang=liang and not fraction)
    return head + ("点" + digits(fraction) if fraction else "")
