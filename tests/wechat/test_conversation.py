"""The conversation's pure parts: numbers said or typed, what a message asks, and a list cut to
WeChat's reply limit."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import build_issue
from tingbao.chat.papers import Papers
from tingbao.paper.settings import PaperSettings
from tingbao.wechat.conversation import (
    TEXT_LIMIT_BYTES,
    Conversation,
    ConversationDeps,
    cleaned,
    fitted,
    intent_in,
    number_in,
)


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("1", 1),
        ("12", 12),
        ("第2篇", 2),
        ("第 3 篇", 3),
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("5号", 5),
        ("一二三", None),
        ("1a", None),
        ("", None),
        ("第一期", None),
        ("2020", None),
    ],
)
def test_numbers_typed_or_said(said: str, number: int | None) -> None:
    assert number_in(said) == number


def test_speech_recognition_punctuation_is_dropped() -> None:
    assert cleaned(" 最新一期。") == "最新一期"
    assert cleaned("第二篇！") == "第二篇"
    assert cleaned("慢？") == "慢"


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("目录", "latest"),
        ("本期", "latest"),
        ("最新一期", "latest"),
        ("地址在哪", "hotline"),
        ("电话多少", "hotline"),
        ("投稿", "hotline"),
        ("往期", "archive"),
        ("收听整期", "listen"),
        ("换报纸", "paper"),
        ("帮助", "help"),
        ("垃圾分类新规定", None),
    ],
)
def test_what_a_message_asks(said: str, intent: str | None) -> None:
    assert intent_in(said) == intent


def test_a_long_issue_is_cut_to_the_limit_with_a_link_to_the_rest() -> None:
    titles = tuple(
        f"第{n}篇：虹桥镇社区居委会开展夏季消防安全检查和垃圾分类宣传活动" for n in range(40)
    )
    issue = build_issue(published=date(2021, 3, 1), titles=titles)
    deps = ConversationDeps(
        Papers((PaperSettings(),)),
        None,
        None,
        None,
        lambda p: "https://news.example.org/" + p,  # type: ignore[arg-type]
    )
    text = Conversation(deps).issue_list(issue, PaperSettings())
    assert len(text.encode()) <= TEXT_LIMIT_BYTES
    assert "1. <a href=" in text and "40. <a href=" not in text
    assert f'https://news.example.org/issues/{issue.id}.html">看全部40篇</a>' in text
    assert text.endswith("回复数字收听，比如：1")


def test_a_short_list_is_whole() -> None:
    assert fitted(["头"], ["a", "b"], ["尾"], "更多") == "头\na\nb\n尾"
