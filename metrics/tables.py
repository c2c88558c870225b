"""The small steps the subject modules share: running a statement into a frame, the townships in
scope, zero-filled categories, shares, masked names, dates read back from SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, false, func, or_, select

from metrics.periods import Period
from metrics.scope import Scope, mask_name
from warehouse.schema import counties, townships, villages

NO_VILLAGE = "乡镇本级/未明确到村"


def rows_of(conn: Connection, statement, *, whole_numbers: Sequence[str] = (), money: Sequence[str] = ()) -> pd.DataFrame:
    """Run ``statement``; the named columns become int64 / float64 (NULL → 0)."""
    result = conn.execute(statement)
    names, rows = list(result.keys()), result.fetchall()
    # column by column: a list of Rows makes pandas look each row up as a mapping first (1 s for 30,000 rows)
    frame = pd.DataFrame(dict(zip(names, zip(*rows))) if rows else {name: [] for name in names}, columns=names)
    for column in whole_numbers:
        if frame[column].dtype != np.int64:  # whole numbers and no NULL are int64 already (a summary's columns)
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    for column in money:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).astype("float64")
    return frame


def as_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` as pandas' str dtype: cast only those that are not already (rows_of infers str for
    text; casting a str column to str copies it, 0.5 ms for a dozen rows, a few times each page)."""
    cast_ = {column: "str" for column in columns if str(frame[column].dtype) != "str"}
    return frame.astype(cast_) if cast_ else frame


def county_names(conn: Connection) -> dict[str, str]:
    """Every county's name by its 6-digit code (the counties a prefecture's tables and labels name)."""
    return dict(conn.execute(select(counties.c.county_code, counties.c.county_name)).all())


