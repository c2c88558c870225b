"""Summaries: the declared measures kept per township, so a page reads thousands of rows, not a million.

Seven tables (``warehouse.schema``), all derived from the facts and from nothing else:

- ``summary_periods``: every measure of a *dated* source (clues, cases, case_people, platform;
  ``metrics.measures.SOURCES``) per township and month, written by the same ``aggregate_column`` SQL
  that the raw queries use (so a measure is still declared once), and the months added up into
  quarters and years: a page reads one row per township, measure and period it shows.
- ``summary_rectification``: the rectification as-of figures of a township, one row per day on
  which one of them changes (``AS_OF_EVENTS`` below), cumulative: the figures as of any day D are
  the township's latest row on or before D, one index seek per township.
- ``summary_rectification_sources``: the same figures per township and 问题来源 (整改推进's 按问题来源:
  a seek per township and source of the vocabulary, summed in SQL, not an as-of scan of every item).
- ``summary_rectification_counties`` and ``summary_rectification_county_sources``: both added up per county (the
  items' days of change grouped by county), for what is read of whole counties and not per township: a county's
  and a prefecture's tiles and 按问题来源 seek 100 rows at 100 counties, not 1,200 (by source 600, not 7,200).
- ``summary_arrivals``: 报送情况's first load of each township's rows of each ledger per month (the
  survey: per quarter), written by ``metrics.reporting.rebuild_arrivals`` from the same SELECT its
  reading from the facts runs.
- ``summary_ranking``: the quarterly ranking's components (``RANKED``'s measures) of every township in every
  quarter that ends by the data's last day, read from the tables above: 建议约谈 and 季度排名 read a row per
  township and quarter. Which quarters are complete depends on every county's data, so a county's rebuild also
  writes every township's rows of a quarter its load completed, and drops a quarter an undo reopened.

Who keeps them: every load rebuilds them for the counties it touched, inside the load's
transaction (``data_pipeline.load``), and so does 撤销本批次 (``data_pipeline.batches``): a reader
sees the facts and their summaries of one commit, never half a refresh. The last migration that
changed them (0015) fills them; ``python -m warehouse rebuild-summaries`` rebuilds
everything after rows were changed by hand.

Who reads them: ``metrics.measures.measure_table``, for the whole scope or per township (the
pages' tiles, trends and township tables, the 整改状态分布; a running period's whole months), and the
as-of measures by 问题来源; ``metrics.ranking`` the ranking's components of complete quarters
(``ranking_table``); any other grouping (village, category…) reads the facts. ``tests/test_summaries.py``
compares both ways for every measure, township and period of the sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import (
    Connection,
    Float,
    Integer,
    String,
    and_,
    cast,
    func,
    insert,
    literal,
    select,
    true,
    union,
    union_all,
)

from metrics.definitions import RANKING_METRICS, get_metric
from metrics.measures import AS_OF, DATED, MEASURES, SOURCES, Measure, Source, Totals, add_into, aggregate_column
from metrics.periods import Period
from metrics.reporting import MONTHLY_LEDGERS, rebuild_arrivals
from metrics.tables import as_text, counties_within, county_of, in_township, rows_of, township_codes_in
from warehouse import schema
from warehouse import vocabulary as vocab
from warehouse.engine import insert_columns

_m, _r, _s = schema.summary_periods.c, schema.summary_rectification.c, schema.summary_rectification_sources.c
# the groupings the summaries answer (by county: a prefecture's counties side by side, the townships' rows added up
# in SQL, or the per-county as-of summary's own rows)
SUMMARISED_GROUPS = ({"township_code"}, set(), {"county_code"})
AS_OF_ONLY_GROUPS = ({"issue_source"},)  # … and those the as-of ones answer too (summary_rectification_sources)
# the fact tables the arrivals summary reads (报送情况: every ledger a township reports)
ARRIVAL_TABLES = frozenset(table.name for table, _date in MONTHLY_LEDGERS.values()) | {schema.satisfaction_surveys.name}
# the fact tables the summaries read (a load of any other table leaves them as they are)
SUMMARISED_TABLES = frozenset({table.name for source in SOURCES.values() if source.rule in (DATED, AS_OF)
                               for table in source.tables}) | ARRIVAL_TABLES


# --- the as-of events: on which day each as-of measure of one item goes up (+1) or down (−1) -------

@dataclass(frozen=True)
class Event:
    """``delta`` on ``day(items)`` for the items where ``applies(items)`` (pandas columns of the items)."""

    day: Callable[[pd.DataFrame], pd.Series]
    delta: int
    applies: Callable[[pd.DataFrame], pd.Series]


def _fed(items):  # every measure counts an item only once it is fed back
    return items["feedback_date"]


def _later(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.where(a >= b, b)


def _done(items):  # metrics.measures.done_as_of without the day: done, with a completion date
    return items["rectification_status"].isin(vocab.RECTIFICATION_DONE) & items["completed_date"].notna()


def _overdue_from(items):  # overdue from the day after the deadline (once fed back) …
    return _later(_fed(items), items["deadline_date"] + timedelta(days=1))


def _always(items):
    return pd.Series(True, index=items.index)


# The measures of metrics.measures under the as_of rule, as days of change (each mirrors its
# declared condition; tests/test_summaries.py proves they agree on every day of the sample).
AS_OF_EVENTS: dict[str, tuple[Event, ...]] = {
    "rectification_items": (Event(_fed, 1, _always),),
    "completed_items": (Event(lambda i: _later(_fed(i), i["completed_date"]), 1, _done),),
    "due_items": (Event(lambda i: _later(_fed(i), i["deadline_date"]), 1, _always),),
    "on_time_items": (Event(lambda i: _later(_fed(i), i["deadline_date"]), 1,
                            lambda i: _done(i) & (i["completed_date"] <= i["deadline_date"])),),
    # … until it is completed (never, if it was completed before it became overdue)
    "overdue_items": (Event(_overdue_from, 1, lambda i: ~(_done(i) & (i["completed_date"] <= _overdue_from(i)))),
                      Event(lambda i: i["completed_date"], -1,
                            lambda i: _done(i) & (i["completed_date"] > _overdue_from(i)))),
    "recurring_items": (Event(_fed, 1, lambda i: i["is_recurring"].fillna(False).astype(bool)),),
    "not_started_items": (Event(_fed, 1, lambda i: i["rectification_status"] == vocab.RECTIFICATION_NOT_STARTED),),
    # 已销号 from the day it is done, fed back and 销号, whichever is last
    "closed_off_items": (Event(lambda i: _later(_later(_fed(i), i["completed_date"]), i["closed_off_date"]), 1,
                               lambda i: _done(i) & (i["rectification_status"] == vocab.RECTIFICATION_CLOSED_OFF)
                               & i["closed_off_date"].notna()),),
}
if (tuple(AS_OF_EVENTS) != schema.RECTIFICATION_AS_OF_MEASURES
        or set(AS_OF_EVENTS) != {m.name for m in MEASURES.values() if m.source == "rectification"}):
    raise RuntimeError("每个截至某日的整改度量都要在 AS_OF_EVENTS 和 summary_rectification 中各有一项")


# --- rebuilding -----------------------------------------------------------------------------------

def rebuild_summaries(conn: Connection, county_codes: Iterable[str] | None = None, *,
                      tables: Iterable[str] | None = None) -> None:
    """Rebuild the summaries for ``county_codes`` (6-digit codes; None: the whole warehouse) in ``conn``'s
    transaction: the measures of the sources that read one of ``tables`` (fact table names; None: all)."""
    wanted = None if county_codes is None else set(county_codes)
    if wanted is not None and len(wanted) > 1:
        every = set(conn.execute(select(schema.counties.c.county_code)).scalars())
        if wanted >= every:  # a province's file: one pass over everything, not a pass per county (4 s, not 25 s)
            wanted = None
    places: list[str | None] = [None] if wanted is None else sorted(wanted)
    changed = None if tables is None else set(tables)
    dated = [m for m in MEASURES.values() if SOURCES[m.source].rule == DATED
             and (changed is None or changed & {t.name for t in SOURCES[m.source].tables})]
    for place in places:
        if dated:
            _rebuild_periods(conn, place, dated)
        if changed is None or schema.rectification_items.name in changed:
            _rebuild_rectification(conn, place)
        if changed is None or changed & ARRIVAL_TABLES:
            rebuild_arrivals(conn, place)
        _rebuild_ranking(conn, place)  # last: it reads the summaries above (and any load may move the data's last day)


def _rebuild_periods(conn: Connection, place: str | None, measures: Sequence[Measure]) -> None:
    """Each dated measure per township and month (the declared aggregate), then the months added up
    into their quarters and years: a page reads one row per township and period it shows."""
    names = [m.name for m in measures]
    ours = [_m.measure.in_(names), *in_township(_m.township_code, place)]
    conn.execute(schema.summary_periods.delete().where(*ours))
    columns = ["measure", "period_code", "township_code", "value"]
    by_source: dict[str, list[Measure]] = {}
    for measure in measures:
        by_source.setdefault(measure.source, []).append(measure)
    for name, group in by_source.items():  # one scan of a source's rows for all its measures
        source = SOURCES[name]
        month = source.column("month")
        grouped = (select(month, source.township_column.label("township_code"),
                          *(aggregate_column(m, None, m.name) for m in group))
                   .select_from(source.from_clause).where(*in_township(source.township_column, place))
                   .group_by(month, source.township_column).cte(f"{name}_months"))
        rows = union_all(*(select(literal(m.name).label("measure"), grouped.c.month, grouped.c.township_code,
                                  grouped.c[m.name]) for m in group))
        conn.execute(insert(schema.summary_periods).from_select(columns, rows))
    year = func.substr(_m.period_code, 1, 4, type_=String)
    quarter = year + literal("Q") + cast((cast(func.substr(_m.period_code, 6, 2), Integer) + 2) // 3, String)
    for code in (quarter, year):
        rows = (select(_m.measure, code.label("period_code"), _m.township_code, func.sum(_m.value))
                .where(func.length(_m.period_code) == 7, *ours).group_by(_m.measure, code, _m.township_code))
        conn.execute(insert(schema.summary_periods).from_select(columns, rows))


def _rebuild_rectification(conn: Connection, place: str | None) -> None:
    """The as-of figures per township, and per township and 问题来源, from the items' days of change."""
    conn.execute(schema.summary_rectification.delete().where(*in_township(_r.township_code, place)))
    conn.execute(schema.summary_rectification_sources.delete().where(*in_township(_s.township_code, place)))
    for table in (schema.summary_rectification_counties, schema.summary_rectification_county_sources):
        conn.execute(table.delete().where(*in_township(table.c.county_code, place)))
    r = schema.rectification_items.c
    items = rows_of(conn, select(r.township_code, r.issue_source, r.feedback_date, r.deadline_date, r.completed_date,
                                 r.closed_off_date, r.rectification_status, r.is_recurring)
                    .where(*in_township(r.township_code, place)))
    if items.empty:
        return
    unknown = sorted(set(items["issue_source"]) - set(vocab.ISSUE_SOURCES))
    if unknown:  # the ledger's enum admits none; the by-source read seeks each township's sources of the vocabulary
        raise RuntimeError(f"整改事项的问题来源不在词表中：{'、'.join(unknown)}")
    for dated in ("feedback_date", "deadline_date", "completed_date", "closed_off_date"):
        items[dated] = pd.to_datetime(items[dated])
    changes = []
    for name, events in AS_OF_EVENTS.items():
        for event in events:
            chosen = items[event.applies(items).fillna(False).astype(bool)]
            changes.append(pd.DataFrame({"township_code": chosen["township_code"], "issue_source": chosen["issue_source"],
                                         "day": event.day(chosen), "measure": name, "delta": event.delta}))
    changes = pd.concat(changes, ignore_index=True)
    changes["county_code"] = changes["township_code"].str[:6]
    for table, keys in ((schema.summary_rectification, ["township_code"]),
                        (schema.summary_rectification_sources, ["township_code", "issue_source"]),
                        (schema.summary_rectification_counties, ["county_code"]),
                        (schema.summary_rectification_county_sources, ["county_code", "issue_source"])):
        deltas = (changes.pivot_table(index=[*keys, "day"], columns="measure", values="delta", aggfunc="sum",
                                      fill_value=0)
                  .reindex(columns=list(AS_OF_EVENTS), fill_value=0).sort_index())
        figures = deltas.groupby(level=keys).cumsum().reset_index()
        insert_columns(conn, table, {
            **{key: figures[key].tolist() for key in keys}, "day": figures["day"].dt.date.tolist(),
            **{name: figures[name].astype(int).tolist() for name in AS_OF_EVENTS}})


