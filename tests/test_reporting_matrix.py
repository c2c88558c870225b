"""The 报送情况 matrix builder (``ui.reporting.status_matrix``): a frame of status rows in, the table a meeting reads out."""

from __future__ import annotations

import pandas as pd

from metrics.reporting import ARRIVED, LATE, MISSING, NOT_DUE, ZERO
from ui.reporting import county_matrix, status_matrix

KINDS = ("clues", "cases", "rectification", "platform_usage")


def _status(cells: dict[tuple[str, str], tuple[str, ...]]) -> pd.DataFrame:
    """(township, month) → the four monthly ledgers' statuses, plus the quarter's survey (arrived)."""
    rows = []
    for (township, month), statuses in cells.items():
        for kind, status in zip(KINDS, statuses):
            rows.append((f"99010100{township[-1]}", township, kind, month, status))
        rows.append((f"99010100{township[-1]}", township, "satisfaction", "2026Q3", ARRIVED))
    return pd.DataFrame(rows, columns=["township_code", "township_name", "ledger_kind", "period_code",
                                       "reporting_status"])


def test_each_cell_names_the_worst_status_and_its_ledgers_in_order():
    status = _status({
        ("乙镇2", "2026-08"): (MISSING, ARRIVED, MISSING, LATE),
        ("乙镇2", "2026-09"): (ARRIVED, LATE, ZERO, LATE),
        ("甲镇1", "2026-08"): (ARRIVED, ARRIVED, ZERO, ARRIVED),
        ("甲镇1", "2026-09"): (NOT_DUE, ARRIVED, NOT_DUE, ARRIVED),
    })
    matrix = status_matrix(status)
    assert matrix.columns.tolist() == ["乡镇", "2026-08", "2026-09"]  # months only: the survey's quarter is left out
    assert matrix.to_dict("records") == [  # the townships in the rows' order, not sorted by name
        {"乡镇": "乙镇2", "2026-08": "未报送：线索、整改", "2026-09": "迟报：案件、平台"},
        {"乡镇": "甲镇1", "2026-08": "齐全", "2026-09": "未到期：线索、整改"},
    ]
    one = status_matrix(status, "rectification")
    assert one.to_dict("records") == [{"乡镇": "乙镇2", "2026-08": MISSING, "2026-09": ZERO},
                                      {"乡镇": "甲镇1", "2026-08": ZERO, "2026-09": NOT_DUE}]
    assert status_matrix(status.iloc[:0]).columns.tolist() == ["乡镇"]
    assert status_matrix(status.assign(reporting_status=ARRIVED)).to_dict("records") == [  # nothing flagged at all
        {"乡镇": "乙镇2", "2026-08": "齐全", "2026-09": "齐全"}, {"乡镇": "甲镇1", "2026-08": "齐全", "2026-09": "齐全"}]


def test_a_prefectures_matrix_counts_each_countys_townships_by_their_worst_cell():
    status = _status({
        ("乙镇2", "2026-08"): (MISSING, ARRIVED, MISSING, LATE),
        ("乙镇2", "2026-09"): (ARRIVED, LATE, ZERO, LATE),
        ("甲镇1", "2026-08"): (ARRIVED, ARRIVED, ZERO, ARRIVED),
        ("甲镇1", "2026-09"): (NOT_DUE, ARRIVED, NOT_DUE, ARRIVED),
    })
    other = status.assign(township_code=status["township_code"].str.replace("990101", "990102", regex=False))
    other.loc[other["period_code"] == "2026-09", "reporting_status"] = MISSING  # every ledger of September
    matrix = county_matrix(pd.concat([other, status], ignore_index=True), {"990101": "示范县", "990102": "邻县"})
    assert matrix.to_dict("records") == [  # counties in code order; the worst cell of any of its townships
        {"县（市、区）": "示范县", "2026-08": "未报送：1个乡镇", "2026-09": "迟报：1个乡镇"},
        {"县（市、区）": "邻县", "2026-08": "未报送：1个乡镇", "2026-09": "未报送：2个乡镇"},
    ]
    arrived = status.assign(reporting_status=ARRIVED)
    assert county_matrix(arrived, {"990101": "示范县"}).to_dict("records") == [
        {"县（市、区）": "示范县", "2026-08": "齐全", "2026-09": "齐全"}]
