"""The newsroom's contact, as every chat channel gives it: the latest issue's closing box, with
the paper's settings filling what the box does not say."""

from __future__ import annotations

from tingbao.chat.papers import Papers
from tingbao.paper.model import Contact
from tingbao.paper.settings import PaperSettings
from tingbao.store.issues import IssueStore


def newsroom_contact(store: IssueStore, papers: Papers, paper: PaperSettings) -> Contact:
    """Return a paper's newsroom contact: its latest issue's box, settings filling the gaps."""
    issue = store.latest_issue(paper=papers.issue_filter(paper))
    found = issue.contact if issue is not None else Contact()
    return Contact(
        hotline=found.hotline or paper.hotline,
        email=found.email or paper.email,
        address=found.address,
        editors=found.editors,
    )
