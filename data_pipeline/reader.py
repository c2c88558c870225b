"""Reading ledger files (.xlsx via python-calamine, .csv in UTF-8/GBK) into ParsedSheets.

Reading finds the header row (the first of the first 15 rows where one ledger kind's required
headers are all present after synonym mapping), maps headers to the contract, drops the
whistleblower columns at once, and separates structural rows (title, header, blank, 合计) from
data rows. Every data row keeps its source row number as Excel shows it (1-based).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data_pipeline.ledgers import IGNORED_HEADERS, LEDGER_KINDS, WHISTLEBLOWER_HEADERS, LedgerKind
from data_pipeline.normalise import header_key

HEADER_SCAN_ROWS = 15
LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
_TOTAL_PATTERN = r"^(合计|总计|小计)([:(（].*)?$"
_PARENTHESIS_TAIL = re.compile(r"\(.*\)$")


class LedgerReadError(Exception):
    """A file that cannot be read as a ledger at all; the message is one Chinese line."""


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
    extra: dict = field(default_factory=dict)

    @property
    def rows_structural(self) -> int:
        """Title rows, the header row, blank rows and 合计 rows."""
        return self.rows_title + 1 + self.rows_blank + self.rows_total

    def where(self) -> str:
        """Return 「file」工作表“sheet” (or 「file」 for a CSV), the start of every message."""
        return f"「{self.file_name}」" + (f"工作表“{self.sheet_name}”" if self.sheet_name else "")


def is_whistleblower_header(key: str) -> bool:
    """True for 反映人, 联系电话 … also when followed by a parenthesis: 反映人(姓名)."""
    return key in _WHISTLEBLOWER_KEYS or _PARENTHESIS_TAIL.sub("", key) in _WHISTLEBLOWER_KEYS


_WHISTLEBLOWER_KEYS = frozenset(header_key(h) for h in WHISTLEBLOWER_HEADERS)
_IGNORED_KEYS = frozenset(header_key(h) for h in IGNORED_HEADERS)


def _synonym_table(kind: LedgerKind) -> tuple[dict[str, str], dict[str, str]]:
    canonical = {header_key(f.header): f.header for f in kind.fields}
    synonyms: dict[str, str] = {}
    for f in kind.fields:
        for synonym in f.synonyms:
            synonyms.setdefault(header_key(synonym), f.header)
    return canonical, synonyms


_SYNONYMS = {kind.name: _synonym_table(kind) for kind in LEDGER_KINDS}


def map_headers(keys: list[str], kind: LedgerKind) -> dict[str, int]:
    """Return contract header → column position; canonical names win over synonyms."""
    canonical, synonyms = _SYNONYMS[kind.name]
    mapping: dict[str, int] = {}
    for table in (canonical, synonyms):
        for position, key in enumerate(keys):
            target = table.get(key)
            if target and target not in mapping and position not in mapping.values():
                mapping[target] = position
    return mapping


def detect_header(rows: list[list]) -> tuple[int, LedgerKind, dict[str, int]] | None:
    """Return (row index, ledger kind, header mapping) of the header row, or None."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = [header_key(cell) for cell in row]
        if sum(1 for k in keys if k) < 2:
            continue
        best = None
        for kind in LEDGER_KINDS:
            mapping = map_headers(keys, kind)
            if all(h in mapping for h in kind.required_headers):
                if best is None or len(mapping) > len(best[1]):
                    best = (kind, mapping)
        if best:
            return index, best[0], best[1]
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode_csv(data: bytes) -> str:
    """Return the text of a CSV in UTF-8 (with or without BOM) or GBK/GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise LedgerReadError("无法识别文件编码（应为 UTF-8 或 GBK）") from exc


def _csv_grid(text: str) -> pd.DataFrame:
    head = list(csv.reader(io.StringIO(text[:200_000])))[:HEADER_SCAN_ROWS]
    width = max((len(r) for r in head), default=0)
    if width == 0:
        raise LedgerReadError("文件为空")
    try:
        return pd.read_csv(io.StringIO(text), header=None, names=range(width), dtype=str,
                           keep_default_na=False, skip_blank_lines=False, index_col=False)
    except (pd.errors.ParserError, ValueError):
        # a row wider than the header: the slower reader that tolerates ragged rows
        rows = list(csv.reader(io.StringIO(text)))
        width = max(len(r) for r in rows)
        return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)


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


def sniff_kinds(path: Path) -> list[LedgerKind]:
    """Return the ledger kinds of a file's sheets from their first rows (cheap: for ordering)."""
    _check_readable(path)
    if path.suffix.lower() == ".csv":
        with path.open("rb") as fh:
            head = fh.read(200_000)
        try:
            text = decode_csv(head)
        except LedgerReadError:
            text = head.decode("gb18030", errors="ignore")
        grids = [list(csv.reader(io.StringIO(text)))[:HEADER_SCAN_ROWS]]
    else:
        grids = [rows for _, rows in _xlsx_grids(path, nrows=HEADER_SCAN_ROWS)]
    kinds = []
    for rows in grids:
        found = detect_header(rows)
        if found:
            kinds.append(found[1])
    return kinds


