"""报送情况 as a table a meeting reads: townships down, months across, what is missing in red.

``status_matrix`` is the builder (a frame in, a frame out, testable without Streamlit);
``show_reporting_matrix`` draws it on 总览 and on the desk.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import reporting
from metrics.periods import Period

SHORT_LABELS = {"clues": "线索", "cases": "案件", "rectification": "整改", "platform_usage": "平台",
                "satisfaction": "测评"}
MISSING_COLOUR = "background-color: #FDECEA; color: #B71C1C; font-weight: 600"
LATE_COLOUR = "background-color: #FFF4E5; color: #8A4B00"


def status_matrix(status: pd.DataFrame, ledger_kind: str | None = None) -> pd.DataFrame:
    """Return one row per township and one column per period: for one ledger its status, for all of them
    齐全 / 未报送：线索、案件 / 迟报：… (the worst first), so a township that has not reported stands out."""
    if status.empty:
        return pd.DataFrame(columns=["乡镇"])
    chosen = status if ledger_kind is None else status[status["ledger_kind"] == ledger_kind]
    if ledger_kind is None:  # the survey's quarter would make a second set of columns: months only
        chosen = chosen[chosen["ledger_kind"] != reporting.QUARTERLY_LEDGER]
    cells = (chosen.groupby(["township_code", "township_name", "period_code"], sort=False)
             .apply(lambda rows: _cell(rows, ledger_kind), include_groups=False).rename("cell").reset_index())
    matrix = cells.pivot(index=["township_code", "township_name"], columns="period_code", values="cell")
    matrix = matrix.reset_index().drop(columns="township_code").rename(columns={"township_name": "乡镇"})
    matrix.columns.name = None
    return matrix


def _cell(rows: pd.DataFrame, ledger_kind: str | None) -> str:
    if ledger_kind is not None:
        return str(rows["reporting_status"].iloc[0])
    for status in (reporting.MISSING, reporting.LATE, reporting.NOT_DUE):
        named = [SHORT_LABELS[k] for k, s in zip(rows["ledger_kind"], rows["reporting_status"]) if s == status]
        if named:
            return f"{status}：{'、'.join(named)}"
    return "齐全"


def _colour(value) -> str:
    text = str(value)
    if text.startswith(reporting.MISSING):
        return MISSING_COLOUR
    if text.startswith(reporting.LATE):
        return LATE_COLOUR
    return ""


def show_reporting_matrix(frame, period: Period, *, key: str, ledger_kind: str | None = None,
                          township_code: str | None = None) -> pd.DataFrame:
    """Draw the matrix for ``period`` (its months) and return the status rows it was built from."""
    status = frame.query(reporting.reporting_status, period=period, township_code=township_code)
    matrix = frame.figure(status_matrix, status, ledger_kind)
    if matrix.empty or len(matrix.columns) == 1:
        st.info("没有可显示的乡镇。")
        return status
    month_columns = [c for c in matrix.columns if c != "乡镇"]
    styled = matrix.style.map(_colour, subset=month_columns)
    st.dataframe(styled, hide_index=True, width="stretch", key=key,
                 height=38 + 35 * min(len(matrix), 14))
    missing = status[(status["reporting_status"] == reporting.MISSING)
                     & ((status["ledger_kind"] == ledger_kind) if ledger_kind else True)]
    towns = list(dict.fromkeys(missing["township_name"]))  # in the townships' code order
    if towns:
        st.error(f"未按期报送的乡镇（{len(towns)}个）：{'、'.join(towns)}")
    else:
        st.success("各乡镇均已报送或已报零报告。")
    return status
