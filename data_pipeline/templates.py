"""Fill-in templates: one .xlsx per ledger kind that a township fills in and the pipeline loads as is.

Layout of the data sheet (named after the ledger, e.g. 问题线索台账)::

    row 1  青石镇问题线索台账（填报模板）                 ← title (merged; the reader counts it structural)
    row 2  线索编号 | 受理日期 | 线索来源 | 所属乡镇 | …   ← the contract's canonical headers, frozen
    row 3… empty: dropdowns for every enumeration, date / number / length checks, column formats

The columns come from ``data_pipeline.ledgers`` and the dropdowns from ``warehouse.vocabulary``, so
a template cannot drift from what the validator accepts. No whistleblower column is ever written.
A second sheet, 填表说明, gives each column's rule; lists too long for an inline dropdown live on a
hidden sheet, 下拉选项, referenced by range. The data rows stay empty (formats are column styles,
checks are ranges): a pre-filled cell would make an otherwise empty row a rejected one, so a
township's own name is offered as the only choice of its township column instead.

Pure: no database. The desk page looks the township and its villages up and passes them in.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import String, Text

from data_pipeline.ledgers import DIVISIONS, LEDGER_KINDS, Field, LedgerKind
from reports.stamps import file_name
from reports.xlsx import DATE_FORMAT, FONT_NAME
from warehouse import vocabulary as vocab

TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
TEMPLATE_ROWS = 5000  # rows below the header that carry the dropdowns and checks
NOTES_SHEET = "填表说明"
CHOICES_SHEET = "下拉选项"
INLINE_LIST_LIMIT = 255  # Excel's limit on a list typed into the validation itself
# dates a ledger may hold: the reader takes Excel serials in 1954-2119, the template asks for 2000-2099
EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
COORDINATE_RANGES = {"longitude": (-180, 180, "经度"), "latitude": (-90, 90, "纬度")}  # as validate.py checks

TEXT_FORMAT = "@"  # codes and ids stay text: leading zeros kept, 2024-07 not turned into a date
NUMBER_FORMATS = {"int": "0", "wan_yuan": "0.00"}
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDE4EE")  # the header fill of reports/xlsx.py

TYPE_LABELS = {
    "text": "文本", "code": "代码", "date": "日期", "month": "月份", "quarter": "季度", "int": "整数",
    "decimal": "数字", "enum": "选项", "bool": "是/否", "township": "乡镇", "village": "村(社区)",
    "township_code": "9位乡镇代码", "village_code": "12位村代码",
}

# the validator's cross-field rules and the keys, told to the clerk (validate.py, load.py enforce them)
EXTRA_RULES: dict[tuple[str, str], str] = {
    ("divisions", "乡镇代码"): "统计用区划代码的前9位；同一乡镇各行相同",
    ("divisions", "村代码"): "前9位为本行乡镇代码；全表不得重复",
    ("divisions", "县名称"): "可空；本县名称，如 示范县",
    ("clues", "线索编号"): "全表不得重复；再次报送同一编号即为更正该线索",
    ("clues", "管理等级"): "红为重点线索",
    ("clues", "问题摘要"): "简要写明反映的问题（时间、地点、事项），勿写举报人信息",
    ("clues", "被反映人"): "敏感信息，系统内按权限脱敏显示",
    ("clues", "处置方式"): "尚未决定时留空",
    ("clues", "办理状态"): "填“办结”时必须填写办结日期",
    ("clues", "办结日期"): "办理状态为“办结”时必填",
    ("cases", "案件编号"): "全表不得重复；再次报送同一编号即为更正该案件",
    ("cases", "线索编号"): "可空；该案件来自的问题线索编号",
    ("cases", "处理人数"): "应等于处理人员名单中本案件的人数（不一致时入库给出警告）",
    ("case_people", "案件编号"): "应为案件台账中的案件编号",
    ("case_people", "姓名"): "敏感信息；同一案件内不得重复",
    ("case_people", "处分种类"): "第一种形态填诫勉或批评教育；党纪、政务处分可加前缀，如 党纪警告、政务警告",
    ("rectification", "整改编号"): "全表不得重复；再次报送同一编号即为更正该问题",
    ("rectification", "问题描述"): "写明发现的具体问题",
    ("rectification", "整改措施"): "写明已采取或将采取的措施",
    ("rectification", "责任人"): "敏感信息，系统内按权限脱敏显示",
    ("rectification", "整改时限"): "不得早于反馈日期",
    ("rectification", "整改状态"): "填“已完成”须填完成日期；填“已销号”须填完成日期和销号日期",
    ("rectification", "完成日期"): "整改状态为“已完成”或“已销号”时必填",
    ("rectification", "销号日期"): "整改状态为“已销号”时必填",
    ("satisfaction", "测评期间"): "同一乡镇同一季度只填一行",
    ("satisfaction", "样本量"): "等于满意、基本满意、不满意、不了解四项之和",
    ("satisfaction", "知晓监督平台"): "不大于样本量",
    ("platform_usage", "月份"): "同一乡镇同一月份只填一行",
}


class UnknownLedgerKind(ValueError):
    """A kind name that is no ledger kind; the message is one Chinese line."""


def kind_names() -> str:
    """Return the ledger kinds as 区划名录（divisions）、问题线索台账（clues）… for help texts."""
    return "、".join(f"{k.label}（{k.name}）" for k in LEDGER_KINDS)


def ledger_kind(name: LedgerKind | str) -> LedgerKind:
    """Return the ledger kind named by its Chinese label (问题线索台账) or internal name (clues)."""
    if isinstance(name, LedgerKind):
        return name
    text = str(name).strip()
    for kind in LEDGER_KINDS:
        if text == kind.label or text.lower() == kind.name:
            return kind
    raise UnknownLedgerKind(f"未知的台账种类“{text}”（可选：{kind_names()}）")


@dataclass(frozen=True)
class ColumnRule:
    """One template column: its header, whether it is required, its type, its choices and its rule."""

    field: Field
    required: bool
    type_label: str
    choices: tuple[str, ...]
    max_length: int | None
    rule: str

    @property
    def header(self) -> str:
        return self.field.header


def _text_limits(kind: LedgerKind) -> dict[str, int]:
    limits = {}
    for table in (kind.table, *kind.extra_tables):
        for column in table.columns:
            if isinstance(column.type, String) and not isinstance(column.type, Text) and column.type.length:
                limits.setdefault(column.name, column.type.length)
    return limits


def _choices(kind: LedgerKind, f: Field, township: tuple[str, str] | None, villages: Sequence[str] | None,
             townships: Sequence[str] | None) -> tuple[str, ...]:
    if f.kind == "enum":
        return tuple(f.choices)
    if f.kind == "bool":
        return vocab.YES_NO
    if f.kind == "township":
        if township:
            return (township[1],)
        return tuple(dict.fromkeys(townships or ()))
    if f.kind == "village":
        return tuple(dict.fromkeys(villages or ()))
    if kind is DIVISIONS and township and f.column in ("township_code", "township_name"):
        return (township[0],) if f.column == "township_code" else (township[1],)
    return ()


def _rule(kind: LedgerKind, f: Field, choices: tuple[str, ...], limit: int | None,
          township: tuple[str, str] | None) -> str:
    """Return the column's rule in one Chinese sentence: format, range, and the cross-field rules."""
    parts: list[str] = []
    if f.kind == "date":
        parts.append("日期，格式 yyyy-mm-dd（如 2024-07-03），也可填 2024/7/3、2024年7月3日")
    elif f.kind == "month":
        parts.append("月份，如 2024-07、2024年7月")
    elif f.kind == "quarter":
        parts.append("季度，如 2024Q3、2024年第三季度")
    elif f.kind == "int":
        parts.append("不小于0的整数")
    elif f.kind == "decimal":
        if f.column in COORDINATE_RANGES:
            low, high, name = COORDINATE_RANGES[f.column]
            parts.append(f"{name}（度，CGCS2000/WGS-84），{low}到{high}之间的小数")
        elif f.column.endswith("wan_yuan"):
            parts.append("单位万元，不小于0，保留两位小数")
        else:
            parts.append("数字")
    elif f.kind == "township":
        if township:
            parts.append(f"只能填写本乡镇：{township[1]}（其他乡镇的行将被拒收）")
        else:
            parts.append("乡镇名称（可简称，如 青石）或9位乡镇代码")
    elif f.kind == "village":
        parts.append("本行乡镇下的村（社区）名称或12位村代码")
    elif f.kind == "township_code":
        parts.append("9位数字" + (f"，本乡镇为 {township[0]}" if township and choices else ""))
    elif f.kind == "village_code":
        parts.append("12位数字")
    if choices:
        parts.append("从下拉列表中选择")
    if limit:
        parts.append(f"不超过{limit}个字")
    extra = EXTRA_RULES.get((kind.name, f.header))
    if extra:
        parts.append(extra)
    return "；".join(parts)


