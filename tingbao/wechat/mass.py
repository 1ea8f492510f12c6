"""The mass send (群发) of each new issue to every follower: verified accounts only.

Delivery: at most once per issue, as far as WeChat keeps its word. The pipeline queues a row per
new issue (`queue_mass_send`; a correction, or a second replica, adds nothing). A sender claims
the row in one UPDATE (pending → sending, due again at the end of its lease), uploads the cover
thumbnail and the 图文, and calls sendall with clientmsgid = the issue id. A sender that crashes
after the claim leaves the row 'sending'; once the lease is over another sender takes it and
calls sendall with the same clientmsgid, which WeChat refuses with 45065 when the first call got
through: that counts as sent (WeChat keeps a clientmsgid for 24 hours, far longer than a lease).
Over the quota (订阅号: once a day; 服务号: four a month per follower: 45028, or 45009 for the
daily API calls), retried too soon (45066), or WeChat away, the row goes back to pending with
the error and is tried again an hour later; an error WeChat will repeat (not verified, bad
media) marks it failed. Either is one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from PIL import Image, ImageOps
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tingbao.chat.papers import Papers
from tingbao.chat.render import shorten
from tingbao.feeds.cover import COVER_RGB
from tingbao.feeds.view import COVER_IMAGE
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.errors import PublishError
from tingbao.publish.paths import article_page, issue_page
from tingbao.publish.publisher import Publisher
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.wechat.errors import (
    AlreadySentError,
    InvalidTokenError,
    QuotaError,
    WechatError,
    WechatUnreachableError,
)
from tingbao.wechat.tables import MassSendRow

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
LEASE_S = 300  # a row 'sending' longer than this was left by a sender that crashed
RETRY_AFTER_S = 3600  # over the quota, or WeChat away: try again this much later
MAX_ARTICLES = 8  # WeChat's limit for one 图文 message
THUMB_SIZE = (200, 200)  # a small news picture
THUMB_MAX_BYTES = 64 * 1024  # WeChat's limit for a thumb
Cover = Callable[[PaperSettings], bytes | None]


class MassApi(Protocol):
    """What a mass send needs of the API (WechatApi has it)."""

    def upload_thumb(self, name: str, image: bytes) -> str: ...

    def upload_news(self, articles: list[dict[str, Any]]) -> str: ...

    def send_all(self, media_id: str, clientmsgid: str) -> str: ...


def queue_mass_send(db: Database, issue_id: str, paper_slug: str, clock: Clock = utc_now) -> bool:
    """Ask for a new issue to be mass-sent; return False if it already was asked for."""
    now = clock()
    try:
        with db.session() as session:
            if session.get(MassSendRow, issue_id) is not None:
                return False
            session.add(
                MassSendRow(
                    issue_id=issue_id,
                    paper=paper_slug,
                    state=PENDING,
                    msg_id="",
                    error="",
                    due_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:  # another process asked at the same moment
        return False
    return True


def send_pending(
    db: Database,
    api: MassApi,
    issues: IssueStore,
    papers: Papers,
    page_url: Callable[[str], str],
    cover: Cover | None = None,
    clock: Clock = utc_now,
    crash_point: Callable[[str], None] | None = None,
) -> int:
    """Mass-send every due issue, each claimed first; return how many WeChat accepted.

    page_url turns a path under public/ into its public URL; cover returns a paper's cover
    image (None: a plain one is made); crash_point (crash tests: worker/faults.py) is passed
    "wechat.sent" once WeChat accepted a send, before it is recorded."""
    sent = 0
    for issue_id in _due(db, clock):
        if not _claim(db, issue_id, clock):
            continue  # another sender took it
        sent += _send(db, api, issues, papers, page_url, cover, issue_id, clock, crash_point)
    return sent


async def mass_send_loop(
    send: Callable[[], int], stop: asyncio.Event, interval_s: float = 60.0
) -> None:
    """Call send (send_pending with its arguments bound) in a thread every interval_s until
    stop is set; a database that is away is one log line, and the next round tries again."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(send)
        except SQLAlchemyError as exc:
            log.warning("mass send skipped a round: the database is away (%s)", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


def _due(db: Database, clock: Clock) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(MassSendRow.issue_id)
                .where(MassSendRow.state.in_((PENDING, SENDING)), MassSendRow.due_at <= clock())
                .order_by(MassSendRow.due_at)
            )
        )


