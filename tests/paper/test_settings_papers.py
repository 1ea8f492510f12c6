"""TINGBAO_PAPERS: the [[papers]] tables of a TOML file, checked, each refusal one line naming the
file and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import PaperSettings, paper_from_table, read_papers_file

GOOD = """
[[papers]]
slug = "jinhongqiao"
name = "金虹桥"
hotline = "021-64059791"
email = "jinhongqiao@163.com"

[[papers]]
slug = "xinzhuang"
name = "莘庄"
hotline = "021-54881234"
email = "xinzhuang@example.cn"
description = "莘庄镇的社区报"
cover = "https://news.example.org/xinzhuang.png"
author = "莘庄镇宣传办"
category = "Government"
voice = "zh-CN-YunxiNeural"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "papers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_each_paper_its_identity(tmp_path: Path) -> None:
    first, second = (paper_from_table(t) for t in read_papers_file(write(tmp_path, GOOD)))
    assert first == PaperSettings(
        slug="jinhongqiao",
        name="金虹桥",
        description="社区报《金虹桥》：每期文章、语音朗读和新闻热线。",
        author="金虹桥编辑部",
        hotline="021-64059791",
        email="jinhongqiao@163.com",
    )
    assert (second.description, second.author, second.category) == (
        "莘庄镇的社区报",
        "莘庄镇宣传办",
        "Government",
    )
    assert second.image_url == "https://news.example.org/xinzhuang.png"


BAD = [
    ("[[papers]\nslug = 'a'", "not valid TOML"),
    ("[paper]\nslug = 'a'", "describe each paper in its own [[papers]] table"),
    (GOOD.replace('slug = "xinzhuang"', 'slug = "jinhongqiao"'), "'jinhongqiao' is used twice"),
    (GOOD.replace('slug = "xinzhuang"', 'slug = "Xin Zhuang"'), "lowercase letters, digits and -"),
    (GOOD.replace('slug = "xinzhuang"', 'slug = "static"'), "a folder name tingbao uses"),
    (GOOD.replace('email = "xinzhuang@example.cn"', ""), 'paper 2: add email = "…"'),
    (GOOD.replace('voice = "zh-CN-YunxiNeural"', "colour = 'red'"), "unknown key 'colour'"),
    (GOOD.replace('category = "Government"', "category = 3"), "category must be text"),
]


@pytest.mark.parametrize(("text", "says"), BAD)
def test_a_bad_file_is_one_line_naming_the_file_and_the_fix(
    tmp_path: Path, text: str, says: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        read_papers_file(path)
    message = str(caught.value)
    assert message.startswith(f"TINGBAO_PAPERS={path}: ") and says in message
    assert "\n" not in message


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"papers.toml: cannot read it"):
        read_papers_file(tmp_path / "papers.toml")
