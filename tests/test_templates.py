"""The township's clerk downloads a template, fills it in in Excel, and it loads with nothing rejected.

Every test writes a real .xlsx template, fills it in with openpyxl as a clerk would in Excel
(dates as date cells, numbers as numbers, names picked from the dropdowns) and loads it through
the real ``load_file`` into a real SQLite warehouse holding the small county of
``tests/ledger_files.py`` (城关街道, 青石镇, 白马乡).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from sqlalchemy import select

from data_pipeline.ledgers import LEDGER_KINDS, WHISTLEBLOWER_HEADERS, LedgerKind
from data_pipeline.load import load_file
from data_pipeline.reader import read_ledger
from data_pipeline.templates import (
    CHOICES_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROW,
    NOTES_HEADERS,
    NOTES_SHEET,
    UnknownLedgerKind,
    ledger_kind,
    template_file_name,
    template_xlsx,
    write_template,
)
from tests.ledger_files import DIVISION_ROWS
from warehouse import schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KIND_IDS = [k.name for k in LEDGER_KINDS]
QINGSHI = ("990101101", "青石镇")
QINGSHI_VILLAGES = ["青石村", "石桥村"]
TOWNSHIP_CODES = {name: code for _, code, name, *_ in DIVISION_ROWS}
VILLAGE_CODES = {(township, name): code for _, township, _, code, name, *_ in DIVISION_ROWS}

# Valid rows per ledger kind, as a clerk fills them in: header → cell value.
VALID_ROWS: dict[str, list[dict]] = {
    "divisions": [
        {"乡镇代码": "990101102", "乡镇名称": "新河镇", "村代码": "990101102201", "村名称": "新河村",
         "村类型": "行政村", "经度": 117.31, "纬度": 31.31, "户籍人口": 1200, "县名称": "示范县"},
        {"乡镇代码": "990101102", "乡镇名称": "新河镇", "村代码": "990101102001", "村名称": "河东社区",
         "村类型": "社区"},
    ],
    "clues": [
        {"线索编号": "QS-2024-001", "受理日期": dt.date(2024, 7, 3), "线索来源": "小微权力监督平台",
         "所属乡镇": "青石镇", "所属村(社区)": "石桥村", "问题领域": '农村集体"三资"',
         "问题摘要": "反映村集体鱼塘发包不公开，“三资”台账不全。", "被反映人": "李某", "被反映人身份": "村干部",
         "涉及金额(万元)": 3.25, "管理等级": "红", "挂牌督办": "是", "处置方式": "初步核实", "办理状态": "办结",
         "办结日期": dt.date(2024, 8, 20)},
        {"线索编号": "QS-2024-002", "受理日期": dt.date(2024, 9, 1), "线索来源": "信访举报",
         "所属乡镇": "白马乡", "问题领域": "低保特困救助", "管理等级": "蓝", "挂牌督办": "否", "办理状态": "在办"},
    ],
    "cases": [
        {"案件编号": "AJ-2024-001", "线索编号": "QS-2024-001", "立案日期": dt.date(2024, 9, 10),
         "结案日期": dt.date(2024, 12, 1), "所属乡镇": "青石镇", "所属村(社区)": "石桥村",
         "问题领域": '农村集体"三资"', "发现方式": "大数据比对", "违纪类型": "违反廉洁纪律", "处理人数": 2,
         "追缴资金(万元)": 12.5, "是否典型案例": "是"},
        {"案件编号": "AJ-2024-002", "立案日期": dt.date(2024, 10, 8), "所属乡镇": "城关街道",
         "问题领域": "作风问题", "发现方式": "主动发现", "违纪类型": "违反工作纪律", "处理人数": 1,
         "追缴资金(万元)": 0, "是否典型案例": "否"},
    ],
    "case_people": [
        {"案件编号": "AJ-2024-001", "姓名": "李某", "身份": "村干部", "处理形态": "第二种形态",
         "处分种类": "党纪严重警告", "是否移送司法": "否"},
        {"案件编号": "AJ-2024-001", "姓名": "赵某", "身份": "站所人员", "处理形态": "第一种形态",
         "处分种类": "批评教育", "是否移送司法": "否"},
    ],
    "rectification": [
        {"整改编号": "ZG-2024-001", "问题来源": "县委巡察", "反馈日期": dt.date(2024, 4, 1), "责任乡镇": "白马乡",
         "责任村(社区)": "石桥村", "问题类别": "财务管理", "问题描述": "村务公开不及时", "整改措施": "每月公开",
         "责任人": "王某", "整改时限": dt.date(2024, 6, 30), "整改状态": "已销号",
         "完成日期": dt.date(2024, 6, 15), "销号日期": dt.date(2024, 7, 1), "是否反复出现": "否"},
        {"整改编号": "ZG-2024-002", "问题来源": "审计反馈", "反馈日期": dt.date(2024, 5, 6), "责任乡镇": "青石镇",
         "问题类别": '农村集体"三资"', "整改时限": dt.date(2024, 12, 31), "整改状态": "整改中",
         "是否反复出现": "是", "关联线索编号": "QS-2024-001", "关联案件编号": "AJ-2024-001"},
    ],
    "satisfaction": [
        {"测评期间": "2024Q3", "乡镇": "青石镇", "测评方式": "电话", "样本量": 100, "满意": 70, "基本满意": 20,
         "不满意": 6, "不了解": 4, "知晓监督平台": 38},
        {"测评期间": "2024年第二季度", "乡镇": "城关街道", "测评方式": "入户", "样本量": 50, "满意": 40,
         "基本满意": 5, "不满意": 5, "不了解": 0, "知晓监督平台": 50},
    ],
    "platform_usage": [
        {"月份": "2024-07", "乡镇": "青石镇", "访问量": 1520, "反映问题数": 18},
        {"月份": "2024年8月", "乡镇": "白马乡", "访问量": 300, "反映问题数": 0},
    ],
}

# the same rows for 青石镇's own template: its township, its villages
TOWNSHIP_FIELD_KINDS = ("township", "village")


def own_township_rows(kind: LedgerKind) -> list[dict]:
    rows = []
    for number, row in enumerate(VALID_ROWS[kind.name]):
        row = dict(row)
        for f in kind.fields:
            if f.kind == "township":
                row[f.header] = QINGSHI[1]
            elif f.kind == "village" and row.get(f.header):
                row[f.header] = QINGSHI_VILLAGES[number % 2]
        rows.append(row)
    return rows




def fill_in(template: Path, kind: LedgerKind, rows: list[dict], out: Path) -> Path:
    """Open the template, write ``rows`` under its header as a clerk would, save as ``out``."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook[kind.label]
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    for offset, row in enumerate(rows):
        for header, value in row.items():
            cell = sheet.cell(row=FIRST_DATA_ROW + offset, column=headers.index(header) + 1, value=value)
            if isinstance(value, dt.date):
                cell.number_format = sheet.column_dimensions[cell.column_letter].number_format
    workbook.save(out)
    return out


