"""Every metric of docs/DOMAIN.md ("Metrics"), declared once: name, Chinese label, unit, description, measures.

A metric is a numerator *measure* of ``metrics.measures.MEASURES``, divided by a denominator
measure for a rate. What the measures count, over which rows and as of which date is declared
there; here a metric only names them. Adding a metric is one ``Metric`` line below (plus one
``Measure`` line when it needs a new aggregate).

Rates are fractions (0.823 means 82.3%). 同比/环比 of a count or a sum is a relative change
(0.125 = +12.5%); of a rate it is a difference in percentage points (2.5 = +2.5 个百分点);
``Kpi.change_is_points`` says which. A change whose base is 0 or missing is None ("—").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.measures import AS_OF, MEASURES, SOURCES
from metrics.periods import Period

KINDS = ("count", "sum", "rate")
UNITS = ("件", "人", "万元", "%")
NO_VALUE = "—"


@dataclass(frozen=True)
class Metric:
    """One named metric: what it is called, its unit and the measures it is computed from."""

    name: str
    label: str  # Chinese, shown on tiles and axes
    unit: str  # 件 / 人 / 万元 / %
    description: str  # one line, Chinese: the definition a user reads in a tooltip
    numerator: str  # a measure of metrics.measures.MEASURES
    denominator: str | None = None  # a measure, rates only
    higher_is_better: bool = True

    @property
    def kind(self) -> str:
        """rate (numerator ÷ denominator), sum (an amount of money, 万元) or count."""
        if self.denominator:
            return "rate"
        return "sum" if MEASURES[self.numerator].is_money else "count"

    @property
    def measures(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator) if self.denominator else (self.numerator,)

    @property
    def source(self) -> str:
        """The source family of the numerator (clues, cases, rectification, surveys, platform)."""
        source = MEASURES[self.numerator].source
        return "cases" if source == "case_people" else source

    @property
    def as_of_based(self) -> bool:
        """Computed as of a date (the period's last day) rather than over the period."""
        return any(SOURCES[MEASURES[m].source].rule == AS_OF for m in self.measures)

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def label_with_unit(self) -> str:
        """线索数(件), 追缴资金(万元), 办结率(%)."""
        return f"{self.label}({self.unit})"

    def value_from(self, numerator, denominator=None) -> float | int | None:
        """The metric from its measures' values: num/den for rates (None when den is 0), sums to 0.01, counts as int."""
        if self.denominator:
            if not denominator or denominator != denominator:
                return None
            return float(numerator) / float(denominator)
        if self.kind == "sum":
            return round(float(numerator), 2)
        return int(numerator)

    def value_of(self, row) -> float | int | None:
        """The metric from one row of measures (see ``value_from``)."""
        return self.value_from(row[self.numerator], row[self.denominator] if self.denominator else None)

    def column_of(self, table: pd.DataFrame) -> pd.Series:
        """The metric for every row of a measure table: float64 for rates and sums (NaN without a base), else int64.

        A rate is ``value_from``'s num/den as one array division (the same IEEE quotient per row: a 全市 ranking's
        4,800 rows took 0.66 ms a rate row by row, 0.11 ms so); sums keep Python's round, whose halves numpy's does not share."""
        if self.denominator:
            numerators = table[self.numerator].to_numpy(dtype="float64")
            denominators = table[self.denominator].to_numpy(dtype="float64")
            based = (denominators != 0) & ~np.isnan(denominators)
            with np.errstate(divide="ignore", invalid="ignore"):
                rates = np.where(based, numerators / np.where(based, denominators, 1.0), np.nan)
            return pd.Series(rates, index=table.index, dtype="float64")
        denominators = [None] * len(table)
        values = [self.value_from(n, d) for n, d in zip(table[self.numerator].tolist(), denominators)]
        dtype = "int64" if self.kind == "count" else "float64"
        return pd.Series([float("nan") if v is None else v for v in values], index=table.index, dtype=dtype)


_ALL = (
    Metric("clue_count", "线索数", "件", "受理日期在期间内的问题线索数。", "clue_count"),
    Metric("clue_closed_rate", "办结率", "%", "期间内受理的线索中已办结的比例（办结数 ÷ 受理数）。",
           "closed_count", "clue_count"),
    Metric("clue_to_case_rate", "初核转立案率", "%", "期间内受理的线索中处置方式为立案审查的比例（立案审查数 ÷ 受理数）。",
           "case_review_clue_count", "clue_count"),
    Metric("case_count", "立案数", "件", "立案日期在期间内的案件数。", "case_count"),
    Metric("people_handled", "处理人数", "人", "期间内立案案件的处理人员人数（按处理人员台账逐人计）。", "people_count"),
    Metric("recovered_funds", "追缴资金", "万元", "期间内立案案件的追缴资金合计（万元）。", "recovered_funds_wan_yuan"),
    Metric("proactive_discovery_rate", "主动发现率", "%",
           "期间内立案案件中发现方式为主动发现或大数据比对的比例。", "proactive_count", "case_count"),
    Metric("rectification_completion_rate", "整改完成率", "%",
           "截至期末，反馈的整改事项中已完成或已销号的比例（整改中不计入完成）。", "completed_items", "rectification_items"),
    Metric("on_time_completion_rate", "按期完成率", "%",
           "截至期末，整改时限已到的事项中在时限内完成的比例。", "on_time_items", "due_items"),
    Metric("overdue_count", "逾期数", "件", "截至期末，未完成且已超过整改时限的整改事项数。", "overdue_items",
           higher_is_better=False),
    Metric("recurring_rate", "反复出现率", "%", "截至期末，反馈的整改事项中标记为反复出现的比例。",
           "recurring_items", "rectification_items", higher_is_better=False),
    Metric("satisfaction_rate", "满意率", "%",
           "（满意＋基本满意）÷（样本量－不了解），全县按各乡镇有效样本加权，不取各乡镇比率的平均。",
           "satisfied_total", "valid_samples"),
    Metric("awareness_rate", "知晓率", "%", "知晓监督平台人数 ÷ 样本量（全县按样本量加权）。", "aware_of_platform",
           "sample_size"),
    Metric("platform_problems", "平台反映问题数", "件", "期间内通过小微权力监督平台反映的问题数。", "problems_reported"),
    Metric("supervised_clue_count", "挂牌督办线索数", "件", "期间内受理的线索中挂牌督办的线索数。",
           "supervised_clue_count"),
    Metric("red_clue_count", "红色线索数", "件", "期间内受理的线索中管理等级为红色（重点线索）的线索数。", "red_clue_count"),
    Metric("typical_case_count", "典型案例数", "件", "期间内立案案件中标记为典型案例的案件数。", "typical_case_count"),
)

METRICS: dict[str, Metric] = {m.name: m for m in _ALL}

# the county ranking's components: settings.ranking_weights is keyed by these names
RANKING_METRICS = ("rectification_completion_rate", "on_time_completion_rate", "satisfaction_rate",
                   "proactive_discovery_rate")


def get_metric(name: str) -> Metric:
    """Return the metric called ``name``; ValueError (Chinese) for an unknown name."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"未知的指标：{name}") from None


def format_value(metric: Metric | str, value: float | None) -> str:
    """Return the value as a user reads it: "873.46万元", "82.3%", "126件", "152人"; None → "—"."""
    metric = get_metric(metric) if isinstance(metric, str) else metric
    if value is None or value != value:  # None or NaN
        return NO_VALUE
    if metric.unit == "%":
        return f"{value * 100:.1f}%"
    if metric.unit == "万元":
        return f"{value:,.2f}万元"
    return f"{int(round(value)):,}{metric.unit}"


def format_change(change: float | None, is_points: bool) -> str:
    """Return a 同比/环比 change as text: "+12.5%", "-3.0个百分点"; None → "—"."""
    if change is None or change != change:
        return NO_VALUE
    if is_points:
        return f"{change:+.1f}个百分点"
    return f"{change * 100:+.1f}%"


def relative_or_points_change(metric: Metric, value: float | None, base: float | None) -> float | None:
    """Return the change from ``base`` to ``value``: relative for counts/sums, points for rates; None when base is 0/missing."""
    if value is None or base is None:
        return None
    if metric.is_rate:
        return round((value - base) * 100, 6)
    if base == 0:
        return None
    return (value - base) / base


@dataclass(frozen=True)
class Kpi:
    """One metric for one period with its 同比 (year_ago) and 环比 (previous) bases and changes."""

    metric: Metric
    period: Period
    value: float | None
    year_ago_value: float | None
    previous_value: float | None
    yoy_change: float | None  # 同比: relative (counts/sums) or percentage points (rates)
    mom_change: float | None  # 环比: same convention
    change_is_points: bool
    year_ago_period: Period | None = None  # the 同比 base as measured (cut to date for a running period)
    previous_period: Period | None = None  # the 环比 base as measured

    @property
    def formatted_value(self) -> str:
        return format_value(self.metric, self.value)

    @property
    def formatted_yoy(self) -> str:
        """同比 as text: "+12.5%" / "+2.5个百分点" / "—"."""
        return format_change(self.yoy_change, self.change_is_points)

    @property
    def formatted_mom(self) -> str:
        """环比 as text."""
        return format_change(self.mom_change, self.change_is_points)

    @property
    def change_unit(self) -> str:
        """"个百分点" for rates, "%" for counts and sums."""
        return "个百分点" if self.change_is_points else "%"

    def formatted(self) -> dict[str, str]:
        """Return the tile's texts: label, value, 同比, 环比."""
        return {"label": self.metric.label, "value": self.formatted_value, "yoy": self.formatted_yoy,
                "mom": self.formatted_mom}