# --- the ranking's components per township and complete quarter ------------------------------------

RANKED = (*RANKING_METRICS, "overdue_count")  # the ranking's four rates and its tie-break (metrics.ranking)
if tuple(dict.fromkeys(m for name in RANKED for m in get_metric(name).measures)) != schema.RANKING_MEASURES:
    raise RuntimeError("summary_ranking 的列必须是排名各指标的度量")
_k = schema.summary_ranking.c


def complete_quarters(conn: Connection) -> list[Period]:
    """The quarters of the years offered (``freshness.data_years``) that end by the data's last day: their
    as-of figures are as of their own last day, whatever is loaded after (a later quarter's rows aside)."""
    from metrics.freshness import data_as_of, data_years

    latest = data_as_of(conn)
    return [Period("quarter", year, q) for year in data_years(conn) for q in range(1, 5)
            if latest is not None and Period("quarter", year, q).end <= latest]


def _rebuild_ranking(conn: Connection, place: str | None) -> None:
    """Every township's ranking components (``RANKED``'s measures, as ``metrics.kpis.metric_table`` reads them from
    the summaries above) in every complete quarter: the place's townships, then any quarter that some other
    township lacks (another county's load moved the data's last day past its end); a quarter no longer complete
    (an undo moved the day back) keeps nobody's. So the table holds every township in each quarter it holds."""
    quarters = complete_quarters(conn)
    codes = [q.code for q in quarters]
    conn.execute(schema.summary_ranking.delete().where(_k.period_code.not_in(codes)))
    conn.execute(schema.summary_ranking.delete().where(*in_township(_k.township_code, place)))
    _write_ranking(conn, quarters, place)
    if place is None:
        return
    townships = conn.execute(select(func.count()).select_from(schema.townships)).scalar()
    held = dict(conn.execute(select(_k.period_code, func.count()).group_by(_k.period_code)).all())
    short = [q for q in quarters if held.get(q.code, 0) < townships]
    if short:
        conn.execute(schema.summary_ranking.delete().where(_k.period_code.in_([q.code for q in short])))
        _write_ranking(conn, short, None)