def expected_columns(kind: LedgerKind, row: dict) -> dict:
    """Return the warehouse columns of ``kind.table`` that a filled-in row must produce."""
    expected = {}
    township = None
    for f in kind.fields:
        value = row.get(f.header)
        if f.kind == "township":
            township = TOWNSHIP_CODES[value]
            expected[f.column] = township
        elif f.kind == "village":
            expected[f.column] = VILLAGE_CODES[(township, value)] if value else None
        elif f.kind == "bool":
            expected[f.column] = value == "是"
        elif f.kind == "quarter":
            year, quarter = {"2024Q3": (2024, 3), "2024年第二季度": (2024, 2)}[value]
            expected["survey_year"], expected["survey_quarter"] = year, quarter
        elif f.kind == "month":
            expected[f.column] = {"2024-07": dt.date(2024, 7, 1), "2024年8月": dt.date(2024, 8, 1)}[value]
        else:
            expected[f.column] = value
    return {column: value for column, value in expected.items() if column in kind.table.c}


def stored_rows(engine, kind: LedgerKind) -> dict[tuple, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(kind.table)).mappings().all()
    return {tuple(row[k] for k in kind.natural_key): dict(row) for row in rows}


def plain(value):
    return float(value) if isinstance(value, (Decimal, float)) else value


def assert_loaded(engine, kind: LedgerKind, rows: list[dict]) -> None:
    stored = stored_rows(engine, kind)
    for row in rows:
        expected = expected_columns(kind, row)
        key = tuple(expected[k] for k in kind.natural_key)
        assert key in stored, f"{kind.label}: row {key} not in the warehouse"
        got = {column: plain(stored[key][column]) for column in expected}
        assert got == pytest.approx({c: plain(v) for c, v in expected.items()}), kind.label


def header_letters(sheet) -> dict[str, str]:
    return {cell.value: get_column_letter(cell.column) for cell in sheet[HEADER_ROW] if cell.value}


def dropdown(workbook, sheet, header: str):
    """Return (validation, its list of values) covering ``header``'s data cells, or (validation, None)."""
    letter = header_letters(sheet)[header]
    cell = f"{letter}{FIRST_DATA_ROW}"
    found = [v for v in sheet.data_validations.dataValidation if cell in v.sqref]
    assert len(found) == 1, f"{header}: {len(found)} validations"
    check = found[0]
    if check.type != "list":
        return check, None
    formula = check.formula1
    if formula.startswith('"'):
        return check, formula.strip('"').split(",")
    sheet_name, cells = formula.rsplit("!", 1)
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    source = workbook[sheet_name.strip("'")]
    return check, [source.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]


