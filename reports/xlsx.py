"""A table (a chart's data or any table on a page) as an .xlsx a clerk can paste into a briefing.

Layout of the sheet::

    row 1  各乡镇整改完成率                      ← title (bold)
    row 2  数据截至 2024-09-30
    row 3  内部资料 注意保密  张三  2026-11-25 14:03   ← watermark line
    row 4  乡镇 | 整改完成率（%） | 追缴资金（万元） …   ← Chinese headers with units, frozen
    row 5… values: numbers stay numbers; rates shown 0.0%, 万元 0.00

Headers come from ``reports.labels.COLUMN_LABELS`` when the column is a metrics column
name; a column already named in Chinese is kept.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reports.stamps import as_of_line, watermark_line

PERCENT_FORMAT = "0.0%"
WAN_YUAN_FORMAT = "0.00"
INTEGER_FORMAT = "0"
DECIMAL_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 4
FONT_NAME = "宋体"


def column_labels() -> dict[str, str]:
    """Return the data layer's column → Chinese header (with unit) table."""
    from reports.labels import COLUMN_LABELS

    return dict(COLUMN_LABELS)


def number_format_for(header: str, values: pd.Series) -> str | None:
    """Return the Excel number format a column's header and values call for (None: text)."""
    if "万元" in header:
        return WAN_YUAN_FORMAT
    if ("率" in header or "%" in header or "占比" in header) and _is_numeric(values):
        return PERCENT_FORMAT
    if pd.api.types.is_datetime64_any_dtype(values) or _all_instances(values, (date, datetime)):
        return DATE_FORMAT
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return INTEGER_FORMAT
    if _is_numeric(values):
        numbers = [float(v) for v in values if _present(v)]
        if numbers and all(float(v).is_integer() for v in numbers):
            return INTEGER_FORMAT
        return DECIMAL_FORMAT
    return None


def _present(value) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _all_instances(values: pd.Series, kinds) -> bool:
    present = [v for v in values if _present(v)]
    return bool(present) and all(isinstance(v, kinds) for v in present)


def _is_numeric(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    present = [v for v in values if _present(v)]
    return bool(present) and all(
        isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present
    )


def cell_value(value):
    """Return ``value`` as openpyxl stores it: numbers as numbers, NaN as an empty cell."""
    if not _present(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _display_width(value, number_format: str | None) -> int:
    if value is None:
        return 0
    if number_format == PERCENT_FORMAT:
        return 7
    if number_format == DATE_FORMAT:
        return 10
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def labelled(table: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Return ``table`` with its columns renamed to their Chinese headers (units included)."""
    labels = column_labels() if labels is None else labels
    return table.rename(columns={c: labels.get(c, c) for c in table.columns})


def write_table_sheet(sheet, table: pd.DataFrame, *, title: str, as_of: date | None = None,
                      user_name: str | None = None, exported_at: datetime | None = None,
                      labels: dict[str, str] | None = None) -> None:
    """Fill ``sheet`` with the titled, stamped, formatted table (see the module docstring)."""
    table = labelled(table.reset_index(drop=True), labels)
    headers = [str(c) for c in table.columns]
    formats = [number_format_for(h, table.iloc[:, i]) for i, h in enumerate(headers)]

    bold = Font(name=FONT_NAME, bold=True, size=14)
    sheet["A1"] = title
    sheet["A1"].font = bold
    sheet["A2"] = as_of_line(as_of)
    sheet["A2"].font = Font(name=FONT_NAME, size=10, color="555555")
    sheet["A3"] = watermark_line(user_name or "未知用户", exported_at or datetime.now())
    sheet["A3"].font = Font(name=FONT_NAME, size=10, color="999999")

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    widths = [_display_width(h, None) for h in headers]
    for r, row in enumerate(table.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        for c, raw in enumerate(row, start=1):
            value = cell_value(raw)
            cell = sheet.cell(row=r, column=c, value=value)
            cell.font = Font(name=FONT_NAME)
            cell.border = border
            fmt = formats[c - 1]
            if fmt and isinstance(value, (int, float, date, datetime)):
                cell.number_format = fmt
            widths[c - 1] = max(widths[c - 1], _display_width(value, fmt))

    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)  # title block and header stay
    sheet.sheet_view.zoomScale = 100


def table_xlsx(table: pd.DataFrame, *, title: str, as_of: date | None = None, user_name: str | None = None,
               exported_at: datetime | None = None, labels: dict[str, str] | None = None) -> bytes:
    """Return the .xlsx bytes of one table: title, 数据截至, watermark, frozen Chinese header, formats."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    write_table_sheet(sheet, table, title=title, as_of=as_of, user_name=user_name,
                      exported_at=exported_at, labels=labels)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip() or "数据"
    return cleaned[:31]  # Excel's limit
