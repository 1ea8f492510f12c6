"""Search text for Chinese: index tokens, the user's query, and the full-text match expression.

Chinese has no spaces between words, so text is indexed as overlapping character pairs (电梯坏了 ->
电梯 梯坏 坏了) plus the last character of each run of Chinese, so that every character starts
some token: a one-character query is a prefix query (电*) that finds every 电. Latin words and
numbers are whole lowercased tokens; everything goes through NFKC first (full-width ＡＢＣ１２ ->
abc12). A query word of two or more Chinese characters is the phrase of its pairs, which matches
exactly where the word stands in the text; all the query's words must match (AND). Punctuation
separates words and is dropped, and tokens are always quoted, so nothing a user types can reach
the index as query syntax.

Pure: strings in, strings out. search_index.py keeps the index: on SQLite an FTS5 table over these
tokens (`fts5_match` builds its MATCH expression).

PostgreSQL's index is a document of grams made in SQL from the stored text (search_index.py):
each character of a Chinese run starts one lexeme of up to GRAM characters, each Latin word is a
lexeme marked LATIN_MARK, and the issue id one marked ISSUE_MARK. `document_tsquery` asks it for
a query: a word of up to GRAM characters is a prefix (exact: it stands where a lexeme starts), a
longer one the AND of its GRAM-character windows, which `long_words` lists for an exact check.
The tsquery is written in PostgreSQL's input syntax with every lexeme quoted, so no parser,
dictionary or query syntax touches what a user typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Scripts written without spaces: CJK ideographs (with 〇), kana, hangul.
_CJK = (
    "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"
)
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")
_CHINESE = re.compile(rf"[{_CJK}]")
# The same characters as escapes, for PostgreSQL's regular expressions (search_index.py).
CJK_ESCAPES = (
    r"\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0003ffff"
)

MAX_TERMS = 8  # words of a query; more narrows nothing a reader needs
MAX_TERM_CHARS = 24  # a longer run is cut: a pasted sentence still searches its start

TITLE_COLUMN = "title"
BODY_COLUMN = "body"


def normalize(text: str) -> str:
    """Return text as it is indexed and queried: NFKC, lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> Iterator[tuple[str, bool]]:
    """Yield (run, is_cjk) for each run of Chinese or of letters and digits; drop the rest."""
    for match in _RUN.finditer(normalize(text)):
        yield match.group(), match.group("cjk") is not None


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    """Return the tokens text is indexed by, in order: pairs and the last character of each
    Chinese run, whole words otherwise."""
    tokens: list[str] = []
    for run, cjk in _runs(text):
        if cjk:
            tokens.extend(_pairs(run))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return tokens


def index_text(text: str) -> str:
    """Return the tokens of text joined by spaces, as the index stores them."""
    return " ".join(index_tokens(text))


@dataclass(frozen=True)
class Term:
    """One word of a query: a phrase of tokens, or (one Chinese character) a token prefix."""

    word: str
    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """What a user asked for: every term must match."""

    terms: tuple[Term, ...]

    @property
    def text(self) -> str:
        """Return the query as words joined by spaces; parsing it again gives the same query."""
        return " ".join(term.word for term in self.terms)


def _term(run: str, cjk: bool) -> Term:
    word = run[:MAX_TERM_CHARS]
    if not cjk:
        return Term(word, (word,))
    if len(word) == 1:
        return Term(word, (word,), prefix=True)
    return Term(word, tuple(_pairs(word)))


def parse_query(words: str | Sequence[str]) -> Query | None:
    """Return the query a user typed (a string, or words already split), or None when it
    holds no letter, digit or Chinese character."""
    text = words if isinstance(words, str) else " ".join(words)
    terms: list[Term] = []
    for run, cjk in _runs(text):
        term = _term(run, cjk)
        if term not in terms:
            terms.append(term)
    return Query(tuple(terms[:MAX_TERMS])) if terms else None


def _quote(token: str) -> str:
    """Return an FTS5 string: tokens hold no quotes, but double any all the same."""
    return '"' + token.replace('"', '""') + '"'


def _fts5_phrase(term: Term) -> str:
    phrase = _quote(" ".join(term.tokens))
    return f"{phrase}*" if term.prefix else phrase


def fts5_match(query: Query, column: str | None = None) -> str:
    """Return the FTS5 MATCH expression for query, over every column or one."""
    expression = " AND ".join(_fts5_phrase(term) for term in query.terms)
    return f"{{{column}}} : ({expression})" if column else expression


def _lexeme(token: str) -> str:
    """Return a tsquery lexeme: tokens hold no quotes or backslashes, but escape any."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


# PostgreSQL's gram documents (search_index.py makes them in SQL from the same rules).
GRAM = 4  # characters of a Chinese lexeme: each position of a run starts one
LATIN_MARK = "~"  # a Latin word's lexeme: never confused with a Chinese one
ISSUE_MARK = "#"  # the issue id's lexeme: "#<paper>-<date>", so a paper is a prefix


def is_chinese(term: Term) -> bool:
    """Return whether a query term is a run of Chinese (or other unspaced script)."""
    return _CHINESE.match(term.word) is not None


def long_words(query: Query) -> list[str]:
    """Return the Chinese words longer than GRAM: the grams find a superset, checked as written."""
    return [t.word for t in query.terms if is_chinese(t) and len(t.word) > GRAM]


def document_tsquery(query: Query, paper: str | None = None) -> str:
    """Return the tsquery of query over gram documents, within one paper's issues or all."""
    parts = []
    for term in query.terms:
        word = term.word
        if not is_chinese(term):
            parts.append(_lexeme(LATIN_MARK + word))
        elif len(word) <= GRAM:
            parts.append(f"{_lexeme(word)}:*")
        else:
            windows = dict.fromkeys(word[i : i + GRAM] for i in range(len(word) - GRAM + 1))
            parts.append(" & ".join(_lexeme(window) for window in windows))
    if paper is not None:
        parts.append(f"{_lexeme(f'{ISSUE_MARK}{paper}-')}:*")
    return " & ".join(parts)
