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
tokens (`fts5_match` builds its MATCH expression); on PostgreSQL a tsvector of the same tokens
with their positions, the title's at weight A (`tsvector`), matched by a tsquery of the same
`Query` terms (`tsquery`: a phrase is `'电梯' <-> '梯坏'`, a prefix `'电':*`, AND is `&`). Both are
written in PostgreSQL's input syntax, so no text-search parser or dictionary touches the tokens.
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


# PostgreSQL's limits: positions above 16383 are stored as 16383, at most 256 positions per
# lexeme are kept, and a lexeme over 2047 bytes is refused.
MAX_POSITION = 16383
MAX_POSITIONS = 256
MAX_LEXEME_BYTES = 2047


def _lexeme(token: str) -> str:
    """Return a tsvector/tsquery lexeme: tokens hold no quotes or backslashes, but escape any."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(title: str, body: str) -> str:
    """Return an article's tsvector in PostgreSQL's input syntax: the index tokens of title (at
    weight A) and body with their positions; a gap between the two keeps a phrase inside one."""
    positions: dict[str, list[str]] = {}
    title_tokens = index_tokens(title)
    numbered = [(n, token, "A") for n, token in enumerate(title_tokens, 1)]
    start = len(title_tokens) + 2
    numbered += [(n, token, "") for n, token in enumerate(index_tokens(body), start)]
    for n, token, weight in numbered:
        if len(token.encode()) >= MAX_LEXEME_BYTES:
            continue
        found = positions.setdefault(token, [])
        if len(found) < MAX_POSITIONS:
            found.append(f"{min(n, MAX_POSITION)}{weight}")
    return " ".join(f"{_lexeme(token)}:{','.join(p)}" for token, p in positions.items())


def _tsquery_term(term: Term, weight: str) -> str:
    if term.prefix:
        return f"{_lexeme(term.tokens[0])}:*{weight}"
    label = f":{weight}" if weight else ""
    return "(" + " <-> ".join(f"{_lexeme(token)}{label}" for token in term.tokens) + ")"


def tsquery(query: Query, weight: str = "") -> str:
    """Return query as a tsquery in PostgreSQL's input syntax; weight "A": in the title only."""
    return " & ".join(_tsquery_term(term, weight) for term in query.terms)