def _write_ranking(conn: Connection, quarters: Sequence[Period], place: str | None) -> None:
    from metrics.kpis import metric_table

    towns = township_codes_in(conn, place)
    if not quarters or not towns:
        return
    table = metric_table(conn, RANKED, quarters, place, by=["township_code"])
    every = (pd.DataFrame({"period_code": [q.code for q in quarters]})
             .merge(pd.DataFrame({"township_code": towns}), how="cross")
             .merge(table, on=["period_code", "township_code"], how="left"))
    insert_columns(conn, schema.summary_ranking, {
        "period_code": every["period_code"].tolist(), "township_code": every["township_code"].tolist(),
        **{name: every[name].fillna(0).astype("int64").tolist() for name in schema.RANKING_MEASURES}})


def ranking_table(conn: Connection, quarters: Sequence[Period], place) -> pd.DataFrame | None:
    """DataFrame[period_code, township_code, *schema.RANKING_MEASURES] of ``place``'s townships (``in_township``'s
    places) in ``quarters``, from ``summary_ranking``; None when it does not hold one of the quarters (one not yet
    complete, or before the data), which the caller reads from the other summaries."""
    statement = (select(_k.period_code, _k.township_code, *(_k[name] for name in schema.RANKING_MEASURES))
                 .where(_k.period_code.in_([q.code for q in quarters]), *in_township(_k.township_code, place)))
    table = rows_of(conn, statement, whole_numbers=schema.RANKING_MEASURES)
    if set(table["period_code"].unique()) != {q.code for q in quarters}:  # unique(): 2,400 rows' iteration 1.3 ms
        return None
    return as_text(table, ["period_code", "township_code"])


