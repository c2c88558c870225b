"""The metrics a user reads, checked against the hand-worked figures in tests/metrics_fixture.py."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics import cases, clues, freshness, kpis, places, rectification, satisfaction
from metrics.clues import priority_clues
from metrics.definitions import KINDS, METRICS, UNITS, format_change, format_value
from metrics.measures import MEASURES, SOURCES
from metrics.periods import Period
from metrics.ranking import interview_flags, quarterly_ranking
from metrics.scope import Scope
from reports.labels import COLUMN_LABELS, RATE_COLUMNS
from tests.metrics_fixture import A, B, C, build_metrics_warehouse

Q3 = Period.quarter(2024, 3)
Q2 = Period.quarter(2024, 2)
AS_OF = date(2024, 9, 30)
COUNTY = Scope.county()  # 纪委: whole county, names shown
LEADER = Scope(user_name="县领导甲", role="县领导")  # whole county, names masked
TOWNSHIP_B = Scope(user_name="青石镇用户", role="乡镇", township_code=B)


@pytest.fixture
def engine(empty_engine):
    return build_metrics_warehouse(empty_engine)


# --- the registry -----------------------------------------------------------------------------

def test_every_metric_has_name_label_unit_description_and_declared_measures():
    expected = {
        "clue_count": "线索数", "clue_closed_rate": "办结率", "clue_to_case_rate": "初核转立案率",
        "case_count": "立案数", "people_handled": "处理人数",
        "recovered_funds": "追缴资金", "proactive_discovery_rate": "主动发现率",
        "rectification_completion_rate": "整改完成率", "on_time_completion_rate": "按期完成率",
        "overdue_count": "逾期数", "recurring_rate": "反复出现率", "satisfaction_rate": "满意率",
        "awareness_rate": "知晓率", "platform_problems": "平台反映问题数", "supervised_clue_count": "挂牌督办线索数",
        "red_clue_count": "红色线索数", "typical_case_count": "典型案例数",
    }
    assert {name: m.label for name, m in METRICS.items()} == expected
    for name, metric in METRICS.items():
        assert metric.name == name
        assert metric.unit in UNITS and metric.kind in KINDS, name
        assert metric.description and metric.description.endswith("。"), name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in metric.description), name
        for measure in metric.measures:  # every measure a metric names is declared, with its source
            assert MEASURES[measure].source in SOURCES and MEASURES[measure].description, (name, measure)
        assert (metric.denominator is not None) == (metric.kind == "rate") == (metric.unit == "%"), name
        # the rate's two measures are counted over the same rows (one source family, one period rule)
        assert len({SOURCES[MEASURES[m].source].rule for m in metric.measures}) == 1, name
    assert {n for n, m in METRICS.items() if m.as_of_based} == {
        "rectification_completion_rate", "on_time_completion_rate", "overdue_count", "recurring_rate"}


def test_values_are_formatted_as_a_reader_expects():
    assert format_value(METRICS["recovered_funds"], 873.456) == "873.46万元"
    assert format_value(METRICS["satisfaction_rate"], 0.823) == "82.3%"
    assert format_value(METRICS["case_count"], 126) == "126件"
    assert format_value(METRICS["people_handled"], 152) == "152人"
    assert format_value(METRICS["case_count"], None) == "—"
    assert format_change(0.125, is_points=False) == "+12.5%"
    assert format_change(-2.5, is_points=True) == "-2.5个百分点"
    assert format_change(None, is_points=True) == "—"


# --- clues and cases ----------------------------------------------------------------------------

def test_clue_figures_of_the_quarter(engine):
    assert kpis.metric_value(engine, COUNTY, metric="clue_count", period=Q3) == 9
    assert kpis.metric_value(engine, COUNTY, metric="clue_closed_rate", period=Q3) == pytest.approx(4 / 9)
    assert kpis.metric_value(engine, COUNTY, metric="red_clue_count", period=Q3) == 3
    assert kpis.metric_value(engine, COUNTY, metric="supervised_clue_count", period=Q3) == 2
    trend = clues.clue_trend(engine, COUNTY, periods=[Q3, Q2])
    assert list(trend.columns) == ["period_code", "period_label", "clue_count", "closed_count", "clue_closed_rate",
                                   "red_clue_count", "supervised_clue_count", "case_review_clue_count",
                                   "clue_to_case_rate"]
    assert trend.iloc[0][["clue_count", "closed_count", "red_clue_count", "supervised_clue_count"]].tolist() == [9, 4, 3, 2]
    assert trend.iloc[1]["clue_closed_rate"] == pytest.approx(1.0)


def test_clue_to_case_rate_is_clues_sent_to_case_review_over_clues_received(engine):
    # 立案审查 C01 C04 of the nine 2024Q3 clues; C09 of the three in 2024Q2; none of the four in 2023Q3
    assert kpis.metric_value(engine, COUNTY, metric="clue_to_case_rate", period=Q3) == pytest.approx(2 / 9)
    assert kpis.metric_value(engine, COUNTY, metric="clue_to_case_rate", period=Q3, township_code=B) == pytest.approx(0.5)
    tile = kpis.kpi(engine, COUNTY, metric="clue_to_case_rate", period=Q3)
    assert (tile.formatted_value, tile.formatted_yoy, tile.formatted_mom) == ("22.2%", "+22.2个百分点", "-11.1个百分点")
    trend = clues.clue_trend(engine, COUNTY, periods=[Q2, Q3])
    assert trend["case_review_clue_count"].tolist() == [1, 2]
    assert trend["clue_to_case_rate"].tolist() == pytest.approx([1 / 3, 2 / 9])
    assert kpis.metric_value(engine, COUNTY, metric="clue_to_case_rate", period=Period.quarter(2022, 1)) is None


def test_case_figures_count_people_rows_not_the_declared_number(engine):
    assert kpis.metric_value(engine, COUNTY, metric="case_count", period=Q3) == 4
    # K04 declares 2 people on the ledger but has 1 row in 处理人员: 7, not 8
    assert kpis.metric_value(engine, COUNTY, metric="people_handled", period=Q3) == 7
    assert kpis.metric_value(engine, COUNTY, metric="recovered_funds", period=Q3) == pytest.approx(47.75)
    assert kpis.metric_value(engine, COUNTY, metric="proactive_discovery_rate", period=Q3) == pytest.approx(0.5)
    assert kpis.metric_value(engine, COUNTY, metric="typical_case_count", period=Q3) == 2
    assert kpis.metric_value(engine, COUNTY, metric="platform_problems", period=Q3) == 14


def test_a_quarter_drills_into_three_months_that_add_up_to_it(engine):
    for name in ("clue_count", "case_count", "people_handled", "recovered_funds", "platform_problems",
                 "red_clue_count", "supervised_clue_count", "typical_case_count"):
        months = kpis.drill_children(engine, COUNTY, metric=name, period=Q3)
        assert months["period_code"].tolist() == ["2024-07", "2024-08", "2024-09"]
        assert sum(months[name]) == pytest.approx(kpis.metric_value(engine, COUNTY, metric=name, period=Q3)), name
    assert kpis.drill_children(engine, COUNTY, metric="clue_count", period=Q3)["clue_count"].tolist() == [3, 2, 4]
    assert kpis.drill_children(engine, COUNTY, metric="people_handled", period=Q3)["people_handled"].tolist() == [2, 1, 4]
    year = kpis.drill_children(engine, COUNTY, metric="case_count", period=Period.whole_year(2024))
    assert year["period_code"].tolist() == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert year["case_count"].tolist() == [0, 1, 4, 1]


def test_a_long_series_in_month_buckets_equals_the_periods_one_by_one(engine):
    months = [Period.month(2023, 7)] + list(Q2.children()) + list(Q3.children()) + [Period.month(2024, 11)]
    for name in ("clue_count", "clue_closed_rate", "people_handled", "recovered_funds", "platform_problems",
                 "rectification_completion_rate", "overdue_count", "satisfaction_rate"):
        series = kpis.metric_series(engine, COUNTY, metric=name, periods=months)  # more than three periods: month buckets
        one_by_one = [kpis.metric_value(engine, COUNTY, metric=name, period=month) for month in months]
        one_by_one = [float("nan") if v is None else v for v in one_by_one]
        assert series[name].tolist() == pytest.approx(one_by_one, nan_ok=True), name
    trend = clues.clue_trend(engine, COUNTY, periods=months)
    assert trend["clue_count"].tolist() == [2, 1, 1, 1, 3, 2, 4, 2]


def test_case_breakdowns(engine):
    by_township = cases.case_breakdown(engine, COUNTY, dimension="township", period=Q3)
    assert list(by_township.columns) == ["category", "case_count", "people_count", "recovered_funds_wan_yuan", "share"]
    assert by_township["category"].tolist() == ["城关街道", "青石镇", "柳溪乡"]
    assert by_township["case_count"].tolist() == [2, 1, 1]
    assert by_township["people_count"].tolist() == [3, 3, 1]
    assert by_township["recovered_funds_wan_yuan"].tolist() == pytest.approx([42.75, 5.0, 0.0])
    assert by_township["share"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    by_method = cases.case_breakdown(engine, COUNTY, dimension="discovery_method", period=Q3).set_index("category")
    assert len(by_method) == 7  # every 发现方式, zero-filled
    assert by_method.loc["大数据比对", "people_count"] == 3 and by_method.loc["巡察移交", "case_count"] == 0
    by_village = cases.case_breakdown(engine, COUNTY, dimension="village", period=Q3, township_code=A)
    assert by_village["category"].tolist() == ["东门社区", "北关村"]
    assert cases.case_breakdown(engine, COUNTY, dimension="village", period=Q3, township_code=C)["category"].tolist() == ["乡镇本级/未明确到村"]
    whole_county = cases.case_breakdown(engine, COUNTY, dimension="village", period=Q3)  # every village with cases
    assert sorted(whole_county["category"]) == sorted(["东门社区", "北关村", "石桥村", "乡镇本级/未明确到村"])
    assert whole_county["case_count"].sum() == 4


def test_four_forms_and_sanctions(engine):
    forms = cases.people_by_form(engine, COUNTY, period=Q3)
    assert forms["discipline_form"].tolist() == ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]
    assert forms["people_count"].tolist() == [3, 2, 1, 1]
    assert forms["share"].sum() == pytest.approx(1.0)
    only_q2 = cases.people_by_form(engine, COUNTY, period=Q2)
    assert only_q2["people_count"].tolist() == [0, 1, 0, 0]  # zero-filled
    sanctions = cases.people_by_sanction(engine, COUNTY, period=Q3)
    assert dict(zip(sanctions["sanction_type"], sanctions["people_count"])) == {
        "诫勉": 1, "批评教育": 2, "撤销党内职务": 1, "开除党籍": 1, "党纪警告": 1, "政务记过": 1}
    assert sanctions["sanction_type"].tolist()[:2] == ["诫勉", "批评教育"]


def test_typical_cases_and_trend(engine):
    typical = cases.typical_cases(engine, COUNTY, period=Q3)
    assert typical["case_id"].tolist() == ["K03", "K01"]
    assert typical["people_count"].tolist() == [3, 2]
    assert typical.iloc[1]["village_name"] == "东门社区"
    trend = cases.case_trend(engine, COUNTY, periods=list(Q3.children()))
    assert trend["case_count"].tolist() == [1, 1, 2]
    assert trend["recovered_funds_wan_yuan"].tolist() == pytest.approx([12.5, 30.25, 5.0])
    assert trend["proactive_discovery_rate"].tolist() == pytest.approx([1.0, 0.0, 0.5])


def test_clue_breakdowns(engine):
    sources = clues.clue_breakdown(engine, COUNTY, dimension="clue_source", period=Q3).set_index("category")
    assert sources.loc["信访举报", "clue_count"] == 4 and sources.loc["12388举报平台", "clue_count"] == 2
    assert sources["clue_count"].sum() == 9 and len(sources) == 10
    levels = clues.clue_breakdown(engine, COUNTY, dimension="management_level", period=Q3)
    assert levels["category"].tolist() == ["红", "黄", "蓝"] and levels["clue_count"].tolist() == [3, 2, 4]
    towns = clues.clue_breakdown(engine, COUNTY, dimension="township", period=Q3)
    assert towns["clue_count"].tolist() == [5, 2, 2]


# --- 同比 / 环比 --------------------------------------------------------------------------------

def test_counts_change_relatively_and_rates_in_points(engine):
    cases = kpis.kpi(engine, COUNTY, metric="case_count", period=Q3)
    assert (cases.value, cases.year_ago_value, cases.previous_value) == (4, 2, 1)
    assert cases.yoy_change == pytest.approx(1.0) and cases.mom_change == pytest.approx(3.0)
    assert not cases.change_is_points
    assert (cases.formatted_yoy, cases.formatted_mom) == ("+100.0%", "+300.0%")
    clues = kpis.kpi(engine, COUNTY, metric="clue_count", period=Q3)
    assert clues.formatted_yoy == "+125.0%"
    funds = kpis.kpi(engine, COUNTY, metric="recovered_funds", period=Q3)
    assert funds.yoy_change == pytest.approx(3.775) and funds.formatted_value == "47.75万元"
    closed = kpis.kpi(engine, COUNTY, metric="clue_closed_rate", period=Q3)
    assert closed.change_is_points
    assert closed.yoy_change == pytest.approx((4 / 9 - 0.75) * 100)
    assert closed.formatted_yoy == "-30.6个百分点"
    satisfaction = kpis.kpi(engine, COUNTY, metric="satisfaction_rate", period=Q3)
    assert satisfaction.yoy_change == pytest.approx((270 / 310 - 80 / 90) * 100)
    assert satisfaction.mom_change == pytest.approx((270 / 310 - 169 / 240) * 100)
    assert satisfaction.formatted() == {"label": "满意率", "value": "87.1%", "yoy": "-1.8个百分点",
                                        "mom": "+16.7个百分点"}


def test_a_change_from_nothing_is_no_change(engine):
    typical = kpis.kpi(engine, COUNTY, metric="typical_case_count", period=Q3)
    assert typical.year_ago_value == 0 and typical.yoy_change is None and typical.formatted_yoy == "—"
    completion = kpis.kpi(engine, COUNTY, metric="rectification_completion_rate", period=Q3)
    assert completion.year_ago_value is None and completion.formatted_yoy == "—"  # no item fed back by 2023-09-30
    assert completion.mom_change == pytest.approx(25.0)  # 0.5 now, 0.25 as of 2024-06-30


def test_kpi_tiles_default_to_the_overview_six(engine):
    tiles = kpis.kpi_tiles(engine, COUNTY, period=Q3)
    assert [t.metric.name for t in tiles] == ["clue_count", "case_count", "people_handled", "recovered_funds",
                                              "rectification_completion_rate", "satisfaction_rate"]
    assert [t.formatted_value for t in tiles] == ["9件", "4件", "7人", "47.75万元", "50.0%", "87.1%"]


def test_tiles_read_together_equal_each_kpi_read_alone(engine):
    # kpi_tiles reads a source once for all its metrics (the four rectification rates share one scan)
    names = tuple(METRICS)
    tiles = kpis.kpi_tiles(engine, TOWNSHIP_B, period=Q3, metrics=names)
    alone = [kpis.kpi(engine, TOWNSHIP_B, metric=name, period=Q3) for name in names]
    assert [(t.metric.name, t.value, t.year_ago_value, t.previous_value) for t in tiles] == \
           [(k.metric.name, k.value, k.year_ago_value, k.previous_value) for k in alone]
    rates = {t.metric.name: t.value for t in kpis.kpi_tiles(engine, COUNTY, period=Q3, metrics=("rectification_completion_rate", "on_time_completion_rate", "overdue_count"))}
    assert rates == {"rectification_completion_rate": pytest.approx(5 / 10),
                     "on_time_completion_rate": pytest.approx(4 / 7), "overdue_count": 2}


# --- rectification as of a date ---------------------------------------------------------------

def test_rectification_rates_as_of_the_quarter_end(engine):
    value = lambda name, **kw: kpis.metric_value(engine, COUNTY, metric=name, period=Q3, **kw)  # noqa: E731
    # R04 completed 10-20 is not complete as of 09-30; R08 fed back 10-08 is not counted; 整改中 never counts
    assert value("rectification_completion_rate") == pytest.approx(5 / 10)
    assert value("on_time_completion_rate") == pytest.approx(4 / 7)
    assert value("overdue_count") == 2
    assert value("recurring_rate") == pytest.approx(3 / 10)
    # a month later: R04 is done (late), R08 is fed back
    later = date(2024, 10, 31)
    assert value("rectification_completion_rate", as_of=later) == pytest.approx(6 / 11)
    assert value("on_time_completion_rate", as_of=later) == pytest.approx(4 / 9)


def test_a_running_quarter_is_measured_as_of_the_datas_last_day(engine):
    q4 = Period.quarter(2024, 4)
    assert freshness.as_of_date(engine, Scope.county(), period=q4) == date(2024, 11, 15)
    assert kpis.metric_value(engine, COUNTY, metric="overdue_count", period=q4) == 3  # R03 R06 R11; R08 is due 11-30
    assert kpis.metric_value(engine, COUNTY, metric="overdue_count", period=q4, as_of=date(2024, 12, 31)) == 4


def test_rectification_by_township_is_sorted_by_completion(engine):
    table = rectification.rectification_by_township(engine, COUNTY, as_of=AS_OF)
    assert table["township_code"].tolist() == [C, A, B]
    assert table["rectification_items"].tolist() == [3, 4, 3]
    assert table["completed_items"].tolist() == [2, 2, 1]
    assert table["rectification_completion_rate"].tolist() == pytest.approx([2 / 3, 0.5, 1 / 3])
    assert table["on_time_completion_rate"].tolist() == pytest.approx([1.0, 1 / 3, 0.5])
    assert table["overdue_items"].tolist() == [0, 1, 1]
    assert rectification.rectification_by_township(engine, TOWNSHIP_B, as_of=AS_OF)["township_code"].tolist() == [B]


def test_status_as_of_a_date(engine):
    status = rectification.rectification_status_breakdown(engine, COUNTY, as_of=AS_OF)
    assert status["status"].tolist() == ["未启动", "整改中", "已完成", "已销号"]
    assert status["rectification_items"].tolist() == [1, 4, 4, 1]
    # on 07-01: R01 is not yet 销号 (07-05); R02, R05, R10 were completed later
    early = rectification.rectification_status_breakdown(engine, COUNTY, as_of=date(2024, 7, 1))
    assert early["rectification_items"].tolist() == [1, 6, 2, 0]


def test_the_status_breakdown_counts_each_items_own_status_on_the_sample(sample_engine):
    """The breakdown is four as-of measures (read from the summaries); each item's status is a CASE on the
    item (the lists): on every quarter's last day, for the county and each township, they agree."""
    county = Scope(role="纪委")
    townships = places.township_options(sample_engine, county)["township_code"].tolist()
    compared = 0
    for year in (2024, 2025, 2026):
        for quarter in (1, 2, 3, 4):
            day = Period.quarter(year, quarter).end
            statuses = pd.concat([rectification.rectification_items_of(sample_engine, county, township_code=code,
                                                                       as_of=day)["status"] for code in townships])
            expected = [int((statuses == status).sum()) for status in ("未启动", "整改中", "已完成", "已销号")]
            breakdown = rectification.rectification_status_breakdown(sample_engine, county, as_of=day)
            assert breakdown["rectification_items"].tolist() == expected, day
            compared += sum(expected)
    assert compared > 3000


