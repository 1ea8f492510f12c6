"""Which stored issue a read issue is, by content alone (duplicates.judge), table-tested."""

from __future__ import annotations

from datetime import date

import pytest

from tingbao.paper.model import Article, Issue, Section
from tingbao.worker.duplicates import fold, judge, same_articles, shared_share

A = ("社区食堂开张", "虹桥镇第一家社区食堂开张，每天供应午餐，老人八折。")
B = ("消夏活动开始", "社区消夏活动开始，活动持续一个月，欢迎居民参加。")
C = ("口袋公园开放", "虹梅路旁的口袋公园建成开放，新增绿地一千二百平方米。")
D = ("反诈宣传进菜场", "镇派出所民警走进菜市场，向摊主和居民讲解常见骗局。")


def issue(issue_id: str, *articles: tuple[str, str], paper: str = "jhq") -> Issue:
    return Issue(
        id=issue_id,
        paper=paper,
        title=issue_id,
        published=date(2021, 7, 2),
        articles=tuple(
            Article(id=f"{issue_id}-{n}", title=t, sections=(Section(None, (p,)),))
            for n, (t, p) in enumerate(articles)
        ),
    )


STORED = issue("jhq-2021-07-02", A, B, C)
OTHER = issue("jhq-2021-06-02", D)


@pytest.mark.parametrize(
    ("read", "undated", "kind", "stored_id"),
    [
        # The same id: the store decides (unchanged, or a correction replacing it).
        (issue("jhq-2021-07-02", A), False, "as-read", None),
        # The same articles under another date or undated: that issue, whatever the order.
        (issue("jhq-2021-07-09", C, A, B), False, "same", "jhq-2021-07-02"),
        (issue("jhq-2026-12-08-ab12cd34", A, B, C), True, "same", "jhq-2021-07-02"),
        # Spacing and punctuation aside ("，" read as ","): still the same.
        (issue("x", A, B, (C[0] + " ", C[1].replace("，", ","))), True, "same", "jhq-2021-07-02"),
        # One article more or less is not the same issue.
        (issue("jhq-2021-07-09", A, B), False, "as-read", None),
        # Undated and mostly the same (one paragraph corrected, one title changed): a correction.
        (
            issue("u", A, ("消夏活动今起开始", B[1]), (C[0], C[1] + "周末开放。")),
            True,
            "correction",
            "jhq-2021-07-02",
        ),
        # Dated and mostly the same: an issue of its own date.
        (issue("jhq-2021-07-16", A, B, D), False, "as-read", None),
        # Undated, sharing a third only: new.
        (issue("u", A, D, ("新闻", "另一件事。")), True, "as-read", None),
        # Another paper's issue is never compared.
        (issue("u", A, B, C, paper="other"), True, "as-read", None),
    ],
)
def test_judge(read: Issue, undated: bool, kind: str, stored_id: str | None) -> None:
    verdict = judge(read, undated, [OTHER, STORED])
    assert (verdict.kind, verdict.stored.id if verdict.stored else None) == (kind, stored_id)


def test_the_earliest_of_identical_issues_is_named() -> None:
    later = issue("jhq-2021-07-09", A, B, C)
    later = Issue(**{**later.__dict__, "published": date(2021, 7, 9)})
    verdict = judge(issue("u", A, B, C), True, [later, STORED])
    assert verdict.stored is STORED


@pytest.mark.parametrize(
    ("text", "folded"),
    [("虹桥 镇，食堂。", "虹桥镇食堂"), ("E-mail: A@B.cn", "emailabcn"), ("—— 副题 ——", "副题")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_shares() -> None:
    assert shared_share(issue("u", A, B), STORED) == pytest.approx(2 / 3)
    assert shared_share(issue("u", A, B, C, D), STORED) == pytest.approx(3 / 4)
    assert shared_share(issue("u"), STORED) == 0.0
    assert not same_articles(issue("u"), issue("v"))  # two empty issues are not one
