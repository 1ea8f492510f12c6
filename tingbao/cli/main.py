"""The `tingbao` command line: parse, ingest, list and show issues, build, run the services.

Entry points only wire: each command loads settings, builds what it needs and calls one function.
`main` is the composition root: it reads the process environment once (worker/settings.py).
Bad input ends with exit status 1 and one line on stderr that names the file and the problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tingbao.chinese.characters import printable
from tingbao.cli.speech import add_speech_commands
from tingbao.paper.errors import InputError, NotFoundError, PaperError, SettingsError
from tingbao.worker.errors import LeadershipError

# Each command imports the parts it uses when it runs (`parse` reads; `run` needs everything), and
# `main` the settings: `tingbao --help` and `tingbao parse` do not pay for the bot, the audio
# engines and the database, nor does a spawned audio worker, which imports this module again (the
# `tingbao` script imports it, and a spawned process runs its parent's main script first).
if TYPE_CHECKING:
    from tingbao.reading.reader import ReadResult
    from tingbao.worker.settings import Settings

    Command = Callable[[argparse.Namespace, Settings], int]

# What onnxruntime (OCR, the neural voice) reads from the environment as it loads (FACTS.md).
ONNX_ENVIRONMENT = {"ORT_DISABLE_TELEMETRY": "1"}

log = logging.getLogger("tingbao")
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


class CliError(Exception):
    """A command failed in a way the user can fix; the message is the one line to print."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2020-07-30") from None


def _layout_file(value: str) -> Path:
    path = Path(value)
    if path.suffix.lower() not in (".png", ".pdf"):
        raise argparse.ArgumentTypeError(f"{value!r}: the layout picture is a .png or a .pdf")
    return path


def _read(path: Path, settings: Settings, published: date | None, paper: str | None) -> ReadResult:
    """Read a file for the CLI as an issue of the paper --paper names (or the only one):
    refusals become one CliError line, warnings go to stderr."""
    from tingbao.reading.dates import today
    from tingbao.reading.reader import read_issue

    chosen = settings.paper_named(paper)
    shown = printable(str(path))  # a newline in a file name must not start a forged line
    try:
        # A file without a date is published on the day it is read: today, in the paper's zone.
        result = read_issue(
            path,
            chosen,
            settings.reading,
            published,
            received=today(),
            days_ahead=settings.max_days_ahead,
        )
    except InputError as exc:
        raise CliError(f"{shown}: {exc}") from None
    for warning in result.warnings:
        print(f"warning: {shown}: {warning}", file=sys.stderr)
    return result


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.paper.model import issue_to_dict

    path = Path(args.file)
    result = _read(path, settings, args.published, args.paper)
    data = issue_to_dict(result.issue)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_issue(data)
    if args.layout is not None:
        _write_layout(path, result, args.layout)
    return 0


