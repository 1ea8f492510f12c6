"""The WeChat API calls a verified account makes, over wechatpy's client, with one shared token.

The access token lasts two hours, and a new one invalidates the old one for every replica, so it
is fetched by one holder at a time (a lease in the database) from the stable-token endpoint and
kept in wechat_tokens, where every replica reads it. It is renewed ahead of its expiry (in the
last five minutes WeChat already hands out the next one, and both are accepted). A call refused
with an invalid token (40001) has the token renewed once, by force, and is made again.

Synchronous (wechatpy uses requests): the async endpoint calls it through asyncio.to_thread.
The AppSecret and the token never reach a log line or an exception: the secret travels in a POST
body only, the token in the query string, and urllib3's DEBUG line of each request URL has it
masked; a failed request is reported by its call name, never its URL.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from tingbao.chat.leases import give_back_lease, take_lease
from tingbao.paper.errors import SettingsError
from tingbao.store.clock import Clock, utc, utc_now
from tingbao.store.engine import Database
from tingbao.wechat.errors import (
    InvalidTokenError,
    WechatError,
    WechatUnreachableError,
    api_error,
)
from tingbao.wechat.settings import WechatSettings
from tingbao.wechat.tables import AccessTokenRow

log = logging.getLogger(__name__)
T = TypeVar("T")

REFRESH_AHEAD_S = 300  # WeChat hands out the next token in the old one's last five minutes
FETCH_LEASE_S = 30.0  # one holder fetches; a crashed holder's lease lapses this soon
FETCH_WAIT_S = 10.0  # how long a replica waits for the holder before fetching itself
TIMEOUT_S = 10.0


class _MaskTokens(logging.Filter):
    """Mask access_token=… in urllib3's DEBUG line of each request URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _mask(a) if isinstance(a, str) and "access_token=" in a else a for a in record.args
            )
        return True


def _mask(text: str) -> str:
    head, _, tail = text.partition("access_token=")
    rest = tail.split("&", 1)
    return f"{head}access_token=***" + (f"&{rest[1]}" if len(rest) > 1 else "")


_MASK_FILTER = _MaskTokens()


def _mask_request_logs() -> None:
    """Install the mask on urllib3's request logger (once)."""
    logger = logging.getLogger("urllib3.connectionpool")
    if _MASK_FILTER not in logger.filters:
        logger.addFilter(_MASK_FILTER)


class _Client(WeChatClient):  # type: ignore[misc]
    """wechatpy's client on our base URL, using the token of the call being made."""

    def __init__(self, appid: str, base_url: str, timeout: float) -> None:
        super().__init__(appid, "", timeout=timeout, auto_retry=False)
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        self._local = threading.local()

    @property
    def access_token(self) -> str:
        return str(getattr(self._local, "token", ""))

    def use_token(self, token: str) -> None:
        """Make this thread's calls with token."""
        self._local.token = token

    def fetch_access_token(self) -> Any:
        """Never used: tokens come from WechatApi's shared store, retries are WechatApi's."""
        raise NotImplementedError


