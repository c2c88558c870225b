"""All SQL the pages and reports read: SQLAlchemy Core, bound parameters, every function scoped.

SKELETON: signatures and return columns are final; bodies are being filled in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from metrics.definitions import Kpi, Metric, get_metric
from metrics.periods import Period
from metrics.scope import Scope

COLUMN_LABELS: dict[str, str] = {}


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def metric_value(engine: Engine, name: str, period: Period, scope: Scope, township_code: str | None = None,
                 as_of: date | None = None) -> float | None:
    """Return the metric's value for the period (rates as fractions), None when it has no base."""
    return None


def kpi(engine: Engine, name: str, period: Period, scope: Scope, township_code: str | None = None) -> Kpi:
    """Return the metric for the period with its 同比 and 环比."""
    metric = get_metric(name)
    return Kpi(metric, period, None, None, None, None, None, metric.is_rate)


def kpi_tiles(engine: Engine, period: Period, scope: Scope, township_code: str | None = None,
              names: tuple[str, ...] = ("clue_count", "case_count", "people_handled", "recovered_funds",
                                        "rectification_completion_rate", "satisfaction_rate")) -> list[Kpi]:
    """Return one Kpi per name, in order."""
    return [kpi(engine, n, period, scope, township_code) for n in names]


def metric_series(engine: Engine, name: str, periods: list[Period], scope: Scope,
                  township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, value], one row per period in order."""
    return _empty("period_code", "period_label", "value")


def metric_by_township(engine: Engine, name: str, period: Period, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, value] for every township in scope, in code order."""
    return _empty("township_code", "township_name", "value")


def case_breakdown(engine: Engine, dimension: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, case_count, people_count, recovered_funds_wan_yuan, share]."""
    return _empty("category", "case_count", "people_count", "recovered_funds_wan_yuan", "share")


def case_trend(engine: Engine, periods: list[Period], scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, case_count, people_count, recovered_funds_wan_yuan, proactive_rate]."""
    return _empty("period_code", "period_label", "case_count", "people_count", "recovered_funds_wan_yuan",
                  "proactive_rate")