def test_a_list_read_with_first_is_the_head_of_the_whole_list(engine):
    every = rectification.overdue_items(engine, COUNTY, as_of=AS_OF)
    assert rectification.overdue_items(engine, COUNTY, as_of=AS_OF, first=2)["item_id"].tolist() == ["R06", "R04"]
    assert len(every) == 4
    recurring = rectification.recurring_items(engine, COUNTY, as_of=AS_OF, first=1)
    assert recurring["item_id"].tolist() == ["R11"]
    backlog = priority_clues(engine, COUNTY, period=Q3)
    assert priority_clues(engine, COUNTY, period=Q3, first=1)["clue_id"].tolist() == backlog["clue_id"].head(1).tolist()


def test_recent_activity_counts_every_new_clue_and_lists_the_first(engine):
    every = clues.recent_activity(engine, COUNTY, days=400)
    first = clues.recent_activity(engine, COUNTY, days=400, first=1)
    assert every["new_clues"] == first["new_clues"] == len(every["clues"]) > 1
    assert every["new_cases"] == first["new_cases"] == len(every["cases"]) > 1
    assert first["clues"]["clue_id"].tolist() == every["clues"]["clue_id"].head(1).tolist()
    assert len(first["cases"]) == 1


def test_recent_activity_of_no_rows_counts_without_listing(engine):
    every = clues.recent_activity(engine, COUNTY, days=400)
    counted = clues.recent_activity(engine, COUNTY, days=400, first=0)  # 总览's closed 明细
    assert (counted["as_of"], counted["new_clues"], counted["new_cases"]) == (
        every["as_of"], every["new_clues"], every["new_cases"])
    assert counted["clues"].empty and counted["cases"].empty
    assert list(counted["clues"].columns) == list(every["clues"].columns)


