"""Each ledger as a table, its columns taken from data_pipeline/ledgers.py: a clerk's sheet or a clean table.

A clerk's sheet (the sample county's .xlsx) has title rows, places by name, the mess of spellings.py
and a 合计 row; a clean table (the benchmark counties' .csv) has the canonical headers and values,
places by code. Both have the ledger's fields in ledgers.py's order, so neither retypes a header.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_pipeline.ledgers import LEDGER_BY_NAME, Field
from data_pipeline.sample.generators import CountyLedgers
from data_pipeline.sample.spellings import MESSY_CELLS, RUNNING_NUMBER, typed_header

# the generated columns a ledger's township and village fields are filled from
PLACE_COLUMNS = {
    "code": {"township": "乡镇代码", "village": "村代码"},  # a clean table
    "name": {"township": "乡镇名称", "village": "村名称"},  # a clerk's sheet
}

# after the ledger's fields, the whistleblower's name and phone (obviously fictional): in the sheet
# and in the clean table alike, so that loading the sample exercises the reader's dropping them
WHISTLEBLOWER_COLUMNS = {"clues": ("反映人", "联系电话")}


@dataclass
class Sheet:
    """A clerk's sheet: merged title rows, the header, the rows (a blank one after ``blank_after``), 合计."""

    title: list[str]
    header: list[str]
    rows: list[list]
    total: list | None = None
    blank_after: int | None = None


def ledger_fields(kind: str) -> list[Field]:
    """Return the kind's fields in the order the sample writes them: ledgers.py's, the county's name first."""
    # a stable sort: only the divisions have a county_name, and they lead with it
    return sorted(LEDGER_BY_NAME[kind].fields, key=lambda field: field.column != "county_name")


def _generated_column(field: Field, places: str) -> str:
    """Return the generated column a field is filled from (see CountyLedgers); ``places``: "code" or "name"."""
    if field.kind == "date":
        return field.column.removesuffix("_date")
    return PLACE_COLUMNS[places].get(field.kind, field.header)


def generated_rows(data: CountyLedgers) -> dict[str, pd.DataFrame]:
    """Return the generated rows of each ledger kind (the divisions' rows: the villages, with the county's name)."""
    county = data.county
    return {"divisions": county.villages.assign(县名称=county.name), "clues": data.clues, "cases": data.cases,
            "case_people": data.people, "rectification": data.rectification, "satisfaction": data.surveys,
            "platform_usage": data.platform_usage}


def clean_table(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Return the ledger as a clean table: canonical headers, dates as yyyy-mm-dd (or blank), places by code."""
    columns = {}
    for field in ledger_fields(kind):
        values = rows[_generated_column(field, "code")]
        columns[field.header] = (pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("") if field.kind == "date"
                                 else values)
    for name in WHISTLEBLOWER_COLUMNS.get(kind, ()):
        columns[name] = rows[name]
    return pd.DataFrame(columns)


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or value == "" else value


def _clean_cell(field: Field, value):
    """Return a generated value as a sheet cell: a date, an int, a float or text; None leaves the cell blank."""
    if field.kind == "date":
        return None if pd.isna(value) else pd.Timestamp(value).date()
    if field.kind == "int":
        return int(value)
    if field.kind == "decimal":
        return None if pd.isna(value) else float(value)
    return _text(value)


def clerk_sheet(kind: str, rows: pd.DataFrame, title: list[str], totals: dict[str, object] | None = None,
                blank_after: int | None = None) -> Sheet:
    """Return the ledger as a clerk sends it; ``totals``: the 合计 row's values by canonical header."""
    fields = ledger_fields(kind)
    messy = MESSY_CELLS.get(kind, {})
    unknown = set(messy) - {field.header for field in fields}
    if unknown:
        raise ValueError(f"{kind}: no such ledger field for a messy spelling: {sorted(unknown)}")
    leading = [RUNNING_NUMBER[kind]] if kind in RUNNING_NUMBER else []
    trailing = list(WHISTLEBLOWER_COLUMNS.get(kind, ()))
    sources = [_generated_column(field, "name") for field in fields]
    cells = []
    for row, record in enumerate(rows.to_dict("records")):
        values = [_clean_cell(field, record[source]) for field, source in zip(fields, sources)]
        values = [messy[field.header](value, row) if field.header in messy else value
                  for field, value in zip(fields, values)]
        cells.append(([row + 1] if leading else []) + values + [_text(record[name]) for name in trailing])
    header = leading + [typed_header(kind, field.header) for field in fields] + trailing
    canonical = leading + [field.header for field in fields] + trailing
    if totals is not None and set(totals) - set(canonical):
        raise ValueError(f"{kind}: no such column for the 合计 row: {sorted(set(totals) - set(canonical))}")
    total = None if totals is None else ["合计"] + [totals.get(name) for name in canonical[1:]]
    return Sheet(title, header, cells, total, blank_after)


def clerk_sheets(data: CountyLedgers) -> dict[str, Sheet]:
    """Return, per ledger kind, its sheet as a clerk sends it: title rows, header, rows, 合计."""
    county = data.county
    rows = generated_rows(data)
    divisions, cases = rows["divisions"], rows["cases"]
    clues = rows["clues"].sort_values("received", kind="stable").reset_index(drop=True)
    return {
        "divisions": clerk_sheet("divisions", divisions, [f"{county.name}村（社区）区划名录"],
                                 totals={"户籍人口": int(divisions["户籍人口"].sum())}),
        "clues": clerk_sheet("clues", clues, [f"{county.name}群众身边不正之风和腐败问题线索台账（2023年1月—2026年11月）",
                                              "填报单位：县纪委监委案件监督管理室　　　　填报日期：2026年11月15日"],
                             totals={"涉及金额(万元)": round(float(np.nansum(clues["涉及金额(万元)"])), 2)},
                             blank_after=400),
        "cases": clerk_sheet("cases", cases, [f"{county.name}查处群众身边不正之风和腐败问题案件台账"],
                             totals={"处理人数": int(cases["处理人数"].sum()),
                                     "追缴资金(万元)": round(float(cases["追缴资金(万元)"].sum()), 2)}),
        "case_people": clerk_sheet("case_people", rows["case_people"], []),
        "rectification": clerk_sheet("rectification", rows["rectification"], [f"{county.name}巡察审计反馈问题整改台账"],
                                     blank_after=250),
        "satisfaction": clerk_sheet("satisfaction", rows["satisfaction"], [f"{county.name}群众满意度测评结果汇总表"],
                                    blank_after=96),
        "platform_usage": clerk_sheet("platform_usage", rows["platform_usage"], []),
    }