def every_county_of(conn: Connection, place, table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """DataFrame[county_code, county_name, *columns, …]: ``table``'s rows of a read ``by=["county_code"]`` for every
    county with townships within ``place`` (``in_township``'s places), in code order, each named (``county_names``);
    a county with no row reads 0 in ``columns``. A 市级 user's 全市: 100 counties side by side."""
    counties = sorted({code[:6] for code in township_codes_in(conn, place)})
    names = county_names(conn)
    frame = pd.DataFrame({"county_code": pd.array(counties, dtype="str")}).merge(table, on="county_code", how="left")
    for column in columns:
        frame[column] = frame[column].fillna(0)
    frame["county_name"] = frame["county_code"].map(names).fillna(frame["county_code"]).astype("str")
    return frame


def township_label(across_counties: bool):
    """The 乡镇 column of an item list (``township_name``): the township's name, or 县·乡镇 when the list spans
    counties (a prefecture has a 城关镇 in many of them). Select it from ``with_county(...)``."""
    name = townships.c.township_name
    return (counties.c.county_name + "·" + name if across_counties else name).label("township_name")


def village_name_of(village_code):
    """The ``village_name`` column of an item list: each listed row's village by its key (NULL without one), not a
    join: PostgreSQL hashed all 23,300 villages of 100 counties for a county's 118 open priority clues (5.9 ms of
    the list's 6.7); a lookup per listed row is what a list of at most ``list_rows_shown`` rows needs."""
    return (select(villages.c.village_name).where(villages.c.village_code == village_code).scalar_subquery()
            .label("village_name"))


def with_county(joined, across_counties: bool):
    """``joined`` (a FROM with ``townships``) joined to the township's county when a list spans counties."""
    return joined.outerjoin(counties, counties.c.county_code == townships.c.county_code) if across_counties else joined


def first_listed_by_id(joined, id_column, where: list, order_by, first: int | None):
    """A list's FROM, WHERE and LIMIT with its first ``first`` rows chosen by their ids alone: a subquery picks the
    ids (``where``, ``order_by``, the LIMIT) and ``joined`` is joined to it, so only the listed rows and their names
    are read. For a list an index answers alone (the index holds the order and the id: a prefecture's priority
    clues and overdue items, migration 0016); returns (joined, [], None) to build the statement from, or the
    arguments as they were when ``first`` is None."""
    if first is None:
        return joined, where, first
    listed = select(id_column).where(*where).order_by(*order_by).limit(first).subquery("listed")
    return joined.join(listed, listed.c[id_column.name] == id_column), [], None


def in_township(column, place: str | tuple[str, ...] | None) -> list:
    """The WHERE condition narrowing a township-code ``column`` to ``place`` (``Scope.narrowed_to``): one
    township (9 digits), one county (6: the codes it prefixes), or [] for every county; a tuple of places
    (a 市级 scope's counties still to read, ``ranking``'s look-back): any of them, and an empty one nothing."""
    if isinstance(place, tuple):
        return [or_(false(), *(and_(*in_township(column, one)) for one in place))]
    if not place:
        return []
    if len(place) == 6:
        return codes_under(column, place)
    return [column == place]


def county_of(township_code):
    """The SQL expression of the county a township code column is in: the code's first 6 digits."""
    return func.substr(township_code, 1, 6)


def counties_within(place: str | tuple[str, ...] | None):
    """SELECT the county codes of the townships within ``place`` (``in_township``'s places), each once: a township's
    ``county_code`` is its code's first 6 digits, and PostgreSQL's statistics of the column know how many there
    are (the 6 digits cut from 1,200 codes it took for 1,200 places, and hashed a whole per-county summary)."""
    return select(townships.c.county_code).where(*in_township(townships.c.township_code, place)).distinct()


def codes_under(column, prefix: str) -> list:
    """The WHERE condition for the division codes ``prefix`` begins (a county's 6 digits: its townships; a
    township's 9: itself and its villages), as a range ``prefix ≤ column < the next prefix``: unlike
    ``LIKE '990101%'`` a range reads the indexes on the code on SQLite and on PostgreSQL in any
    collation (codes are digits only, so a prefix is a contiguous range)."""
    following = str(int(prefix) + 1).zfill(len(prefix))
    if len(following) > len(prefix):  # 999999: every code from it on
        return [column >= prefix]
    return [column >= prefix, column < following]


def township_frame(conn: Connection, scope: Scope, township_code: str | None = None, *,
                   across_counties: bool = False) -> pd.DataFrame:
    """DataFrame[township_code, township_name, township_kind] of the townships in scope (narrowed to one), in code
    order; ``across_counties``: each named 县·乡镇 (``township_label``), as a list spanning counties names them."""
    t = townships.c
    statement = (select(t.township_code, township_label(across_counties), t.township_kind)
                 .select_from(with_county(townships, across_counties)).order_by(t.township_code))
    statement = statement.where(*in_township(t.township_code, scope.narrowed_to(township_code)))
    frame = rows_of(conn, statement)
    return as_text(frame, ["township_code", "township_name"]) if len(frame) else pd.DataFrame(
        {"township_code": pd.Series([], dtype="str"), "township_name": pd.Series([], dtype="str"),
         "township_kind": pd.Series([], dtype="str")})


def township_codes_in(conn: Connection, place) -> list[str]:
    """The codes of the townships within ``place`` (``in_township``'s places), in code order."""
    t = townships.c
    return list(conn.execute(select(t.township_code).where(*in_township(t.township_code, place))
                             .order_by(t.township_code)).scalars())


def period_frame(periods: Sequence[Period]) -> pd.DataFrame:
    return pd.DataFrame({"period_code": [p.code for p in periods], "period_label": [p.label for p in periods]},
                        dtype="str")


def zero_filled(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The count columns with NaN (no row in a left merge) read 0, as int64."""
    for column in columns:
        table[column] = table[column].fillna(0).astype("int64")
    return table


def categorised(table: pd.DataFrame, column: str, order: Iterable[str] | None, count_column: str, *,
                label: str = "category") -> pd.DataFrame:
    """Zero-fill the vocabulary's categories in order (``column`` renamed ``label``); categories outside
    it follow by count, most first (ties in the table's order). Numeric columns come back int64 when every
    value is whole, else float64. In plain Python: the tables are a dozen rows, for which pandas' merge,
    concat and fillna took 3 ms a breakdown, and a page draws several."""
    numeric = [c for c in table.columns if c != column]
    values = {c: table[c].tolist() for c in numeric}
    rows = {key: [values[c][i] for c in numeric] for i, key in enumerate(table[column].tolist())}
    if order is None:
        keys = list(rows)
    else:
        counted = numeric.index(count_column)
        keys = vocabulary_first({key: row[counted] for key, row in rows.items()}, order)
    zeros = [0] * len(numeric)
    filled = [[_number(v) for v in rows.get(key, zeros)] for key in keys]
    data = {label: pd.Series(keys, dtype="str")}
    for position, name in enumerate(numeric):
        column_values = [row[position] for row in filled]
        whole = all(isinstance(v, int) for v in column_values)
        data[name] = pd.Series(column_values, dtype="int64" if whole else "float64")
    return pd.DataFrame(data)


def vocabulary_first(counts: dict, order: Iterable[str]) -> list:
    """The categories a breakdown lists, from ``counts`` ({category: count}, in the table's order): every one of the
    vocabulary's ``order`` first, in order (zero-filled by the caller), then the others by count, most first (ties
    in the table's order)."""
    known = list(order)
    seen = set(known)
    extra = [key for key in counts if key not in seen]
    extra.sort(key=lambda key: -_number(counts[key]))
    return [*known, *extra]


def _number(value):
    """A count or an amount as Python's int or float; NULL and NaN read 0."""
    if value is None or value != value:
        return 0
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return float(value)


def share(counts: pd.Series) -> pd.Series:
    """Each count's share of the total (NaN for all when the total is 0)."""
    total = counts.sum()
    if not total:
        return pd.Series([float("nan")] * len(counts), index=counts.index, dtype="float64")
    return (counts / total).astype("float64")


def with_share(table: pd.DataFrame, count_column: str) -> pd.DataFrame:
    """The count column as int64 and its ``share`` beside it (the share of the total of that column)."""
    table[count_column] = table[count_column].fillna(0).astype("int64")
    table["share"] = share(table[count_column])
    return table


def masked(frame: pd.DataFrame, column: str, scope: Scope) -> pd.DataFrame:
    """The names in ``column`` as 张** unless the scope shows names."""
    if not scope.shows_names and column in frame:
        frame[column] = frame[column].map(mask_name)
    return frame


def as_date(value) -> date | None:
    """A date from a CASE expression or an aggregate (SQLite hands back text there)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
