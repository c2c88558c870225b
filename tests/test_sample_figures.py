"""The sample county 示范县, loaded through the real pipeline, shows the figures of docs/DOMAIN.md, exactly.

Every figure is read back from the warehouse (SQLAlchemy Core on the ``sample_engine`` SQLite
file), not from the generator's own DataFrames: what is asserted is what a leader would read.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from shapely.geometry import shape
from sqlalchemy import and_, case, func, select

from data_pipeline import sample
from metrics.periods import Period
from metrics.scope import Scope
from warehouse import schema
from warehouse import vocabulary as vocab

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
START_2023, END_2024 = date(2023, 1, 1), date(2024, 12, 31)


def scalar(engine, statement):
    with engine.connect() as conn:
        return conn.execute(statement).scalar_one()


def county_satisfaction(engine, year: int, quarter: int) -> float:
    s = schema.satisfaction_surveys
    positive, valid = 0, 0
    with engine.connect() as conn:
        positive, valid = conn.execute(
            select(func.sum(s.c.satisfied + s.c.basically_satisfied), func.sum(s.c.sample_size - s.c.unaware))
            .where(s.c.survey_year == year, s.c.survey_quarter == quarter)).one()
    return positive / valid


# --- the load itself --------------------------------------------------------------------------------

def test_every_sample_ledger_loads_with_zero_rejects_and_no_warnings(empty_engine):
    from data_pipeline.load import load_paths

    reports = load_paths([SAMPLE_DIR / "ledgers"], empty_engine)
    kinds = {r.ledger_kind for r in reports}
    assert kinds == {"divisions", "clues", "cases", "case_people", "rectification", "satisfaction", "platform_usage"}
    for report in reports:
        assert report.committed, report
        assert report.rows_rejected == 0, report.rejections
        assert report.warnings == [], report.warnings  # 处理人数 equals the people rows of every case
    by_kind = {r.ledger_kind: r for r in reports}
    assert {kind: r.rows_loaded for kind, r in by_kind.items()} == {
        "divisions": 233, "clues": 2960, "cases": 313, "case_people": 393, "rectification": 1170,
        "satisfaction": 180, "platform_usage": 564}
    # the messy sheets: title rows, a blank row and a 合计 row are set aside, never loaded as data;
    # clues: the header, two title rows, a blank row, the 合计 row; divisions and others: header + title rows
    assert {kind: r.rows_structural for kind, r in by_kind.items()} == {
        "divisions": 3, "clues": 5, "cases": 3, "case_people": 1, "rectification": 3, "satisfaction": 3,
        "platform_usage": 1}


def test_whistleblower_columns_are_in_the_sample_sheet_but_nowhere_in_the_warehouse(sample_engine):
    sheet = openpyxl.load_workbook(SAMPLE_DIR / "ledgers" / "示范县问题线索台账.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(min_row=3, max_row=10, values_only=True))
    header = rows[0]
    assert "反映人" in header and "联系电话" in header
    whistleblower = rows[1][header.index("反映人")]
    assert whistleblower.startswith("虚构反映人") or whistleblower == "匿名"
    assert not any("反映人" == c.name or "phone" in c.name for c in schema.clues.columns)
    with sample_engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(schema.clues)
                              .where(schema.clues.c.summary.like("%虚构反映人%"))).scalar_one()
        rejected = conn.execute(select(func.count()).select_from(schema.rejected_rows)).scalar_one()
    assert stored == 0 and rejected == 0


# --- the county ---------------------------------------------------------------------------------------

def test_the_county_has_12_townships_233_villages_and_about_420_thousand_people(sample_engine):
    t, v = schema.townships, schema.villages
    assert scalar(sample_engine, select(func.count()).select_from(t)) == 12
    assert scalar(sample_engine, select(func.count()).select_from(v)) == 233
    population = scalar(sample_engine, select(func.sum(v.c.registered_population)))
    assert population == 421_600
    assert scalar(sample_engine, select(schema.counties.c.county_name)) == "示范县"
    with sample_engine.connect() as conn:
        kinds = dict(conn.execute(select(t.c.township_kind, func.count()).group_by(t.c.township_kind)).all())
        village_kinds = dict(conn.execute(select(v.c.village_kind, func.count()).group_by(v.c.village_kind)).all())
        codes = conn.execute(select(v.c.village_code, v.c.township_code)).all()
    assert kinds == {"街道": 3, "镇": 6, "乡": 3}
    assert village_kinds == {"社区": 51, "行政村": 182}
    assert all(code.startswith(township) and len(code) == 12 for code, township in codes)


def test_township_polygons_contain_their_villages_points():
    townships = json.loads((SAMPLE_DIR / "boundaries" / "townships.geojson").read_text(encoding="utf-8"))
    villages = json.loads((SAMPLE_DIR / "boundaries" / "villages.geojson").read_text(encoding="utf-8"))
    assert "4326" in townships["crs"]["properties"]["name"]
    polygons = {f["properties"]["XZQDM"]: shape(f["geometry"]) for f in townships["features"]}
    assert len(polygons) == 12 and all(p.is_valid for p in polygons.values())
    assert len(villages["features"]) == 233
    outside = [f["properties"]["name"] for f in villages["features"]
               if not polygons[f["properties"]["code"][:9]].contains(shape(f["geometry"]))]
    assert outside == []
    # somewhere in Hunan's hills: the county seat's 街道 and 柳河乡 to its north-east
    bounds = polygons["990101001"].union(polygons["990101201"]).bounds
    assert [round(b, 4) for b in bounds] == [112.4426, 28.4297, 112.6569, 28.7194]


# --- docs/DOMAIN.md's figures ----------------------------------------------------------------------------

def test_2023_2024_has_126_cases_152_people_and_873_46_wan_yuan_recovered(sample_engine):
    c, p = schema.cases, schema.case_people
    in_years = and_(c.c.filed_date >= START_2023, c.c.filed_date <= END_2024)
    assert scalar(sample_engine, select(func.count()).select_from(c).where(in_years)) == 126
    people = select(func.count()).select_from(p.join(c, p.c.case_id == c.c.case_id)).where(in_years)
    assert scalar(sample_engine, people) == 152
    recovered = Decimal(str(scalar(sample_engine, select(func.sum(c.c.recovered_funds_wan_yuan)).where(in_years))))
    assert recovered.quantize(Decimal("0.01")) == Decimal("873.46")


def test_every_case_declares_as_many_people_as_it_has_rows(sample_engine):
    c, p = schema.cases, schema.case_people
    rows = select(p.c.case_id, func.count().label("n")).group_by(p.c.case_id).subquery()
    mismatched = (select(func.count()).select_from(c.outerjoin(rows, rows.c.case_id == c.c.case_id))
                  .where(c.c.people_count != func.coalesce(rows.c.n, 0)))
    assert scalar(sample_engine, mismatched) == 0


def test_county_satisfaction_rises_from_82_3_to_93_6_percent(sample_engine):
    assert round(100 * county_satisfaction(sample_engine, 2023, 1), 1) == 82.3
    assert round(100 * county_satisfaction(sample_engine, 2024, 4), 1) == 93.6
    # the 深化年 keeps it rising
    assert round(100 * county_satisfaction(sample_engine, 2026, 3), 1) == 95.0


def test_satisfaction_has_one_survey_per_township_per_quarter_up_to_2026q3(sample_engine):
    s = schema.satisfaction_surveys
    with sample_engine.connect() as conn:
        per_quarter = conn.execute(select(s.c.survey_year, s.c.survey_quarter, func.count())
                                   .group_by(s.c.survey_year, s.c.survey_quarter)
                                   .order_by(s.c.survey_year, s.c.survey_quarter)).all()
        unbalanced = conn.execute(select(func.count()).select_from(s).where(
            s.c.satisfied + s.c.basically_satisfied + s.c.dissatisfied + s.c.unaware != s.c.sample_size)).scalar_one()
    assert [(y, q) for y, q, _ in per_quarter] == [(y, q) for y in range(2023, 2027) for q in range(1, 5)][:15]
    assert {n for _, _, n in per_quarter} == {12}
    assert unbalanced == 0


def test_2024_has_217_platform_problems_in_both_ledgers_and_38_percent_awareness(sample_engine):
    cl, u, s = schema.clues, schema.platform_usage, schema.satisfaction_surveys
    platform_clues = select(func.count()).select_from(cl).where(
        cl.c.clue_source == vocab.PLATFORM_CLUE_SOURCE,
        cl.c.received_date >= date(2024, 1, 1), cl.c.received_date <= END_2024)
    assert scalar(sample_engine, platform_clues) == 217
    reported = select(func.sum(u.c.problems_reported)).where(
        u.c.usage_month_date >= date(2024, 1, 1), u.c.usage_month_date <= END_2024)
    assert scalar(sample_engine, reported) == 217
    with sample_engine.connect() as conn:
        aware, sampled = conn.execute(select(func.sum(s.c.aware_of_platform), func.sum(s.c.sample_size))
                                      .where(s.c.survey_year == 2024)).one()
        visits = conn.execute(select(func.sum(u.c.visits)).where(
            u.c.usage_month_date >= date(2024, 1, 1), u.c.usage_month_date <= END_2024)).scalar_one()
    assert (aware, sampled) == (3253, 8561) and round(100 * aware / sampled) == 38
    assert visits == 94_168  # the seeds: 2024 visits 不足10万人次


def test_32_clues_received_2023_2024_are_supervised(sample_engine):
    cl = schema.clues
    supervised = select(func.count()).select_from(cl).where(
        cl.c.is_supervised.is_(True), cl.c.received_date >= START_2023, cl.c.received_date <= END_2024)
    assert scalar(sample_engine, supervised) == 32


def test_136_collective_assets_items_of_2023_2024_are_all_completed_within_2024(sample_engine):
    r = schema.rectification_items
    assets = and_(r.c.problem_category == vocab.COLLECTIVE_ASSETS_DOMAIN,
                  r.c.feedback_date >= START_2023, r.c.feedback_date <= END_2024)
    assert scalar(sample_engine, select(func.count()).select_from(r).where(assets)) == 136
    done = and_(assets, r.c.rectification_status.in_(vocab.RECTIFICATION_DONE), r.c.completed_date <= END_2024)
    assert scalar(sample_engine, select(func.count()).select_from(r).where(done)) == 136


def test_volumes_look_like_a_real_county(sample_engine):
    cl, c, r = schema.clues, schema.cases, schema.rectification_items
    with sample_engine.connect() as conn:
        clues_2025 = conn.execute(select(func.count()).select_from(cl).where(
            cl.c.received_date >= date(2025, 1, 1), cl.c.received_date <= date(2025, 12, 31))).scalar_one()
        last_clue = conn.execute(select(func.max(cl.c.received_date))).scalar_one()
        statuses = dict(conn.execute(select(r.c.rectification_status, func.count())
                                     .group_by(r.c.rectification_status)).all())
        overdue = conn.execute(select(func.count()).select_from(r).where(
            r.c.rectification_status.in_(("未启动", "整改中")), r.c.deadline_date < date(2026, 11, 15))).scalar_one()
        proactive = {}
        for year in (2024, 2025):
            total, found = conn.execute(select(func.count(), func.sum(
                case((c.c.discovery_method.in_(vocab.PROACTIVE_DISCOVERY_METHODS), 1), else_=0)))
                .where(c.c.filed_date >= date(year, 1, 1), c.c.filed_date <= date(year, 12, 31))).one()
            proactive[year] = (found, total)
    assert clues_2025 == 830
    assert last_clue == date(2026, 11, 15)
    assert statuses == {"未启动": 25, "整改中": 62, "已完成": 338, "已销号": 745}
    assert overdue == 21
    # 集中整治深化年: more proactive discovery, 52.3% → 59.8%
    assert proactive == {2024: (34, 65), 2025: (58, 97)}


def test_clues_concentrate_in_some_villages(sample_engine):
    cl = schema.clues
    with sample_engine.connect() as conn:
        counts = sorted((n for _, n in conn.execute(select(cl.c.village_code, func.count())
                                                    .where(cl.c.village_code.is_not(None))
                                                    .group_by(cl.c.village_code)).all()), reverse=True)
    top_tenth = sum(counts[: len(counts) // 10])
    # 195 villages have clues; the top 19 of them hold 1084 of the 2668 placed clues (over a quarter)
    assert (len(counts), top_tenth, sum(counts)) == (195, 1084, 2668)


# --- the ranking and 建议约谈 ---------------------------------------------------------------------------------

def test_liuhe_is_worst_on_all_four_and_last_in_2024q2_and_q3_so_an_interview_is_suggested(sample_engine):
    from metrics.ranking import quarterly_ranking

    rates = ["rectification_completion_rate", "on_time_completion_rate", "satisfaction_rate",
             "proactive_discovery_rate"]
    for quarter in (Period.quarter(2024, 2), Period.quarter(2024, 3)):
        ranking = quarterly_ranking(sample_engine, Scope.county(), quarter=quarter)
        assert len(ranking) == 12
        last = ranking.sort_values("rank").iloc[-1]
        assert last["township_name"] == "柳河乡"
        others = ranking[ranking["township_name"] != "柳河乡"]
        for rate in rates:
            assert last[rate] < others[rate].min(), (quarter, rate)
        assert last["score"] < others["score"].min() - 20  # clearly last, not by a hair
    q3 = quarterly_ranking(sample_engine, Scope.county(), quarter=Period.quarter(2024, 3))
    flagged = q3[q3["suggest_interview"]]
    assert flagged["township_name"].tolist() == ["柳河乡"]


def test_gaoping_lags_in_the_deepening_year_and_is_flagged_in_2025q4(sample_engine):
    from metrics.ranking import quarterly_ranking

    q3 = quarterly_ranking(sample_engine, Scope.county(), quarter=Period.quarter(2025, 3))
    q4 = quarterly_ranking(sample_engine, Scope.county(), quarter=Period.quarter(2025, 4))
    assert q3.sort_values("rank").iloc[-1]["township_name"] == "高坪乡"
    assert q4[q4["suggest_interview"]]["township_name"].tolist() == ["高坪乡"]


# --- the generator ------------------------------------------------------------------------------------------

def _cell_values(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


def test_committed_sample_data_is_what_the_generator_writes(tmp_path):
    written = sample.write_sample(tmp_path)
    assert len(written) == 9
    committed = sorted(p.relative_to(SAMPLE_DIR) for p in SAMPLE_DIR.rglob("*") if p.suffix in (".xlsx", ".geojson"))
    assert committed == sorted(p.relative_to(tmp_path) for p in written)
    for path in written:
        twin = SAMPLE_DIR / path.relative_to(tmp_path)
        if path.suffix == ".xlsx":
            assert _cell_values(path) == _cell_values(twin), twin.name
        else:
            assert path.read_bytes() == twin.read_bytes(), twin.name


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    first = sample.write_sample(tmp_path / "a", seed=7)
    second = sample.write_sample(tmp_path / "b", seed=7)
    other = sample.write_sample(tmp_path / "c", seed=8)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name  # the workbook's created date is fixed
    assert first[1].read_bytes() != other[1].read_bytes()


def test_benchmark_counties_have_distinct_codes_and_about_ten_thousand_clues_each(tmp_path):
    import pandas as pd

    paths = sample.write_sample(tmp_path, counties=3, seed=1)
    ledgers = {p.name: p for p in paths if p.suffix == ".csv"}
    assert len(ledgers) == 7
    divisions = pd.read_csv(ledgers["基准3县区划名录.csv"], dtype=str)
    counties = divisions["乡镇代码"].str[:6]
    assert sorted(counties.unique()) == ["990101", "990102", "990103"]
    assert counties.value_counts().tolist() == [233, 233, 233]
    clues = pd.read_csv(ledgers["基准3县问题线索台账.csv"], dtype=str)
    assert len(clues) == 30_192  # about ten thousand a county
    assert clues["线索编号"].is_unique
    assert set(clues["所属乡镇"].str[:6]) == set(counties)
    townships = json.loads((tmp_path / "boundaries" / "townships.geojson").read_text(encoding="utf-8"))
    assert len(townships["features"]) == 36


@pytest.mark.parametrize("counties", [0, -1])
def test_a_county_count_below_one_is_refused(tmp_path, counties):
    with pytest.raises(ValueError):
        sample.write_sample(tmp_path, counties=counties)


def test_every_enumeration_of_the_vocabulary_occurs_in_the_sample(sample_engine):
    cl, c, p, r = schema.clues, schema.cases, schema.case_people, schema.rectification_items
    expected = {
        (cl, "clue_source"): vocab.CLUE_SOURCES, (cl, "problem_domain"): vocab.PROBLEM_DOMAINS,
        (cl, "reported_person_role"): vocab.PERSON_ROLES, (cl, "management_level"): vocab.MANAGEMENT_LEVELS,
        (cl, "disposal_method"): vocab.DISPOSAL_METHODS, (cl, "handling_status"): vocab.CLUE_STATUSES,
        (c, "discovery_method"): vocab.DISCOVERY_METHODS, (c, "violation_type"): vocab.VIOLATION_TYPES,
        (c, "problem_domain"): vocab.PROBLEM_DOMAINS, (p, "person_role"): vocab.PERSON_ROLES,
        (p, "discipline_form"): vocab.DISCIPLINE_FORMS, (r, "issue_source"): vocab.ISSUE_SOURCES,
        (r, "problem_category"): vocab.PROBLEM_CATEGORIES, (r, "rectification_status"): vocab.RECTIFICATION_STATUSES,
        (schema.satisfaction_surveys, "survey_method"): vocab.SURVEY_METHODS,
    }
    with sample_engine.connect() as conn:
        for (table, column), values in expected.items():
            present = set(conn.execute(select(table.c[column]).distinct()).scalars())
            assert set(values) <= present, (table.name, column, set(values) - present)
            assert present - {None} <= set(values), (table.name, column)


def test_two_benchmark_counties_load_as_csv_with_zero_rejects(tmp_path, empty_engine):
    from data_pipeline.load import load_paths

    sample.write_sample(tmp_path, counties=2, seed=3)
    reports = load_paths([tmp_path / "ledgers"], empty_engine)
    assert {r.ledger_kind for r in reports} == {"divisions", "clues", "cases", "case_people", "rectification",
                                                 "satisfaction", "platform_usage"}
    assert all(r.committed and r.rows_rejected == 0 for r in reports), [r.rejections[:3] for r in reports]
    assert not any("处理人数" in w for r in reports for w in r.warnings)
    with empty_engine.connect() as conn:
        counties = conn.execute(select(func.count()).select_from(schema.counties)).scalar_one()
        villages = conn.execute(select(func.count()).select_from(schema.villages)).scalar_one()
        clue_rows = conn.execute(select(func.count()).select_from(schema.clues)).scalar_one()
    assert (counties, villages) == (2, 466)
    assert clue_rows == 20_128


def test_the_messy_spellings_load_as_exactly_the_values_generated(sample_engine):
    """Short and padded township names, text dates, numeric codes, full-width digits: no value changes."""
    import numpy as np
    import pandas as pd

    generated = sample.generate_county(np.random.default_rng(sample.DEFAULT_SEED))
    with sample_engine.connect() as conn:
        clues = pd.DataFrame(conn.execute(select(schema.clues.c.clue_id, schema.clues.c.received_date,
                                                 schema.clues.c.township_code, schema.clues.c.village_code)).all())
        items = pd.DataFrame(conn.execute(select(schema.rectification_items.c.item_id,
                                                 schema.rectification_items.c.feedback_date)).all())
        surveys = pd.DataFrame(conn.execute(select(schema.satisfaction_surveys)).mappings().all())
    expected = generated.clues.set_index("线索编号")
    clues = clues.set_index("clue_id").loc[expected.index]
    assert (clues["received_date"] == pd.DatetimeIndex(expected["received"]).date).all()
    assert (clues["township_code"] == expected["乡镇代码"]).all()
    assert (clues["village_code"].fillna("") == expected["村代码"]).all()
    expected_items = generated.rectification.set_index("整改编号")
    items = items.set_index("item_id").loc[expected_items.index]
    assert (items["feedback_date"] == pd.DatetimeIndex(expected_items["feedback"]).date).all()
    sample_sizes = surveys.set_index(["survey_year", "survey_quarter", "township_code"])["sample_size"]
    for row in generated.surveys.itertuples():
        year, quarter = sample.QUARTERS[row.quarter]
        assert sample_sizes[(year, quarter, row.乡镇代码)] == row.样本量
