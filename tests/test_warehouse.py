"""The warehouse behaves the same on SQLite and PostgreSQL where the dialects differ."""

from datetime import date

import pytest
from sqlalchemy import func, select

from warehouse.engine import upsert_rows, year_month
from warehouse.schema import platform_usage, townships


def _upsert_then_correct(engine):
    with engine.begin() as conn:
        upsert_rows(conn, townships, [
            {"township_code": "990101101", "township_name": "青石镇", "township_kind": "镇", "county_code": "990101"},
            {"township_code": "990101201", "township_name": "柳河乡", "township_kind": "乡", "county_code": "990101"},
        ])
    with engine.begin() as conn:  # a corrected row replaces the stored one by its key
        upsert_rows(conn, townships, [
            {"township_code": "990101201", "township_name": "柳河乡（更正）", "township_kind": "乡", "county_code": "990101"},
        ])
    with engine.connect() as conn:
        return dict(conn.execute(select(townships.c.township_code, townships.c.township_name)).all())


def _month_buckets(engine):
    rows = [
        {"usage_month_date": date(2024, m, 1), "township_code": "990101101", "visits": 10 * m, "problems_reported": m}
        for m in (1, 2, 12)
    ]
    with engine.begin() as conn:
        upsert_rows(conn, platform_usage, rows)
        bucket = year_month(platform_usage.c.usage_month_date)
        return dict(conn.execute(
            select(bucket, func.sum(platform_usage.c.problems_reported)).group_by(bucket).order_by(bucket)
        ).all())


EXPECTED_NAMES = {"990101101": "青石镇", "990101201": "柳河乡（更正）"}
EXPECTED_MONTHS = {"2024-01": 1, "2024-02": 2, "2024-12": 12}


def test_upsert_replaces_by_key_on_sqlite(empty_engine):
    assert _upsert_then_correct(empty_engine) == EXPECTED_NAMES


def test_month_bucket_on_sqlite(empty_engine):
    assert _month_buckets(empty_engine) == EXPECTED_MONTHS


@pytest.mark.postgres
def test_upsert_replaces_by_key_on_postgresql(pg_engine):
    assert _upsert_then_correct(pg_engine) == EXPECTED_NAMES


@pytest.mark.postgres
def test_month_bucket_on_postgresql(pg_engine):
    assert _month_buckets(pg_engine) == EXPECTED_MONTHS
