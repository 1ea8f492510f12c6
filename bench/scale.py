"""Benchmark one deployment of many papers on PostgreSQL (issue 11, "Measure").

On a fresh PostgreSQL server (Debian's package, started as tests/pg.py does) and a papers TOML
file of N papers: stores N x issues x articles (realistic Chinese articles from the sample, as
bench/bot_search.py makes them) with stand-in audio (a few fake MP3 frames per article and per
issue, published through the LocalPublisher into public/<slug>/audio/ and recorded in the
AssetStore, so feeds have enclosures); rebuilds every paper's feeds and pages and the papers
index; adds one issue to one paper and rebuilds that paper only, checking by size and mtime that
no other paper's files changed; reports the database size; measures 最新一期 (latest_issue of a
paper) and search latency, each search query alone and then with 50 concurrent simulated bot
users (threads on one engine, with the bot's default pool of 5+10 connections and with one
connection per user; a statement_timeout, --timeout, bounds each query, and requests that time out
or find no pooled connection within 30 s are counted as failures); and measures outbox
throughput on PostgreSQL (bench/bot_replicas.py's replica process against the fake Bot API,
unpaced) to estimate the wall time of a 100,000-subscriber broadcast at Telegram's free 30/s and
at the paid 1000/s.

    .venv/bin/python bench/scale.py [--papers 200 --issues 24 --articles 8] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker

from bench.bot_replicas import run_replicas
from bench.bot_search import QUERIES, make_article, percentile, sample_sentences
from tests.bot.fake_api import FakeBotApi, ThreadedFakeBotApi
from tests.pg import running_postgres
from tingbao.bot.settings import ptb_environment
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.chat.tables import SENT, OutboxRow
from tingbao.feeds.build import build_papers_index, build_public
from tingbao.paper.model import Contact, Issue, make_issue_id
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import ARTICLE_MP3, ISSUE_MP3, Asset, AssetStore
from tingbao.store.engine import Database, driver_url
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import Settings, load_settings

os.environ.update(ptb_environment(os.environ))  # as the CLI does at start-up

TOWNS = ("虹桥", "七宝", "莘庄", "颛桥", "华漕", "梅陇", "吴泾", "马桥", "浦江", "江川")
LAST_ISSUE = date(2020, 7, 30)
FRAME = b"\xff\xfb\x90\x64" + bytes(413)  # one MPEG-1 Layer III frame header, 128 kbit/s
ARTICLE_S = 90.0  # stated duration of a stand-in article reading
SUBSCRIBERS = 100_000
FREE_RATE = 30.0  # Telegram: messages per second per bot
PAID_RATE = 1000.0  # allow_paid_broadcast
PAID_STARS = 0.1  # per message above the free rate
Row = tuple[str, str]


# --- the deployment -------------------------------------------------------------------------


def papers_toml(count: int) -> str:
    """Return a TINGBAO_PAPERS file of count papers."""
    tables = []
    for n in range(count):
        tables.append(
            "[[papers]]\n"
            f'slug = "town-{n:03d}"\n'
            f'name = "{TOWNS[n % len(TOWNS)]}{n:03d}"\n'
            f'hotline = "021-6405{n:04d}"\n'
            f'email = "town{n:03d}@example.cn"\n'
        )
    return "\n".join(tables)


def make_issue(
    paper: PaperSettings, published: date, articles: int, rng: random.Random, sentences: list[str]
) -> Issue:
    """Return one issue of a paper: `articles` articles of shuffled sample sentences."""
    issue_id = make_issue_id(paper.slug, published)
    return Issue(
        id=issue_id,
        paper=paper.slug,
        title=f"{paper.name} {published.year}年{published.month}月{published.day}日",
        published=published,
        articles=tuple(make_article(issue_id, n, rng, sentences) for n in range(articles)),
        contact=Contact(hotline=paper.hotline, email=paper.email),
    )


def stand_in_audio(
    issue: Issue, folder: str, publisher: LocalPublisher, assets: AssetStore
) -> None:
    """Publish fake MP3 bytes for every article and the whole issue, and record them (as the
    audio service does once a file is published)."""
    owners = [(a.id, ARTICLE_MP3, ARTICLE_S) for a in issue.articles]
    owners.append((issue.id, ISSUE_MP3, ARTICLE_S * len(issue.articles)))
    for owner, role, seconds in owners:
        path = f"{folder}audio/{issue.id}/{owner}.mp3"
        data = FRAME * 2 + owner.encode()
        publisher.write_bytes(path, data)
        assets.put(Asset(owner, issue.id, role, path, len(data), "audio/mpeg", seconds, "offline"))


def store_paper_issue(settings: Settings, paper: PaperSettings, issue: Issue, world: World) -> None:
    """Store an issue and its stand-in audio."""
    world.issues.save_issue(issue)
    stand_in_audio(issue, settings.public_folder(paper), world.publisher, world.assets)


class World:
    """The stores and the publisher of the benchmark's deployment."""

    def __init__(self, db: Database, public: Path) -> None:
        self.db = db
        self.issues = IssueStore(db)
        self.assets = AssetStore(db)
        self.publisher = LocalPublisher(public)


