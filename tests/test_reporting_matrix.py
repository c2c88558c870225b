"""The 报送情况 matrix builders (``ui.reporting.status_matrix``, ``county_matrix``) and a prefecture's tally
(``metrics.reporting.county_tally``): status rows in, the table a meeting reads out."""

from __future__ import annotations

import pandas as pd

from metrics.reporting import ARRIVED, LATE, MISSING, NOT_DUE, ZERO, county_tally
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


def _tally(status: pd.DataFrame) -> pd.DataFrame:
    return county_tally(*(status[c].tolist() for c in ("township_code", "ledger_kind", "period_code",
                                                       "reporting_status")))


def test_a_prefectures_matrix_counts_each_countys_townships_by_their_worst_cell():
    status = _status({
        ("乙镇2", "2026-08"): (MISSING, ARRIVED, MISSING, LATE),
        ("乙镇2", "2026-09"): (ARRIVED, LATE, ZERO, LATE),
        ("甲镇1", "2026-08"): (ARRIVED, ARRIVED, ZERO, ARRIVED),
        ("甲镇1", "2026-09"): (NOT_DUE, ARRIVED, NOT_DUE, ARRIVED),
    })
    other = status.assign(township_code=status["township_code"].str.replace("990101", "990102", regex=False))
    other.loc[other["period_code"] == "2026-09", "reporting_status"] = MISSING  # every ledger of September
    by_county = _tally(pd.concat([other, status], ignore_index=True))
    assert by_county.to_dict("records") == [  # counties in code order, whatever the rows' order
        {"county_code": "990101", "period_code": "2026-08", "worst_status": MISSING, "townships": 1,
         "missing_townships": 1},
        {"county_code": "990101", "period_code": "2026-09", "worst_status": LATE, "townships": 1,
         "missing_townships": 1},
        {"county_code": "990102", "period_code": "2026-08", "worst_status": MISSING, "townships": 1,
         "missing_townships": 2},
        {"county_code": "990102", "period_code": "2026-09", "worst_status": MISSING, "townships": 2,
         "missing_townships": 2},
    ]
    matrix = county_matrix(by_county, {"990101": "示范县", "990102": "邻县"})
    assert matrix.to_dict("records") == [  # the worst cell of any of its townships
        {"县（市、区）": "示范县", "2026-08": "未报送：1个乡镇", "2026-09": "迟报：1个乡镇"},
        {"县（市、区）": "邻县", "2026-08": "未报送：1个乡镇", "2026-09": "未报送：2个乡镇"},
    ]
    arrived = status.assign(reporting_status=ARRIVED)
    assert county_matrix(_tally(arrived), {"990101": "示范县"}).to_dict("records") == [
        {"县（市、区）": "示范县", "2026-08": "齐全", "2026-09": "齐全"}]
    assert county_matrix(_tally(arrived.iloc[:0]), {}).columns.tolist() == ["县（市、区）"]


def test_a_township_missing_only_the_quarters_survey_counts_as_not_reported():
    """The months' cells leave the survey out (its own quarter); the count of townships not reported does not."""
    status = _status({("甲镇1", "2026-08"): (ARRIVED, ARRIVED, ZERO, ARRIVED)})
    status.loc[status["ledger_kind"] == "satisfaction", "reporting_status"] = MISSING
    assert _tally(status).to_dict("records") == [{"county_code": "990101", "period_code": "2026-08",
                                                  "worst_status": None, "townships": 0, "missing_townships": 1}]
