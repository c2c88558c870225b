"""The data desk's side of loading: what an upload may be, loading it as the signed-in user, and
the per-file summary and rejected rows as the desk and the command line show them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from config import settings
from data_pipeline.batches import Actor, DeskError
from data_pipeline.headers import HeaderMappings, save_header_mappings, saved_header_mappings
from data_pipeline.ledgers import LEDGER_BY_NAME
from data_pipeline.load import FileReport, load_paths
from data_pipeline.normalise import header_key
from data_pipeline.rejects import FIXED_HEADERS, rejected_rows_frame

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


def load_uploads(engine: Engine, paths: Sequence[Path], actor: Actor, *, confirmed: Mapping[str, str] | None = None,
                 on_file: Callable[[int, int], None] = lambda done, total: None) -> list[FileReport]:
    """Load the saved uploads as ``actor`` (a 乡镇 user: its own township's rows only), in the pipeline's
    order (a 区划名录 first, whatever order the files were chosen in).

    The county's saved header mappings apply; ``confirmed`` (source header → standard header, what the
    clerk chose in the desk's form) applies too, and what a committed sheet used of it is saved for the
    county, so next month's file with the same headers loads without a question.
    """
    if actor.role not in MAY_LOAD:
        raise DeskError("只有管理员或乡镇用户可以加载台账")
    county_code = actor.county_code or str(settings.get("county_code"))
    with engine.begin() as conn:
        saved = saved_header_mappings(conn, county_code)
    mappings = HeaderMappings(confirmed=dict(confirmed or {}), saved=saved)
    reports = load_paths(list(paths), engine, loaded_by=actor.username, mappings=mappings,
                         own_township=actor.township_code if actor.role == "乡镇" else None,
                         county_code=actor.county_code, on_file=on_file)
    used = used_confirmed_mappings(reports, mappings.confirmed)
    if used:
        with engine.begin() as conn:
            save_header_mappings(conn, county_code, used, actor.username)
    return reports


def used_confirmed_mappings(reports: Sequence[FileReport], confirmed: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The confirmed mappings a committed sheet used: ledger kind → source header → standard header."""
    keys = {header_key(source) for source in confirmed}
    used: dict[str, dict[str, str]] = {}
    for report in reports:
        if report.committed and not report.skipped and report.ledger_kind:
            for source, standard in report.header_mappings.items():
                if header_key(source) in keys:
                    used.setdefault(report.ledger_kind, {})[source] = standard
    return used


CLI_HINT = "。如核对无误，可用 --map"


def error_on_the_desk(report: FileReport) -> str:
    """A file's error as the desk shows it: the command line's --map hint becomes the form below it."""
    if report.mismatch is not None and CLI_HINT in report.error:
        return report.error.split(CLI_HINT)[0] + "。请在下方确认表头后重新加载。"
    return report.error


def mapping_choices(report: FileReport) -> list[tuple[str, list[str], str | None]]:
    """For a file whose header was not recognised: (missing standard header, the file's unmatched headers to
    choose from, the suggested one or None) per missing header, as the desk's form offers them."""
    mismatch = report.mismatch
    if mismatch is None:
        return []
    headers = [s.header for s in mismatch.suggestions if not s.unit_disagrees]
    return [(missing, headers, next((s.header for s in mismatch.suggestions
                                     if s.standard == missing and not s.unit_disagrees), None))
            for missing in mismatch.missing]


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


def rejected_lines(engine: Engine, batch_ids: Sequence[int], *, actor: Actor) -> pd.DataFrame:
    """The rejected rows of those of these batches ``actor`` may read (``rejects.batches_readable_by``), as
    the desk lists them: file, sheet, row, column, reason."""
    _, rows = rejected_rows_frame(engine, batch_ids=batch_ids, actor=actor)
    return pd.DataFrame([row[:len(FIXED_HEADERS)] for row in rows], columns=list(FIXED_HEADERS))
