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