def build_sites(settings: Settings, world: World, papers: Sequence[PaperSettings]) -> int:
    """Build these papers' sites and the papers index, as the worker does; return files
    written."""
    written = 0
    for paper in papers:
        report = build_public(
            settings.feeds,
            paper,
            world.issues,
            world.assets,
            world.publisher,
            paper_folder=settings.public_folder(paper),
        )
        if report.missing_audio:
            raise RuntimeError(f"{paper.slug}: audio missing: {report.missing_audio[:3]}")
        written += len(report.written)
    return written + len(build_papers_index(settings.papers, world.publisher))


# --- files ----------------------------------------------------------------------------------

Snapshot = dict[str, tuple[int, int]]  # relpath -> (size, mtime_ns)


def snapshot(root: Path) -> Snapshot:
    """Return every file under root with its size and modification time."""
    found: Snapshot = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            stat = path.stat()
            found[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def owner_of(relpath: str) -> str:
    """Return the paper folder a public/ file belongs to, or "(top level)"."""
    head, _, rest = relpath.partition("/")
    return head if rest else "(top level)"


def changes(before: Snapshot, after: Snapshot) -> Counter[str]:
    """Return how many files were added, changed or removed, per paper folder."""
    touched = [p for p in after if before.get(p) != after[p]]
    touched += [p for p in before if p not in after]
    return Counter(owner_of(p) for p in touched)


def site_files(files: Snapshot) -> tuple[int, int, int, int]:
    """Return (feed and page files, their bytes, audio files, their bytes)."""
    audio = [size for path, (size, _) in files.items() if "/audio/" in path]
    site = [size for path, (size, _) in files.items() if "/audio/" not in path]
    return len(site), sum(site), len(audio), sum(audio)


# --- the database ---------------------------------------------------------------------------


class SizedPool(Database):
    """A Database whose engine keeps `size` connections (make_engine keeps 5, up to 15)."""

    def __init__(self, url: str, size: int) -> None:
        super().__init__(url)
        self.engine.dispose()
        self.engine = create_engine(
            driver_url(url), pool_pre_ping=True, pool_size=size, max_overflow=0
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)


def database_sizes(db: Database) -> dict[str, int]:
    """Return the database's size, its biggest tables' (with indexes and TOAST), the search
    index's (PostgreSQL: the GIN indexes on articles, search_index.py) and the size of the text
    it indexes (the articles' text and titles), in bytes."""
    with db.engine.connect() as connection:
        sizes = {"database": connection.scalar(text("SELECT pg_database_size(current_database())"))}
        for table in ("issues", "articles", "assets"):
            sizes[table] = connection.scalar(
                text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table}
            )
        sizes["search index"] = connection.scalar(
            text(
                "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index "
                "WHERE indexrelid::regclass::text LIKE 'article\\_search%'"
            )
        )
        sizes["text indexed"] = connection.scalar(
            text("SELECT sum(octet_length(text) + octet_length(title)) FROM articles")
        )
    return {k: int(v or 0) for k, v in sizes.items()}


# --- concurrent bot users -------------------------------------------------------------------


@dataclass
class Load:
    """What the simulated users saw: latencies of the requests that finished, and failures."""

    latest: list[float] = field(default_factory=list)
    search: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0