def _write_layout(path: Path, result: ReadResult, out: Path) -> None:
    """Draw what was understood on each page into OUT.png (OUT-1.png … for several) or OUT.pdf."""
    from tingbao.publish.publisher import atomic_write_bytes
    from tingbao.reading.picture import picture_paths, render_pdf, render_png

    layout = result.layout
    if layout is None or not layout.pages:
        name = layout.name if layout is not None else "this file"
        print(
            f"note: {printable(str(path))}: {name} has no page layout to draw; "
            f"{printable(str(out))} not written",
            file=sys.stderr,
        )
        return
    # A photo or scan is drawn under its page; PDFs (and anything Pillow cannot open) are not.
    background = path.read_bytes() if layout.pages[0].source == "ocr" else None
    try:
        if out.suffix.lower() == ".pdf":
            atomic_write_bytes(out, render_pdf(layout.pages, layout.regions, background=background))
            written = [out]
        else:
            pictures = render_png(layout.pages, layout.regions, background=background)
            written = picture_paths(out, len(pictures))
            for target, picture in zip(written, pictures, strict=True):
                atomic_write_bytes(target, picture)
    except OSError as exc:
        raise CliError(f"{out}: cannot write the layout picture: {exc.strerror}") from None
    print(f"layout: {', '.join(str(p) for p in written)}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.context import open_context
    from tingbao.paper.model import with_issue_id
    from tingbao.worker.pipeline import correction_warning, judged

    path = Path(args.file)
    result = _read(path, settings, args.published, args.paper)
    with open_context(settings) as ctx:
        verdict = judged(ctx.issues, result)  # content, not names: nothing stored twice
        if verdict.kind == "same" and verdict.stored is not None:
            print(f"{verdict.stored.id}: the same articles are stored already; nothing stored")
            return 0
        issue = result.issue
        if verdict.kind == "correction" and verdict.stored is not None:
            print(f"warning: {path.name}: {correction_warning(verdict)}", file=sys.stderr)
            issue = with_issue_id(issue, verdict.stored)
        saved = ctx.issues.save_issue(issue, path.name)
    words = {"new": "stored", "unchanged": "unchanged", "updated": "updated"}
    print(f"{saved.issue.id}: {words[saved.status]} ({len(saved.issue.articles)} articles)")
    return 0


def cmd_issues(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.context import open_context

    with open_context(settings) as ctx:
        rows = ctx.issues.list_issues()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "title": r.title,
                        "published": r.published.isoformat(),
                        "articles": r.article_count,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("no issues yet: drop a file into the inbox or run `tingbao ingest FILE`")
    for row in rows:
        print(
            f"{row.id}  {row.published.isoformat()}  {row.article_count:>3} articles  {row.title}"
        )
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.context import open_context
    from tingbao.paper.model import issue_to_dict

    with open_context(settings) as ctx:
        try:
            issue = ctx.issues.get_issue(args.issue)
        except NotFoundError as exc:
            raise CliError(str(exc)) from None
    data = issue_to_dict(issue)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_issue(data)
    return 0


def _print_issue(data: dict[str, object]) -> None:
    head = data["issue"]
    articles = data["articles"]
    contact = data["contact"]
    assert isinstance(head, dict) and isinstance(articles, list) and isinstance(contact, dict)
    print(f"{head['title']}  ({head['id']}, published {head['published']})")
    for number, article in enumerate(articles, 1):
        kicker = f"[{article['kicker']}] " if article.get("kicker") else ""
        paragraphs = sum(len(s["paragraphs"]) for s in article["sections"])
        print(
            f"  {number}. {kicker}{article['title']}  ({article['kind']}, {paragraphs} paragraphs)"
        )
        for section in article["sections"]:
            if section["heading"]:
                print(f"       - {section['heading']}")
    print(f"  hotline: {contact.get('hotline') or '-'}   e-mail: {contact.get('email') or '-'}")
    print(f"  address: {contact.get('address') or '-'}")
    print(f"  editors: {', '.join(contact.get('editors') or []) or '-'}")


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.run import run_once

    if args.paper is not None:
        settings = settings.only(settings.paper_named(args.paper))
    report = asyncio.run(run_once(settings, inbox=False))
    return 1 if report.audio_failed else 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.run import run_forever, run_once

    if args.once:
        report = asyncio.run(run_once(settings))
        return 1 if report.audio_failed else 0
    asyncio.run(run_forever(settings, serve=False, bot=False))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.context import bucket_notice
    from tingbao.cli.run import run_forever

    samples = SAMPLES_DIR if args.demo else None
    if samples is not None and not samples.is_dir():
        raise CliError(f"--demo needs the samples folder {samples}: run it from the project")
    notice = bucket_notice(settings)
    if notice is not None:
        print(f"tingbao: {notice}", flush=True)
    else:
        print(f"tingbao: site and feeds at {settings.feeds.url('')} (Ctrl-C stops)", flush=True)
    asyncio.run(run_forever(settings, serve=notice is None, bot=True, demo_samples=samples))
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.check import check

    ok, checks = check(settings, voices=not args.no_voice, bot=not args.no_bot)
    for item in checks:
        mark = "ok  " if item.ok else ("FAIL" if item.required else "warn")
        print(f"{mark} {item.name}: {item.detail}")
    print("healthy" if ok else "unhealthy")
    return 0 if ok else 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.context import bucket_notice
    from tingbao.feeds.server import serve_public

    notice = bucket_notice(settings)
    if notice is not None:  # the bucket (or its CDN) serves the site; nothing to serve here
        print(f"tingbao: {notice}", flush=True)
        return 0
    print(f"tingbao: serving {settings.public_dir} at {settings.feeds.url('')}", flush=True)
    serve_public(settings.feeds, settings.public_dir)
    return 0


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.bot.app import drain_once, run_bot
    from tingbao.bot.errors import BotUnavailableError
    from tingbao.cli.context import open_context
    from tingbao.cli.services import bot_neighbours, bot_stores, build_bot

    webhook = settings.bot.webhook
    if args.webhook and webhook is None and settings.bot.telegram_token is not None:
        raise CliError(
            "bot --webhook needs TELEGRAM_WEBHOOK_URL: the https address Telegram calls,"
            " routed to this process (e.g. https://news.example.org/telegram)"
        )
    with open_context(settings) as ctx:
        if not args.once:
            app = build_bot(settings, ctx.db, ctx.publisher)
            return 0 if run_bot(app, webhook if args.webhook else None) else 1
        try:
            neighbours = bot_neighbours(settings, ctx.publisher)
            once = asyncio.run(drain_once(settings.bot, bot_stores(settings, ctx.db), neighbours))
        except BotUnavailableError as exc:
            raise CliError(f"bot: {exc}") from None
    if once is None:
        return 1
    report = once.outbox
    print(f"outbox: {report.summary()}")
    if once.channel is not None:
        print(f"channel: {once.channel.summary()}")
    if report.stopped:
        raise CliError("bot: Telegram stopped answering; the rest waits in the outbox")
    return 0


def cmd_wechat(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.wechat import run_wechat, set_wechat_menu
    from tingbao.wechat.errors import WechatError

    wechat = settings.wechat
    if not wechat.on:
        raise CliError(
            "wechat is off: set WECHAT_TOKEN to the token entered in 公众平台 → 设置与开发 → "
            "基本配置 → 服务器配置"
        )
    if wechat.missing():
        raise CliError(f"wechat needs {', '.join(wechat.missing())} (see README, WeChat)")
    try:
        if args.menu:
            set_wechat_menu(settings)
            print("wechat: menu set (最新一期 · 收听整期 · 新闻热线)")
            return 0
        asyncio.run(run_wechat(settings))
    except ValueError as exc:
        raise CliError(f"wechat: {exc}") from None
    except WechatError as exc:
        raise CliError(f"wechat: {exc}") from None
    except OSError as exc:
        raise CliError(
            f"wechat: cannot listen on {wechat.listen_host}:{wechat.listen_port} ({exc.strerror}); "
            "set TINGBAO_WECHAT_PORT to a free port"
        ) from None
    return 0


PAPER_HELP = "the paper's slug in TINGBAO_PAPERS (needed when several papers are configured)"


def cmd_phone(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.cli.phone import run_phone
    from tingbao.phone.errors import LineError

    if not settings.phone.enabled:
        raise CliError("the phone line is off: set TINGBAO_SIP_SERVER to the registrar's host:port")
    try:
        asyncio.run(run_phone(settings))
    except LineError as exc:
        raise CliError(f"phone: {exc}") from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tingbao", description="听报: a paper as feeds, audio, pages and a bot"
    )
    parser.add_argument(
        "--data-dir", help="database, public/ and inbox (default: TINGBAO_DATA_DIR or ./data)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="print what a file holds; stores nothing")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON (the shape in DESIGN.md)")
    p.add_argument(
        "--published", type=_date, help="publication date YYYY-MM-DD (default: from the file)"
    )
    p.add_argument("--paper", metavar="SLUG", help=PAPER_HELP)
    p.add_argument(
        "--layout",
        type=_layout_file,
        metavar="OUT.png",
        help="draw what was read where on each page (PDFs, scans, photos): "
        "OUT.png (OUT-1.png … for several pages) or one OUT.pdf",
    )
    p.set_defaults(handler=cmd_parse)

    p = sub.add_parser("ingest", help="parse a file and store the issue")
    p.add_argument("file")
    p.add_argument("--published", type=_date, help="publication date YYYY-MM-DD")
    p.add_argument("--paper", metavar="SLUG", help=PAPER_HELP)
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("issues", help="list stored issues, newest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_issues)

    p = sub.add_parser("show", help="show one stored issue")
    p.add_argument("issue", help="issue id, as `tingbao issues` lists it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("build", help="make missing audio and rebuild feeds and pages")
    p.add_argument("--paper", metavar="SLUG", help="only this paper (default: every paper)")
    p.set_defaults(handler=cmd_build)

    p = sub.add_parser("worker", help="watch the inbox and keep every stage up to date")
    p.add_argument("--once", action="store_true", help="do one pass and exit")
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("run", help="worker, web server and bot in one process")
    p.add_argument("--demo", action="store_true", help="put the project's samples in the inbox")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("check", help="health check: exit 0 when healthy")
    p.add_argument("--no-voice", action="store_true", help="skip the voice engine probes")
    p.add_argument(
        "--no-bot",
        action="store_true",
        help="skip the chat probes (Telegram getMe, the WeChat access token)",
    )
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("serve", help="serve public/ over HTTP (with Range support)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("bot", help="run the Telegram bot (polling, unless --webhook)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="send the due outbox messages and exit")
    mode.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates at TELEGRAM_WEBHOOK_URL (behind a proxy) instead of polling",
    )
    p.set_defaults(handler=cmd_bot)

    p = sub.add_parser("phone", help="answer the telephone line (TINGBAO_SIP_SERVER)")
    p.set_defaults(handler=cmd_phone)

    p = sub.add_parser("wechat", help="answer the WeChat official account (WECHAT_TOKEN)")
    p.add_argument(
        "--menu", action="store_true", help="set the account's menu and exit (verified accounts)"
    )
    p.set_defaults(handler=cmd_wechat)
    add_speech_commands(sub.add_parser)
    return parser


def main(
    argv: Sequence[str] | None = None, *, adjust: Callable[[Settings], Settings] | None = None
) -> int:
    """Run the command line; return the exit status. `adjust` changes the settings loaded from
    the environment before any command sees them (tests hand in an extra input format)."""
    args = build_parser().parse_args(argv)  # exits here for --help and for bad arguments
    from tingbao.bot.settings import ptb_environment
    from tingbao.cli.redaction import redact_secrets
    from tingbao.worker.settings import load_settings

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic, imported only once a command opens the database (after this), announces its
    # plugins at INFO as it loads; imported first, as before, those lines went nowhere.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        # python-telegram-bot reads PTB_TIMEDELTA itself: export it before any bot starts.
        os.environ.update(ptb_environment(os.environ))
        # onnxruntime (OCR, the neural voice) phones home as it loads unless this is set; the
        # voice's and the reader's child processes inherit it.
        os.environ.update(ONNX_ENVIRONMENT)
        settings = load_settings(os.environ, data_dir=args.data_dir)
        if adjust is not None:
            settings = adjust(settings)
        redact_secrets(settings)
        handler: Command = args.handler
        return handler(args, settings)
    except SettingsError as exc:  # a PaperError, said as a setting
        print(f"tingbao: bad setting: {exc}", file=sys.stderr)
        return 1
    except (CliError, LeadershipError, PaperError) as exc:
        print(f"tingbao: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
