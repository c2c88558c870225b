"""Loading ledgers into the warehouse: one transaction per file, every row accounted for.

For each file: skip it when its sha256 was loaded before (已加载，跳过); otherwise read it,
validate each sheet against the divisions known so far, and in ONE transaction write the
load_batches row, the accepted rows (upsert by natural key), the rejected rows with their
reasons, and an audit event. Any failure rolls the whole file back. Files are loaded in the
order of their ledger kinds (divisions first, case_people after cases), whatever the order given.

Before a row is replaced by key, its stored version is copied to ``replaced_<table>`` with the
batch that replaced it, so a batch can be undone exactly (``data_pipeline.batches.undo_batch``);
a load into an empty table has nothing to keep and pays nothing for it.

The accepted rows are written with one compiled upsert and executemany of plain tuples
(SQLite) or COPY into a temporary table then INSERT … ON CONFLICT (PostgreSQL): the generic
``upsert_rows`` compiles a multi-VALUES statement per chunk, about 15x slower on 1M rows.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
)

from config import settings
from data_pipeline import normalise as nz
from data_pipeline.headers import HeaderMismatch
from data_pipeline.ledgers import DIVISIONS, LedgerKind
from data_pipeline.reader import LEDGER_SUFFIXES, LedgerReadError, file_sha256, read_ledger, sniff_kinds
from data_pipeline.validate import Places, ValidatedSheet, mark_repeats_of_earlier_sheets, validate_sheet
from metrics.summaries import SUMMARISED_TABLES, counties_of_batch, rebuild_summaries
from metrics.tables import county_names, in_township
from warehouse import schema
from warehouse import vocabulary as vocab
from warehouse.audit import ACTORS_COUNTY, write_event
from warehouse.engine import upsert_rows

logger = logging.getLogger(__name__)

WRITE_CHUNK = 50_000
BULK_INDEX_THRESHOLD = 100_000
PROGRESS_THRESHOLD = 50_000  # rows; above this a progress bar is shown without --progress
MAX_MESSAGES = 2_000  # rejection sentences kept on a report (all are in rejected_rows)
MAX_WARNING_CASES = 20


@dataclass
class FileReport:
    """What happened to one sheet of one file (or to the whole file when it failed)."""

    file_name: str
    sheet_name: str | None = None
    ledger_kind: str | None = None  # LedgerKind.name
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_structural: int = 0
    rows_duplicate: int = 0
    rows_unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    skipped: bool = False
    error: str | None = None
    batch_id: int | None = None
    rejections: list[str] = field(default_factory=list)  # full Chinese sentences, capped
    path: Path | None = None
    notes: list[str] = field(default_factory=list)  # ParsedSheet.notes: units converted, header mappings used
    header_mappings: dict[str, str] = field(default_factory=dict)  # ParsedSheet.mapped: source → standard header
    mismatch: HeaderMismatch | None = None  # a header not recognised: the closest kind, what it lacks, suggestions

    @property
    def balanced(self) -> bool:
        """The accounting invariant: rows read = loaded + rejected + structural."""
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.rows_structural


def ledger_files(paths: Iterable[Path]) -> list[Path]:
    """Return the files named by ``paths``, folders expanded recursively (.xlsx/.csv)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LEDGER_SUFFIXES and not p.name.startswith(("~$", "."))
            ))
        else:
            files.append(path)
    return files