def user_load(
    db: Database,
    slugs: Sequence[str],
    users: int,
    rounds: int,
    seconds: float,
    every_paper: bool = False,
) -> Load:
    """Run `users` threads, each asking 最新一期 of a random paper then a search in a random
    paper (as the bot searches the paper a chat chose; every_paper: in all papers' articles,
    a random page of the first three), back to
    back (no think time: the worst case), `rounds` times or until `seconds` have passed; a
    request that waits too long for a pooled connection or runs past the database's
    statement_timeout counts as a failure."""
    store = IssueStore(db)
    queries = [q for qs in QUERIES.values() for q in qs]
    start = threading.Barrier(users)
    load = Load()
    lock = threading.Lock()

    def one_user(k: int) -> None:
        rng = random.Random(k)
        start.wait()
        deadline = time.perf_counter() + seconds
        for _ in range(rounds):
            if time.perf_counter() > deadline:
                return
            requests: tuple[tuple[str, Callable[[], object]], ...] = (
                ("latest", lambda: store.latest_issue(paper=rng.choice(slugs))),
                ("search", lambda: search_once(store, rng, queries, slugs, every_paper)),
            )
            for kind, request in requests:
                t0 = time.perf_counter()
                try:
                    request()
                except PoolTimeout:
                    failure = f"{kind}: no pooled connection within 30 s"
                except OperationalError as exc:
                    failure = f"{kind}: {type(exc.orig).__name__}"
                else:
                    with lock:
                        getattr(load, kind).append(time.perf_counter() - t0)
                    continue
                with lock:
                    load.failures[failure] += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(one_user, range(users)))
    load.wall_s = time.perf_counter() - t0
    return load


def search_once(
    store: IssueStore,
    rng: random.Random,
    queries: Sequence[str],
    slugs: Sequence[str],
    every_paper: bool,
) -> None:
    """One simulated user's search: a random query in a random paper, or in every paper's
    articles on a random one of the first three pages."""
    if every_paper:
        store.search(rng.choice(queries), limit=10, offset=10 * rng.randrange(3))
    else:
        store.search(rng.choice(queries), paper=rng.choice(slugs))


PAGES = {"first page": 0, "page 3": 20}


def search_alone(store: IssueStore, paper: str | None) -> dict[str, list[float]]:
    """Return the latency of each query of bench/bot_search.py in one paper's articles (None:
    every paper's), one at a time, per kind and page (the first, and the third)."""
    found: dict[str, list[float]] = {}
    for page, offset in PAGES.items():
        for kind, queries in QUERIES.items():
            for query in queries:
                t0 = time.perf_counter()
                with contextlib.suppress(OperationalError):  # past statement_timeout: that long
                    store.search(query, limit=10, offset=offset, paper=paper)
                found.setdefault(f"{kind}, {page}", []).append(time.perf_counter() - t0)
    return found


# --- the outbox -----------------------------------------------------------------------------


def outbox_rate(
    world: World,
    paper: PaperSettings,
    api: FakeBotApi,
    rows: int,
    replicas: int,
    concurrency: int,
    run_number: int,
) -> float:
    """Queue a new issue of `paper` to `rows` subscribers and drain it with `replicas` processes
    (bench/bot_replicas.py's, unpaced); return messages per second."""
    day = LAST_ISSUE + timedelta(days=700 + 7 * run_number)
    issue = make_issue(paper, day, 8, random.Random(day.toordinal()), sample_sentences())
    world.issues.save_issue(issue)
    SubscriberStore(world.db).add_many(list(range(1_000_000, 1_000_000 + rows)), paper=paper.slug)
    queued = enqueue_new_issue(world.db, issue.id)
    if queued != rows:
        raise RuntimeError(f"{queued} rows queued, not {rows}")
    elapsed = run_replicas(world.db.url, api.base_url, api.token, replicas, 0.0, concurrency)
    with world.db.session() as session:
        sent = (
            session.query(OutboxRow)
            .filter(OutboxRow.issue_id == issue.id, OutboxRow.state == SENT)
            .count()
        )
    if sent != rows:
        raise RuntimeError(f"{sent} of {rows} outbox rows sent")
    return rows / elapsed


