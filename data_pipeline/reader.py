"""Reading ledger files (.xlsx via python-calamine, .csv in UTF-8/GBK) into ParsedSheets.

Reading finds the header row (the first of the first 15 rows where one ledger kind's required
headers are all present, resolved by ``headers.resolve_headers``: the contract's names and
synonyms, the spelling rules, and the clerk's confirmed mappings), drops the whistleblower
columns at once, and separates structural rows (title, header, blank, 合计) from data rows.
Every data row keeps its source row number as Excel shows it (1-based). A money column headed
in another unit (追缴资金（元）) is converted to the contract's 万元 here, and the sheet's notes say so.
A file with no recognisable header is refused with the closest ledger kind, the headers it
misses and a suggestion for each header it could not place (``headers.HeaderMismatch``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data_pipeline.headers import (
    IGNORED_KEYS,
    HeaderMappings,
    HeaderMismatch,
    HeaderResolution,
    as_mappings,
    closest_mismatch,
    is_whistleblower_header,
    resolve_headers,
)
from data_pipeline.ledgers import LEDGER_KINDS, LedgerKind
from data_pipeline.normalise import by_distinct, header_key, is_total_label, parse_number

HEADER_SCAN_ROWS = 15
LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
Mappings = HeaderMappings | Mapping[str, str] | None


class LedgerReadError(Exception):
    """A file that cannot be read as a ledger at all; the message is one Chinese line.

    ``mismatch``: for a file whose header was not recognised, the closest ledger kind, the
    missing headers and the suggestions (for a page to show them as a form, not only a line).
    """

    def __init__(self, message: str, mismatch: HeaderMismatch | None = None) -> None:
        super().__init__(message)
        self.mismatch = mismatch


@dataclass
class ParsedSheet:
    """One ledger sheet as read: data rows with their source row numbers, and the row counts."""

    file_name: str
    sheet_name: str | None
    kind: LedgerKind
    header_row: int  # 1-based
    raw: pd.DataFrame  # data rows only; columns = the file's headers (whistleblower dropped); index = row number
    field_columns: dict[str, str]  # contract header → column of ``raw``
    rows_read: int
    rows_title: int
    rows_blank: int
    rows_total: int
    notes: list[str] = field(default_factory=list)  # Chinese, for the load summary: units converted, mappings used
    units: dict[str, str] = field(default_factory=dict)  # contract header → the unit the file gave (converted)
    mapped: dict[str, str] = field(default_factory=dict)  # source header (normalised) → contract header, confirmed or saved
    source_headers: dict[str, str] = field(default_factory=dict)  # contract header → the file's header as written

    @property
    def rows_structural(self) -> int:
        """Title rows, the header row, blank rows and 合计 rows."""
        return self.rows_title + 1 + self.rows_blank + self.rows_total

    def where(self) -> str:
        """Return 「file」工作表“sheet” (or 「file」 for a CSV), the start of every message."""
        return f"「{self.file_name}」" + (f"工作表“{self.sheet_name}”" if self.sheet_name else "")


def detect_header(rows: list[list], mappings: Mappings = None) -> tuple[int, HeaderResolution] | None:
    """Return (row index, resolution) of the header row: the first row where a kind is complete, or None.

    Where several kinds are complete on that row, the one with the most columns matched wins.
    """
    mappings = as_mappings(mappings)
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if header_key(cell)) < 2:
            continue
        best = None
        for kind in LEDGER_KINDS:
            resolution = resolve_headers(row, kind, mappings)
            if resolution.complete and (best is None or len(resolution.columns) > len(best.columns)):
                best = resolution
        if best:
            return index, best
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_records(text: str) -> list[list[str]]:
    """Return the first records of CSV text; a file the csv module cannot parse is no ledger."""
    records = []
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            records.append(record)
            if len(records) == HEADER_SCAN_ROWS:
                break
    except csv.Error as exc:
        raise LedgerReadError("不是有效的 CSV 文件") from exc
    return records


def _csv_head(path: Path, encoding: str) -> list[list[str]]:
    with path.open("rb") as fh:
        head = fh.read(200_000)
    text = head.decode(encoding, errors="ignore")
    return _first_records(text)


def _csv_data(path: Path, encoding: str, skip: int, width: int) -> pd.DataFrame | None:
    """Return the rows after the header as text columns via pyarrow, or None for a ragged file."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    ragged: list[object] = []

    def on_ragged(row) -> str:
        ragged.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            str(path),
            read_options=pa_csv.ReadOptions(skip_rows=skip, column_names=names,
                                            encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=on_ragged),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) and encoding.startswith("utf-8"):
            raise _NotUtf8() from exc
        return None
    if ragged:  # a skipped row would shift every row number after it
        return None
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _csv_rows(path: Path, encoding: str) -> list[list[str]]:
    """Every record of a CSV, padded to the widest (the slow path for ragged files)."""
    try:
        with path.open(encoding=encoding, newline="") as fh:
            rows = list(csv.reader(fh))
    except csv.Error as exc:
        raise LedgerReadError("不是有效的 CSV 文件") from exc
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _xlsx_grids(path: Path, nrows: int | None = None) -> list[tuple[str, pd.DataFrame | list]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise LedgerReadError("无法打开（文件已损坏或不是 Excel 文件）") from exc
    grids = []
    with workbook:
        for name in workbook.sheet_names:
            try:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)
            except Exception as exc:
                raise LedgerReadError(f"工作表“{name}”无法读取（文件已损坏）") from exc
            grids.append((name, rows))
    return grids


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise LedgerReadError("文件不存在")
    if not path.is_file():
        raise LedgerReadError("不是文件")
    if path.suffix.lower() not in LEDGER_SUFFIXES:
        raise LedgerReadError("不支持的文件类型（应为 .xlsx 或 .csv）")
    if path.stat().st_size == 0:
        raise LedgerReadError("文件为空")


