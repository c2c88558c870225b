"""How fresh the data is: the as-of date of the facts, the latest period with data, the years, the last load.

The *data's as-of date* is the latest event date in the facts (a clue received, a case filed,
an item fed back or completed). A period still running is measured as of that date, not as of
its calendar end, so the running quarter does not count December's deadlines as already missed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from metrics.cache import remembered, version_in_use
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import as_date
from warehouse.engine import data_version_columns, version_of
from warehouse.schema import cases, clues, load_batches, rectification_items, satisfaction_surveys


def data_as_of(conn: Connection) -> date | None:
    """Return the latest event date in the facts, None when there are none.

    Remembered per database and data version (and the clues' and cases' maxima, so rows written
    without a load batch are seen too); every maximum here is an index seek. Under ``cached_call`` the version its
    result is stored under names it (``version_in_use``): a page's nine reads of it were nine statements.
    """
    url = str(conn.engine.url)
    known = version_in_use(url)
    if known is not None:
        return remembered(("data_as_of", url, known), lambda: _latest_event_date(conn))
    row = conn.execute(select(*data_version_columns(), select(func.max(clues.c.received_date)).scalar_subquery(),
                              select(func.max(cases.c.filed_date)).scalar_subquery())).one()  # one round trip
    received, filed = row[6], row[7]
    key = ("data_as_of", url, version_of(row), received, filed)
    return remembered(key, lambda: _latest_event_date(conn, (received, filed)))


def _latest_event_date(conn: Connection, known: tuple = ()) -> date | None:
    """The latest received, filed, fed-back or completed date in the facts (``known``: maxima already read)."""
    columns = (clues.c.received_date, cases.c.filed_date, rectification_items.c.feedback_date,
               rectification_items.c.completed_date)
    dates = list(known) + list(conn.execute(select(*(select(func.max(column)).scalar_subquery()
                                                     for column in columns[len(known):]))).one())  # one round trip
    dates = [as_date(d) for d in dates if d is not None]
    return max(dates) if dates else None


def effective_as_of(conn: Connection, period: Period, as_of: date | None = None) -> date:
    """Return the as-of date of a period: ``as_of`` if given, else its last day, but never past the data's last day."""
    return as_of_rule(data_as_of(conn), as_of)(period)


def as_of_rule(latest: date | None, as_of: date | None = None):
    """Return period → its as-of date, given the data's last day ``latest`` (read once for many periods)."""

    def as_of_of(period: Period) -> date:
        if as_of is not None:
            return as_of
        if latest is not None and latest < period.end:
            return latest
        return period.end

    return as_of_of


def ranked_quarter(quarter: Period, latest: Period, as_of: date) -> Period:
    """The quarter the quarterly views (the ranking, 建议约谈) read for ``quarter``: never past ``latest``, the
    latest quarter with data, and the one before while it is still running on ``as_of`` (the ranking is the 季通报's
    and needs the quarter's survey, which a running quarter has none of yet). The pages and the weekly deck both."""
    if latest.granularity == "quarter":
        quarter = min(quarter, latest)
    return quarter.previous() if as_of < quarter.end else quarter


def as_of_date(engine: Engine, scope: Scope, *, period: Period) -> date:
    """Return the date the period's as-of figures (整改) are measured on: its last day, never past the data's."""
    with engine.connect() as conn:
        return effective_as_of(conn, period)


def data_freshness(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Return {data_as_of, last_batch_id, last_loaded_at, last_file_name, batches} for "数据截至 <date> · 批次 N"."""
    b = load_batches.c
    with engine.connect() as conn:
        as_of = data_as_of(conn)
        counted = select(func.count(b.batch_id)).scalar_subquery().label("batches")
        last = conn.execute(select(b.batch_id, b.loaded_at, b.file_name, counted)
                            .order_by(b.batch_id.desc()).limit(1)).first()  # no row: no batch
    return {"data_as_of": as_of, "last_batch_id": last.batch_id if last else None,
            "last_loaded_at": last.loaded_at if last else None, "last_file_name": last.file_name if last else None,
            "batches": int(last.batches) if last else 0}


def latest_period(engine: Engine, scope: Scope, *, granularity: str = "quarter") -> Period:
    """Return the latest period of the granularity that has data (today's when there is none)."""
    with engine.connect() as conn:
        as_of = data_as_of(conn)
    return Period.containing(granularity, as_of or date.today())


def available_years(engine: Engine, scope: Scope) -> list[int]:
    """Return the years from the first to the last that have data, ascending ([] when empty)."""
    with engine.connect() as conn:
        return data_years(conn)


def data_years(conn: Connection) -> list[int]:
    """The years from the first to the last that have data, ascending ([] when empty): the periods offered."""
    last = data_as_of(conn)
    *firsts, survey_first = conn.execute(select(*(select(func.min(column)).scalar_subquery() for column in (
        clues.c.received_date, cases.c.filed_date, rectification_items.c.feedback_date,
        satisfaction_surveys.c.survey_year)))).one()  # each an index seek, in one round trip
    years = [as_date(d).year for d in firsts if d is not None]
    if survey_first is not None:
        years.append(int(survey_first))
    if last is None or not years:
        return []
    return list(range(min(years), last.year + 1))
