"""What /stats shows of the line: calls per day and the most listened articles (a read-only
query the bot's admin command calls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tingbao.chinese.dates import month_day
from tingbao.phone.tables import PhoneCallRow, PhoneListenRow
from tingbao.store.engine import Database
from tingbao.store.issues import ArticleRow, IssueRow


@dataclass(frozen=True)
class DayCalls:
    """Calls on one day (UTC) and how many different callers made them."""

    day: date
    calls: int
    callers: int


@dataclass(frozen=True)
class TopItem:
    """An article or whole issue and how many calls chose it."""

    item_id: str
    title: str
    calls: int


@dataclass(frozen=True)
class PhoneStats:
    """The line's numbers over the last `days` days."""

    days: tuple[DayCalls, ...]
    top: tuple[TopItem, ...]

    @property
    def total_calls(self) -> int:
        """Return the number of calls over the period."""
        return sum(d.calls for d in self.days)


def stats_lines(stats: PhoneStats, days: int = 7) -> list[str]:
    """Return the line's numbers as /stats shows them to editors (nothing without calls)."""
    if not stats.total_calls:
        return []
    lines = [f"电话热线（近{days}天）：共{stats.total_calls}通"]
    lines += [f"{month_day(d.day)}：{d.calls}通，{d.callers}位来电者" for d in stats.days]
    lines += [
        f"最常收听：{n}. {item.title}（{item.calls}次）" for n, item in enumerate(stats.top, 1)
    ]
    return lines


def phone_stats(
    db: Database, days: int = 7, top: int = 5, now: datetime | None = None
) -> PhoneStats:
    """Return calls per day (newest first, days with calls only) and the most chosen items."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    with db.session() as session:
        rows = session.execute(
            select(PhoneCallRow.started_at, PhoneCallRow.caller_hash).where(
                PhoneCallRow.started_at >= since
            )
        ).all()
        per_day: dict[date, tuple[int, set[str]]] = {}
        for started, hashed in rows:
            day = started.date()
            count, callers = per_day.get(day, (0, set()))
            callers.add(hashed)
            per_day[day] = (count + 1, callers)
        calls = func.count(func.distinct(PhoneListenRow.call_id))
        ranked = session.execute(
            select(PhoneListenRow.item_id, calls)
            .where(PhoneListenRow.listened_at >= since)
            .group_by(PhoneListenRow.item_id)
            .order_by(calls.desc(), PhoneListenRow.item_id)
            .limit(top)
        ).all()
        ids = [item for item, _ in ranked]
        titles: dict[str, str] = {}
        for table in (ArticleRow, IssueRow):
            found = session.execute(select(table.id, table.title).where(table.id.in_(ids)))
            titles |= {str(row[0]): str(row[1]) for row in found}
    return PhoneStats(
        days=tuple(
            DayCalls(day, count, len(callers))
            for day, (count, callers) in sorted(per_day.items(), reverse=True)
        ),
        top=tuple(TopItem(item, titles.get(item, item), int(n)) for item, n in ranked),
    )
