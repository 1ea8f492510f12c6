"""A paragraph with no sentence end still becomes lines and pieces of bounded size, in bounded
time, with nothing of its text lost."""

from __future__ import annotations

import time

from tingbao.audio.script import article_script
from tingbao.audio.text import group_pieces, lines_of, piece_text
from tingbao.paper.model import Article, Section

LIMIT = 1000


def test_a_run_on_paragraph_without_stops_or_commas_is_cut_into_bounded_lines() -> None:
    paragraph = "虹桥镇社区食堂开张居民排队品尝午餐" * 12_000  # 204,000 characters, no mark at all
    started = time.monotonic()
    lines = lines_of(paragraph, LIMIT)
    assert time.monotonic() - started < 10
    assert all(len(line.spoken) <= LIMIT for line in lines)
    assert "".join(line.spoken for line in lines) == paragraph  # nothing lost, nothing added
    pieces = group_pieces(lines, LIMIT)
    assert len(pieces) >= len(paragraph) // LIMIT
    assert max(len(piece_text(p)) for p in pieces) <= LIMIT


def test_a_long_comma_paragraph_is_cut_at_commas_and_keeps_its_printed_text() -> None:
    clause = "居民们在社区食堂排队，品尝新开张的午餐，2021年起老人八折，"
    paragraph = clause * 400  # ~12,000 characters, one sentence
    lines = lines_of(paragraph, LIMIT)
    assert all(len(line.spoken) <= LIMIT for line in lines)
    assert all(line.shown.endswith("，") for line in lines[:-1])  # cut after commas only
    assert "".join(line.shown for line in lines) == paragraph
    assert "二零二一年" in lines[0].spoken  # rewritten for speech piece by piece


def test_a_number_is_not_cut_in_two_where_the_printed_text_is_cut() -> None:
    paragraph = "甲" * (LIMIT - 3) + "12345" + "乙" * (5 * LIMIT)
    lines = lines_of(paragraph, LIMIT)
    assert any("12345" in line.shown for line in lines)


def test_an_article_of_one_huge_paragraph_makes_a_script_of_bounded_pieces() -> None:
    article = Article(
        id="a", title="社区食堂开张", sections=(Section(None, ("居民排队品尝午餐" * 5_000,)),)
    )
    script = article_script(article, LIMIT)
    sizes = [len(piece_text(p)) for part in script.parts for p in group_pieces(part.lines, LIMIT)]
    assert max(sizes) <= LIMIT and sum(sizes) >= 40_000