def counties_of_batch(conn: Connection, batch_id: int) -> set[str]:
    """The counties whose summarised rows ``batch_id`` wrote or replaced (to rebuild after it, or after its undo)."""
    county = lambda column: county_of(column).label("county")  # noqa: E731
    parts = []
    for table in (schema.clues, schema.cases, schema.rectification_items, schema.platform_usage,
                  schema.satisfaction_surveys):
        parts.append(select(county(table.c.township_code)).where(table.c.batch_id == batch_id))
        replaced = schema.REPLACED_ROWS[table.name]
        parts.append(select(county(replaced.c.township_code)).where(replaced.c.replaced_by_batch_id == batch_id))
    people, replaced_people, k = schema.case_people, schema.REPLACED_ROWS["case_people"], schema.cases.c
    parts.append(select(county(k.township_code)).select_from(people.join(schema.cases, people.c.case_id == k.case_id))
                 .where(people.c.batch_id == batch_id))
    parts.append(select(county(k.township_code))
                 .select_from(replaced_people.join(schema.cases, replaced_people.c.case_id == k.case_id))
                 .where(replaced_people.c.replaced_by_batch_id == batch_id))
    return {row[0] for row in conn.execute(union(*parts)) if row[0]}


# --- reading ----------------------------------------------------------------------------------------