def read_ledger(path: Path) -> list[ParsedSheet]:
    """Return every ledger sheet of ``path``; raise LedgerReadError when none can be read."""
    path = Path(path)
    _check_readable(path)
    if path.suffix.lower() == ".csv":
        text = decode_csv(path.read_bytes())
        if not text.strip():
            raise LedgerReadError("文件为空")
        grids: list[tuple[str | None, pd.DataFrame | list]] = [(None, _csv_grid(text))]
        del text
    else:
        grids = list(_xlsx_grids(path))
    sheets = []
    for sheet_name, grid in grids:
        sheet = _parse_grid(path.name, sheet_name, grid)
        if sheet is not None:
            sheets.append(sheet)
    if not sheets:
        if all(len(g) == 0 for _, g in grids):
            raise LedgerReadError("文件为空")
        raise LedgerReadError(f"不是可识别的台账（前{HEADER_SCAN_ROWS}行中未找到任何台账的表头）")
    sheets.sort(key=lambda s: s.kind.load_order)
    return sheets


def _cell_text(column: pd.Series) -> pd.Series:
    """Return a column as stripped text ('' for empty), vectorised."""
    if column.dtype == object:
        column = column.where(column.notna(), "").astype(str)
    return column.str.strip()


def _parse_grid(file_name: str, sheet_name: str | None, grid) -> ParsedSheet | None:
    head = grid[:HEADER_SCAN_ROWS] if isinstance(grid, list) else grid.iloc[:HEADER_SCAN_ROWS].values.tolist()
    found = detect_header(head)
    if found is None:
        return None
    header_index, kind, mapping = found
    if isinstance(grid, list):
        rows_read = len(grid)
        frame = pd.DataFrame(grid[header_index + 1:], dtype=object)
        header_cells = grid[header_index]
    else:
        rows_read = len(grid)
        header_cells = grid.iloc[header_index].tolist()
        frame = grid.iloc[header_index + 1:]
    del grid
    frame.index = np.arange(header_index + 2, header_index + 2 + len(frame))

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
        if position not in field_by_position and key in _IGNORED_KEYS:
            ignored.add(name)
    frame = frame.iloc[:, list(columns)]
    frame.columns = list(columns.values())

    # blank: nothing but a running number (序号/备注) — pre-numbered empty rows are common;
    # 合计/总计/小计 may stand in any column, the 序号 column included
    texts = {name: _cell_text(frame[name]) for name in frame.columns}
    content = [t for name, t in texts.items() if name not in ignored]
    if content:
        blank = np.logical_and.reduce([(t == "").to_numpy(dtype=bool) for t in content])
    else:
        blank = np.ones(len(frame), dtype=bool)
    total = np.zeros(len(frame), dtype=bool)
    for t in texts.values():
        total |= (t.str.contains("计", regex=False).to_numpy(dtype=bool)
                  & t.str.replace(r"\s+", "", regex=True).str.match(_TOTAL_PATTERN).to_numpy(dtype=bool))
    blank &= ~total
    structural = blank | total
    data = frame[~structural]
    # keep columns with a header, or without one but holding data; the 序号 column goes
    keep = [c for c in data.columns if c not in ignored
            and (not (c.startswith("第") and c.endswith("列")) or (texts[c][~structural] != "").any())]
    return ParsedSheet(
        file_name=file_name,
        sheet_name=sheet_name,
        kind=kind,
        header_row=header_index + 1,
        raw=data[keep],
        field_columns={h: h for h in mapping},
        rows_read=rows_read,
        rows_title=header_index,
        rows_blank=int(blank.sum()),
        rows_total=int(total.sum()),
    )