def column_rules(kind: LedgerKind | str, *, township: tuple[str, str] | None = None,
                 villages: Sequence[str] | None = None,
                 townships: Sequence[str] | None = None) -> list[ColumnRule]:
    """Return the template's columns in contract order, each with its choices and its rule."""
    kind = ledger_kind(kind)
    limits = _text_limits(kind)
    rules = []
    for f in kind.fields:
        choices = _choices(kind, f, township, villages, townships)
        limit = limits.get(f.column) if f.kind in ("text", "code") else None
        rules.append(ColumnRule(field=f, required=f.required, type_label=TYPE_LABELS.get(f.kind, f.kind),
                                choices=choices, max_length=limit, rule=_rule(kind, f, choices, limit, township)))
    return rules


def template_title(kind: LedgerKind | str, township: tuple[str, str] | None = None) -> str:
    """Return the title row: 问题线索台账（填报模板）, preceded by the township's name when given."""
    kind = ledger_kind(kind)
    return f"{township[1] if township else ''}{kind.label}（填报模板）"


def template_file_name(kind: LedgerKind | str, township: tuple[str, str] | None = None) -> str:
    """Return the download's file name, e.g. 青石镇问题线索台账（填报模板）.xlsx."""
    return file_name(template_title(kind, township), "xlsx")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class _ChoiceLists:
    """The hidden 下拉选项 sheet: one column per list too long (or too quoted) to stand inline."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.sheet = None
        self.columns = 0

    def formula(self, header: str, choices: tuple[str, ...]) -> str:
        inline = ",".join(choices)
        if len(inline) + 2 <= INLINE_LIST_LIMIT and not any("," in c or '"' in c for c in choices):
            return f'"{inline}"'
        if self.sheet is None:
            self.sheet = self.workbook.create_sheet(CHOICES_SHEET)
            self.sheet.sheet_state = "hidden"
        self.columns += 1
        column = self.columns
        letter = get_column_letter(column)
        # the label is no contract header, so the reader never takes this sheet for a ledger
        self.sheet.cell(row=1, column=column, value=f"{header}（可选值）").font = Font(name=FONT_NAME, bold=True)
        for row, choice in enumerate(choices, start=2):
            self.sheet.cell(row=row, column=column, value=choice).number_format = TEXT_FORMAT
        self.sheet.column_dimensions[letter].width = min(max(_width(header) + 10, 12), 40)
        return f"{quote_sheetname(CHOICES_SHEET)}!${letter}$2:${letter}${len(choices) + 1}"


def _validation(rule: ColumnRule, lists: _ChoiceLists) -> DataValidation:
    """Return the column's data validation: a dropdown, a date, number or length check, or a prompt only."""
    f = rule.field
    if rule.choices:
        check = DataValidation(type="list", formula1=lists.formula(f.header, rule.choices), allow_blank=True,
                               errorStyle="stop", error="请从下拉列表中选择")
    elif f.kind == "date":
        check = DataValidation(type="date", operator="between", allow_blank=True,
                               formula1=str((EARLIEST_DATE - dt.date(1899, 12, 30)).days),
                               formula2=str((LATEST_DATE - dt.date(1899, 12, 30)).days),
                               error=f"请填写{EARLIEST_DATE.year}—{LATEST_DATE.year}年间的日期，如 2024-07-03")
    elif f.kind == "int":
        check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               error="请填写不小于0的整数")
    elif f.kind == "decimal" and f.column in COORDINATE_RANGES:
        low, high, name = COORDINATE_RANGES[f.column]
        check = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high),
                               allow_blank=True, error=f"{name}应在{low}到{high}之间")
    elif f.kind == "decimal":
        check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               error="请填写不小于0的数字")
    elif f.kind in ("township_code", "village_code"):
        digits = 9 if f.kind == "township_code" else 12
        check = DataValidation(type="textLength", operator="equal", formula1=str(digits), allow_blank=True,
                               error=f"应为{digits}位数字")
    elif rule.max_length:
        check = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(rule.max_length),
                               allow_blank=True, error=f"不超过{rule.max_length}个字")
    else:
        check = DataValidation(allow_blank=True)  # any value: the prompt still tells the rule
    check.showErrorMessage = check.type is not None
    check.errorTitle = "填写有误"
    check.showInputMessage = True
    check.promptTitle = f.header[:32]
    check.prompt = (("必填。" if rule.required else "选填。") + rule.rule)[:255]
    return check