def test_rectification_by_source(engine):
    table = rectification.rectification_by_source(engine, COUNTY, as_of=AS_OF).set_index("issue_source")
    assert len(table) == 6
    assert table.loc["县委巡察", ["rectification_items", "completed_items"]].tolist() == [4, 2]
    assert table.loc["审计反馈", "rectification_completion_rate"] == pytest.approx(1.0)


def test_overdue_and_due_soon_warnings(engine):
    table = rectification.overdue_items(engine, LEADER, as_of=AS_OF)
    assert table["item_id"].tolist() == ["R06", "R04", "R03", "R11"]
    assert table["days_overdue"].tolist() == [20, 15, -5, -10]
    assert table["warning"].tolist() == ["红", "红", "黄", "黄"]  # 10 days left is still 黄
    assert table["responsible_person"].tolist() == ["孙**", "赵**", "王**", "陈***"]
    assert rectification.overdue_items(engine, COUNTY, as_of=AS_OF, include_due_soon=False)["item_id"].tolist() == ["R06", "R04"]
    items = rectification.rectification_items_of(engine, COUNTY, township_code=B, as_of=AS_OF).set_index("item_id")
    assert items.loc["R07", "warning"] == "绿" and items.loc["R07", "days_overdue"] == -92
    assert items.loc["R05", "warning"] == "" and items.loc["R06", "responsible_person"] == "孙责任"
    assert "R08" not in items.index  # fed back after the as-of date