def open_template(tmp_path, kind, **options):
    path = write_template(kind, tmp_path / template_file_name(kind, options.get("township")), **options)
    return path, openpyxl.load_workbook(path)


# --- the clerk's day: download, fill in, load ------------------------------------------------------

@pytest.mark.parametrize("kind", LEDGER_KINDS, ids=KIND_IDS)
def test_a_filled_in_template_loads_with_zero_rejects(county, tmp_path, kind):
    folder, engine = county
    template, _ = open_template(tmp_path, kind, townships=list(TOWNSHIP_CODES))
    filled = fill_in(template, kind, VALID_ROWS[kind.name], folder / f"{kind.label}（已填）.xlsx")
    [report] = load_file(filled, engine)
    assert report.committed and report.error is None
    assert report.rejections == [] and report.rows_rejected == 0
    assert report.rows_loaded == len(VALID_ROWS[kind.name])
    assert report.rows_structural == 2  # the title row and the header
    assert_loaded(engine, kind, VALID_ROWS[kind.name])


def test_a_filled_in_divisions_template_adds_the_township(county, tmp_path):
    folder, engine = county
    kind = ledger_kind("区划名录")
    template, _ = open_template(tmp_path, kind)
    load_file(fill_in(template, kind, VALID_ROWS["divisions"], folder / "区划.xlsx"), engine)
    with engine.connect() as conn:
        township = conn.execute(select(schema.townships.c.township_name)
                                .where(schema.townships.c.township_code == "990101102")).scalar_one()
    assert township == "新河镇"


@pytest.mark.parametrize("kind", [k for k in LEDGER_KINDS if any(f.kind == "township" for f in k.fields)],
                         ids=lambda k: k.name)
def test_a_township_template_filled_in_with_its_own_places_loads_with_zero_rejects(county, tmp_path, kind):
    folder, engine = county
    template, _ = open_template(tmp_path, kind, township=QINGSHI, villages=QINGSHI_VILLAGES)
    rows = own_township_rows(kind)
    [report] = load_file(fill_in(template, kind, rows, folder / "青石镇.xlsx"), engine)
    assert report.rejections == [] and report.rows_loaded == len(rows)
    assert_loaded(engine, kind, rows)


# --- what the template holds ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", LEDGER_KINDS, ids=KIND_IDS)
def test_the_reader_recognises_a_blank_template_and_it_has_no_whistleblower_column(tmp_path, kind):
    path, workbook = open_template(tmp_path, kind)
    [sheet] = read_ledger(path)  # the notes and choices sheets are not taken for ledgers
    assert sheet.kind is kind and sheet.header_row == HEADER_ROW and sheet.raw.empty
    assert (sheet.rows_read, sheet.rows_title) == (2, 1)
    data = workbook[kind.label]
    headers = [cell.value for cell in data[HEADER_ROW]]
    assert headers == [f.header for f in kind.fields]
    every_cell = {cell.value for ws in workbook for row in ws.iter_rows() for cell in row}
    assert not every_cell & WHISTLEBLOWER_HEADERS
    assert data["A1"].value == f"{kind.label}（填报模板）"
    assert data.freeze_panes == f"A{FIRST_DATA_ROW}"


@pytest.mark.parametrize("kind", LEDGER_KINDS, ids=KIND_IDS)
def test_every_enumeration_is_a_dropdown_of_its_vocabulary(tmp_path, kind):
    _, workbook = open_template(tmp_path, kind)
    sheet = workbook[kind.label]
    for f in kind.fields:
        check, values = dropdown(workbook, sheet, f.header)
        if f.kind == "enum":
            assert values == list(f.choices), f.header
            assert check.showErrorMessage and check.errorStyle in (None, "stop")
        elif f.kind == "bool":
            assert values == ["是", "否"], f.header
        elif f.kind == "date":
            assert check.type == "date", f.header
            assert sheet.column_dimensions[header_letters(sheet)[f.header]].number_format == "yyyy-mm-dd"
        elif f.kind == "int":
            assert (check.type, check.operator, check.formula1) == ("whole", "greaterThanOrEqual", "0"), f.header
        elif f.kind == "decimal":
            assert check.type == "decimal", f.header
        assert check.showInputMessage and check.prompt, f.header  # every column tells its rule on selection


def test_a_list_too_long_to_stand_inline_is_on_the_hidden_choices_sheet(tmp_path):
    villages = [f"第{i}村民小组所在村" for i in range(1, 41)]
    _, workbook = open_template(tmp_path, "clues", township=QINGSHI, villages=villages)
    check, values = dropdown(workbook, workbook["问题线索台账"], "所属村(社区)")
    assert values == villages and CHOICES_SHEET in check.formula1
    assert workbook[CHOICES_SHEET].sheet_state == "hidden"
    _, domains = dropdown(workbook, workbook["问题线索台账"], "问题领域")  # its 农村集体"三资" has quotes
    assert '农村集体"三资"' in domains


