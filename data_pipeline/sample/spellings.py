"""The mess a clerk's sheet has on purpose, so that loading the sample exercises the reader.

Header synonyms instead of canonical headers, a running number, dates typed as text three ways,
townships' names short or padded, codes typed as numbers, quarters and months spelled out, a few
counts in full-width digits. Every one of them reads back as exactly the value generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from data_pipeline.ledgers import LEDGER_BY_NAME

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# the header a clerk types instead of the canonical one, per ledger kind: each one the reader resolves
# to the field (a synonym in data_pipeline/ledgers.py or a spelling rule of data_pipeline/headers.py;
# checked by ``typed_header``)
HEADERS_AS_TYPED: dict[str, dict[str, str]] = {
    "clues": {"受理日期": "受理时间", "所属乡镇": "乡镇"},
    "cases": {"立案日期": "立案时间"},
    "rectification": {"反馈日期": "反馈时间"},
}

# a running number before the first column (one of the headers the reader ignores), per ledger kind
RUNNING_NUMBER = {"clues": "序号"}


def typed_header(kind: str, header: str) -> str:
    """Return the header as the clerk's sheet spells it: the canonical one, or a spelling the reader resolves."""
    from data_pipeline.headers import resolve_headers

    typed = HEADERS_AS_TYPED.get(kind, {}).get(header, header)
    if resolve_headers([typed], LEDGER_BY_NAME[kind]).columns != {header: 0}:
        raise ValueError(f"{kind}: the reader does not read {typed!r} as {header!r} (data_pipeline/ledgers.py, headers.py)")
    return typed


def _spelled_by_row(row: int, as_is, spellings: tuple[tuple[int, int, object], ...]):
    """Return the first of ``spellings`` (modulus, remainder, spelled) whose rows include ``row``, else ``as_is``."""
    for modulus, remainder, spelled in spellings:
        if row % modulus == remainder:
            return spelled
    return as_is


def spell_date(day: dt.date, row: int) -> dt.date | str:
    """Return the date as a clerk might type it: mostly a date cell, sometimes text."""
    return _spelled_by_row(row, day, ((11, 3, f"{day.year}/{day.month}/{day.day}"),
                                      (13, 5, f"{day.year}年{day.month}月{day.day}日"),
                                      (17, 7, f"{day.year}.{day.month}.{day.day}")))


def spell_township(name: str, row: int) -> str:
    """Return the township's name as typed: the full name, sometimes short or padded with spaces."""
    short = name[:-2] if name.endswith("街道") else name[:-1]
    return _spelled_by_row(row, name, ((19, 4, short), (23, 6, f" {name} "), (29, 9, f"\u3000{name}")))


def spell_code_as_number(code: str, row: int) -> int:
    """Return a division's code as a number, as spreadsheets do to digit strings."""
    return int(code)


def spell_quarter(label: str, row: int) -> str:
    """Return a quarter ("2024Q3") as typed: as is, "2024年第三季度" or "2024-Q3"."""
    year, quarter = label.split("Q")
    return _spelled_by_row(row, label, ((3, 1, f"{year}年第{'一二三四'[int(quarter) - 1]}季度"),
                                        (3, 2, f"{year}-Q{quarter}")))


def spell_month(label: str, row: int) -> str:
    """Return a month ("2024-03") as typed: as is, or one row in four "2024年3月"."""
    year, month = label.split("-")
    return _spelled_by_row(row, label, ((4, 1, f"{year}年{int(month)}月"),))


def spell_count(value: int, row: int, column: int) -> int | str:
    """Return a count as typed: a number, a few of them text in full-width digits."""
    return str(int(value)).translate(FULL_WIDTH) if (row * 7 + column) % 53 == 0 else int(value)


SURVEY_COUNTS = tuple(f.header for f in LEDGER_BY_NAME["satisfaction"].fields if f.kind == "int")

# the cells spelled otherwise than their clean value, per ledger kind and canonical header: a function
# of the clean value and the row's index among the data rows
MESSY_CELLS: dict[str, dict[str, Callable[[object, int], object]]] = {
    "divisions": {"乡镇代码": spell_code_as_number, "村代码": spell_code_as_number},
    "clues": {"受理日期": spell_date, "所属乡镇": spell_township},
    # counted from 2, not 0: which rows have text dates is part of the committed sample's bytes
    "rectification": {"反馈日期": lambda day, row: spell_date(day, row + 2)},
    "satisfaction": {"测评期间": spell_quarter,
                     **{header: partial(spell_count, column=column) for column, header in enumerate(SURVEY_COUNTS)}},
    "platform_usage": {"月份": spell_month},
}
