"""The audio a line plays, and where it comes from: a Library the composition root hands in.

Telephone audio here is pyVoIP's format: 8 kHz, 8-bit unsigned, mono PCM (128 is silence).
A Library gives the issues on offer and, already converted, the audio of a reading and of a
prompt text. It is called from each call's thread, in the call's real-time path: it must only
look up what was prepared (the worker's phone_library.prepare renders and converts ahead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, get_args

from tingbao.paper.model import Issue
from tingbao.phone import prompts
from tingbao.phone.menu import IssueEntry, Prompt, PromptKind
from tingbao.phone.prompts import BACK_ISSUES

SAMPLE_RATE = 8000
SILENCE_BYTE = 0x80
FRAME_BYTES = 160  # 20 ms
FRAME_S = FRAME_BYTES / SAMPLE_RATE


class Library(Protocol):
    """The paper as the line offers it."""

    @property
    def paper_name(self) -> str:
        """Return the paper's name as said in the greeting (金虹桥)."""

    def issues(self) -> Sequence[Issue]:
        """Return the issues on offer, newest first (the newest and a few back issues)."""

    def hotline(self, issue: Issue) -> str | None:
        """Return the newsroom's number for this issue (its closing box, else the paper's)."""

    def audio(self, item_id: str, slow: bool) -> bytes:
        """Return the 8 kHz audio of an article or a whole issue, or raise MediaMissingError."""

    def prompt(self, text: str, slow: bool = False) -> bytes:
        """Return the 8 kHz audio of a prompt text, or raise MediaMissingError."""


def catalog(issues: Sequence[Issue]) -> tuple[IssueEntry, ...]:
    """Return what the menu needs of the issues on offer (the newest and BACK_ISSUES more)."""
    return tuple(
        IssueEntry(issue.id, issue.published, tuple(a.id for a in issue.articles))
        for issue in issues[: BACK_ISSUES + 1]
    )


@dataclass(frozen=True)
class PromptText:
    """A prompt's words and whether it is read slowly."""

    text: str
    slow: bool = False


def prompt_text(
    prompt: Prompt, issues: Sequence[Issue], paper: str, hotline: str | None
) -> PromptText:
    """Return the words of a prompt about issues[prompt.issue] (the issues as offered)."""
    kind = prompt.kind
    if kind == "no_issue" or not issues:
        return PromptText(prompts.no_issue(paper))
    issue = issues[prompt.issue]
    if kind == "welcome":
        return PromptText(prompts.welcome(paper, issue.published, len(issue.articles)))
    if kind == "menu":
        titles = [a.title for a in issue.articles]
        return PromptText(prompts.menu(titles, has_back_issues=len(issues) > 1))
    if kind == "back":
        return PromptText(prompts.back_issues([i.published for i in issues[1:]]))
    if kind == "chosen":
        return PromptText(prompts.issue_chosen(issue.published, len(issue.articles)))
    if kind == "hotline":
        return PromptText(prompts.hotline(hotline), slow=True)
    if kind in ("slow", "normal"):
        return PromptText(prompts.speed(kind == "slow"))
    if kind == "no_article":
        return PromptText(prompts.no_article())
    if kind == "last":
        return PromptText(prompts.last_article())
    if kind == "no_audio":
        return PromptText(prompts.no_audio())
    return PromptText(prompts.goodbye())


def every_prompt(
    issues: Sequence[Issue], paper: str, hotline_of: Callable[[Issue], str | None]
) -> list[PromptText]:
    """Return every prompt a call may play with these issues (what to render ahead)."""
    offered = list(issues[: BACK_ISSUES + 1])
    kinds: tuple[PromptKind, ...] = get_args(PromptKind)  # every kind the menu may ask for
    seen: dict[PromptText, None] = {}
    for index in range(max(1, len(offered))):
        hotline = hotline_of(offered[index]) if offered else None
        for kind in kinds:
            seen[prompt_text(Prompt(kind, index), offered, paper, hotline)] = None
    return list(seen)
