"""The pages' extra queries, built on ``metrics.queries`` (owned by the pages work).

Kept apart so the metrics work's module stays its own; same conventions: engine first, scope
always, no SQL of its own here (it composes the metrics layer's queries).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from metrics import queries
from metrics.periods import Period
from metrics.scope import Scope


def case_totals(engine: Engine, first_year: int, last_year: int, scope: Scope,
                township_code: str | None = None) -> dict[str, Any]:
    """Return {first_year, last_year, case_count, people_count, recovered_funds_wan_yuan, by_year} over whole years.

    The years do not overlap, so their sums are the range's figures (126 cases 2023-2024 on the sample).
    """
    years = [Period.whole_year(y) for y in range(first_year, last_year + 1)]
    by_year = queries.case_trend(engine, years, scope, township_code)
    return {
        "first_year": first_year,
        "last_year": last_year,
        "case_count": int(by_year["case_count"].fillna(0).sum()) if len(by_year) else 0,
        "people_count": int(by_year["people_count"].fillna(0).sum()) if len(by_year) else 0,
        "recovered_funds_wan_yuan": float(by_year["recovered_funds_wan_yuan"].fillna(0).astype(float).sum())
        if len(by_year) else 0.0,
        "by_year": by_year,
    }


def drill_totals(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> dict[str, Any]:
    """Return {children, children_case_count, case_count}: a period's cases against the sum of its children's.

    Shown under the drilldown chart, so a reader sees that the drilled figures add up to the parent.
    """
    children = list(period.children())
    by_child = queries.case_trend(engine, children, scope, township_code) if children else None
    total = int(by_child["case_count"].fillna(0).sum()) if by_child is not None and len(by_child) else 0
    parent = queries.metric_value(engine, "case_count", period, scope, township_code)
    return {"children": len(children), "children_case_count": total,
            "case_count": int(parent) if parent is not None else 0}
