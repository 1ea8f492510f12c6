"""Editors' lexicon rows on SQLite and PostgreSQL: add, change and remove entries, shipped ones
included; what the lexicon in force is; and a version that follows every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tingbao.chinese.lexicon import DEFAULT_ENTRIES, Entry, parse_reading
from tingbao.store.engine import Database
from tingbao.store.lexicon import LexiconStore

# Both databases, as tests/conftest.py's BOTH_DATABASES does for the modules it lists.
pytestmark = pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

AT = datetime(2020, 7, 30, 8, 0, tzinfo=UTC)
OWN = Entry("单晓明", "善晓明", "shan4 xiao3 ming2")


class Clock:
    """A clock that moves a minute each time it is read."""

    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def lexicon_store(db: Database) -> LexiconStore:
    return LexiconStore(db, clock=Clock())


def test_an_empty_store_gives_the_shipped_entries(lexicon_store: LexiconStore) -> None:
    assert lexicon_store.rows() == []
    lexicon = lexicon_store.lexicon()
    assert set(lexicon.entries()) == set(DEFAULT_ENTRIES)
    assert all(lexicon.is_default(e.word) for e in DEFAULT_ENTRIES)


def test_editors_add_change_and_remove_their_own_entries(lexicon_store: LexiconStore) -> None:
    lexicon_store.add(OWN, by="telegram:9001")
    [row] = lexicon_store.rows()
    assert (row.word, row.homophone, row.pinyin, row.removed) == (
        OWN.word,
        OWN.homophone,
        OWN.pinyin,
        False,
    )
    assert row.entry() == OWN and row.updated_by == "telegram:9001"
    assert row.updated_at == AT + timedelta(minutes=1)
    assert lexicon_store.lexicon().get(OWN.word) == OWN
    changed = parse_reading(OWN.word, "善小明")
    lexicon_store.add(changed, by=None)
    [row] = lexicon_store.rows()
    assert row.entry() == changed and row.updated_by is None
    assert lexicon_store.remove(OWN.word) is True
    assert lexicon_store.rows() == []  # an editor's own word leaves no row behind
    assert lexicon_store.remove(OWN.word) is False
    assert lexicon_store.lexicon().get(OWN.word) is None


def test_a_removed_shipped_entry_stays_removed_until_added_again(
    lexicon_store: LexiconStore,
) -> None:
    assert lexicon_store.remove("莘庄", by="cli") is True
    [tombstone] = lexicon_store.rows()
    assert tombstone.removed and tombstone.entry() is None and tombstone.updated_by == "cli"
    assert lexicon_store.lexicon().get("莘庄") is None
    assert lexicon_store.remove("莘庄") is False  # already out
    lexicon_store.add(Entry("莘庄", "心庄", "xin1 zhuang1"))
    lexicon = lexicon_store.lexicon()
    assert lexicon.get("莘庄") == Entry("莘庄", "心庄", "xin1 zhuang1")
    assert not lexicon.is_default("莘庄")


def test_a_changed_shipped_surname_stays_a_surname(lexicon_store: LexiconStore) -> None:
    lexicon_store.add(parse_reading("单", "dan1"), by="9001")
    lexicon = lexicon_store.lexicon()
    entry = lexicon.get("单")
    assert entry is not None and entry.context == "surname" and entry.pinyin == "dan1"
    assert [m.entry.word for m in lexicon.matches("单位的单先生")] == ["单"]
    assert lexicon_store.remove("单") is True  # changed, then removed: a tombstone
    assert lexicon_store.lexicon().get("单") is None
    assert [r.removed for r in lexicon_store.rows()] == [True]


def test_version_follows_every_change_of_a_reading(db: Database) -> None:
    store = LexiconStore(db, clock=Clock())
    seen = [store.version()]
    store.add(OWN)
    seen.append(store.version())
    store.add(parse_reading(OWN.word, "善小明"))
    seen.append(store.version())
    store.remove("颛桥")
    seen.append(store.version())
    store.remove(OWN.word)
    seen.append(store.version())
    assert len(set(seen)) == len(seen)
    assert all(len(v) == 16 for v in seen)
    store.add(parse_reading("颛桥", "专桥"))  # the shipped reading back, as a row
    assert store.version() not in seen
    again = store.version()
    store.add(parse_reading("颛桥", "专桥"), by="someone else")  # the same reading again
    assert store.version() == again
    # The shipped entries count too: a release that changes them changes the version.
    assert LexiconStore(db, defaults=DEFAULT_ENTRIES[1:]).version() != again


def test_rows_are_in_the_same_order_on_every_database(lexicon_store: LexiconStore) -> None:
    for word in ("闵行", "莘庄", "a单"):
        lexicon_store.remove(word)
    lexicon_store.add(OWN)
    assert [r.word for r in lexicon_store.rows()] == sorted(["闵行", "莘庄", OWN.word])