# --- the run --------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f} ms" if values else "-"


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    t_all = time.perf_counter()

    def add(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"  {name}: {value}", flush=True)

    with (
        running_postgres(fsync=args.fsync, settings="-c max_connections=200") as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        server.admin('CREATE DATABASE "scale"')
        url = server.url("scale")
        papers_file = Path(tmp) / "papers.toml"
        papers_file.write_text(papers_toml(args.papers), encoding="utf-8")
        env = {
            "TINGBAO_PAPERS": str(papers_file),
            "DATABASE_URL": url,
            "TINGBAO_BASE_URL": "https://papers.example.org/",
        }
        settings = load_settings(env, data_dir=Path(tmp) / "data")
        papers = settings.papers
        db = Database(url)
        create_schema(db)
        world = World(db, settings.public_dir)
        add("papers x issues x articles", f"{len(papers)} x {args.issues} x {args.articles}")
        add("PostgreSQL fsync", "on" if args.fsync else "off (as the tests)")

        # Store every issue with stand-in audio, weekly, newest last.
        rng = random.Random(11)
        sentences = sample_sentences()
        first = LAST_ISSUE - timedelta(days=7 * (args.issues - 1))
        t0 = time.perf_counter()
        for paper in papers:
            for k in range(args.issues):
                issue = make_issue(
                    paper, first + timedelta(days=7 * k), args.articles, rng, sentences
                )
                store_paper_issue(settings, paper, issue, world)
        stored = time.perf_counter() - t0
        n_issues = len(papers) * args.issues
        add(
            "store issues + stand-in audio",
            f"{stored:.1f} s ({1000 * stored / n_issues:.1f} ms/issue)",
        )

        # Rebuild every paper's site.
        before = snapshot(settings.public_dir)
        t0 = time.perf_counter()
        written = build_sites(settings, world, papers)
        built = time.perf_counter() - t0
        files = snapshot(settings.public_dir)
        n_site, site_bytes, n_audio, audio_bytes = site_files(files)
        add("build all papers (first)", f"{built:.1f} s, {written} files written")
        add("feed + page files, bytes", f"{n_site} files, {mb(site_bytes)}")
        add("stand-in audio files, bytes", f"{n_audio} files, {mb(audio_bytes)}")
        per_paper = Counter(owner_of(p) for p in files if p not in before)
        add("files per paper site", f"{statistics.median(per_paper.values()):.0f} (median)")
        again = timed(lambda: build_sites(settings, world, papers))
        add("rebuild all papers (nothing new)", f"{again:.1f} s")

        # One new issue in one paper: only that paper's build.
        one = papers[len(papers) // 2]
        before = snapshot(settings.public_dir)
        time.sleep(0.01)  # a rewritten file gets a later mtime
        issue = make_issue(one, LAST_ISSUE + timedelta(days=7), args.articles, rng, sentences)
        stored_one = timed(lambda: store_paper_issue(settings, one, issue, world))
        built_one = timed(lambda: build_sites(settings, world, [one]))
        touched = changes(before, snapshot(settings.public_dir))
        add("one new issue: store + audio", f"{stored_one * 1000:.0f} ms")
        add("one new issue: rebuild its paper", f"{built_one:.2f} s ({one.slug})")
        others = {k: v for k, v in touched.items() if k != one.slug}
        verdict = "only that paper's" if not others else f"ALSO {dict(others)}"
        add("files changed after it", f"{touched[one.slug]} in {one.slug}; {verdict}")

        # Database size.
        sizes = database_sizes(db)
        add("database size", mb(sizes["database"]))
        tables = ", ".join(f"{k} {mb(v)}" for k, v in sizes.items() if k != "database")
        add("  of which (with indexes)", tables)

        # Bot users: each kind of search alone, then 50 at once, under a statement_timeout.
        server.admin(f"ALTER DATABASE scale SET statement_timeout = '{args.timeout}s'")
        db.engine.dispose()  # new connections take the timeout
        store = IssueStore(db)
        latest = [timed(lambda: store.latest_issue(paper=one.slug)) for _ in range(20)]
        add("1 user: latest issue", f"p50 {ms(latest, 50)}, p95 {ms(latest, 95)}")
        for scope, paper_slug in (("one paper", one.slug), ("all papers", None)):
            alone = search_alone(store, paper_slug)
            for kind, latencies in alone.items():
                each = ", ".join(f"{x * 1000:.0f}" for x in latencies)
                words = ", ".join(QUERIES[kind.split(",")[0]])
                add(f"1 user: search {scope}, {kind}", f"{each} ms ({words})")
            every = [x for latencies in alone.values() for x in latencies]
            add(f"1 user: search {scope}, every query", f"p50 {ms(every, 50)}, p95 {ms(every, 95)}")
        slugs = [p.slug for p in papers]
        for label, users_db, every_paper in (
            ("default pool 5+10", db, False),
            (f"pool {args.users}", SizedPool(url, args.users), False),
            (f"pool {args.users}", SizedPool(url, args.users), True),
        ):
            load = user_load(
                users_db, slugs, args.users, args.rounds, args.load_seconds, every_paper
            )
            done = len(load.latest) + len(load.search)
            head = f"{args.users} users, {label}"
            scope = "all papers, pages 1-3" if every_paper else "a paper"
            add(f"{head}: latest issue", f"p50 {ms(load.latest, 50)}, p95 {ms(load.latest, 95)}")
            add(
                f"{head}: search in {scope}",
                f"p50 {ms(load.search, 50)}, p95 {ms(load.search, 95)} ({len(load.search)} done)",
            )
            failed = ", ".join(f"{n} {what}" for what, n in load.failures.items()) or "none"
            add(f"{head}: throughput", f"{done / load.wall_s:.1f} requests/s; failed: {failed}")
            if users_db is not db:
                users_db.dispose()

        # The outbox on PostgreSQL against the fake Bot API, unpaced.
        with ThreadedFakeBotApi() as api:
            api.latency_s = args.latency
            best = 0.0
            for n, (replicas, concurrency) in enumerate(((1, 8), (1, 64), (2, 64))):
                rate = outbox_rate(world, one, api, args.outbox_rows, replicas, concurrency, n)
                best = max(best, rate)
                add(
                    f"outbox, {replicas} replica(s) x {concurrency} in flight",
                    f"{rate:.0f} msgs/s ({args.outbox_rows} rows, {args.latency * 1000:.0f} ms "
                    "Telegram latency)",
                )
        free = SUBSCRIBERS / FREE_RATE
        add(f"{SUBSCRIBERS:,} subscribers at 30/s (free)", f"{free / 60:.1f} min")
        paid_rate = min(PAID_RATE, best)
        stars = SUBSCRIBERS * (1 - FREE_RATE / PAID_RATE) * PAID_STARS
        add(
            f"{SUBSCRIBERS:,} subscribers at 1000/s (paid)",
            f"{SUBSCRIBERS / PAID_RATE:.0f} s at Telegram's limit, ~{stars:,.0f} Stars; "
            f"{SUBSCRIBERS / paid_rate:.0f} s at tingbao's best measured {best:.0f}/s",
        )
        bottleneck = "no" if best >= PAID_RATE else f"yes above {best:.0f}/s"
        add("tingbao the bottleneck?", f"at 30/s: no; at 1000/s: {bottleneck}")
        db.dispose()
    add("benchmark wall time", f"{time.perf_counter() - t_all:.0f} s")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--issues", type=int, default=24, help="issues per paper")
    parser.add_argument("--articles", type=int, default=8, help="articles per issue")
    parser.add_argument("--quick", action="store_true", help="20 papers, fewer rows")
    parser.add_argument("--users", type=int, default=50, help="concurrent bot users")
    parser.add_argument("--rounds", type=int, default=20, help="requests of each kind per user")
    parser.add_argument("--load-seconds", type=float, default=30.0, help="users stop after this")
    parser.add_argument("--timeout", type=int, default=10, help="statement_timeout (s)")
    parser.add_argument("--outbox-rows", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05, help="fake Telegram latency (s)")
    parser.add_argument("--fsync", action="store_true", help="durable commits (default: off)")
    args = parser.parse_args()
    if args.quick:
        args.papers = min(args.papers, 20)
        args.outbox_rows = min(args.outbox_rows, 1000)
    rows = run(args)
    width = max(len(name) for name, _ in rows)
    print()
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
