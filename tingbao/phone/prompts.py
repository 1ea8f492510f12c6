"""What the line says, in short plain Mandarin: pure functions of the paper's name, the issue's
date, the article titles and the hotline number.

Keys are written as words (按一, 按星号键) so every voice reads them the same way. The menu offers
articles 1 to ARTICLE_KEYS only: 8 and 9 are the back issues and the hotline (see menu.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tingbao.chinese.dates import chinese_date
from tingbao.chinese.phone_numbers import parse_phone, spoken

ARTICLE_KEYS = 7  # 1-7 choose an article; 8 back issues, 9 hotline
BACK_ISSUES = 7  # 1-7 choose one of the back issues
_DIGITS = "零一二三四五六七八九"


def key_word(digit: int) -> str:
    """Return how a key of the pad is named aloud (一 … 九, 零)."""
    return _DIGITS[digit]


def date_words(day: date) -> str:
    """Return a date as read aloud: as written, 2020年7月30日 (the voices read its figures well)."""
    return chinese_date(day)


def welcome(paper: str, published: date, articles: int) -> str:
    """Return the greeting: which line this is, which issue, how many articles."""
    return f"您好，这里是《{paper}》听报热线。本期是{date_words(published)}，共{articles}篇。"


def menu(titles: Sequence[str], *, has_back_issues: bool = True) -> str:
    """Return the menu: the titles with their keys, then the other keys."""
    shown = titles[:ARTICLE_KEYS]
    parts = [f"按{key_word(n)}，{title}" for n, title in enumerate(shown, start=1)]
    if len(titles) > len(shown):
        parts.append(f"第{key_word(ARTICLE_KEYS)}篇听完按二，收听后面的文章")
    parts.append("按零，收听整期")
    parts.append("按星号键，切换慢速或正常语速")
    if has_back_issues:
        parts.append("按八，听往期")
    parts.append("按九，听投稿和新闻热线")
    parts.append("按井号键，回到菜单")
    return "。".join(parts) + "。"


def back_issues(dates: Sequence[date]) -> str:
    """Return the list of back issues with their keys."""
    if not dates:
        return "暂时没有往期。"
    shown = dates[:BACK_ISSUES]
    parts = [f"按{key_word(n)}，{date_words(day)}" for n, day in enumerate(shown, start=1)]
    return "往期：" + "。".join(parts) + "。按井号键，回到本期。"


def issue_chosen(published: date, articles: int) -> str:
    """Return what is said when a back issue is chosen."""
    return f"这是{date_words(published)}的一期，共{articles}篇。"


def hotline(number: str | None) -> str:
    """Return the hotline read digit by digit, twice (the line renders it slowly)."""
    if not number:
        return "本报暂未公布热线电话。"
    phone = parse_phone(number)
    said = spoken(phone) if phone is not None else "，".join(number)
    return f"投稿和新闻热线：{said}。再说一遍：{said}。"


def speed(slow: bool) -> str:
    """Return the confirmation of the reading speed."""
    return "已切换为慢速。" if slow else "已切换为正常语速。"


def no_article() -> str:
    """Return what is said for a key with no article behind it."""
    return "没有这一篇。"


def last_article() -> str:
    """Return what is said when 2 is pressed on the last article."""
    return "这是最后一篇。"


def no_audio() -> str:
    """Return what is said when an article's audio is not ready."""
    return "这篇的录音还没有准备好，请稍后再听。"


def no_issue(paper: str) -> str:
    """Return what is said when no issue is published yet (the call then ends)."""
    return f"您好，这里是《{paper}》听报热线。暂时还没有可以收听的报纸，再见。"


def goodbye() -> str:
    """Return the farewell before the line hangs up."""
    return "感谢收听，再见。"