def people_by_form(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[discipline_form, people, share]: all four forms in order, zero-filled."""
    return _empty("discipline_form", "people", "share")


def people_by_sanction(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[sanction_type, people, share]."""
    return _empty("sanction_type", "people", "share")


def typical_cases(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[case_id, filed_date, township_name, village_name, problem_domain, violation_type, people_count, recovered_funds_wan_yuan]."""
    return _empty("case_id", "filed_date", "township_name", "village_name", "problem_domain", "violation_type",
                  "people_count", "recovered_funds_wan_yuan")


def clue_trend(engine: Engine, periods: list[Period], scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, clue_count, closed_count, closed_rate, red_count, supervised_count]."""
    return _empty("period_code", "period_label", "clue_count", "closed_count", "closed_rate", "red_count",
                  "supervised_count")


def clue_breakdown(engine: Engine, dimension: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, clue_count, share]."""
    return _empty("category", "clue_count", "share")


def recent_activity(engine: Engine, scope: Scope, township_code: str | None = None, days: int = 7) -> dict[str, Any]:
    """Return {as_of, new_clues, new_cases, clues, cases} for the last ``days`` days of the data."""
    return {"as_of": None, "new_clues": 0, "new_cases": 0,
            "clues": _empty("clue_id", "received_date", "township_name", "village_name", "clue_source",
                            "problem_domain", "management_level", "is_supervised", "summary"),
            "cases": _empty("case_id", "filed_date", "township_name", "village_name", "problem_domain",
                            "discovery_method", "violation_type", "people_count", "recovered_funds_wan_yuan")}


def priority_clues(engine: Engine, period: Period, scope: Scope, township_code: str | None = None,
                   open_only: bool = True) -> pd.DataFrame:
    """Return DataFrame of 红 or 挂牌督办 clues received in the period."""
    return _empty("clue_id", "received_date", "township_name", "village_name", "problem_domain", "management_level",
                  "is_supervised", "handling_status", "reported_person_name", "summary")


def rectification_by_township(engine: Engine, as_of: date, scope: Scope) -> pd.DataFrame:
    """Return one row per township in scope, sorted by completion_rate desc."""
    return _empty("township_code", "township_name", "items", "completed", "completion_rate", "due_items",
                  "on_time_items", "on_time_rate", "overdue_items", "recurring_items")


def rectification_status_breakdown(engine: Engine, as_of: date, scope: Scope,
                                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[status, items, share]: the four statuses as of the date."""
    return _empty("status", "items", "share")


def rectification_by_source(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[issue_source, items, completed, completion_rate]."""
    return _empty("issue_source", "items", "completed", "completion_rate")


def overdue_items(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None,
                  include_due_soon: bool = True) -> pd.DataFrame:
    """Return overdue (and due-soon) items sorted by days_overdue desc."""
    return _empty("item_id", "township_name", "village_name", "issue_source", "problem_category", "description",
                  "responsible_person", "deadline_date", "days_overdue", "warning")


def recurring_items(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return the items flagged 反复出现 fed back on or before the date."""
    return _empty("item_id", "feedback_date", "township_name", "village_name", "issue_source", "problem_category",
                  "description", "status", "related_clue_id", "related_case_id")


def rectification_items_of(engine: Engine, township_code: str, as_of: date, scope: Scope) -> pd.DataFrame:
    """Return one township's items fed back on or before the date."""
    return _empty("item_id", "feedback_date", "village_name", "issue_source", "problem_category", "description",
                  "measures", "responsible_person", "deadline_date", "status", "completed_date", "is_recurring",
                  "days_overdue", "warning")


def satisfaction_series(engine: Engine, periods: list[Period], scope: Scope,
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, satisfaction_rate, awareness_rate, sample_size, valid_samples]."""
    return _empty("period_code", "period_label", "satisfaction_rate", "awareness_rate", "sample_size",
                  "valid_samples")


def satisfaction_by_township(engine: Engine, periods: list[Period], scope: Scope) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, township_code, township_name, satisfaction_rate, awareness_rate, sample_size]."""
    return _empty("period_code", "period_label", "township_code", "township_name", "satisfaction_rate",
                  "awareness_rate", "sample_size")


def quarterly_ranking(engine: Engine, quarter: Period, scope: Scope) -> pd.DataFrame:
    """Return the county's township ranking for the quarter (all townships, whatever the scope)."""
    return _empty("rank", "township_code", "township_name", "rectification_completion_rate",
                  "on_time_completion_rate", "satisfaction_rate", "proactive_discovery_rate", "score",
                  "overdue_items", "previous_rank", "rank_change", "is_last", "suggest_interview")


def interview_flags(engine: Engine, quarter: Period, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, quarters] of townships flagged 建议约谈."""
    return _empty("township_code", "township_name", "quarters")


def apply_small_number_rule(df: pd.DataFrame, columns: list[str] | tuple[str, ...], scope: Scope) -> pd.DataFrame:
    """Return a copy where counts in ``columns`` below the threshold (but > 0) read "<3" for a user who may not see names."""
    return df.copy()


def village_table(engine: Engine, township_code: str, period: Period, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[village_code, village_name, village_kind, clue_count, case_count, rectification_items, overdue_items]."""
    return _empty("village_code", "village_name", "village_kind", "clue_count", "case_count", "rectification_items",
                  "overdue_items")


def data_freshness(engine: Engine) -> dict[str, Any]:
    """Return {data_as_of, last_batch_id, last_loaded_at, last_file_name, batches}."""
    return {"data_as_of": None, "last_batch_id": None, "last_loaded_at": None, "last_file_name": None, "batches": 0}


def latest_period(engine: Engine, granularity: str = "quarter") -> Period:
    """Return the latest period of the granularity that has data."""
    return Period.containing(granularity, date.today())


def available_years(engine: Engine) -> list[int]:
    """Return the years that have data, ascending."""
    return []


def county_name(engine: Engine) -> str:
    """Return the county's name, or "本县"."""
    return "本县"


def township_options(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, township_kind] of the townships in scope."""
    return _empty("township_code", "township_name", "township_kind")


def drill_children(engine: Engine, name: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, value] over a year's quarters or a quarter's months."""
    return metric_series(engine, name, list(period.children()), scope, township_code)
