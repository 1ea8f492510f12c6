"""Phone settings from the environment, prompt wording, and call statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import build_issue
from tingbao.paper.errors import SettingsError
from tingbao.phone import prompts
from tingbao.phone.records import CallRecords, caller_hash
from tingbao.phone.settings import HostPort, load_phone_settings
from tingbao.phone.stats import phone_stats
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({}, "sip_server", None),
        ({"TINGBAO_SIP_SERVER": "kamailio:5070"}, "sip_server", HostPort("kamailio", 5070)),
        ({"TINGBAO_SIP_SERVER": "10.0.0.2"}, "sip_server", HostPort("10.0.0.2", 5060)),
        ({}, "sip_user", "news"),
        ({"TINGBAO_SIP_USER": "8000"}, "sip_user", "8000"),
        ({"TINGBAO_SIP_LISTEN": "0.0.0.0:5080"}, "listen", HostPort("0.0.0.0", 5080)),
        ({"TINGBAO_SIP_LISTEN": ":5090"}, "listen", HostPort("", 5090)),
        ({}, "rtp_ports", (30000, 30100)),
        ({"TINGBAO_RTP_PORTS": "40000-40010"}, "rtp_ports", (40000, 40010)),
    ],
)
def test_settings(env: dict[str, str], field: str, expected: object) -> None:
    assert getattr(load_phone_settings(env), field) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TINGBAO_SIP_SERVER": "kamailio:99999"}, "TINGBAO_SIP_SERVER"),
        ({"TINGBAO_SIP_SERVER": ":5060"}, "must name a host"),
        ({"TINGBAO_SIP_SERVER": "bad host:5060"}, "host:port"),
        ({"TINGBAO_SIP_USER": "news line"}, "TINGBAO_SIP_USER"),
        ({"TINGBAO_RTP_PORTS": "30100-30000"}, "above the first"),
        ({"TINGBAO_RTP_PORTS": "30000"}, "30000-30100"),
        ({"TINGBAO_SIP_LISTEN": "host:port"}, "TINGBAO_SIP_LISTEN"),
    ],
)
def test_bad_settings_say_which(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load_phone_settings(env)
    assert "\n" not in str(raised.value)


def test_password_never_shows() -> None:
    settings = load_phone_settings({"TINGBAO_SIP_SERVER": "k", "TINGBAO_SIP_PASSWORD": "pw-42"})
    assert settings.sip_password.get() == "pw-42"
    assert "pw-42" not in repr(settings) and "pw-42" not in str(settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            prompts.welcome("金虹桥", date(2020, 7, 30), 5),
            "《金虹桥》听报热线。本期是2020年7月30日，共5篇",
        ),
        (prompts.menu(["甲", "乙"]), "按一，甲。按二，乙。按零，收听整期"),
        (prompts.menu(["甲"], has_back_issues=False), "按九，听投稿和新闻热线"),
        (prompts.menu([str(n) for n in range(9)]), "第七篇听完按二"),
        (prompts.hotline("021-64059791"), "零二幺，六四零五，九七九幺。再说一遍：零二幺"),
        (prompts.hotline(None), "暂未公布"),
        (prompts.back_issues([date(2020, 6, 30)]), "按一，2020年6月30日"),
        (prompts.back_issues([]), "暂时没有往期"),
    ],
)
def test_prompt_words(text: str, expected: str) -> None:
    assert expected in text


def test_menu_offers_seven_articles_then_8_and_9() -> None:
    text = prompts.menu([f"标题{n}" for n in range(1, 10)])
    assert "按七，标题7" in text and "标题8" not in text
    assert "按八，听往期" in text and "按九，听投稿和新闻热线" in text


def test_caller_hash_is_keyed_and_hides_the_number() -> None:
    one = caller_hash("13800138000", b"k1")
    assert one == caller_hash("13800138000", b"k1")
    assert one != caller_hash("13800138000", b"k2")
    assert "13800138000" not in one


def test_stats_count_calls_per_day_and_top_articles(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_schema(db)
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    now = datetime(2020, 8, 2, 12, tzinfo=UTC)
    times = iter([now - timedelta(days=1), now - timedelta(days=1), now, now, now, now, now])
    records = CallRecords(db, b"key", clock=lambda: next(times))
    first, _ = records.started("13800138000")
    records.listened(first, issue.articles[1].id, issue.id, False)
    second, _ = records.started("13800138000")
    records.listened(second, issue.articles[1].id, issue.id, True)
    third, _ = records.started("02164059791")
    records.listened(third, issue.articles[0].id, issue.id, False)
    records.ended(third, "silence", 3)
    stats = phone_stats(db, days=7, now=now)
    assert [(d.day, d.calls, d.callers) for d in stats.days] == [
        (date(2020, 8, 2), 2, 2),
        (date(2020, 8, 1), 1, 1),
    ]
    assert [(t.title, t.calls) for t in stats.top] == [
        (issue.articles[1].title, 2),
        (issue.articles[0].title, 1),
    ]
    assert stats.total_calls == 3
    db.dispose()