def test_due_soon_days_is_a_setting(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DUE_SOON_DAYS", "5")
    table = rectification.overdue_items(engine, COUNTY, as_of=AS_OF)
    assert table["item_id"].tolist() == ["R06", "R04", "R03"]  # R11 (10 days left) is now 绿, not listed


def test_recurring_items(engine):
    table = rectification.recurring_items(engine, COUNTY, as_of=AS_OF)
    assert table["item_id"].tolist() == ["R11", "R04", "R06"]
    assert table.set_index("item_id").loc["R04", "status"] == "整改中"


# --- satisfaction ----------------------------------------------------------------------------

def test_county_satisfaction_weights_townships_by_valid_samples(engine):
    county = kpis.metric_value(engine, COUNTY, metric="satisfaction_rate", period=Q3)
    assert county == pytest.approx(270 / 310)
    by_township = kpis.metric_by_township(engine, COUNTY, metric="satisfaction_rate", period=Q3)
    plain_mean = sum(by_township["satisfaction_rate"]) / 3
    assert plain_mean == pytest.approx(0.815789, abs=1e-6) and abs(plain_mean - county) > 0.05
    assert kpis.metric_value(engine, COUNTY, metric="awareness_rate", period=Q3) == pytest.approx(0.4)


def test_a_month_reads_its_quarters_survey_and_a_year_adds_its_quarters(engine):
    series = satisfaction.satisfaction_series(engine, COUNTY, periods=[Period.month(2024, 8), Q3, Period.whole_year(2024)])
    assert series["satisfaction_rate"].tolist() == pytest.approx([270 / 310, 270 / 310, 439 / 550])
    assert series["sample_size"].tolist() == [350, 350, 610]
    assert series["valid_samples"].tolist() == [310, 310, 550]
    table = satisfaction.satisfaction_by_township(engine, COUNTY, periods=[Q3])
    assert table["satisfaction_rate"].tolist() == pytest.approx([180 / 190, 0.75, 0.75])
    assert table["awareness_rate"].tolist() == pytest.approx([0.5, 0.3, 0.2])


# --- the quarterly ranking -------------------------------------------------------------------

def test_ranking_breaks_a_tie_by_fewer_overdue_items_and_flags_an_interview(engine):
    scores = quarterly_ranking(engine, TOWNSHIP_B, quarter=Q3)  # a 乡镇 user sees the whole county ranking
    assert scores["township_code"].tolist() == [C, B, A]
    assert scores["rank"].tolist() == [1, 2, 3]
    assert scores["score"].tolist() == pytest.approx([62.5, 62.5, 60.0877], abs=1e-4)
    assert scores["overdue_items"].tolist() == [0, 1, 1]
    assert scores["previous_rank"].tolist() == [2, 1, 3]
    assert scores["rank_change"].tolist() == [1, -1, 0]
    assert scores["is_last"].tolist() == [False, False, True]
    assert scores["suggest_interview"].tolist() == [False, False, True]
    flags = interview_flags(engine, COUNTY, quarter=Q3)
    assert flags[["township_code", "township_name", "quarters"]].values.tolist() == [
        [A, "城关街道", "2024年第二季度、2024年第三季度"]]


def test_a_missing_component_counts_as_zero_and_weights_are_a_setting(engine, monkeypatch):
    q2 = quarterly_ranking(engine, COUNTY, quarter=Q2).set_index("township_code")
    assert q2.loc[A, "score"] == pytest.approx(45.5)  # no case in 2024Q2: 主动发现率 counts 0
    assert q2.loc[B, "score"] == pytest.approx(48.5)  # nothing due yet: 按期完成率 counts 0
    assert q2.loc[C, "score"] == pytest.approx(47.0)
    assert not q2.loc[A, "suggest_interview"]  # 2024Q1 was last for C
    empty_quarter = quarterly_ranking(engine, COUNTY, quarter=Period.quarter(2022, 4))
    assert empty_quarter["score"].tolist() == [0, 0, 0] and not empty_quarter["is_last"].any()
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", '{"rectification_completion_rate": 0, "on_time_completion_rate": 0, '
                       '"satisfaction_rate": 100, "proactive_discovery_rate": 0}')
    by_satisfaction = quarterly_ranking(engine, COUNTY, quarter=Q3)
    assert by_satisfaction["township_code"].tolist()[0] == A