def _number_format(f: Field) -> str | None:
    if f.kind == "date":
        return DATE_FORMAT
    if f.kind == "int":
        return NUMBER_FORMATS["int"]
    if f.kind == "decimal":
        return NUMBER_FORMATS["wan_yuan"] if f.column.endswith("wan_yuan") else None
    return TEXT_FORMAT


def _column_width(rule: ColumnRule, prose: bool) -> float:
    longest = max((_width(c) for c in rule.choices), default=0)
    width = max(_width(rule.header), min(longest, 24), 12 if rule.field.kind == "date" else 0, 30 if prose else 0)
    return min(max(width + 3, 10), 40)


def _write_data_sheet(sheet, kind: LedgerKind, rules: list[ColumnRule], title: str, lists: _ChoiceLists) -> None:
    last = get_column_letter(len(rules))
    sheet["A1"] = title
    sheet["A1"].font = Font(name=FONT_NAME, bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 28
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for position, rule in enumerate(rules, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=HEADER_ROW, column=position, value=rule.header)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = REQUIRED_FILL if rule.required else OPTIONAL_FILL
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        prose = rule.field.column in kind.table.c and isinstance(kind.table.c[rule.field.column].type, Text)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _column_width(rule, prose)
        number_format = _number_format(rule.field)
        if number_format:  # a column style: Excel gives it to each cell typed in, no empty cells written
            dimension.number_format = number_format
        check = _validation(rule, lists)
        check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + TEMPLATE_ROWS - 1}")
        sheet.add_data_validation(check)
    sheet.row_dimensions[HEADER_ROW].height = 30
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"


