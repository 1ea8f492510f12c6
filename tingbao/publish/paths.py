"""Where each published page lives under public/: the feeds part writes them, the bot and the
channel link to them (the bot may not import feeds), so the paths are written here, once."""

from __future__ import annotations


def article_page(article_id: str) -> str:
    """Return the public path of an article's page, with its player."""
    return f"articles/{article_id}.html"


def issue_page(issue_id: str) -> str:
    """Return the public path of an issue's page, with the whole-issue player."""
    return f"issues/{issue_id}.html"