def sniff_kinds(path: Path, mappings: Mappings = None) -> list[LedgerKind]:
    """Return the ledger kinds of a file's sheets from their first rows (cheap: for ordering)."""
    _check_readable(path)
    if path.suffix.lower() == ".csv":
        import codecs

        with path.open("rb") as fh:
            head = fh.read(200_000)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = codecs.getincrementaldecoder("utf-16")().decode(head)
        else:
            try:  # not final: a character cut at the 200 kB boundary is no error
                text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)
            except UnicodeDecodeError:
                text = head.decode("gb18030", errors="ignore")
        grids = [_first_records(text)]
    else:
        grids = [rows for _, rows in _xlsx_grids(path, nrows=HEADER_SCAN_ROWS)]
    kinds = []
    for rows in grids:
        found = detect_header(rows, mappings)
        if found:
            kinds.append(found[1].kind)
    return kinds


class _NotUtf8(Exception):
    """The body of a CSV whose first 200 kB looked like UTF-8 is not: read it again as GBK."""


def _head_encoding(path: Path) -> str:
    import codecs

    with path.open("rb") as fh:
        head = fh.read(200_000)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return "utf-16"
    try:  # not final: a character cut at the 200 kB boundary is no error
        codecs.getincrementaldecoder("utf-8")().decode(head)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _read_csv(path: Path, encoding: str, sheets: list, mappings: HeaderMappings) -> list[tuple[str | None, list]]:
    """Append the CSV's sheet to ``sheets`` (fast path) or return its rows as a grid (slow path)."""
    head = _csv_head(path, encoding)
    if not any(any(cell.strip() for cell in row) for row in head):
        raise LedgerReadError("文件为空")
    found = detect_header(head, mappings)
    if not found:
        return [(None, head)]
    header_index = found[0]
    header_cells = head[header_index]
    frame = _csv_data(path, encoding, header_index + 1, len(header_cells))
    if frame is None:
        return [(None, _csv_rows(path, encoding))]
    sheets.append(_build_sheet(path.name, None, found, header_cells, frame, header_index + 1 + len(frame)))
    return []


def read_ledger(path: Path, mappings: Mappings = None) -> list[ParsedSheet]:
    """Return every ledger sheet of ``path``; raise LedgerReadError when none can be read.

    ``mappings``: the header mappings the clerk confirmed (``--map``) and the county's saved
    ones (``headers.saved_header_mappings``); a plain dict is taken as confirmed source → standard.
    """
    path = Path(path)
    mappings = as_mappings(mappings)
    _check_readable(path)
    sheets: list[ParsedSheet] = []
    grids: list[tuple[str | None, list]] = []
    if path.suffix.lower() == ".csv":
        encoding = _head_encoding(path)
        try:
            grids = _read_csv(path, encoding, sheets, mappings)
        except (_NotUtf8, UnicodeDecodeError):
            if encoding == "gb18030":
                raise LedgerReadError("无法识别文件编码（应为 UTF-8 或 GBK）") from None
            sheets.clear()
            grids = _read_csv(path, "gb18030", sheets, mappings)
    else:
        grids = list(_xlsx_grids(path))
    for sheet_name, grid in grids:
        found = detect_header(grid[:HEADER_SCAN_ROWS], mappings)
        if found is None:
            continue
        header_index = found[0]
        frame = pd.DataFrame(grid[header_index + 1:], dtype=object)
        sheets.append(_build_sheet(path.name, sheet_name, found, grid[header_index], frame, len(grid)))
    if not sheets:
        if all(len(g) == 0 for _, g in grids):
            raise LedgerReadError("文件为空")
        mismatch = closest_mismatch(grids, HEADER_SCAN_ROWS, mappings)
        if mismatch:
            raise LedgerReadError(mismatch.message(), mismatch)
        raise LedgerReadError(f"不是可识别的台账（前{HEADER_SCAN_ROWS}行中未找到任何台账的表头）")
    sheets.sort(key=lambda s: s.kind.load_order)
    return sheets


