"""Clean-up rules for extracted text: pure functions, table-tested.

- control characters, private-use characters (tingbao's own marks in spoken text, meaningless
  in print: chinese/characters.py) and markup never reach titles or bodies;
- white space is folded; full-width spaces become plain ones;
- ASCII , ; : ? ! next to Chinese text become their Chinese forms (，；：？！), as the print
  would set them; between Latin letters and digits (1,000, 10:30, URLs) they stay;
- boilerplate that is not news (QR-code prompts, "联合主办" lines, the spaced-out
  slogan) is dropped by the patterns in settings;
- a paragraph that a page break split is rejoined: one that does not end a sentence
  continues into the next, with no space inserted between Chinese characters.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from tingbao.chinese import sentences
from tingbao.chinese.characters import PRIVATE_USE

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ufffe" + PRIVATE_USE + "]"
)
_TAG = re.compile(
    r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>|<!--.*?-->|</?[a-zA-Z][^<>]*>", re.S | re.I
)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200a]+")
# Ends a sentence: the paragraph is complete. A closing quote ends one only after such a mark
# ("…。”"); after a term ("以“1+34+X”") the sentence goes on. A closing bracket ends a byline.
# Here … and ；end one too: a paragraph ending so (a list item ending ；) is not joined on.
SENTENCE_END = tuple(sentences.STOPS + sentences.ELLIPSIS + sentences.CLAUSE_ENDS)
CLOSING_QUOTES = tuple(sentences.CLOSING_QUOTES)
CLOSING_BRACKETS = tuple(sentences.CLOSING_BRACKETS)
# Punctuation that only appears inside sentences; a line with it is prose, not a heading.
_PROSE_PUNCT = re.compile(
    sentences.char_class(sentences.COMMAS + sentences.STOPS + sentences.CLAUSE_ENDS)
)
HEADING_MAX_CHARS = 50
# Chinese characters and CJK or full-width punctuation: text set in Chinese. A curly quote counts
# only with a Chinese character on its other side (“美丽家园”, not “Yes,” he said).
_CHINESE = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_QUOTES = "\u2018-\u201f"
_ASCII_PUNCT_BY_CHINESE = re.compile(
    rf"(?:(?<=[{_CHINESE}])|(?<=[{_CHINESE}][{_QUOTES}])) ?([,;:?!]) ?"
    rf"| ?([,;:?!]) ?(?=[{_QUOTES}]?[{_CHINESE}])"
)
_CHINESE_FORM = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


def strip_markup(text: str) -> str:
    """Remove HTML tags and comments (script and style with their content) and unescape entities."""
    without = _TAG.sub("", text)
    return html.unescape(without) if "&" in without else without


def clean_line(line: str) -> str:
    """Remove control and private-use characters and markup, fold white space, set punctuation in
    Chinese form next to Chinese text, strip the ends."""
    line = _CONTROL.sub("", line)
    line = strip_markup(line)
    line = _CONTROL.sub("", line)  # entities may have decoded to such characters (&#xe000;)
    return chinese_punctuation(_SPACES.sub(" ", line)).strip()


def chinese_punctuation(text: str) -> str:
    """Return text with ASCII , ; : ? ! beside Chinese text in Chinese form, spaces around them
    dropped ("虹桥 , 古北" -> "虹桥，古北"); "1,000", "10:30" and URLs are left as they are."""
    for _ in range(2):  # a run ("吗?!") is set in two passes: its second mark then sits by "？"
        text = _ASCII_PUNCT_BY_CHINESE.sub(lambda m: _CHINESE_FORM[m.group(1) or m.group(2)], text)
    return text


def is_boilerplate(line: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    """Return whether the line matches any boilerplate pattern."""
    return any(p.search(line) for p in patterns)


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Compile the configured patterns."""
    return tuple(re.compile(p) for p in patterns)


def ends_sentence(text: str) -> bool:
    """Return whether text ends a sentence (or a quoted sentence, or a bracketed byline)."""
    stripped = text.rstrip("".join(CLOSING_QUOTES))
    if stripped != text:
        return stripped.endswith(SENTENCE_END)
    return text.endswith(SENTENCE_END + CLOSING_BRACKETS)


def looks_like_heading(text: str, max_chars: int = HEADING_MAX_CHARS) -> bool:
    """Return whether a line reads as a headline, 小标题 or label: short, no prose punctuation."""
    return len(text) <= max_chars and not _PROSE_PUNCT.search(text)


def continues_into_next(text: str) -> bool:
    """Return whether a paragraph was cut short (by a page break) and goes on in the next one."""
    return not ends_sentence(text) and not looks_like_heading(text)


def join_fragments(head: str, tail: str) -> str:
    """Join two pieces of one paragraph; a space only between two Latin letters or digits."""
    if head and tail and re.match(r"[A-Za-z0-9]", head[-1]) and re.match(r"[A-Za-z0-9]", tail[0]):
        return f"{head} {tail}"
    return head + tail


def rejoin_paragraphs(paragraphs: Sequence[str]) -> list[str]:
    """Rejoin paragraphs that a page break split."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and continues_into_next(joined[-1]):
            joined[-1] = join_fragments(joined[-1], paragraph)
        else:
            joined.append(paragraph)
    return joined