# --- scope -----------------------------------------------------------------------------------

def test_a_township_user_cannot_see_another_townships_rows(engine):
    assert kpis.metric_value(engine, TOWNSHIP_B, metric="clue_count", period=Q3, township_code=A) == 2
    backlog = priority_clues(engine, TOWNSHIP_B, period=Q3, township_code=A)
    assert backlog["clue_id"].tolist() == ["C05", "C04"] and set(backlog["township_name"]) == {"青石镇"}
    assert rectification.overdue_items(engine, TOWNSHIP_B, as_of=AS_OF, township_code=A)["item_id"].tolist() == ["R06"]
    assert rectification.rectification_items_of(engine, TOWNSHIP_B, township_code=A, as_of=AS_OF)["item_id"].tolist() == ["R05", "R06", "R07"]
    assert kpis.metric_by_township(engine, TOWNSHIP_B, metric="clue_count", period=Q3)["township_code"].tolist() == [B]
    assert places.township_options(engine, TOWNSHIP_B)["township_name"].tolist() == ["青石镇"]
    assert cases.case_breakdown(engine, TOWNSHIP_B, dimension="township", period=Q3)["category"].tolist() == ["青石镇"]
    assert places.village_table(engine, TOWNSHIP_B, township_code=A, period=Q3)["village_name"].tolist() == ["石桥村", "河口村"]
    recent = clues.recent_activity(engine, TOWNSHIP_B, township_code=C)
    assert recent["clues"]["clue_id"].tolist() == ["C15"] and recent["new_cases"] == 0