@pytest.mark.parametrize("kind", LEDGER_KINDS, ids=KIND_IDS)
def test_the_notes_sheet_gives_every_column_its_rule(tmp_path, kind):
    _, workbook = open_template(tmp_path, kind)
    notes = workbook[NOTES_SHEET]
    rows = [tuple(cell.value for cell in row) for row in notes.iter_rows()]
    start = rows.index(NOTES_HEADERS)
    table = {row[0]: row for row in rows[start + 1:] if row[0]}
    assert list(table) == [f.header for f in kind.fields]
    for f in kind.fields:
        header, required, type_label, choices, rule = table[f.header]
        assert required == ("是" if f.required else "否")
        assert type_label and rule, f.header
        if f.kind == "enum":
            assert choices == "、".join(f.choices)
        if f.kind == "date":
            assert "yyyy-mm-dd" in rule
    text = "\n".join(str(v) for row in rows for v in row if v)
    assert ("举报人信息" in text) == (kind.name != "divisions")  # 反映人、联系电话 are never to be filled in
    if kind.name == "clues":
        assert "办理状态为“办结”时必填" in table["办结日期"][4]


def test_a_township_template_has_only_its_own_township_and_its_villages(tmp_path):
    _, workbook = open_template(tmp_path, "问题线索台账", township=QINGSHI, villages=QINGSHI_VILLAGES)
    sheet = workbook["问题线索台账"]
    assert sheet["A1"].value == "青石镇问题线索台账（填报模板）"
    township_check, townships = dropdown(workbook, sheet, "所属乡镇")
    assert townships == ["青石镇"] and township_check.showErrorMessage
    _, villages = dropdown(workbook, sheet, "所属村(社区)")
    assert villages == QINGSHI_VILLAGES
    every_cell = {cell.value for ws in workbook for row in ws.iter_rows() for cell in row}
    assert not {"城关街道", "白马乡", "东门社区", "白马村"} & every_cell
    # the rows stay empty: a pre-filled township would turn an unused row into a rejected one
    assert sheet.max_row == HEADER_ROW


def test_a_county_template_offers_the_townships_it_is_given(tmp_path):
    _, workbook = open_template(tmp_path, "satisfaction", townships=list(TOWNSHIP_CODES))
    _, townships = dropdown(workbook, workbook["满意度测评"], "乡镇")
    assert townships == ["城关街道", "青石镇", "白马乡"]
    check, quarters = dropdown(workbook, workbook["满意度测评"], "测评期间")
    assert quarters is None and check.type is None  # a quarter is typed, not picked


def test_template_bytes_are_an_xlsx_and_names_are_chinese():
    data = template_xlsx("clues")
    assert data[:2] == b"PK"
    assert template_file_name("clues") == "问题线索台账（填报模板）.xlsx"
    assert template_file_name("clues", QINGSHI) == "青石镇问题线索台账（填报模板）.xlsx"
    assert ledger_kind(" 案件台账 ").name == "cases" and ledger_kind("CASES").label == "案件台账"
    with pytest.raises(UnknownLedgerKind, match="未知的台账种类“线索”"):
        ledger_kind("线索")


# --- the command line ------------------------------------------------------------------------------

def run_template(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env["DASHBOARD_DATA_DIR"] = str(cwd)  # its log goes there, not into the project's data/
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run([sys.executable, "-m", "data_pipeline", "template", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_template_command_writes_a_template_that_the_reader_recognises(tmp_path):
    result = run_template("问题线索台账", "--out", "x.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已生成问题线索台账填报模板" in result.stdout
    [sheet] = read_ledger(tmp_path / "x.xlsx")
    assert sheet.kind.name == "clues"
    assert run_template("rectification", "--out", "整改.xlsx", cwd=tmp_path).returncode == 0
    assert read_ledger(tmp_path / "整改.xlsx")[0].kind.name == "rectification"


def test_the_template_command_lists_the_kinds_in_its_help(tmp_path):
    result = run_template("--help", cwd=tmp_path)
    assert result.returncode == 0
    for kind in LEDGER_KINDS:
        assert kind.label in result.stdout and kind.name in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (("线索", "--out", "x.xlsx"), "未知的台账种类“线索”"),
    (("clues", "--out", "x.csv"), "模板文件应为 .xlsx"),
])
def test_the_template_command_refuses_in_one_chinese_line(tmp_path, args, fragment):
    result = run_template(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and lines[0].startswith("错误：")
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.csv").exists()