def _general_notes(kind: LedgerKind, township: tuple[str, str] | None) -> list[str]:
    notes = [
        f"1. 第{HEADER_ROW}行为表头，请勿修改表头文字、删除或调换列；从第{FIRST_DATA_ROW}行起每行填写一条记录。",
        "2. 表头橙色底为必填列，蓝灰底为选填列；选中单元格可看到该列的填写要求，带下拉箭头的列请从列表中选择。",
        "3. 日期请填写为 yyyy-mm-dd（如 2024-07-03）；空行、合计行可以保留，入库时自动跳过。",
        "4. 不符合要求的行不会入库，入库结果会逐行列出原因，改正后重新上传即可。",
    ]
    if kind is not DIVISIONS:
        notes.append("5. 请勿填写反映人、联系电话等举报人信息：此类列在读取时即被删除，不会保存。")
    if township:
        notes.append(f"{len(notes) + 1}. 本模板为{township[1]}专用：乡镇只能填写{township[1]}，"
                     "村（社区）请从下拉列表中选择。")
    return notes


NOTES_HEADERS = ("列名", "必填", "数据类型", "可选值", "填写规则")


def _write_notes_sheet(sheet, kind: LedgerKind, rules: list[ColumnRule], title: str,
                       township: tuple[str, str] | None) -> int:
    """Fill 填表说明; return the row of its column table's header."""
    sheet["A1"] = f"{title}填表说明"
    sheet["A1"].font = Font(name=FONT_NAME, bold=True, size=14)
    row = 2
    for note in _general_notes(kind, township):
        sheet.cell(row=row, column=1, value=note).font = Font(name=FONT_NAME)
        row += 1
    row += 1
    header_row = row
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for position, header in enumerate(NOTES_HEADERS, start=1):
        cell = sheet.cell(row=row, column=position, value=header)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = OPTIONAL_FILL
        cell.border = border
    for rule in rules:
        row += 1
        values = (rule.header, "是" if rule.required else "否", rule.type_label, "、".join(rule.choices), rule.rule)
        for position, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=position, value=value)
            cell.font = Font(name=FONT_NAME)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=position >= 4)
    for letter, width in zip("ABCDE", (18, 6, 12, 40, 60)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    return header_row


def template_xlsx(kind: LedgerKind | str, *, township: tuple[str, str] | None = None,
                  villages: Sequence[str] | None = None, townships: Sequence[str] | None = None) -> bytes:
    """Return the .xlsx bytes of a ledger kind's fill-in template (see the module docstring).

    ``township``: (code, name) of a 乡镇 user's own township, the only choice of its township
    column and named in the title; ``villages``: the names offered in the village column (that
    township's, for a 乡镇 user); ``townships``: the names offered in a county template's township
    column (without it the column takes any name or code).
    """
    kind = ledger_kind(kind)
    rules = column_rules(kind, township=township, villages=villages, townships=townships)
    title = template_title(kind, township)
    workbook = Workbook()
    data = workbook.active
    data.title = kind.label
    lists = _ChoiceLists(workbook)
    _write_data_sheet(data, kind, rules, title, lists)
    notes = workbook.create_sheet(NOTES_SHEET, index=1)
    _write_notes_sheet(notes, kind, rules, title, township)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(kind: LedgerKind | str, path: Path | str, *, township: tuple[str, str] | None = None,
                   villages: Sequence[str] | None = None, townships: Sequence[str] | None = None) -> Path:
    """Write the template of ``kind`` to ``path`` (.xlsx) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_xlsx(kind, township=township, villages=villages, townships=townships))
    return path