def test_names_are_masked_unless_the_role_sees_names(engine):
    shown = priority_clues(engine, COUNTY, period=Q3, open_only=False)
    assert shown["clue_id"].tolist() == ["C01", "C05", "C04", "C07"]  # 挂牌督办 first, then oldest
    assert shown.set_index("clue_id").loc["C04", "reported_person_name"] == "欧阳明"
    masked = priority_clues(engine, LEADER, period=Q3)
    assert masked["clue_id"].tolist() == ["C05", "C04", "C07"]  # 办结 C01 left out
    assert masked["reported_person_name"].tolist() == ["钱*", "欧**", "周*"]


def test_open_priority_clues_carry_over_from_earlier_quarters_until_closed(engine):
    q4 = priority_clues(engine, COUNTY, period=Period.quarter(2024, 4))
    # C15 received in Q4; C05, C04, C07 received in Q3 and still 在办; C01 was 办结 on 08-01
    assert q4["clue_id"].tolist() == ["C05", "C15", "C04", "C07"]
    july = priority_clues(engine, COUNTY, period=Period.month(2024, 7))
    assert july["clue_id"].tolist() == ["C01"]  # 办结 on 08-01: still open at the end of July
    # and its status is read on July's last day, not today's: a list headed 在办 shows no 办结
    assert july["handling_status"].tolist() == ["期末在办，2024-08-01办结"]
    assert set(q4["handling_status"]) == {"在办"}
    received = priority_clues(engine, COUNTY, period=Period.quarter(2024, 3), open_only=False)
    assert received.set_index("clue_id")["handling_status"].to_dict() == {
        "C01": "办结", "C05": "在办", "C04": "在办", "C07": "在办"}


