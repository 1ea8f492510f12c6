"""A database URL in messages and logs: shown without its password, and every form of the
password found for redaction (written, percent-decoded, split by a raw @)."""

from __future__ import annotations

import pytest

from tingbao.store.urls import (
    database_passwords,
    raw_at_in_login,
    redacted,
    shown_database_url,
)


@pytest.mark.parametrize(
    ("url", "shown", "passwords"),
    [
        (
            "postgresql+psycopg://ed:pw1@db:5432/paper",
            "postgresql+psycopg://ed:***@db:5432/paper",
            ("pw1",),
        ),
        (
            "postgresql://ed:p%40ss@db/paper?sslmode=require",
            "postgresql://ed:***@db/paper",
            ("p%40ss", "p@ss"),
        ),
        ("postgresql://ed@db/paper?password=pw2", "postgresql://ed@db/paper", ()),  # query left out
        ("postgresql://db/paper", "postgresql://db/paper", ()),
        ("sqlite:////srv/data/tingbao.db", "sqlite:////srv/data/tingbao.db", ()),
        ("nonsense:pw3", "(not shown: it is no URL)", ()),
    ],
)
def test_a_url_is_shown_without_its_password(
    url: str, shown: str, passwords: tuple[str, ...]
) -> None:
    assert shown_database_url(url) == shown
    assert database_passwords(url) == passwords


def test_a_raw_at_in_the_password_is_found_and_all_of_it_redacted() -> None:
    url = "postgresql://ed:hun@ter2@127.0.0.1/paper"
    assert raw_at_in_login(url) and not raw_at_in_login("postgresql://ed:x@db/paper")
    assert database_passwords(url) == ("hun@ter2",)
    assert shown_database_url(url) == "postgresql://ed:***@127.0.0.1/paper"
    said = "failed to resolve host 'ter2@127.0.0.1' for hun"
    assert redacted(said, url) == "failed to resolve host '***@127.0.0.1' for ***"
