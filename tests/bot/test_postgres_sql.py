"""The statements that keep replicas apart, compiled for PostgreSQL (the production database):
claims skip rows another replica has locked and return what they took in one round trip."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql

from tingbao.bot.outbox import claim_statement


def test_the_outbox_claim_skips_locked_rows_and_returns_them() -> None:
    sql = str(
        claim_statement("replica-1", 8, 120.0, datetime.now(UTC)).compile(
            dialect=postgresql.dialect()
        )
    )
    assert "FOR UPDATE SKIP LOCKED" in sql
    assert "RETURNING" in sql and sql.lstrip().startswith("UPDATE bot_outbox")
