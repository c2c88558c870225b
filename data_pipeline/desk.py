"""The data desk's side of loading: what an upload may be, loading it as the signed-in user, and
the per-file summary and rejected rows as the desk and the command line show them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from data_pipeline.batches import Actor, DeskError
from data_pipeline.ledgers import LEDGER_BY_NAME
from data_pipeline.load import FileReport, load_paths
from data_pipeline.rejects import FIXED_HEADERS, rejected_rows_frame, rejects_workbook_bytes

UPLOAD_SUFFIXES = (".xlsx", ".xls", ".csv")
SUMMARY_HEADERS = ("文件", "工作表", "台账", "读取行数", "入库", "拒收", "结构行", "重复", "未变化", "核对")
MAY_LOAD = ("管理员", "乡镇")


def upload_refusal(file_name: str, size_bytes: int, limit_mb: float) -> str | None:
    """The Chinese reason an uploaded file is refused before it is read, or None."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return f"「{file_name}」不是台账文件：只接受 {'、'.join(UPLOAD_SUFFIXES)} 文件"
    if size_bytes > limit_mb * 1024 * 1024:
        return f"「{file_name}」有 {size_bytes / 1024 / 1024:.1f} MB，超过上传上限 {limit_mb:g} MB，请拆分后再上传"
    return None


def load_uploads(engine: Engine, paths: Sequence[Path], actor: Actor,
                 on_file: Callable[[int, int], None] = lambda done, total: None) -> list[FileReport]:
    """Load the saved uploads as ``actor`` (a 乡镇 user: its own township's rows only), file by file."""
    if actor.role not in MAY_LOAD:
        raise DeskError("只有管理员或乡镇用户可以加载台账")
    reports: list[FileReport] = []
    ordered = list(paths)
    for done, path in enumerate(ordered, start=1):
        reports.extend(load_paths([path], engine, loaded_by=actor.username,
                                  own_township=actor.township_code if actor.role == "乡镇" else None))
        on_file(done, len(ordered))
    return reports


def summary_line(report: FileReport) -> list[str]:
    """One row of the per-file summary (SUMMARY_HEADERS); 核对 shows 读取 = 入库 + 拒收 + 结构行."""
    kind = LEDGER_BY_NAME.get(report.ledger_kind or "")
    if report.skipped:
        check = "已加载，跳过"
    elif report.error:
        check = "未入库"
    else:
        check = (f"{report.rows_read}={report.rows_loaded}+{report.rows_rejected}+{report.rows_structural}"
                 + (" ✓" if report.balanced else " ✗"))
    numbers = ("", "", "", "", "", "") if (report.skipped or report.error) else (
        report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_structural, report.rows_duplicate,
        report.rows_unchanged)
    return [report.file_name, report.sheet_name or "", kind.label if kind else "", *map(str, numbers), check]


def summary_frame(reports: Sequence[FileReport]) -> pd.DataFrame:
    return pd.DataFrame([summary_line(r) for r in reports], columns=list(SUMMARY_HEADERS))


def rejected_lines(engine: Engine, batch_ids: Sequence[int]) -> pd.DataFrame:
    """The rejected rows of these batches as the desk lists them: file, sheet, row, column, reason."""
    _, rows = rejected_rows_frame(engine, batch_ids=batch_ids)
    return pd.DataFrame([row[:len(FIXED_HEADERS)] for row in rows], columns=list(FIXED_HEADERS))


def rejects_xlsx(engine: Engine, batch_ids: Sequence[int], exported_by: str) -> bytes:
    """The rejects .xlsx of these batches (watermarked, audited), for the clerk to fix and upload again."""
    return rejects_workbook_bytes(engine, batch_ids=batch_ids, exported_by=exported_by)
