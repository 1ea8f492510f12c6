"""ID3 chapters: any number of chapters, listed by tables of at most 255 entries each."""

from __future__ import annotations

import io
from typing import Any

import mutagen.id3
import pytest

from tingbao.audio.tags import MAX_TOC_ENTRIES, TagInfo, tag_mp3, toc_tree
from tingbao.audio.transcript import Chapter

_id3: Any = mutagen.id3
INFO = TagInfo("金虹桥 2021年7月2日", "金虹桥", "金虹桥编辑部", "2021-07-02")


def chapters(count: int) -> list[Chapter]:
    return [Chapter(n * 2.0, n * 2.0 + 2.0, f"第{n + 1}篇") for n in range(count)]


def read_tags(tagged: bytes) -> Any:
    return _id3.ID3(io.BytesIO(tagged))


def chapters_in_order(tags: Any) -> list[str]:
    """Walk the tables of contents from the top-level one, as a player does."""
    tocs = {frame.element_id: frame for frame in tags.getall("CTOC")}
    [top] = [t for t in tocs.values() if t.flags & _id3.CTOCFlags.TOP_LEVEL]

    def walk(element_id: str) -> list[str]:
        if element_id in tocs:
            return [c for child in tocs[element_id].child_element_ids for c in walk(child)]
        return [tags[f"CHAP:{element_id}"].sub_frames["TIT2"].text[0]]

    return walk(top.element_id)


@pytest.mark.parametrize("count", [1, 255, 256, 600])
def test_every_chapter_is_listed_in_order(count: int) -> None:
    tagged = tag_mp3(b"\xff\xfb\x90\x00" * 10, INFO, count * 2.0, chapters(count))
    tags = read_tags(tagged)
    assert chapters_in_order(tags) == [f"第{n + 1}篇" for n in range(count)]
    assert all(len(t.child_element_ids) <= MAX_TOC_ENTRIES for t in tags.getall("CTOC"))
    assert len(tags.getall("CHAP")) == count


def test_a_long_list_nests_tables_two_levels_deep_when_needed() -> None:
    ids = [f"ch{n}" for n in range(10)]
    tables = toc_tree(ids, per_table=3)
    top = [t for t in tables if t[2]]
    assert tables[0] == top[0] and top[0][0] == "toc"
    assert all(len(children) <= 3 for _, children, _ in tables)
    tree = {name: children for name, children, _ in tables}

    def walk(name: str) -> list[str]:
        return [c for child in tree[name] for c in walk(child)] if name in tree else [name]

    assert walk("toc") == ids


def test_tags_are_deterministic_and_absent_without_chapters() -> None:
    frames = b"\xff\xfb\x90\x00" * 10
    assert tag_mp3(frames, INFO, 700.0, chapters(300)) == tag_mp3(
        frames, INFO, 700.0, chapters(300)
    )
    assert read_tags(tag_mp3(frames, INFO, 1.0)).getall("CTOC") == []