class Progress:
    """A plain-text progress bar on stderr (no extra dependency)."""

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.enabled, self.done, self._shown = label, max(total, 1), enabled, 0, -1

    def advance(self, rows: int) -> None:
        self.done += rows
        if not self.enabled:
            return
        percent = min(100, self.done * 100 // self.total)
        if percent != self._shown:
            self._shown = percent
            bar = "#" * (percent // 5) + "." * (20 - percent // 5)
            sys.stderr.write(f"\r{self.label} [{bar}] {percent:3d}% {self.done}/{self.total}")
            if percent == 100:
                sys.stderr.write("\n")
            sys.stderr.flush()


def load_paths(paths: list[Path], engine: Engine, loaded_by: str = "命令行",
               progress: bool = False, force: bool = False, own_township: str | None = None,
               mappings=None, county_code: str | None = None,
               on_file: Callable[[int, int], None] = lambda done, total: None) -> list[FileReport]:
    """Return one FileReport per sheet loaded (or per file skipped or failed), loading in kind order.

    ``force`` loads a file again even when its sha256 was loaded before (e.g. after the divisions
    that its rejected rows lacked have arrived); its rows are upserted by key as usual.
    ``own_township``: a 乡镇 user's load; rows of any other township are rejected (不属于本乡镇).
    ``county_code``: place names resolve among that county's places only, and rows of another county
    are rejected (不属于本县): a prefecture's warehouse holds several counties, each with its 城关镇.
    ``on_file(done, total)`` is called after each file (the desk's progress bar).
    """
    ordered: list[tuple[int, int, Path]] = []
    reports: list[FileReport] = []
    for position, path in enumerate(ledger_files(paths)):
        try:
            kinds = sniff_kinds(path, mappings)
        except LedgerReadError as exc:
            logger.warning("File %s not read", path.name, exc_info=True)
            reports.append(FileReport(file_name=path.name, path=path, error=f"「{path.name}」无法读取：{exc}",
                                      mismatch=exc.mismatch))
            continue
        except Exception as exc:  # a file the readers choke on: one line, never a traceback
            logger.exception("File %s not read: the readers failed on it", path.name)
            reports.append(FileReport(file_name=path.name, path=path, error=f"「{path.name}」无法读取：{_one_line(exc)}"))
            continue
        order = min((k.load_order for k in kinds), default=99)
        ordered.append((order, position, path))
    unread = len(reports)
    for done, (_, _, path) in enumerate(sorted(ordered), start=unread + 1):
        reports.extend(load_file(path, engine, loaded_by=loaded_by, progress=progress, force=force,
                                 own_township=own_township, mappings=mappings, county_code=county_code))
        on_file(done, unread + len(ordered))
    return reports


def load_file(path: Path, engine: Engine, loaded_by: str = "命令行", progress: bool = False,
              force: bool = False, own_township: str | None = None, mappings=None,
              county_code: str | None = None) -> list[FileReport]:
    """Return the reports of loading one file in one transaction (or why it was skipped/failed)."""
    path = Path(path)
    name = path.name
    try:
        sha = file_sha256(path)
    except OSError as exc:
        logger.warning("File %s not read", name, exc_info=True)
        return [FileReport(file_name=name, path=path, error=f"「{name}」无法读取：{_one_line(exc)}")]
    with engine.connect() as conn:
        earlier = conn.execute(
            select(schema.load_batches.c.ledger_kind, schema.load_batches.c.batch_id)
            .where(schema.load_batches.c.file_sha256 == sha,
                   schema.load_batches.c.batch_id.not_in(select(schema.batch_undos.c.batch_id)))  # undone: load again
            .order_by(schema.load_batches.c.batch_id)
        ).all()
    if earlier and not force:
        return [FileReport(file_name=name, path=path, ledger_kind=kind, committed=True, skipped=True,
                           batch_id=batch_id, warnings=["已加载，跳过"]) for kind, batch_id in earlier]
    try:
        sheets = read_ledger(path, mappings=mappings)
    except LedgerReadError as exc:
        logger.warning("File %s not read", name, exc_info=True)
        return [FileReport(file_name=name, path=path, error=f"「{name}」无法读取：{exc}", mismatch=exc.mismatch)]
    except Exception as exc:
        logger.exception("File %s not read: the readers failed on it", name)
        return [FileReport(file_name=name, path=path, error=f"「{name}」无法读取：{_one_line(exc)}")]

    reports: list[FileReport] = []
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # a large page cache keeps 1M-row index inserts off the disk; reset afterwards,
                # the pooled connection goes back to serving the app
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
                conn.commit()
            try:
                with conn.begin():
                    reports = _load_sheets(conn, sheets, sha, loaded_by, progress, own_township, county_code)
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default, 2 MB
                    conn.commit()
    except Exception as exc:
        logger.exception("Load of %s failed and was rolled back", name)
        message = f"「{name}」入库失败，已回滚，数据库未改动：{_one_line(exc)}"
        return [FileReport(file_name=name, path=path, sheet_name=s.sheet_name, ledger_kind=s.kind.name,
                           rows_read=s.rows_read, error=message) for s in sheets]
    for report in reports:
        report.committed = True
        report.path = path
        logger.info("Loaded %s (%s) as batch %s: %d rows read, %d loaded, %d rejected", name, report.ledger_kind,
                    report.batch_id, report.rows_read, report.rows_loaded, report.rows_rejected)
    return reports


def _load_sheets(conn: Connection, sheets: list, sha: str, loaded_by: str, progress: bool,
                 own_township: str | None = None, county_code: str | None = None) -> list[FileReport]:
    """Return the reports of validating and writing a file's sheets, inside the caller's transaction."""
    reports = []
    keys_seen: dict[str, dict[tuple, str]] = {}  # per kind: natural key → where it was first
    for sheet in sheets:  # already in load order: a divisions sheet first
        if progress or sheet.rows_read > PROGRESS_THRESHOLD:
            sys.stderr.write(f"{sheet.where()}已读取 {sheet.rows_read} 行，校验中……\n")
        places = known_places(conn, county_code)
        checked = validate_sheet(sheet, places)
        if sum(1 for other in sheets if other.kind is sheet.kind) > 1:
            mark_repeats_of_earlier_sheets(checked, keys_seen.setdefault(sheet.kind.name, {}))
        if own_township or county_code:
            reject_rows_outside(conn, checked, own_township or county_code)
        reports.append(_write_sheet(conn, checked, sha, loaded_by, progress, county_code))
    return reports


NOT_OWN_TOWNSHIP = "不属于本乡镇"
NOT_OWN_COUNTY = "不属于本县"


def reject_rows_outside(conn: Connection, checked: ValidatedSheet, place: str) -> None:
    """Reject every accepted row that is not of ``place``: a 乡镇 user's township (9 digits; 不属于本乡镇) or
    the loading user's county (6 digits, ``--county``; 不属于本县).

    A row's township is its 乡镇 column; a 处理人员 row's is its case's (in the warehouse, the file's
    案件 sheet included: cases are written first). The 区划名录 is the county's, loaded by a 管理员: a
    乡镇 user's is refused whole, a county's keeps the townships of that county.
    """
    kind, typed = checked.sheet.kind, checked.typed
    township_load = len(place) == 9
    reason = NOT_OWN_TOWNSHIP if township_load else NOT_OWN_COUNTY

    def outside(codes) -> np.ndarray:
        codes = pd.Series(codes, dtype=object).fillna("").astype(str)
        return ~(codes == place if township_load else codes.str.startswith(place)).to_numpy()

    if kind is DIVISIONS and township_load:
        other, column = np.ones(len(typed), dtype=bool), kind.fields[0].header
        reason = "区划名录只能由管理员加载"
    elif "township_code" in typed.columns:
        field = next(f for f in kind.fields if f.column == "township_code")
        other, column = outside(typed["township_code"].to_numpy(dtype=object)), field.header
    elif "case_id" in typed.columns:
        own_cases = set(conn.execute(select(schema.cases.c.case_id)
                                     .where(*in_township(schema.cases.c.township_code, place))).scalars())
        field = next(f for f in kind.fields if f.column == "case_id")
        other, column = ~np.isin(typed["case_id"].to_numpy(dtype=object), list(own_cases)), field.header
    else:  # pragma: no cover - every ledger kind names its township or its case
        raise RuntimeError(f"{kind.label}没有乡镇列")
    hit = other & checked.accepted
    if not hit.any():
        return
    extra = pd.DataFrame({"row": typed.index.to_numpy()[hit], "column": column, "reason": reason})
    checked.errors = pd.concat([checked.errors, extra], ignore_index=True).sort_values(
        "row", kind="stable").reset_index(drop=True)
    checked.accepted = checked.accepted & ~hit


def _one_line(exc: BaseException) -> str:
    """Return an exception as one short line (the driver's message, not the SQL and parameters)."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return text[:300]


def known_places(conn: Connection, county_code: str | None = None) -> Places:
    """Return the townships and villages already in the warehouse (this run's included), of one county if given."""
    places = Places()
    c, t, v = schema.counties.c, schema.townships.c, schema.villages.c
    for code, name in conn.execute(select(c.county_code, c.county_name).where(*in_township(c.county_code, county_code))):
        places.add_county(code, name)
    for code, name in conn.execute(select(t.township_code, t.township_name)
                                   .where(*in_township(t.township_code, county_code))):
        places.add_township(code, name)
    for code, name, township in conn.execute(select(v.village_code, v.village_name, v.township_code)
                                             .where(*in_township(v.township_code, county_code))):
        places.add_village(code, name, township)
    return places


def _write_sheet(conn: Connection, checked: ValidatedSheet, sha: str, loaded_by: str,
                 progress: bool, county_code: str | None = None) -> FileReport:
    sheet, kind = checked.sheet, checked.sheet.kind
    accepted = checked.typed if checked.accepted.all() else checked.typed[checked.accepted]
    report = FileReport(
        file_name=sheet.file_name, sheet_name=sheet.sheet_name, ledger_kind=kind.name,
        rows_read=sheet.rows_read, rows_loaded=checked.rows_loaded, rows_rejected=checked.rows_rejected,
        rows_structural=sheet.rows_structural, rows_duplicate=checked.rows_duplicate,
        rejections=checked.messages(MAX_MESSAGES), warnings=list(checked.warnings), notes=sheet.notes,
        header_mappings=sheet.mapped,
    )
    if not report.balanced:  # a reader defect, never bad input: refuse to write a wrong ledger
        raise RuntimeError(f"行数核对不平：读取{report.rows_read}≠入库{report.rows_loaded}"
                           f"+拒收{report.rows_rejected}+结构行{report.rows_structural}")
    report.rows_unchanged = count_unchanged(conn, kind, accepted)
    batch_id = conn.execute(insert(schema.load_batches).values(
        file_name=sheet.file_name, file_sha256=sha, ledger_kind=kind.name, loaded_at=dt.datetime.now(),
        rows_read=report.rows_read, rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected,
        rows_structural=report.rows_structural, rows_duplicate=report.rows_duplicate,
        rows_unchanged=report.rows_unchanged, loaded_by=loaded_by, county_code=county_code,
    )).inserted_primary_key[0]
    report.batch_id = int(batch_id)
    bar = Progress(f"{sheet.file_name} {kind.label}", len(accepted), progress or len(accepted) > PROGRESS_THRESHOLD)
    if kind is DIVISIONS:
        _write_divisions(conn, accepted, report.batch_id)
        report.warnings.extend(foreign_county_warnings(accepted, county_code))
        bar.advance(len(accepted))
    else:
        columns = [c.name for c in kind.table.columns if c.name in accepted.columns]
        arrays = _row_arrays(kind.table, accepted, columns, report.batch_id)
        with _indexes_built_after(conn, kind.table, len(accepted)):
            write_rows(conn, kind.table, arrays, bar.advance)
        if kind.table.name in SUMMARISED_TABLES:
            # the pages' summaries of the counties this sheet wrote or replaced, in the same transaction
            rebuild_summaries(conn, counties_of_batch(conn, report.batch_id), tables=[kind.table.name])
    _write_rejected(conn, checked, report.batch_id)
    report.warnings.extend(people_count_warnings(conn, kind, report.batch_id))
    write_event(conn, loaded_by, "load", {
        "文件": sheet.file_name, "工作表": sheet.sheet_name, "台账": kind.label, "批次": report.batch_id,
        "读取行数": report.rows_read, "入库": report.rows_loaded, "拒收": report.rows_rejected,
        "结构行": report.rows_structural, "重复": report.rows_duplicate}, county_code or ACTORS_COUNTY)
    return report


# --- writing rows -------------------------------------------------------------------------------

def _row_arrays(table: Table, frame: pd.DataFrame, columns: Sequence[str], batch_id: int) -> dict[str, np.ndarray]:
    """Return one object array per column of ``table`` (batch_id last); 万元 rounded to cents."""
    arrays = {}
    for name in columns:
        values = frame[name].to_numpy(dtype=object)
        column_type = table.c[name].type
        if isinstance(column_type, Numeric) and column_type.scale is not None and len(values):
            numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").round(column_type.scale)
            values = np.where(numbers.isna().to_numpy(), None, numbers.to_numpy(dtype=object))
        arrays[name] = values
    arrays["batch_id"] = np.full(len(frame), batch_id, dtype=object)
    return arrays


def write_rows(conn: Connection, table: Table, arrays: dict[str, np.ndarray],
               advance: Callable[[int], None] = lambda n: None) -> None:
    """Upsert the rows given as column arrays into ``table`` by its primary key, in chunks."""
    columns = list(arrays)
    total = len(next(iter(arrays.values()))) if arrays else 0
    if not total:
        return
    postgresql = conn.dialect.name == "postgresql"
    # an empty table cannot conflict (keys are unique within a file): nothing is replaced, and
    # on PostgreSQL the rows are COPYed straight into it
    empty = conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    copy_directly = postgresql and empty
    if not postgresql:
        # SQLite's Date storage is ISO text; converting each distinct date once is cheap
        arrays = {name: (_iso_dates(values) if isinstance(table.c[name].type, Date) else values)
                  for name, values in arrays.items()}
    keys = [c.name for c in table.primary_key.columns]
    batch_id = int(arrays["batch_id"][0]) if "batch_id" in arrays else None
    for start in range(0, total, WRITE_CHUNK):
        part = {name: values[start:start + WRITE_CHUNK] for name, values in arrays.items()}
        if not empty and batch_id is not None:
            keep_replaced_rows(conn, table, list(zip(*(part[k] for k in keys))), batch_id)
        if postgresql:
            _write_chunk_postgresql(conn, table, columns, part, copy_directly)
        else:
            _write_chunk_sqlite(conn, table, columns, list(zip(*part.values())))
        advance(min(WRITE_CHUNK, total - start))


def keep_replaced_rows(conn: Connection, table: Table, key_rows: list[tuple], batch_id: int) -> None:
    """Copy the stored rows of ``table`` whose keys are in ``key_rows`` to its replaced-rows table.

    The keys go into a temporary table and one INSERT … SELECT joins it (bound values only); on
    SQLite dates are compared as the ISO text they are stored as.
    """
    kept = schema.REPLACED_ROWS.get(table.name)
    if kept is None or not key_rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    keys = [c.name for c in table.primary_key.columns]
    incoming = Table(f"incoming_keys_{table.name}", MetaData(),
                     *[Column(k, String if sqlite and isinstance(table.c[k].type, Date) else table.c[k].type)
                       for k in keys], prefixes=["TEMPORARY"])
    incoming.create(conn, checkfirst=sqlite)  # PostgreSQL: dropped below; SQLite: kept, emptied
    conn.execute(insert(incoming), [dict(zip(keys, row)) for row in key_rows])
    matched = table.join(incoming, and_(*[table.c[k] == incoming.c[k] for k in keys]))
    conn.execute(insert(kept).from_select(
        ["replaced_by_batch_id", *[c.name for c in table.columns]],
        select(literal(batch_id, Integer), *table.c).select_from(matched)))
    if sqlite:
        conn.execute(delete(incoming))
    else:
        incoming.drop(conn)


@contextmanager
def _indexes_built_after(conn: Connection, table: Table, incoming: int):
    """On SQLite, for a bulk load larger than the table, drop its secondary indexes and build them after.

    Sorting once beats 1M random B-tree inserts per index; the DDL is inside the file's
    transaction, so a rollback restores the indexes, and WAL readers keep their snapshot.
    On PostgreSQL DROP INDEX would lock readers out, and COPY is fast enough without it.
    """
    rebuild = (conn.dialect.name == "sqlite" and incoming >= BULK_INDEX_THRESHOLD and table.indexes
               and conn.execute(select(func.count()).select_from(table)).scalar_one() < incoming)
    if rebuild:
        for index in table.indexes:
            index.drop(conn)
    yield
    if rebuild:
        for index in table.indexes:
            index.create(conn)


def _iso_dates(values: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    text = np.array([d.isoformat() for d in uniques] + [None], dtype=object)
    return text[codes]


def _upsert_statement(table: Table, columns: Sequence[str], dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    keys = [c.name for c in table.primary_key.columns]
    statement = dialect_insert(table)
    updates = {name: statement.excluded[name] for name in columns if name not in keys}
    if updates:
        return statement.on_conflict_do_update(index_elements=keys, set_=updates)
    return statement.on_conflict_do_nothing(index_elements=keys)


def _write_chunk_sqlite(conn: Connection, table: Table, columns: Sequence[str], chunk: list[tuple]) -> None:
    """One compiled upsert, executemany of plain tuples (placeholders only, never values in the SQL)."""
    compiled = _upsert_statement(table, columns, "sqlite").compile(dialect=conn.dialect, column_keys=list(columns))
    if list(compiled.positiontup) != list(columns):
        order = [list(columns).index(name) for name in compiled.positiontup]
        chunk = [tuple(row[i] for i in order) for row in chunk]
    conn.exec_driver_sql(str(compiled), chunk)


def _arrow_type(column_type):
    import pyarrow as pa
    from sqlalchemy import Boolean, Float, Integer

    if isinstance(column_type, Date):
        return pa.date32()
    if isinstance(column_type, Boolean):
        return pa.bool_()
    if isinstance(column_type, Integer):
        return pa.int64()
    if isinstance(column_type, (Float, Numeric)):
        return pa.float64()
    return pa.string()


def _write_chunk_postgresql(conn: Connection, table: Table, columns: Sequence[str],
                            part: dict[str, np.ndarray], copy_directly: bool = False) -> None:
    """COPY the chunk (as CSV written by pyarrow) into a temporary table, then one INSERT … ON CONFLICT.

    ``copy_directly``: COPY into ``table`` itself (it was empty when this load began).
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    from psycopg import sql as pgsql
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    if copy_directly:
        staging = table
    else:
        staging = Table(f"staging_{table.name}", MetaData(),
                        *[Column(name, table.c[name].type) for name in columns],
                        prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
        staging.create(conn, checkfirst=False)
    batch = pa.table([pa.array(part[name], type=_arrow_type(table.c[name].type)) for name in columns],
                     names=list(columns))
    buffer = io.BytesIO()
    # nulls are written unquoted-empty, which COPY's CSV format reads as NULL
    pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    copy_sql = pgsql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        pgsql.Identifier(staging.name), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        copy.write(buffer.getvalue())
    if copy_directly:
        return
    keys = [c.name for c in table.primary_key.columns]
    from_staging = pg_insert(table).from_select(list(columns), select(*[staging.c[c] for c in columns]))
    updates = {name: from_staging.excluded[name] for name in columns if name not in keys}
    if updates:
        from_staging = from_staging.on_conflict_do_update(index_elements=keys, set_=updates)
    else:
        from_staging = from_staging.on_conflict_do_nothing(index_elements=keys)
    conn.execute(from_staging)
    staging.drop(conn)


def _write_divisions(conn: Connection, accepted: pd.DataFrame, batch_id: int) -> None:
    """Fill counties, townships and villages from the accepted rows of a 区划名录."""
    if accepted.empty:
        return
    townships = accepted.drop_duplicates("township_code", keep="first")
    named = (accepted.dropna(subset=["county_name"]).drop_duplicates("township_code")
             if "county_name" in accepted.columns else accepted.iloc[0:0])
    counties: dict[str, str] = {}
    for code in townships["township_code"]:
        counties.setdefault(code[:6], "")
    for code, name in zip(named.get("township_code", []), named.get("county_name", [])):
        if name and not counties.get(code[:6]):
            counties[code[:6]] = name
    stored = county_names(conn)
    county_rows = [{"county_code": code, "county_name": name or stored.get(code) or code}
                   for code, name in counties.items()]
    upsert_rows(conn, schema.counties, county_rows)
    keep_replaced_rows(conn, schema.townships, [(code,) for code in townships["township_code"]], batch_id)
    upsert_rows(conn, schema.townships, [
        {"township_code": code, "township_name": name, "township_kind": vocab.township_kind(code),
         "county_code": code[:6], "batch_id": batch_id}
        for code, name in zip(townships["township_code"], townships["township_name"])
    ])
    columns = [c.name for c in schema.villages.columns if c.name in accepted.columns]
    write_rows(conn, schema.villages, _row_arrays(schema.villages, accepted, columns, batch_id))


def _write_rejected(conn: Connection, checked: ValidatedSheet, batch_id: int) -> None:
    """Store every error line with the row's original values (whistleblower columns are gone)."""
    errors = checked.errors
    if errors.empty:
        return
    raw = checked.sheet.raw
    rejected_rows = np.unique(errors["row"].to_numpy())
    originals = raw.loc[rejected_rows]
    values_json = {
        int(row): json.dumps({column: nz.display(value) for column, value in zip(originals.columns, values)},
                             ensure_ascii=False)
        for row, values in zip(originals.index, originals.itertuples(index=False, name=None))
    }
    sheet = checked.sheet
    conn.execute(insert(schema.rejected_rows), [
        {"batch_id": batch_id, "file_name": sheet.file_name, "sheet_name": sheet.sheet_name,
         "source_row_number": int(row), "column_name": column, "reason": reason,
         "row_values_json": values_json[int(row)]}
        for row, column, reason in errors.itertuples(index=False, name=None)
    ])


# --- checks after writing -------------------------------------------------------------------------

def count_unchanged(conn: Connection, kind: LedgerKind, accepted: pd.DataFrame) -> int:
    """Return how many accepted rows equal the stored row with the same key (a re-sent ledger).

    The stored rows are fetched raw (no per-cell result processing: 1M rows in seconds, not
    tens of seconds) and both sides are brought to one comparable form per column type.
    """
    table = kind.table
    if accepted.empty or conn.execute(select(func.count()).select_from(table)).scalar_one() == 0:
        return 0
    columns = [c.name for c in table.columns if c.name in accepted.columns]
    keys = [c.name for c in table.primary_key.columns]
    query = select(*[table.c[c] for c in columns]).compile(dialect=conn.dialect)  # no parameters
    # the DBAPI cursor of this same transaction: plain tuples (SQLAlchemy Rows make pandas slow)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(query))
        stored = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
    finally:
        cursor.close()
    if stored.empty:
        return 0
    incoming = accepted[columns].reset_index(drop=True)
    for frame in (incoming, stored):
        for name in keys:
            frame[name] = _comparable(frame[name].to_numpy(dtype=object), table.c[name].type)
    merged = incoming.merge(stored, on=keys, how="inner", suffixes=("", "__stored"))
    if merged.empty:
        return 0
    same = np.ones(len(merged), dtype=bool)
    for name in columns:
        if name in keys:
            continue
        column_type = table.c[name].type
        new = _comparable(merged[name].to_numpy(dtype=object), column_type)
        old = _comparable(merged[name + "__stored"].to_numpy(dtype=object), column_type)
        same &= np.equal(new, old).astype(bool)  # elementwise ==, None == None included
    return int(same.sum())


def _comparable(values: np.ndarray, column_type) -> np.ndarray:
    """Return values in one form whatever the driver gave: ISO dates, bools, rounded floats, text."""
    from sqlalchemy import Boolean, Integer

    if isinstance(column_type, Date):
        convert = lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)[:10]  # noqa: E731
    elif isinstance(column_type, Boolean):
        convert = bool
    elif isinstance(column_type, Numeric):
        scale = column_type.scale if column_type.scale is not None else 6
        convert = lambda v: round(float(v), scale)  # noqa: E731
    elif isinstance(column_type, Integer):
        convert = int
    else:
        return values  # text: str or None from either driver
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    converted = np.array([convert(u) for u in uniques] + [None], dtype=object)
    return converted[codes]


def foreign_county_warnings(accepted: pd.DataFrame, county_code: str | None = None) -> list[str]:
    """Return a warning when a 区划名录 holds townships of another county than the load's (``--county``),
    else the configured one."""
    county = county_code or str(settings.get("county_code"))
    if accepted.empty:
        return []
    foreign = sorted({code[:6] for code in accepted["township_code"] if not code.startswith(county)})
    if not foreign:
        return []
    shown = "、".join(foreign[:5]) + ("等" if len(foreign) > 5 else "")
    return [f"警告：区划名录含其他县的区划代码（{shown}），本县代码设置为{county}"]


def people_count_warnings(conn: Connection, kind: LedgerKind, batch_id: int) -> list[str]:
    """Return warnings where a case's 处理人数 differs from its rows in 处理人员 (not rejections)."""
    if kind.name not in ("cases", "case_people"):
        return []
    cases, people = schema.cases, schema.case_people
    counted = (select(people.c.case_id, func.count().label("people_rows"))
               .group_by(people.c.case_id).subquery())
    query = (select(cases.c.case_id, cases.c.people_count, func.coalesce(counted.c.people_rows, 0))
             .select_from(cases.outerjoin(counted, counted.c.case_id == cases.c.case_id)))
    if kind.name == "cases":
        # cases just loaded that already have people rows (the people ledger may come later)
        query = query.where(cases.c.batch_id == batch_id, counted.c.people_rows.is_not(None))
    else:
        query = query.where(cases.c.case_id.in_(select(people.c.case_id).where(people.c.batch_id == batch_id)))
    mismatches = [(case_id, declared, rows) for case_id, declared, rows in conn.execute(query.order_by(cases.c.case_id))
                  if int(declared) != int(rows)]
    warnings = [f"警告：案件“{case_id}”处理人数为{declared}，处理人员台账中有{rows}人"
                for case_id, declared, rows in mismatches[:MAX_WARNING_CASES]]
    if len(mismatches) > MAX_WARNING_CASES:
        warnings.append(f"警告：另有{len(mismatches) - MAX_WARNING_CASES}件案件处理人数与处理人员台账不一致")
    if kind.name == "case_people":
        orphans = conn.execute(
            select(func.count()).select_from(people)
            .where(people.c.batch_id == batch_id, people.c.case_id.not_in(select(cases.c.case_id)))
        ).scalar_one()
        if orphans:
            warnings.append(f"警告：处理人员台账中有{orphans}人的案件编号不在案件台账中")
    return warnings
