"""Exporting rejected rows to .xlsx so the clerk can fix them and load them again."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Engine, false, func, or_, select

from config import settings
from warehouse import schema
from warehouse.audit import write_event

if TYPE_CHECKING:
    from data_pipeline.batches import Actor

FIXED_HEADERS = ("文件", "工作表", "行号", "列", "原因")


def rejected_rows_frame(engine: Engine, batch_id: int | None = None,
                        batch_ids: Sequence[int] | None = None, *, actor: Actor | None = None) -> tuple[list[str], list[list]]:
    """Return (headers, rows): one row per reason, then the rejected row's original columns.

    Without ``batch_id`` or ``batch_ids``: the rejects of each file's latest load (older loads were superseded).
    ``actor``: only the batches that user may read (``batches_readable_by``); None is the server's command
    line (``python -m data_pipeline rejects``), whose operator reads every batch.
    """
    rejected, batches = schema.rejected_rows, schema.load_batches
    query = select(rejected.c.file_name, rejected.c.sheet_name, rejected.c.source_row_number,
                   rejected.c.column_name, rejected.c.reason, rejected.c.row_values_json)
    if actor is not None:
        query = query.where(rejected.c.batch_id.in_(batches_readable_by(actor)))
    if batch_ids is not None:
        query = query.where(rejected.c.batch_id.in_(list(batch_ids)))
    elif batch_id is not None:
        query = query.where(rejected.c.batch_id == batch_id)
    else:
        latest = (select(func.max(batches.c.batch_id))
                  .group_by(batches.c.file_name, batches.c.ledger_kind).scalar_subquery())
        query = query.where(rejected.c.batch_id.in_(latest))
    query = query.order_by(rejected.c.batch_id, rejected.c.source_row_number, rejected.c.rejected_row_id)
    with engine.connect() as conn:
        records = conn.execute(query).all()
    original_headers: dict[str, None] = {}
    parsed = []
    for file_name, sheet_name, row_number, column, reason, values_json in records:
        values = json.loads(values_json) if values_json else {}
        original_headers.update(dict.fromkeys(values))
        parsed.append(([file_name, sheet_name or "", row_number, column or "", reason], values))
    headers = list(FIXED_HEADERS) + list(original_headers)
    rows = [fixed + [values.get(h, "") for h in original_headers] for fixed, values in parsed]
    return headers, rows


def batches_readable_by(actor: Actor):
    """SELECT of the batch ids whose rejected rows ``actor`` may read. Rejected rows hold a ledger's values
    (who was reported, in which village), so: a 乡镇 user's, the loads of its township's users; a county's
    管理员, its county's loads and those that name no county (a one-county warehouse's), as the load history
    shows them; a 管理员 of no county, every load; any other role, none."""
    b, users = schema.load_batches.c, schema.users.c
    statement = select(b.batch_id)
    if actor.role == "乡镇" and actor.township_code:
        own = select(users.username).where(users.township_code == actor.township_code)
        return statement.where(or_(b.loaded_by == actor.username, b.loaded_by.in_(own)))
    if actor.role != "管理员":
        return statement.where(false())
    if actor.county_code:
        return statement.where(or_(b.county_code == actor.county_code, b.county_code.is_(None)))
    return statement


def export_rejects(engine: Engine, out: Path, batch_id: int | None = None, exported_by: str = "命令行") -> int:
    """Write the rejected rows to ``out`` (.xlsx) and return how many lines were written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data, count = _rejects_workbook(engine, batch_id, None, exported_by, out.name)
    out.write_bytes(data)
    return count


def rejects_workbook_bytes(engine: Engine, *, batch_ids: Sequence[int], actor: Actor) -> bytes:
    """Return the rejects .xlsx of those of ``batch_ids`` that ``actor`` may read (the desk's download)."""
    return _rejects_workbook(engine, None, batch_ids, actor.username, "拒收行.xlsx", actor)[0]


def _rejects_workbook(engine: Engine, batch_id: int | None, batch_ids: Sequence[int] | None, exported_by: str,
                      file_name: str, actor: Actor | None = None) -> tuple[bytes, int]:
    """The rejected rows as .xlsx bytes and their count.

    The rows hold sensitive names, so the export is watermarked in the printed page's header
    (user, time, 内部资料 注意保密) and written to the audit log; the cells stay clean so the
    clerk can fix them and load the file again.
    """
    headers, rows = rejected_rows_frame(engine, batch_id, batch_ids, actor=actor)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "拒收行"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (28, 12, 8, 14, 48)):
        sheet.column_dimensions[letter].width = width
    now = dt.datetime.now()
    sheet.oddHeader.center.text = f"{settings.get('watermark_text')}　{exported_by}　{now:%Y-%m-%d %H:%M}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    buffer = io.BytesIO()
    workbook.save(buffer)
    batches = list(batch_ids) if batch_ids is not None else batch_id
    with engine.begin() as conn:
        write_event(conn, exported_by, "export", {"导出": "拒收行", "文件": file_name, "批次": batches,
                                                  "行数": len(rows)})
    return buffer.getvalue(), len(rows)