def answers(source: Source, by: Sequence[str]) -> bool:
    """Whether the summaries hold ``source``'s measures in this grouping (dated ones: for whole months)."""
    return (set(by) in SUMMARISED_GROUPS and source.rule in (DATED, AS_OF)
            or set(by) in AS_OF_ONLY_GROUPS and source.rule == AS_OF)


def whole_months(period: Period) -> bool:
    """Whether ``period`` is made of whole months (not a running period cut at a day)."""
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def dated_totals(conn: Connection, measures: Sequence[Measure], periods: Sequence[Period], township: str | None,
                 by: Sequence[str]) -> Totals:
    """``metrics.measures``' dated totals of whole-month periods, from ``summary_periods``.

    The sums come back as floats (``_frame`` makes counts ints and money floats): a Decimal per row, which
    the ``Numeric`` column would give, is a third of the time of 3,600 rows (1,200 townships × 3 periods)."""
    groups = {(): [], ("township_code",): [_m.township_code],
              ("county_code",): [county_of(_m.township_code)]}[tuple(by)]
    names = [m.name for m in measures]
    position = {name: i for i, name in enumerate(names)}
    statement = (select(_m.period_code, *groups, _m.measure, cast(func.sum(_m.value), Float))
                 .where(_m.measure.in_(names), _m.period_code.in_({p.code for p in periods}),
                        *in_township(_m.township_code, township))
                 .group_by(_m.period_code, *groups, _m.measure))
    totals: Totals = {}
    for row in conn.execute(statement).all():
        key = (row[0], tuple(row[1:1 + len(groups)]))
        values = totals.get(key)
        if values is None:
            values = totals[key] = [0] * len(names)
        values[position[row[-2]]] = row[-1]
    return totals


def _of_whole_counties(township) -> bool:
    """Whether a place (``Scope.narrowed_to``) is made of whole counties: every county (None), one county's 6 digits,
    or a tuple of counties (the ranking's look-back); a township's 9 digits is not."""
    return township is None or isinstance(township, tuple) or len(township) == 6


