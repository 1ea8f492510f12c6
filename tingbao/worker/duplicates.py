"""Is a dropped issue one already stored? Compare content, never file names: pure, table-tested.

Editors send the same issue again under another file name, or without a date (so it would be
published on the day it arrived): publishing it again would put the same articles twice in the
feed and announce it twice. So before a read issue is stored it is compared with the paper's
stored issues (the pipeline fetches them; nothing here does I/O):

- an issue stored under the same id is left to the store, which keeps identical content and
  replaces changed content (a corrected file of the same date);
- an issue whose articles are the same as a stored issue's (titles and text, spaces and
  punctuation aside) is that issue: nothing is stored, made or announced;
- an undated issue whose articles mostly match one stored issue's (at least half of the larger
  issue's, each the same text, or the same title with text still much alike) is that issue's
  correction: it takes its id and date.

Everything else is a new issue.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tingbao.paper.model import Article, Issue

# Spaces, punctuation and symbols: what a re-export, OCR or a re-typed line changes most.
_NOT_WORD = re.compile(r"[\W_]+")
MOSTLY = 0.5  # share of a stored issue's articles an undated correction must still hold
ALIKE = 0.6  # text similarity at which an article under the same title is the same article

Kind = Literal["as-read", "same", "correction"]


@dataclass(frozen=True)
class Verdict:
    """What a read issue is: stored as read (new, or its own id's correction), the same as a
    stored issue (nothing to do), or the correction of a stored issue (take its id)."""

    kind: Kind
    stored: Issue | None = None
    share: float = 0.0  # of the articles the two have in common (shared_share)


def fold(text: str) -> str:
    """Return text without spaces and punctuation, lower-cased."""
    return _NOT_WORD.sub("", text).lower()


def fingerprint(article: Article) -> tuple[str, str]:
    """Return an article's folded title and folded text (kicker, subtitle, headings, body)."""
    parts = [article.kicker or "", article.subtitle or ""]
    for section in article.sections:
        parts.append(section.heading or "")
        parts.extend(section.paragraphs)
    return fold(article.title), fold("".join(parts))


def same_articles(issue: Issue, stored: Issue) -> bool:
    """Return whether two issues hold the same articles (order, ids and spacing aside)."""
    if not issue.articles:
        return False
    return Counter(map(fingerprint, issue.articles)) == Counter(map(fingerprint, stored.articles))


def _alike(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= ALIKE and matcher.ratio() >= ALIKE


def shared_share(issue: Issue, stored: Issue) -> float:
    """Return the share of articles the two issues have in common (of the larger one's): an
    article of the stored issue counts when the read one has the same text, or the same title
    with text still much alike (a corrected paragraph)."""
    if not stored.articles or not issue.articles:
        return 0.0
    read = [fingerprint(a) for a in issue.articles]
    texts = {text for _, text in read}
    found = 0
    for title, text in map(fingerprint, stored.articles):
        if (text and text in texts) or any(
            title == other_title and _alike(text, other_text) for other_title, other_text in read
        ):
            found += 1
    return found / max(len(stored.articles), len(issue.articles))


def judge(issue: Issue, undated: bool, stored: Sequence[Issue]) -> Verdict:
    """Return what a read issue is, given the paper's stored issues (pure)."""
    candidates = [s for s in stored if s.paper == issue.paper]
    if any(s.id == issue.id for s in candidates):
        return Verdict("as-read")
    same = [s for s in candidates if same_articles(issue, s)]
    if same:
        first = min(same, key=lambda s: (s.published, s.id))  # the one published first
        return Verdict("same", first, 1.0)
    if not undated:
        return Verdict("as-read")
    scored = [(shared_share(issue, s), s) for s in candidates]
    best = max(scored, key=lambda pair: (pair[0], pair[1].published, pair[1].id), default=None)
    if best is None or best[0] < MOSTLY:
        return Verdict("as-read")
    return Verdict("correction", best[1], best[0])
