"""The benchmark runner's table and arguments, and bench_pages' check that a run drew its page (no clock)."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import load_test_rows, parse_args
from benchmarks.table import Row, markdown_table


def _line_of(table: str, name: str) -> list[str]:
    [line] = [line for line in table.splitlines() if f"| {name} |" in line or f"| {name} (" in line]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_a_row_beside_its_floor_prints_the_ratio_and_whether_the_goal_is_met():
    table = markdown_table([
        Row.beside_floor("pages", "案件统计 warm", 0.03, 0.01, "s", max_ratio=2),
        Row.beside_floor("map", "线索热力图", 0.015, 0.01, "s", max_ratio=2),
        Row.against("bulletin", "季通报", 0.7, "s", at_most=5),
        Row("pages", "基线 cold", 0.2, "s"),
    ])
    assert _line_of(table, "案件统计 warm") == ["pages", "案件统计 warm", "0.030 s", "0.010 s", "3.00x", "≤ 2x",
                                               "**no**"]
    assert _line_of(table, "线索热力图")[4:] == ["1.50x", "≤ 2x", "yes"]
    assert _line_of(table, "季通报")[2:] == ["0.700 s", "—", "—", "≤ 5 s", "yes"]
    assert _line_of(table, "基线 cold")[4:] == ["—", "—", "—"]


def test_a_part_not_measured_says_why():
    table = markdown_table([Row.not_measured("first visit", "总览", "skipped by --quick")])
    assert _line_of(table, "总览")[-1] == "not measured: skipped by --quick"


def test_the_load_test_parts_dicts_become_rows_and_without_it_a_row_says_so(monkeypatch):
    import benchmarks.__main__ as runner

    row = Row.from_dict({"part": "load test", "name": "20 sessions", "measured": 3.0, "floor": 1.5,
                         "ratio": 2.0, "unit": "s"})
    assert (row.ratio, row.met) == (2.0, None)
    # a tree without the load test's module (it runs browsers for minutes: not in a unit test)
    monkeypatch.setattr(runner, "LOAD_TEST", "benchmarks.no_such_part")
    [missing] = load_test_rows(quick=True, database="sqlite")
    assert (missing.part, missing.measured, missing.note) == ("load test", None, "not available in this tree")


def test_quick_means_the_sample_county_on_sqlite():
    quick = parse_args(["--quick"])
    assert (quick.quick, quick.scale, quick.db) == (True, "county", "sqlite")
    assert (parse_args([]).scale, parse_args([]).db) == ("county", "sqlite")
    province = parse_args(["--scale", "province", "--db", "postgresql"])
    assert (province.quick, province.scale, province.db) == (False, "province", "postgresql")
    with pytest.raises(SystemExit):
        parse_args(["--quick", "--scale", "province"])


def test_the_page_check_rejects_the_sign_in_refusal(sample_db_url, monkeypatch, pages_registered_by_navigation):
    """Without a session the page draws 请先登录 and stops: bench_pages must refuse to time it."""
    from benchmarks.bench_pages import PageNotDrawn, check_page_drawn, page_app
    from tests.signed_in import session_token

    monkeypatch.setenv("DASHBOARD_DB_URL", sample_db_url)
    refused = page_app("cases", token=None)
    refused.run()
    with pytest.raises(PageNotDrawn, match="请先登录"):
        check_page_drawn(refused, "案件统计")

    signed_in = page_app("cases", token=session_token(sample_db_url, "县领导"))
    signed_in.run()
    check_page_drawn(signed_in, "案件统计")
