"""The WeChat official account in a tingbao process: `tingbao wechat` (and `--menu`), and the
endpoint `tingbao run` serves when WECHAT_TOKEN is set.

The endpoint answers at /wechat on TINGBAO_WECHAT_LISTEN:TINGBAO_WECHAT_PORT (Caddy routes the
public https address there). A verified account (WECHAT_VERIFIED=1 with its AppID and AppSecret)
also mass-sends each new issue once, checked every inbox interval, and sends an answer that
missed WeChat's five seconds as a customer-service message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import dataclass
from functools import partial

from tingbao.chat.papers import Papers
from tingbao.cli.context import Context, open_context
from tingbao.feeds.http_guard import HttpListener
from tingbao.wechat.api import WechatApi
from tingbao.wechat.conversation import Answer, Conversation, ConversationDeps
from tingbao.wechat.endpoint import Endpoint
from tingbao.wechat.followers import AnsweredStore, FollowerStore
from tingbao.wechat.mass import mass_send_loop, published_cover, send_pending
from tingbao.wechat.menu import set_menu
from tingbao.wechat.replies import send_as_message
from tingbao.wechat.settings import PATH
from tingbao.wechat.wire import Incoming
from tingbao.worker.faults import Faults
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.wechat")


def holder_name() -> str:
    """Return this process's name as a token holder: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def wechat_api(ctx: Context) -> WechatApi | None:
    """Return the API client of a verified account, or None when it may not call the API."""
    settings = ctx.settings.wechat
    return WechatApi(settings, ctx.db, holder_name()) if settings.can_call_api else None


@dataclass
class WechatService:
    """The endpoint, and the API client of a verified account (None: not verified)."""

    endpoint: Endpoint
    api: WechatApi | None
    papers: Papers


def build_wechat(ctx: Context) -> WechatService:
    """Wire the endpoint to the store and, for a verified account, to the API."""
    settings = ctx.settings
    papers = Papers(settings.papers, folders=settings.per_paper)
    followers = FollowerStore(ctx.db)
    api = wechat_api(ctx)
    conversation = Conversation(
        ConversationDeps(
            papers=papers,
            store=ctx.issues,
            assets=ctx.assets,
            followers=followers,
            public_url=settings.feeds.url,
            verified=api is not None,
        )
    )
    late = None
    if api is not None:
        client = api

        async def late_answer(message: Incoming, answer: Answer) -> None:
            if await asyncio.to_thread(followers.may_message, message.sender):
                await asyncio.to_thread(send_as_message, client, message.sender, answer)

        late = late_answer
    endpoint = Endpoint(settings.wechat, conversation, AnsweredStore(ctx.db), late)
    return WechatService(endpoint, api, papers)


async def serve_wechat(ctx: Context, stop: asyncio.Event) -> None:
    """Answer WeChat at /wechat (and, verified, mass-send new issues) until stop is set.
    OSError when the port cannot be used."""
    settings = ctx.settings
    service = build_wechat(ctx)
    wechat = settings.wechat
    listener = HttpListener(service.endpoint.app(), wechat.listen_host, wechat.listen_port)
    await listener.start()
    log.info(
        "wechat: answering at http://%s:%d%s (%s mode%s)",
        wechat.listen_host,
        listener.port,
        PATH,
        "safe" if wechat.safe_mode else "plaintext",
        ", verified" if service.api is not None else "",
    )
    tasks: list[asyncio.Task[None]] = []
    if service.api is not None:
        send = partial(
            send_pending,
            ctx.db,
            service.api,
            ctx.issues,
            service.papers,
            settings.feeds.url,
            published_cover(ctx.publisher, service.papers),
            crash_point=Faults(settings.fault).crash_point,
        )
        tasks.append(asyncio.create_task(mass_send_loop(send, stop, settings.inbox_interval_s)))
    tasks.append(asyncio.create_task(_forget_old_answers(AnsweredStore(ctx.db), stop)))
    try:
        await stop.wait()
    finally:
        await listener.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _forget_old_answers(answered: AnsweredStore, stop: asyncio.Event) -> None:
    """Forget replies kept for WeChat's retries once a day old, every hour."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(answered.forget_old)
        except Exception:  # a periodic job's top level: the endpoint goes on
            log.exception("wechat: could not forget old answers")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 3600)


async def run_wechat(settings: Settings) -> None:
    """`tingbao wechat`: the endpoint alone, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        with open_context(settings) as ctx:
            await serve_wechat(ctx, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def set_wechat_menu(settings: Settings) -> None:
    """`tingbao wechat --menu`: set the account's custom menu (a verified account only)."""
    with open_context(settings) as ctx:
        api = wechat_api(ctx)
        if api is None:
            raise ValueError("the menu needs a verified account: WECHAT_VERIFIED=1")
        set_menu(api)
