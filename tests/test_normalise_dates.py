"""Every way a township's ledger writes a day reads as that day; what is not a day is refused, naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_pipeline.load import load_paths
from data_pipeline.normalise import parse_date, parse_month
from tests.ledger_files import CLUE_HEADER, clue_row, write_csv, write_divisions, write_xlsx
from warehouse import schema

JULY_3 = dt.date(2025, 7, 3)


@pytest.mark.parametrize("spelling", [
    "2025-07-03", "2025/7/3", "2025.7.3", "2025-7-3",
    "2025年7月3日", "2025年07月03日", "2025年7月3号", "2025年7月3",
    "20250703", 20250703, 20250703.0,
    "2025-07-03 00:00", "2025-07-03 00:00:00", "2025/7/3 8:30", "2025-7-3 23:59:59", "2025-07-03T08:30",
    "2025-07-03 08:30:00.000", "2025年7月3日 8:30", "2025年7月3日8:30",
    "２０２５－０７－０３", "２０２５年７月３日　８：３０", " 2025-07-03 ", "2025 - 7 - 3",
    45841, 45841.0, "45841", "45841.0",
    dt.datetime(2025, 7, 3, 9, 30), dt.date(2025, 7, 3),
])
def test_a_spelling_of_3_july_2025(spelling):
    assert parse_date(spelling) == (JULY_3, None)


def test_a_time_is_split_off_before_the_spaces_go():
    # "2025-1-2 00:00" without its space would read 2025-1-20 and 0:00
    assert parse_date("2025-1-2 00:00") == (dt.date(2025, 1, 2), None)
    assert parse_date("2025/1/2 8:30") == (dt.date(2025, 1, 2), None)


@pytest.mark.parametrize("spelling", [
    "2025-02-30", "2025-13-01", "20251303", 20250230, "2025-07-03 25:00", "2025-07-03 08:61", "2025-07-03 8:3",
    "12:30", "7月3日", "昨天", "2025-07", 12345, 123456789, True,
])
def test_what_is_no_day_is_refused_as_the_clerk_typed_it(spelling):
    shown = {True: "是"}.get(spelling, spelling)
    assert parse_date(spelling) == (None, f"无法识别的日期“{shown}”")


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan")])
def test_an_empty_cell_is_no_date_and_no_error(empty):
    assert parse_date(empty) == (None, None)


def test_a_month_with_a_time_part_reads_as_its_month():
    assert parse_month("2025-07-03 00:00") == (dt.date(2025, 7, 1), None)


def test_dates_exported_with_a_time_load_from_csv_and_xlsx(tmp_path, empty_engine):
    load_paths([write_divisions(tmp_path)], empty_engine)
    spellings = ["2023-01-02 00:00", "2023-01-02 00:00:00", "2023/1/2 8:30", "2023年01月02日", "20230102"]
    rows = [clue_row(i, 受理日期=spelling) for i, spelling in enumerate(spellings, start=1)]
    csv = write_csv(tmp_path / "线索.csv", CLUE_HEADER, rows)
    xlsx = write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(11, 受理日期=20230102), clue_row(12, 受理日期="2023-01-02 24:00")])})
    reports = load_paths([csv, xlsx], empty_engine)
    assert [(r.rows_loaded, r.rows_rejected) for r in reports] == [(5, 0), (1, 1)], [r.rejections for r in reports]
    assert reports[1].rejections == ["「线索.xlsx」工作表“线索”第3行“受理日期”：无法识别的日期“2023-01-02 24:00”"]
    with empty_engine.connect() as conn:
        days = set(conn.execute(select(schema.clues.c.received_date)).scalars())
    assert days == {dt.date(2023, 1, 2)}
