"""A table as .xlsx: Chinese headers with units, numbers as numbers, 0.0% and 万元 0.00, frozen header."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook

from reports.xlsx import DATE_FORMAT, HEADER_ROW, PERCENT_FORMAT, WAN_YUAN_FORMAT, table_xlsx

LABELS = {
    "township_name": "乡镇",
    "completion_rate": "整改完成率（%）",
    "recovered_funds_wan_yuan": "追缴资金（万元）",
    "items": "整改事项（件）",
    "deadline_date": "整改时限",
}


def township_table() -> pd.DataFrame:
    return pd.DataFrame({
        "township_name": ["青石镇", "白水乡", "城关街道"],
        "completion_rate": [0.8234, 0.91, None],
        "recovered_funds_wan_yuan": [Decimal("123.45"), Decimal("0.50"), Decimal("7")],
        "items": [12, 7, 0],
        "deadline_date": [date(2024, 9, 30), date(2024, 10, 8), None],
    })


def open_sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_headers_are_chinese_with_units_and_values_stay_numbers():
    data = table_xlsx(township_table(), title="各乡镇整改推进情况", as_of=date(2024, 9, 30), user_name="张纪检",
                      exported_at=datetime(2026, 11, 25, 9, 30), labels=LABELS)
    sheet = open_sheet(data)
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers == ["乡镇", "整改完成率（%）", "追缴资金（万元）", "整改事项（件）", "整改时限"]
    first = [c.value for c in sheet[HEADER_ROW + 1]]
    assert first[0] == "青石镇"
    assert first[1] == 0.8234 and isinstance(first[1], float)  # the number, not "82.3%"
    assert first[2] == 123.45
    assert first[3] == 12 and isinstance(first[3], int)
    assert sheet.cell(row=HEADER_ROW + 3, column=2).value is None  # a missing rate is an empty cell, not nan


def test_rates_read_as_percent_and_money_with_two_decimals():
    sheet = open_sheet(table_xlsx(township_table(), title="各乡镇整改推进情况", labels=LABELS))
    row = HEADER_ROW + 1
    assert sheet.cell(row=row, column=2).number_format == PERCENT_FORMAT == "0.0%"
    assert sheet.cell(row=row, column=3).number_format == WAN_YUAN_FORMAT == "0.00"
    assert sheet.cell(row=row, column=4).number_format == "0"
    assert sheet.cell(row=row, column=5).number_format == DATE_FORMAT
    assert sheet.cell(row=row, column=5).value.date() == date(2024, 9, 30)


def test_title_as_of_line_watermark_frozen_header_and_widths():
    sheet = open_sheet(table_xlsx(township_table(), title="各乡镇整改推进情况", as_of=date(2024, 9, 30),
                                  user_name="张纪检", exported_at=datetime(2026, 11, 25, 9, 30), labels=LABELS))
    assert sheet["A1"].value == "各乡镇整改推进情况"
    assert sheet["A2"].value == "数据截至 2024-09-30"
    assert sheet["A3"].value.startswith("内部资料 注意保密") and "张纪检" in sheet["A3"].value
    assert "2026-11-25 09:30" in sheet["A3"].value
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    # a column of Chinese names is wider than Excel's default 8.43 characters
    assert sheet.column_dimensions["A"].width >= 10
    assert sheet.column_dimensions["C"].width >= len("追缴资金（万元）") * 2


def test_a_table_the_page_already_labelled_in_chinese_keeps_its_headers():
    table = pd.DataFrame({"乡镇": ["青石镇"], "满意率": [0.936], "追缴资金(万元)": [873.46]})
    sheet = open_sheet(table_xlsx(table, title="满意度", labels={}))
    assert [c.value for c in sheet[HEADER_ROW]] == ["乡镇", "满意率", "追缴资金(万元)"]
    assert sheet.cell(row=HEADER_ROW + 1, column=2).number_format == "0.0%"
    assert sheet.cell(row=HEADER_ROW + 1, column=3).number_format == "0.00"