def as_of_totals(conn: Connection, measures: Sequence[Measure], periods: Sequence[Period], township: str | None,
                 by: Sequence[str], as_of_of: Callable[[Period], date]) -> Totals:
    """``metrics.measures``' as-of totals, from ``summary_rectification``: each township's latest row on or
    before the period's as-of date (by 问题来源: from ``summary_rectification_sources``, each township's and
    source's latest row, summed per source). A group with nothing to count by then is not a row of it.
    Whole counties not grouped by township (a county's tiles, a prefecture's, its counties side by side) read the
    per-county summaries: a row per county (and source), not per township (1,200 of a prefecture, 7,200 by
    source)."""
    if list(by) == ["issue_source"]:
        return _as_of_totals_by_source(conn, measures, periods, township, as_of_of)
    t = schema.townships.c
    by_county = list(by) == ["county_code"]  # whole counties: their own rows; a township: its rows, named by county
    per_county = (not by or by_county) and _of_whole_counties(township)
    if per_county:
        summary = schema.summary_rectification_counties
        places = counties_within(township).subquery("counties_in_scope")
        keys = {"county_code": places.c.county_code}
    else:
        summary, places, keys = schema.summary_rectification, schema.townships, {"township_code": t.township_code}
    c = summary.c
    totals: Totals = {}
    for period in dict.fromkeys(periods):
        latest = _latest_rows(summary, keys, places, as_of_of(period), None if per_county else township)
        if not by:  # summed in SQL: one row, not one per place (each tile's date)
            [row] = conn.execute(select(*(func.sum(c[m.name]) for m in measures)).select_from(latest)).all()
            totals[(period.code, ())] = [int(value or 0) for value in row]
            continue
        place_code = c.county_code if per_county else c.township_code
        for row in conn.execute(select(place_code, *(c[m.name] for m in measures)).select_from(latest)).all():
            values = [value or 0 for value in row[1:]]
            if any(values):  # one row per place and day: nothing to add up (but a township's under its county)
                add_into(totals, (period.code, (row[0][:6] if by_county else row[0],)), values)
    return totals


def _as_of_totals_by_source(conn: Connection, measures: Sequence[Measure], periods: Sequence[Period],
                            township: str | None, as_of_of: Callable[[Period], date]) -> Totals:
    """The as-of totals per 问题来源: each township's (whole counties: each county's) and source's latest row on or
    before the day (a seek of the primary key per place and source of the vocabulary, which the rebuild checks
    every item's is in)."""
    t = schema.townships.c
    sources = union_all(*(select(literal(source, String).label("issue_source"))
                          for source in vocab.ISSUE_SOURCES)).subquery("sources")
    per_county = _of_whole_counties(township)
    if per_county:
        summary = schema.summary_rectification_county_sources
        counties = counties_within(township).subquery("counties_in_scope")
        keys, places = {"county_code": counties.c.county_code}, counties.join(sources, true())
    else:
        summary, places = schema.summary_rectification_sources, schema.townships.join(sources, true())
        keys = {"township_code": t.township_code}
    keys["issue_source"] = sources.c.issue_source
    c = summary.c
    totals: Totals = {}
    for period in dict.fromkeys(periods):
        latest = _latest_rows(summary, keys, places, as_of_of(period), None if per_county else township)
        statement = (select(c.issue_source, *(func.sum(c[m.name]) for m in measures)).select_from(latest)
                     .group_by(c.issue_source))  # summed in SQL: six rows, not one per place and source
        for row in conn.execute(statement):
            figures = [int(value or 0) for value in row[1:]]
            if any(figures):  # the counts are never negative: a source is a group when a place has one
                totals[(period.code, (row[0],))] = figures
    return totals


def _latest_rows(summary, keys: dict, places, day: date, township: str | None):
    """``summary`` joined to its latest row on or before ``day`` for each of ``places``' rows (a township, a county,
    with or without a source): ``keys`` maps the summary's key columns to ``places``' columns, the place's first;
    ``township`` narrows a township's places (``in_township``).

    Each key's latest day is one seek of the primary key, then its row one more: not a seek per key and
    measure (9,600 at 100 counties, which PostgreSQL ran as as many subplans)."""
    c = summary.c
    latest_day = (select(func.max(c.day)).where(*(c[name] == column for name, column in keys.items()), c.day <= day)
                  .scalar_subquery())
    place = next(iter(keys.values()))
    latest = (select(*(column.label(name) for name, column in keys.items()), latest_day.label("day"))
              .select_from(places).where(*in_township(place, township))
              .cte(f"latest_{summary.name}").prefix_with("MATERIALIZED"))  # SQLite would flatten it into a scan
    return latest.join(summary, and_(*(c[name] == latest.c[name] for name in [*keys, "day"])))