class WechatApi:
    """The account's API calls; `holder` names this process in the token's lease."""

    def __init__(
        self,
        settings: WechatSettings,
        db: Database,
        holder: str,
        clock: Clock = utc_now,
        timeout: float = TIMEOUT_S,
    ) -> None:
        if not settings.can_call_api or settings.secret is None:
            raise SettingsError(
                "WeChat API calls need WECHAT_VERIFIED=1, WECHAT_APPID and WECHAT_SECRET"
            )
        self.settings = settings
        self.db = db
        self.holder = holder
        self.clock = clock
        self.timeout = timeout
        self.client = _Client(settings.appid, settings.api_base_url, timeout)
        _mask_request_logs()

    # The shared token.

    def access_token(self) -> str:
        """Return a token valid for a few minutes more: the stored one, or a new one."""
        row = self._stored()
        if row is not None and self._fresh(row):
            return row[0]
        return self._refresh(stale=None)

    def _stored(self) -> tuple[str, datetime] | None:
        with self.db.session() as session:
            row = session.get(AccessTokenRow, self.settings.appid)
            if row is None or not row.token:
                return None
            return row.token, utc(row.expires_at)

    def _fresh(self, row: tuple[str, datetime]) -> bool:
        return row[1] - self.clock() > timedelta(seconds=REFRESH_AHEAD_S)

    def _usable(self, row: tuple[str, datetime] | None, stale: str | None) -> bool:
        """Return whether a stored token can be used instead of fetching one: fresh, or (after
        stale was refused) another one still valid that another replica stored since."""
        if row is None:
            return False
        if stale is None:
            return self._fresh(row)
        return row[0] != stale and row[1] > self.clock()

    def _refresh(self, stale: str | None) -> str:
        """Fetch a token as the one holder (by force when stale was refused), store and return
        it; while another holder fetches, wait for its token instead."""
        lease = f"wechat-token:{self.settings.appid}"
        deadline = time.monotonic() + FETCH_WAIT_S
        held = take_lease(self.db, lease, self.holder, FETCH_LEASE_S, self.clock)
        while not held and time.monotonic() < deadline:
            time.sleep(0.05)
            row = self._stored()
            if self._usable(row, stale):
                assert row is not None
                return row[0]
            held = take_lease(self.db, lease, self.holder, FETCH_LEASE_S, self.clock)
        # Past the wait a stuck holder is bypassed: the stable-token endpoint hands every
        # caller the same token, so a second fetch costs nothing.
        try:
            row = self._stored()
            if self._usable(row, stale):
                assert row is not None
                return row[0]
            token, expires_in = self._fetch(force=stale is not None)
            self._store(token, expires_in)
            log.info("WeChat access token renewed (valid %d s)", expires_in)
            return token
        finally:
            if held:
                give_back_lease(self.db, lease, self.holder, self.clock)

    def _fetch(self, force: bool) -> tuple[str, int]:
        """POST the stable-token endpoint (the secret in the body, never in a URL)."""
        assert self.settings.secret is not None
        body = {
            "grant_type": "client_credential",
            "appid": self.settings.appid,
            "secret": self.settings.secret.get(),
            "force_refresh": force,
        }
        url = f"{self.settings.api_base_url}/cgi-bin/stable_token"
        try:
            response = self.client._http.post(url, json=body, timeout=self.timeout)
        except OSError as exc:  # requests' errors are OSErrors; their text holds the URL
            raise self._unreachable("stable_token", exc) from None
        if response.status_code != 200:
            raise WechatUnreachableError("stable_token", None, f"HTTP {response.status_code}")
        try:
            result = response.json()
        except ValueError:
            raise WechatUnreachableError("stable_token", None, "the answer is not JSON") from None
        if not isinstance(result, dict) or result.get("errcode"):
            answer = result if isinstance(result, dict) else {}
            raise api_error(
                "stable_token", int(answer.get("errcode", -1)), str(answer.get("errmsg", ""))
            )
        return str(result["access_token"]), int(result.get("expires_in", 7200))

    def _store(self, token: str, expires_in: int) -> None:
        """Keep the token in wechat_tokens for every replica (one row per AppID)."""
        values = {
            "token": token,
            "expires_at": self.clock() + timedelta(seconds=expires_in),
            "holder": self.holder,
        }
        appid = self.settings.appid
        with self.db.session() as session:
            done = session.execute(
                update(AccessTokenRow).where(AccessTokenRow.appid == appid).values(**values)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                return
        try:
            with self.db.session() as session:
                session.add(AccessTokenRow(appid=appid, **values))
        except IntegrityError:  # another replica made the row at the same moment
            with self.db.session() as session:
                session.execute(
                    update(AccessTokenRow).where(AccessTokenRow.appid == appid).values(**values)
                )

    # Calls.

    def call(self, name: str, make: Callable[[_Client], T]) -> T:
        """Make one API call with the shared token; on 40001 renew it once and call again."""
        stale: str | None = None
        while True:
            token = self.access_token() if stale is None else self._refresh(stale)
            self.client.use_token(token)
            try:
                return make(self.client)
            except WeChatClientException as exc:
                error = self._error(name, exc)
            except OSError as exc:
                raise self._unreachable(name, exc) from None
            if isinstance(error, InvalidTokenError) and stale is None:
                log.info("WeChat refused the access token (%s); renewing it once", error.errcode)
                stale = token
                continue
            raise error

    def _error(self, name: str, exc: Any) -> WechatError:
        if exc.errcode is None:
            status = getattr(exc.response, "status_code", "no answer")
            return WechatUnreachableError(name, None, f"HTTP {status}")
        msg_id = ""
        with contextlib.suppress(AttributeError, ValueError):  # 45065 carries the earlier send's
            msg_id = str(exc.response.json().get("msg_id", ""))
        return api_error(name, int(exc.errcode), str(exc.errmsg), msg_id)

    def _unreachable(self, name: str, exc: OSError) -> WechatUnreachableError:
        reason = f"{type(exc).__name__}: {self.settings.api_base_url} did not answer"
        return WechatUnreachableError(name, None, reason)

    def send_text(self, openid: str, text: str) -> None:
        """Send a customer-service text message (within 48 h of the follower's message)."""
        self.call("message/custom/send", lambda c: c.message.send_text(openid, text))

    def send_news(
        self, openid: str, title: str, description: str, url: str, picurl: str = ""
    ) -> None:
        """Send a customer-service 图文 card: title, first lines, picture, link."""
        article = {"title": title, "description": description, "url": url, "picurl": picurl}
        self.call("message/custom/send", lambda c: c.message.send_articles(openid, [article]))

    def set_menu(self, buttons: Sequence[dict[str, Any]]) -> None:
        """Replace the account's custom menu."""
        self.call("menu/create", lambda c: c.menu.create({"button": list(buttons)}))

    def upload_thumb(self, name: str, image: bytes) -> str:
        """Upload a news card's thumbnail (JPG, at most 64 KB); return its media id."""
        result = self.call("media/upload", lambda c: c.media.upload("thumb", (name, image)))
        return str(result.get("thumb_media_id") or result["media_id"])

    def upload_news(self, articles: Sequence[dict[str, Any]]) -> str:
        """Upload the 图文 of a mass send (at most 8 articles); return its media id."""
        result = self.call("media/uploadnews", lambda c: c.media.upload_articles(list(articles)))
        return str(result["media_id"])

    def send_all(self, media_id: str, clientmsgid: str) -> str:
        """Mass-send the uploaded 图文 to every follower; return WeChat's msg_id.

        clientmsgid makes it once: WeChat answers 45065 (AlreadySentError) to a repeat."""
        result = self.call(
            "message/mass/sendall",
            lambda c: c.message.send_mass_article(
                None, media_id, is_to_all=True, client_msg_id=clientmsgid
            ),
        )
        return str(result.get("msg_id", ""))