def test_village_counts_below_the_threshold_read_less_than_three(engine):
    masked = places.village_table(engine, LEADER, township_code=A, period=Q3)
    assert list(masked.columns) == ["village_code", "village_name", "village_kind", "clue_count", "case_count",
                                    "rectification_items", "overdue_items"]
    assert masked.iloc[0].tolist()[1:] == ["东门社区", "社区", 3, "<3", "<3", 0]
    assert masked.iloc[1].tolist()[1:] == ["北关村", "行政村", "<3", "<3", "<3", 0]
    shown = places.village_table(engine, COUNTY, township_code=A, period=Q3)
    assert shown.iloc[1].tolist()[3:] == [1, 1, 1, 0]


def test_the_small_number_threshold_is_a_setting(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SMALL_NUMBER_THRESHOLD", "4")
    masked = places.village_table(engine, LEADER, township_code=A, period=Q3)
    assert masked.iloc[0]["clue_count"] == "<4"


# --- recent activity, freshness, filter defaults ------------------------------------------------

def test_recent_activity_is_the_last_week_of_the_data_not_of_the_clock(engine):
    recent = clues.recent_activity(engine, COUNTY)
    assert recent["as_of"] == date(2024, 11, 15)
    assert (recent["new_clues"], recent["new_cases"]) == (2, 1)
    assert recent["clues"]["clue_id"].tolist() == ["C16", "C15"]
    assert recent["cases"]["case_id"].tolist() == ["K08"]
    assert list(recent["clues"].columns) == ["clue_id", "received_date", "township_name", "village_name",
                                             "clue_source", "problem_domain", "management_level", "is_supervised",
                                             "summary"]
    assert clues.recent_activity(engine, COUNTY, days=30)["new_clues"] == 2


def test_freshness_and_filter_defaults(engine):
    fresh = freshness.data_freshness(engine, Scope.county())
    assert fresh["data_as_of"] == date(2024, 11, 15)
    assert (fresh["last_batch_id"], fresh["last_file_name"], fresh["batches"]) == (1, "测试台账.xlsx", 1)
    assert freshness.latest_period(engine, Scope.county(), granularity="quarter") == Period.quarter(2024, 4)
    assert freshness.latest_period(engine, Scope.county(), granularity="month") == Period.month(2024, 11)
    assert freshness.available_years(engine, Scope.county()) == [2023, 2024]
    assert places.county_name(engine, Scope.county()) == "测试县"
    assert places.township_options(engine, COUNTY)["township_kind"].tolist() == ["街道", "镇", "乡"]


def test_an_empty_warehouse_answers_with_empty_figures(empty_engine):
    assert places.county_name(empty_engine, Scope.county()) == "本县"
    assert kpis.metric_value(empty_engine, COUNTY, metric="clue_count", period=Q3) == 0
    assert kpis.metric_value(empty_engine, COUNTY, metric="satisfaction_rate", period=Q3) is None
    assert kpis.kpi(empty_engine, COUNTY, metric="case_count", period=Q3).formatted_yoy == "—"
    assert quarterly_ranking(empty_engine, COUNTY, quarter=Q3).empty
    assert freshness.available_years(empty_engine, Scope.county()) == []
    assert freshness.data_freshness(empty_engine, Scope.county())["batches"] == 0


def test_every_column_a_data_function_returns_has_a_chinese_header_and_rates_read_as_percentages(engine):
    table = rectification.rectification_by_township(engine, COUNTY, as_of=AS_OF)
    assert [COLUMN_LABELS[c] for c in table.columns][:5] == ["乡镇代码", "乡镇", "整改事项(件)", "已完成(件)", "整改完成率(%)"]
    assert {"rectification_completion_rate", "on_time_completion_rate"} <= RATE_COLUMNS
    assert COLUMN_LABELS["clue_to_case_rate"] == "初核转立案率(%)" and "clue_to_case_rate" in RATE_COLUMNS
    assert COLUMN_LABELS["recovered_funds_wan_yuan"] == "追缴资金(万元)"


def test_the_open_items_ranges_are_every_item_not_done_on_each_day(engine, sample_engine):
    """``open_as_of`` (the prefecture's overdue list reads it as index ranges) is ``NOT done_as_of`` on every day,
    for the sample's items and for two a ledger allows: 整改中 with a completion date, 已完成 without one."""
    from datetime import timedelta

    from sqlalchemy import insert, not_, select

    from metrics.measures import done_as_of, open_as_of
    from warehouse import schema

    r = schema.rectification_items.c
    odd = [("R90", "整改中", date(2024, 6, 1)), ("R91", "已完成", None)]
    with engine.begin() as conn:
        conn.execute(insert(schema.rectification_items), [
            {"item_id": item, "issue_source": "县委巡察", "feedback_date": date(2024, 3, 1), "township_code": A,
             "problem_category": "其他", "deadline_date": date(2024, 5, 31), "rectification_status": status,
             "completed_date": completed, "is_recurring": False} for item, status, completed in odd])
    compared = 0
    for warehouse in (engine, sample_engine):
        with warehouse.connect() as conn:
            for day in [date(2024, 6, 1), *(date(2023, 12, 31) + timedelta(days=30 * step) for step in range(26))]:
                both = [set(conn.execute(select(r.item_id).where(condition)).scalars())
                        for condition in (open_as_of(day), not_(done_as_of(day)))]
                assert both[0] == both[1], day
                compared += len(both[0])
    with engine.connect() as conn:
        still_open = set(conn.execute(select(r.item_id).where(open_as_of(date(2024, 9, 30)))).scalars())
    assert {"R90", "R91", "R03", "R04", "R06", "R07", "R08", "R11"} == still_open  # R08 is fed back later: a row
    assert compared > 10000


def test_a_breakdown_lists_the_vocabulary_in_order_zero_filled_then_other_categories_most_first():
    from metrics.tables import categorised

    table = pd.DataFrame({"problem_domain": pd.Series(["乙", "其他甲", "其他乙", "甲"], dtype="str"),
                          "case_count": [2, 1, 5, 3], "recovered_funds_wan_yuan": [1.5, 0.0, 2.25, float("nan")]})
    out = categorised(table, "problem_domain", ["甲", "乙", "丙"], "case_count")
    assert out["category"].tolist() == ["甲", "乙", "丙", "其他乙", "其他甲"]
    assert out["case_count"].tolist() == [3, 2, 0, 5, 1] and str(out["case_count"].dtype) == "int64"
    assert out["recovered_funds_wan_yuan"].tolist() == [0.0, 1.5, 0.0, 2.25, 0.0]
    assert list(out.columns) == ["category", "case_count", "recovered_funds_wan_yuan"]