def _arrow(column: pd.Series):
    """Return the pyarrow array behind an arrow-backed text column, or None."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return column.array.__arrow_array__()
    return None


def _has_content(column: pd.Series) -> np.ndarray:
    """Return, per cell, whether it holds anything but whitespace (vectorised)."""
    arrow = _arrow(column)
    if arrow is not None:
        import pyarrow.compute as pc

        filled = pc.and_(pc.greater(pc.binary_length(arrow), 0), pc.invert(pc.utf8_is_space(arrow)))
        return filled.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    texts = column.where(column.notna(), "").astype(str).str.strip()
    return (texts != "").to_numpy(dtype=bool)


def _total_cells(column: pd.Series) -> np.ndarray:
    """Return, per cell, whether it is a 合计/总计/小计 label; the regex only where a 计 appears."""
    arrow = _arrow(column)
    if arrow is not None:
        import pyarrow.compute as pc

        candidates = pc.match_substring(arrow, "计").fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    else:
        candidates = column.map(lambda v: isinstance(v, str) and "计" in v).to_numpy(dtype=bool)
    candidates = np.array(candidates, dtype=bool)  # a writable copy
    if candidates.any():
        candidates[candidates] = [is_total_label(v) for v in column.to_numpy(dtype=object)[candidates]]
    return candidates


def _in_unit(column: pd.Series, factor: float) -> np.ndarray:
    """Return a money column multiplied by ``factor`` (元 → 万元: 0.0001) as an object array.

    Plain numbers are converted vectorised; the rest (12,345 or full-width digits) each distinct
    value once; a cell that is not a number stays as written, so its rejection quotes the clerk.
    """
    values = np.array(column.to_numpy(dtype=object, na_value=None), dtype=object)  # a writable copy
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    converted = np.isfinite(numbers)  # "inf" typed in a cell stays text, to be rejected
    if column.dtype == object:  # an Excel TRUE is no amount
        converted &= np.fromiter((type(v) is not bool for v in values), dtype=bool, count=len(values))
    values[converted] = np.round(numbers[converted] * factor, 10)
    rest = ~converted & pd.notna(column).to_numpy()
    if rest.any():
        def convert(value):
            number, reason = parse_number(value)
            return (value if number is None or reason else round(number * factor, 10)), None

        values[rest] = by_distinct(pd.Series(values[rest], dtype=object), convert)[0]
    return values


def _build_sheet(file_name: str, sheet_name: str | None, found: tuple[int, HeaderResolution],
                 header_cells: list, frame: pd.DataFrame, rows_read: int) -> ParsedSheet:
    """Return the ParsedSheet of the rows below a found header (``frame``: positional columns)."""
    header_index, resolution = found
    kind, mapping = resolution.kind, resolution.columns
    frame.index = np.arange(header_index + 2, header_index + 2 + len(frame))
    if frame.shape[1] < len(header_cells):
        for position in range(frame.shape[1], len(header_cells)):
            frame[position] = ""

    # name each kept column after its header; whistleblower columns go at once, unread
    field_by_position = {position: header for header, position in mapping.items()}
    columns: dict[int, str] = {}
    ignored: set[str] = set()
    used: set[str] = set()
    for position in range(frame.shape[1]):
        key = header_key(header_cells[position]) if position < len(header_cells) else ""
        if is_whistleblower_header(key):
            continue
        name = field_by_position.get(position) or key or f"第{position + 1}列"
        while name in used:
            name += "_"
        used.add(name)
        columns[position] = name
        if position not in field_by_position and key in IGNORED_KEYS:
            ignored.add(name)
    frame = frame.iloc[:, list(columns)]
    frame.columns = list(columns.values())

    # blank: nothing but a running number (序号/备注) — pre-numbered empty rows are common;
    # 合计/总计/小计 may stand in any column, the 序号 column included
    content_cells = {name: _has_content(frame[name]) for name in frame.columns}
    content = [cells for name, cells in content_cells.items() if name not in ignored]
    blank = ~np.logical_or.reduce(content) if content else np.ones(len(frame), dtype=bool)
    total = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        total |= _total_cells(frame[name])
    blank &= ~total
    structural = blank | total
    data = frame[~structural]
    # keep columns with a header, or without one but holding data; the 序号 column goes
    keep = [c for c in data.columns if c not in ignored
            and (not (c.startswith("第") and c.endswith("列")) or content_cells[c][~structural].any())]
    data = data[keep]
    if resolution.factors:
        data = data.copy()
        for header, factor in resolution.factors.items():
            data[header] = _in_unit(data[header], factor)
    return ParsedSheet(
        file_name=file_name,
        sheet_name=sheet_name,
        kind=kind,
        header_row=header_index + 1,
        raw=data,
        field_columns={h: h for h in mapping},
        rows_read=rows_read,
        rows_title=header_index,
        rows_blank=int(blank.sum()),
        rows_total=int(total.sum()),
        notes=resolution.notes(),
        units=dict(resolution.units),
        mapped=dict(resolution.mapped),
        source_headers={h: str(header_cells[p]) for h, p in mapping.items()},
    )
