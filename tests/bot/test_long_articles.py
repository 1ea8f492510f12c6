"""A long article arrives as several messages, split at paragraph boundaries, buttons last."""

from __future__ import annotations

from tests.bot.conftest import StartBot
from tingbao.chat.render import tg_len
from tingbao.paper.model import Article, Issue, Section, make_article_id
from tingbao.store.issues import IssueStore


async def test_long_article_is_split(start_bot: StartBot, store: IssueStore) -> None:
    from tests.conftest import build_issue

    base = build_issue()
    paragraphs = tuple(f"第{n}段：虹桥镇<社区>&居民" + "推进垃圾分类工作。" * 40 for n in range(30))
    article = Article(make_article_id(base.id, "长文"), "长文", (Section("小标题", paragraphs),))
    issue = Issue(base.id, base.paper, base.title, base.published, (article,), base.contact)
    store.save_issue(issue)
    parts = await (await start_bot()).chat().press(f"art:{article.id}", expect=3, settle=0.3)
    assert len(parts) >= 3
    assert all(tg_len(p.text) <= 4096 for p in parts)
    assert all(p.buttons() == [] for p in parts[:-1]) and parts[-1].buttons()
    joined = "\n\n".join(p.text for p in parts)
    assert joined.count("&lt;社区&gt;&amp;居民") == 30
    positions = [joined.index(f"第{n}段") for n in range(30)]
    assert positions == sorted(positions)
    for part in parts:  # every message starts at a paragraph
        assert part.text.startswith(("<b>", "第"))
