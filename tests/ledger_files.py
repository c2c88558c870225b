"""Writes messy township ledgers (real .xlsx via openpyxl, real CSV bytes) for the pipeline tests.

A small county, 990101 示范县:
    990101001 城关街道: 990101001001 东门社区, 990101001201 新村村
    990101101 青石镇:   990101101201 青石村,   990101101202 石桥村
    990101201 白马乡:   990101201201 白马村,   990101201202 石桥村   (石桥村 twice: resolved per township)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl

DIVISION_HEADER = ["县名称", "乡镇代码", "乡镇名称", "村代码", "村名称", "村类型", "经度", "纬度", "户籍人口"]
DIVISION_ROWS = [
    ["示范县", "990101001", "城关街道", "990101001001", "东门社区", "社区", 117.01, 31.01, 5200],
    ["示范县", "990101001", "城关街道", "990101001201", "新村村", "行政村", 117.02, 31.02, 1800],
    ["示范县", "990101101", "青石镇", "990101101201", "青石村", "行政村", 117.11, 31.11, 2100],
    ["示范县", "990101101", "青石镇", "990101101202", "石桥村", "行政村", 117.12, 31.12, 1500],
    ["示范县", "990101201", "白马乡", "990101201201", "白马村", "行政村", 117.21, 31.21, 1300],
    ["示范县", "990101201", "白马乡", "990101201202", "石桥村", "行政村", 117.22, 31.22, 900],
]

CLUE_HEADER = ["序号", "线索编号", "受理日期", "线索来源", "所属乡镇", "所属村(社区)", "问题领域", "问题摘要",
               "被反映人", "被反映人身份", "涉及金额(万元)", "管理等级", "挂牌督办", "处置方式", "办理状态", "办结日期",
               "反映人", "联系电话"]

CASE_HEADER = ["案件编号", "线索编号", "立案日期", "结案日期", "所属乡镇", "所属村(社区)", "问题领域", "发现方式",
               "违纪类型", "处理人数", "追缴资金(万元)", "是否典型案例"]
PEOPLE_HEADER = ["案件编号", "姓名", "身份", "处理形态", "处分种类", "是否移送司法"]
RECTIFICATION_HEADER = ["整改编号", "问题来源", "反馈日期", "责任乡镇", "责任村(社区)", "问题类别", "问题描述",
                        "整改措施", "责任人", "整改时限", "整改状态", "完成日期", "销号日期", "是否反复出现",
                        "关联线索编号", "关联案件编号"]
SATISFACTION_HEADER = ["测评期间", "乡镇", "测评方式", "样本量", "满意", "基本满意", "不满意", "不了解", "知晓监督平台"]


def clue_row(number: int, clue_id: str | None = None, **overrides) -> list:
    """Return one valid clue row (CLUE_HEADER order); override cells by header name."""
    values = {
        "序号": number, "线索编号": clue_id or f"XS-2024-{number:04d}", "受理日期": "2024-07-03",
        "线索来源": "信访举报", "所属乡镇": "青石镇", "所属村(社区)": "青石村", "问题领域": "惠民惠农补贴",
        "问题摘要": f"反映第{number}号问题", "被反映人": "李某", "被反映人身份": "村干部", "涉及金额(万元)": 1.5,
        "管理等级": "黄", "挂牌督办": "否", "处置方式": "初步核实", "办理状态": "在办", "办结日期": None,
        "反映人": None, "联系电话": None,
    }
    values.update(overrides)
    return [values[h] for h in CLUE_HEADER]


def case_row(case_id: str, **overrides) -> list:
    values = {"案件编号": case_id, "线索编号": None, "立案日期": "2024-03-05", "结案日期": None,
              "所属乡镇": "青石镇", "所属村(社区)": "石桥村", "问题领域": '农村集体"三资"', "发现方式": "主动发现",
              "违纪类型": "违反廉洁纪律", "处理人数": 1, "追缴资金(万元)": 2.5, "是否典型案例": "否"}
    values.update(overrides)
    return [values[h] for h in CASE_HEADER]


def person_row(case_id: str, name: str, **overrides) -> list:
    values = {"案件编号": case_id, "姓名": name, "身份": "村干部", "处理形态": "第一种形态",
              "处分种类": "批评教育", "是否移送司法": "否"}
    values.update(overrides)
    return [values[h] for h in PEOPLE_HEADER]


def rectification_row(item_id: str, **overrides) -> list:
    values = {"整改编号": item_id, "问题来源": "县委巡察", "反馈日期": "2024-04-01", "责任乡镇": "白马乡",
              "责任村(社区)": "白马村", "问题类别": "财务管理", "问题描述": "账目不清", "整改措施": "建立台账",
              "责任人": "王某", "整改时限": "2024-06-30", "整改状态": "整改中", "完成日期": None, "销号日期": None,
              "是否反复出现": "否", "关联线索编号": None, "关联案件编号": None}
    values.update(overrides)
    return [values[h] for h in RECTIFICATION_HEADER]


def satisfaction_row(**overrides) -> list:
    values = {"测评期间": "2024Q3", "乡镇": "城关街道", "测评方式": "电话", "样本量": 100, "满意": 70,
              "基本满意": 20, "不满意": 5, "不了解": 5, "知晓监督平台": 40}
    values.update(overrides)
    return [values[h] for h in SATISFACTION_HEADER]


def write_xlsx(path: Path, sheets: dict[str, tuple[Sequence, Sequence[Sequence]]], title: str | None = None,
               total_row: bool = False, blank_every: int = 0) -> Path:
    """Write a workbook: per sheet an optional merged title row, a 填报单位 row, header, rows, 合计."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet_name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(sheet_name)
        if title:
            sheet.append([title])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
            sheet.append(["填报单位：青石镇纪委", None, None, "填报日期：2024年8月1日"])
            sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
        sheet.append(list(header))
        for i, row in enumerate(rows, start=1):
            sheet.append(list(row))
            if blank_every and i % blank_every == 0:
                sheet.append([])
                sheet.append([None] * len(header))
        if total_row:
            sheet.append(["合计", None, None, None, f"{len(rows)}件"])
    workbook.save(path)
    return path


def csv_bytes(header: Sequence, rows: Sequence[Sequence], title: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_csv(path: Path, header: Sequence, rows: Sequence[Sequence], encoding: str = "utf-8",
              title: str | None = None) -> Path:
    """Write a CSV in ``encoding`` ('utf-8', 'utf-8-sig' with BOM, or 'gbk')."""
    path.write_bytes(csv_bytes(header, rows, title).encode(encoding))
    return path


def write_divisions(folder: Path, name: str = "示范县区划名录.xlsx") -> Path:
    return write_xlsx(folder / name, {"区划": (DIVISION_HEADER, DIVISION_ROWS)}, title="示范县区划名录")


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days
