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
    cells, townships = _township_cells(status, ledger_kind)
    matrix = cells.pivot(index=["township_code", "township_name"], columns="period_code", values="cell")
    matrix = matrix.reindex(pd.MultiIndex.from_frame(townships))  # townships in order
    matrix = matrix.reset_index().drop(columns="township_code").rename(columns={"township_name": "乡镇"})
    matrix.columns.name = None
    return matrix


def county_matrix(status: pd.DataFrame, county_names: dict[str, str]) -> pd.DataFrame:
    """Return one row per county and one column per period (all ledgers): 齐全, or how many of its townships
    have a ledger 未报送 (未报送：3个乡镇), else 迟报, else 未到期: a prefecture's 1,200 townships as 100 rows."""
    if status.empty:
        return pd.DataFrame(columns=["县（市、区）"])
    months = status[status["ledger_kind"] != reporting.QUARTERLY_LEDGER]
    rank = months["reporting_status"].map(_WORST_RANK)  # NaN: arrived or zero
    worst = (months.assign(rank=rank).groupby(["township_code", "period_code"], sort=False)["rank"].min()
             .reset_index())  # each township's worst ledger that month
    worst["county_code"] = worst["township_code"].str[:6]
    counted = (worst.dropna(subset=["rank"]).groupby(["county_code", "period_code", "rank"]).size()
               .rename("townships").reset_index().sort_values("rank").drop_duplicates(["county_code", "period_code"]))
    every = worst[["county_code", "period_code"]].drop_duplicates().merge(
        counted, on=["county_code", "period_code"], how="left")
    named = every["rank"].notna()
    every["cell"] = "齐全"
    every.loc[named, "cell"] = [f"{_WORST_FIRST[int(r)]}：{int(n)}个乡镇" for r, n in zip(every.loc[named, "rank"],
                                                                                       every.loc[named, "townships"])]
    matrix = every.pivot(index="county_code", columns="period_code", values="cell")
    matrix = matrix.reindex(sorted(set(every["county_code"])))  # counties in code order
    matrix.index = [county_names.get(code, code) for code in matrix.index]
    matrix = matrix.rename_axis("县（市、区）").reset_index()
    matrix.columns.name = None
    return matrix


def _township_cells(status: pd.DataFrame, ledger_kind: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(township_code, township_name, period_code, cell) per township and month, and the townships in order."""
    chosen = status if ledger_kind is None else status[status["ledger_kind"] == ledger_kind]
    if ledger_kind is None:  # the survey's quarter would make a second set of columns: months only
        chosen = chosen[chosen["ledger_kind"] != reporting.QUARTERLY_LEDGER]
    keys = ["township_code", "township_name", "period_code"]
    if ledger_kind is not None:
        cells = chosen[[*keys, "reporting_status"]].rename(columns={"reporting_status": "cell"})
    else:
        cells = _worst_cells(chosen, keys)
    return cells, chosen[keys[:2]].drop_duplicates()


_WORST_FIRST = (reporting.MISSING, reporting.LATE, reporting.NOT_DUE)
_WORST_RANK = {status: rank for rank, status in enumerate(_WORST_FIRST)}  # 0 the worst; arrived or zero: none


def _worst_cells(status: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per township and month: 未报送：线索、案件 when any is missing, else 迟报：… , else 未到期：… , else 齐全
    (the ledgers named in their order); one pass over the rows, not a frame per cell (1,200 townships)."""
    every = status[keys].drop_duplicates()
    flagged = status[status["reporting_status"].isin(_WORST_FIRST)].assign(
        rank=lambda rows: rows["reporting_status"].map(_WORST_RANK),
        short=lambda rows: rows["ledger_kind"].map(SHORT_LABELS))
    worst = flagged[flagged["rank"] == flagged.groupby(keys)["rank"].transform("min")]
    named = (worst.groupby(keys, sort=False)
             .agg(status_name=("reporting_status", "first"), ledgers=("short", "、".join)).reset_index())
    cells = every.merge(named, on=keys, how="left")
    cells["cell"] = (cells["status_name"] + "：" + cells["ledgers"]).fillna("齐全")
    return cells[[*keys, "cell"]]


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
    by_county = frame.scope.every_county and ledger_kind is None and township_code is None
    if by_county:  # 全市: a row per county, how many of its townships have not reported
        matrix = frame.figure(county_matrix, status, frame.county_names)
    else:
        matrix = frame.figure(status_matrix, status, ledger_kind)
    if matrix.empty or len(matrix.columns) == 1:
        st.info("没有可显示的乡镇。")
        return status
    month_columns = list(matrix.columns[1:])
    styled = matrix.style.map(_colour, subset=month_columns)
    st.dataframe(styled, hide_index=True, width="stretch", key=key,
                 height=38 + 35 * min(len(matrix), 14))
    missing = status[(status["reporting_status"] == reporting.MISSING)
                     & ((status["ledger_kind"] == ledger_kind) if ledger_kind else True)]
    towns = list(dict.fromkeys(missing["township_name"]))  # in the townships' code order
    if towns and by_county:
        counties_missing = matrix[matrix[month_columns].apply(
            lambda column: column.str.startswith(reporting.MISSING)).any(axis=1)]["县（市、区）"].tolist()
        st.error(f"有乡镇未按期报送的县（{len(counties_missing)}个，共{missing['township_code'].nunique()}个乡镇）："
                 f"{'、'.join(counties_missing)}；选择县可查看是哪些乡镇。")
    elif towns:
        st.error(f"未按期报送的乡镇（{len(towns)}个）：{'、'.join(towns)}")
    else:
        st.success("各乡镇均已报送或已报零报告。")
    return status