def _claim(db: Database, issue_id: str, clock: Clock) -> bool:
    """Take the row for one lease in one UPDATE; False when another sender has it."""
    now = clock()
    with db.session() as session:
        claimed = session.execute(
            update(MassSendRow)
            .where(
                MassSendRow.issue_id == issue_id,
                MassSendRow.state.in_((PENDING, SENDING)),
                MassSendRow.due_at <= now,
            )
            .values(state=SENDING, due_at=now + timedelta(seconds=LEASE_S), updated_at=now)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _finish(
    db: Database, issue_id: str, clock: Clock, state: str, msg_id: str = "", error: str = ""
) -> None:
    now = clock()
    due = now + timedelta(seconds=RETRY_AFTER_S)
    with db.session() as session:
        session.execute(
            update(MassSendRow)
            .where(MassSendRow.issue_id == issue_id)
            .values(state=state, msg_id=msg_id, error=error[:200], due_at=due, updated_at=now)
        )


def _send(
    db: Database,
    api: MassApi,
    issues: IssueStore,
    papers: Papers,
    page_url: Callable[[str], str],
    cover: Cover | None,
    issue_id: str,
    clock: Clock,
    crash_point: Callable[[str], None] | None = None,
) -> int:
    """Send one claimed issue; record the outcome; return 1 if WeChat accepted it now."""
    issue = issues.find_issue(issue_id)
    if issue is None:
        _finish(db, issue_id, clock, FAILED, error="the issue is no longer in the store")
        log.warning("mass send of %s dropped: the issue is no longer in the store", issue_id)
        return 0
    paper = papers.of(issue.paper)
    try:
        thumb = api.upload_thumb("cover.jpg", thumb_image(cover(paper) if cover else None))
        media_id = api.upload_news(news_articles(issue, papers, page_url, thumb))
        msg_id = api.send_all(media_id, clientmsgid=issue.id)
    except AlreadySentError as exc:
        _finish(db, issue_id, clock, SENT, msg_id=exc.msg_id)
        log.info("mass send of %s was made already (msg_id %s)", issue_id, exc.msg_id or "?")
        return 0
    except (QuotaError, InvalidTokenError, WechatUnreachableError) as exc:
        _finish(db, issue_id, clock, PENDING, error=str(exc))
        log.warning("mass send of %s waits for a later try: %s", issue_id, exc)
        return 0
    except WechatError as exc:
        _finish(db, issue_id, clock, FAILED, error=str(exc))
        log.error("mass send of %s failed: %s", issue_id, exc)
        return 0
    if crash_point is not None:
        crash_point("wechat.sent")
    _finish(db, issue_id, clock, SENT, msg_id=msg_id)
    log.info("mass send of %s made (msg_id %s)", issue_id, msg_id)
    return 1


def news_articles(
    issue: Issue, papers: Papers, page_url: Callable[[str], str], thumb_media_id: str
) -> list[dict[str, Any]]:
    """Return the 图文 of an issue: one card per article, at most eight (more: seven, and the
    issue's page as the eighth)."""

    def card(title: str, digest: str, path: str) -> dict[str, Any]:
        url = page_url(papers.page(issue.paper, path))
        content = (
            f"<p>{html.escape(digest)}</p>"
            f'<p><a href="{html.escape(url)}">点这里收听全文</a>（或点“阅读原文”）</p>'
        )
        return {
            "thumb_media_id": thumb_media_id,
            "title": shorten(title, 64),
            "digest": shorten(digest, 120),
            "content": content,
            "content_source_url": url,
            "show_cover_pic": 0,
        }

    def article_card(article: Article) -> dict[str, Any]:
        return card(article.title, article.summary.strip(), article_page(article.id))

    articles = issue.articles
    if len(articles) <= MAX_ARTICLES:
        return [article_card(a) for a in articles]
    cards = [article_card(a) for a in articles[: MAX_ARTICLES - 1]]
    rest = f"{issue.title}：本期共{len(articles)}篇，点开收听全部文章。"
    cards.append(card(f"{issue.title} 全部{len(articles)}篇", rest, issue_page(issue.id)))
    return cards


def thumb_image(cover: bytes | None) -> bytes:
    """Return a news thumbnail: the cover cut to 200×200 as a JPG under 64 KB, or a plain one
    in the masthead's red when there is no cover or it cannot be read."""
    image: Image.Image = Image.new("RGB", THUMB_SIZE, COVER_RGB)
    if cover:
        try:
            with Image.open(io.BytesIO(cover)) as opened:
                image = ImageOps.fit(opened.convert("RGB"), THUMB_SIZE)
        except (OSError, ValueError, Image.DecompressionBombError):
            log.warning("the cover image cannot be read; a plain thumbnail is sent")
    for quality in (85, 70, 50, 30):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= THUMB_MAX_BYTES:
            break
    return out.getvalue()


def published_cover(publisher: Publisher, papers: Papers) -> Cover:
    """Return what reads a paper's cover as the site publishes it (static/cover.png, written
    when no cover URL is configured); None when it is not there."""

    def read(paper: PaperSettings) -> bytes | None:
        path = papers.page(paper.slug, COVER_IMAGE)
        try:
            return publisher.read_bytes(path) if publisher.exists(path) else None
        except PublishError as exc:
            log.warning("the cover cannot be read (%s); a plain thumbnail is sent", exc)
            return None

    return read
