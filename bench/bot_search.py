"""Benchmark article search over a 500-issue archive (about 10 articles each).

Builds the archive from the sample issue's sentences, shuffled and varied with community-news
topics (a few rare phrases among them), stores it through IssueStore.save_issue (which indexes
each issue), then measures: ingest time, the time to build the index from scratch over the stored
articles (what an older database does once), the database size, and search latency p50/p95
(IssueStore.search: a ranked page of 10 and the total count) over 1-, 2-, 3- and 4-character and
two-word queries, common and rare.

    .venv/bin/python bench/bot_search.py [--issues 500] [--articles 10] [--rounds 20]

`measure_search(...)` returns the numbers for bench/bot.py.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from tests.conftest import SAMPLE_TXT
from tingbao.paper.model import Article, Contact, Issue, Section, make_article_id, make_issue_id
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.store.search_index import rebuild_search_index

TOPICS = (
    "加装电梯",
    "垃圾分类",
    "老年助餐",
    "防汛防台",
    "志愿者服务",
    "旧区改造",
    "家庭医生",
    "文明城区创建",
    "社区食堂",
    "消防安全",
    "疫情防控",
    "党建引领",
    "停车难",
    "非机动车充电",
    "睦邻点",
)
RARE = ("无人机表演", "古银杏树", "智能水表", "桥牌比赛")  # each in a handful of articles
QUERIES = {
    "1 char": ("镇", "梯", "餐"),
    "2 chars": ("虹桥", "电梯", "银杏"),
    "3 chars": ("志愿者", "居委会", "无人机"),
    "4 chars": ("垃圾分类", "文明城区", "桥牌比赛"),
    "two words": ("虹桥 垃圾分类", "电梯 老人", "智能水表 居民"),
}
SENTENCE = re.compile(r"[^。！？]+[。！？]")


def sample_sentences() -> list[str]:
    """Return the sentences of the sample issue's body text (longer lines only)."""
    lines = [line for line in SAMPLE_TXT.read_text(encoding="utf-8").splitlines() if len(line) > 40]
    return [s for line in lines for s in SENTENCE.findall(line)]


def make_article(issue_id: str, n: int, rng: random.Random, sentences: list[str]) -> Article:
    """Return an article of shuffled sample sentences about a topic, now and then a rare one."""
    topic = rng.choice(TOPICS)
    picked = rng.sample(sentences, k=min(len(sentences), rng.randint(12, 30)))
    if rng.random() < 0.3:
        picked.insert(rng.randrange(len(picked)), f"居民们说，{topic}让老人生活更方便。")
    if rng.random() < 0.002 * len(RARE):
        picked.insert(rng.randrange(len(picked)), f"本周还有{rng.choice(RARE)}，欢迎参加。")
    lead = picked[0].split("，")[0][:14]
    title = f"{topic}：{lead}（{n + 1}）"
    paragraphs = tuple("".join(picked[i : i + 4]) for i in range(0, len(picked), 4))
    return Article(
        id=make_article_id(issue_id, title),
        title=title,
        sections=(Section(None, paragraphs[:2]), Section(f"{topic}进展", paragraphs[2:])),
    )


def build_archive(issues: int, articles: int, seed: int = 7) -> list[Issue]:
    """Return weekly issues, newest last."""
    rng = random.Random(seed)
    sentences = sample_sentences()
    first = date(2020, 7, 30) - timedelta(days=7 * (issues - 1))
    archive = []
    for k in range(issues):
        published = first + timedelta(days=7 * k)
        issue_id = make_issue_id("jinhongqiao", published)
        archive.append(
            Issue(
                id=issue_id,
                paper="jinhongqiao",
                title=f"金虹桥 {published.year}年{published.month}月{published.day}日",
                published=published,
                articles=tuple(make_article(issue_id, n, rng, sentences) for n in range(articles)),
                contact=Contact(hotline="021-64059791"),
            )
        )
    return archive


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rebuild_index(db: Database) -> float:
    """Drop the index and build it again from the stored articles; return the seconds it took."""
    t0 = time.perf_counter()
    rebuild_search_index(db)
    return time.perf_counter() - t0


def time_queries(store: IssueStore, queries: tuple[str, ...], rounds: int) -> list[float]:
    """Return the seconds each search took (a page of 10 and the total), every query `rounds`
    times."""
    latencies = []
    for _ in range(rounds):
        for query in queries:
            t0 = time.perf_counter()
            store.search(query, limit=10)
            latencies.append(time.perf_counter() - t0)
    return latencies


def measure_search(
    issues: int = 500, articles: int = 10, rounds: int = 20, verbose: bool = False
) -> dict[str, float]:
    """Build the archive in a temporary database and return the search numbers (ms, s, MB)."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = Database(f"sqlite:///{db_path}")
        create_schema(db)
        store = IssueStore(db)
        archive = build_archive(issues, articles)
        t0 = time.perf_counter()
        for issue in archive:
            store.save_issue(issue)
        ingest_s = time.perf_counter() - t0
        index_s = rebuild_index(db)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        size_mb = db_path.stat().st_size / 1e6
        results: dict[str, float] = {
            "issues": float(issues),
            "articles": float(issues * articles),
            "ingest_s": ingest_s,
            "index_build_s": index_s,
            "db_mb": size_mb,
        }
        all_latencies: list[float] = []
        time_queries(store, tuple(q for qs in QUERIES.values() for q in qs), 1)  # warm the cache
        for kind, queries in QUERIES.items():
            latencies = time_queries(store, queries, rounds)
            all_latencies += latencies
            key = kind.replace(" ", "_")
            results[f"search_{key}_p50_ms"] = statistics.median(latencies) * 1000
            results[f"search_{key}_p95_ms"] = percentile(latencies, 95) * 1000
            if verbose:
                totals = ", ".join(f"{q}={store.search(q, limit=1).total}" for q in queries)
                print(f"  {kind:9s} matches: {totals}")
        results["search_p50_ms"] = statistics.median(all_latencies) * 1000
        results["search_p95_ms"] = percentile(all_latencies, 95) * 1000
        results["search_max_ms"] = max(all_latencies) * 1000
        db.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=500)
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"archive: {args.issues} issues x {args.articles} articles")
    results = measure_search(args.issues, args.articles, args.rounds, verbose=True)
    for key, value in results.items():
        print(f"{key:28s} {value:10.2f}")
    verdict = "under" if results["search_p95_ms"] < 50 else "OVER"
    print(f"search p95 {results['search_p95_ms']:.1f} ms: {verdict} the 50 ms goal")


if __name__ == "__main__":
    main()
