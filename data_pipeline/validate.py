"""Validation of a ParsedSheet in one pass: every failing cell gets its own Chinese reason.

pandera-style lazy validation, vectorised: each check is a mask over all rows, and every
failure becomes one line of ``errors`` (source row, column, reason). A row with any failure is
rejected whole; the others are accepted. Checks: types, enumerations, required fields, places
(by code or name variant, never guessed), the cross-field rules of docs/DOMAIN.md, and duplicates of
the natural key inside the file (the later row is rejected, naming the earlier one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import String, Text

from data_pipeline import normalise as nz
from data_pipeline.ledgers import Field, LedgerKind
from data_pipeline.reader import ParsedSheet
from warehouse import vocabulary as vocab

REQUIRED_MISSING = "必填项为空"
MAX_WARNINGS = 20  # warning sentences of one kind per sheet; the rest are counted
COORDINATE_RANGES = {"longitude": (-180, 180), "latitude": (-90, 90)}  # degrees, EPSG:4326


@dataclass
class Places:
    """The divisions known to the warehouse: township and village names/codes → codes."""

    townships: nz.PlaceIndex = field(default_factory=lambda: nz.PlaceIndex(nz.TOWNSHIP_LEVEL))
    villages: nz.PlaceIndex = field(default_factory=lambda: nz.PlaceIndex(nz.VILLAGE_LEVEL))
    township_names: dict[str, str] = field(default_factory=dict)
    village_township: dict[str, str] = field(default_factory=dict)

    def add_county(self, code: str, name: str) -> None:
        """Know a county's name: its places' official names may begin with it (卓资县十八台镇)."""
        self.townships.add_county(code, name)
        self.villages.add_county(code, name)

    def add_township(self, code: str, name: str) -> None:
        self.townships.add(code, name)
        self.township_names[code] = name

    def add_village(self, code: str, name: str, township_code: str) -> None:
        self.villages.add(code, name, scope=township_code)
        self.village_township[code] = township_code


@dataclass
class ValidatedSheet:
    """A sheet after validation: typed warehouse columns, every error, and which rows pass."""

    sheet: ParsedSheet
    typed: pd.DataFrame  # warehouse columns; index = source row numbers
    errors: pd.DataFrame  # row, column, reason — one line per failing cell
    accepted: np.ndarray  # bool per row of ``typed``
    duplicate: np.ndarray  # bool per row: a later repeat of a natural key
    warnings: list[str] = field(default_factory=list)  # sentences for the load's report; no row is refused

    @property
    def rows_loaded(self) -> int:
        return int(self.accepted.sum())

    @property
    def rows_rejected(self) -> int:
        return int((~self.accepted).sum())

    @property
    def rows_duplicate(self) -> int:
        return int(self.duplicate.sum())

    def messages(self, limit: int | None = None) -> list[str]:
        """Return the errors as full Chinese sentences naming file, sheet, row and column."""
        errors = self.errors if limit is None else self.errors.head(limit)
        where = self.sheet.where()
        return [f"{where}第{row}行“{column}”：{reason}"
                for row, column, reason in errors.itertuples(index=False)]


class _Errors:
    """Collects (rows, column, reasons) for every failing check, in one pass."""

    def __init__(self, index: np.ndarray) -> None:
        self.index = index
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str, reasons: np.ndarray | str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        reason = reasons if isinstance(reasons, str) else np.asarray(reasons, dtype=object)[mask]
        self.parts.append(pd.DataFrame({"row": self.index[mask], "column": column, "reason": reason}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype=object),
                                 "reason": pd.Series(dtype=object)})
        errors = pd.concat(self.parts, ignore_index=True)
        errors["row"] = errors["row"].astype("int64")
        return errors.sort_values("row", kind="stable").reset_index(drop=True)


def _present(values: np.ndarray) -> np.ndarray:
    return pd.notna(pd.Series(values, dtype=object)).to_numpy()


def _column_lengths(kind: LedgerKind) -> dict[str, int]:
    lengths = {}
    for table in (kind.table, *kind.extra_tables):
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length:
                lengths.setdefault(column.name, column.type.length)
    return lengths


def _pairs_by_distinct(first: np.ndarray, second: pd.Series,
                       parse: Callable[[object, object], nz.Parsed]) -> tuple[np.ndarray, np.ndarray]:
    """Like normalise.by_distinct, over (first, second) pairs: each distinct pair parsed once."""
    codes_a, uniques_a = pd.factorize(pd.Series(first, dtype=object), use_na_sentinel=True)
    codes_b, uniques_b = pd.factorize(second, use_na_sentinel=True)
    combined = (codes_a.astype(np.int64) + 1) * (len(uniques_b) + 1) + (codes_b.astype(np.int64) + 1)
    codes, uniques = pd.factorize(combined)
    values = np.empty(len(uniques), dtype=object)
    reasons = np.empty(len(uniques), dtype=object)
    for i, pair in enumerate(uniques):
        a_code, b_code = divmod(int(pair), len(uniques_b) + 1)
        a = uniques_a[a_code - 1] if a_code else None
        b = uniques_b[b_code - 1] if b_code else None
        values[i], reasons[i] = parse(a, b)
    return values[codes], reasons[codes]


_DIGIT_RULES = {
    "乡镇代码": "001-099街道、100-199镇、200-399乡、400-599类似乡级单位",
    "村代码": "001-199居委会（社区）、200-399村委会、400-499类似居委会、500-599类似村委会",
}


def _division_code_parser(digits: int, label: str, kind_of):
    """Return a parser of a division's own code: ``digits`` digits whose last three name its kind
    (``kind_of`` raises on 000 and 600-999, the only digits 统计用区划代码 gives no kind)."""
    def parse(value):
        code, reason = nz.parse_code(value, digits, label)
        if code is None:
            return None, reason
        try:
            kind_of(code)
        except ValueError:
            return None, (f"{label}“{code}”的第{digits - 2}-{digits}位“{code[-3:]}”不在001-599之间"
                          f"（{_DIGIT_RULES[label]}）")
        return code, None

    return parse


# the field kinds whose parser needs nothing from the field itself
_PLAIN_PARSERS: dict[str, Callable[[object], nz.Parsed]] = {
    "text": nz.parse_text, "date": nz.parse_date, "month": nz.parse_month, "quarter": nz.parse_quarter,
    "int": nz.parse_int, "decimal": nz.parse_decimal, "bool": nz.parse_bool,
}


# other spellings an enumeration accepts, per warehouse column: alias → the choice it means
_ENUM_ALIASES = {"village_kind": vocab.VILLAGE_KIND_SYNONYMS}


def _parser_for(f: Field) -> Callable[[object], nz.Parsed]:
    field_kind, header = f.kind, f.header
    if field_kind in _PLAIN_PARSERS:
        return _PLAIN_PARSERS[field_kind]
    if field_kind == "enum":
        return nz.enum_parser(f.choices, _ENUM_ALIASES.get(f.column, {}))
    if field_kind == "township_code":
        return _division_code_parser(9, "乡镇代码", vocab.township_kind)
    if field_kind == "village_code":
        return _division_code_parser(12, "村代码", vocab.village_kind)
    if field_kind == "code":
        return lambda value: nz.parse_code(value, 12, header)
    raise ValueError(f"unknown field kind {field_kind}")  # a contract error, not bad input


def validate_sheet(sheet: ParsedSheet, places: Places) -> ValidatedSheet:
    """Return the sheet's typed columns, all its errors and its accepted rows."""
    kind = sheet.kind
    raw = sheet.raw
    rows = raw.index.to_numpy()
    n = len(raw)
    errors = _Errors(rows)
    typed: dict[str, np.ndarray] = {}
    lengths = _column_lengths(kind)
    empty = pd.Series([None] * n, index=raw.index, dtype=object)

    township_field = next((f for f in kind.fields if f.kind == "township"), None)
    ordered = sorted(kind.fields, key=lambda f: f.kind == "village")  # villages need the township
    for f in ordered:
        column = raw[f.header] if f.header in raw.columns else empty
        if f.kind == "township":
            values, reasons = nz.by_distinct(column, lambda v: _resolve_township(v, places))
        elif f.kind == "village":
            township_codes = typed.get(township_field.column) if township_field else None
            if township_codes is None:
                township_codes = np.full(n, None, dtype=object)
            values, reasons = _pairs_by_distinct(
                township_codes, column, lambda t, v: _resolve_village(t, v, places))
        elif f.kind == "text":
            # prose (Text columns: 问题摘要, 问题描述, 整改措施) keeps its Chinese punctuation
            prose = f.column in kind.table.c and isinstance(kind.table.c[f.column].type, Text)
            values, reasons = nz.text_values(column, normalise=not prose), None
        else:
            values, reasons = nz.by_distinct(column, _parser_for(f))
        failed = _present(reasons) if reasons is not None else np.zeros(n, dtype=bool)
        errors.add(failed, f.header, reasons)
        present = _present(values)
        if f.required:
            errors.add(~present & ~failed, f.header, REQUIRED_MISSING)
        if f.kind == "quarter":
            typed["survey_year"] = np.array([v[0] if v else None for v in values], dtype=object)
            typed["survey_quarter"] = np.array([v[1] if v else None for v in values], dtype=object)
            continue
        limit = lengths.get(f.column)
        if limit and f.kind == "text" and present.any():
            too_long = present & (pd.Series(values, dtype=object).str.len().fillna(0).to_numpy() > limit)
            errors.add(too_long, f.header, f"超过{limit}个字符")
            values = np.where(too_long, None, values)
        if f.kind == "int" or (f.kind == "decimal" and f.column.endswith("wan_yuan")):
            negative = present & (pd.Series(values, dtype=object).fillna(0).to_numpy(dtype=float) < 0)
            errors.add(negative, f.header, "不能为负数")
        if f.column in COORDINATE_RANGES and present.any():
            low, high = COORDINATE_RANGES[f.column]
            numbers = pd.Series(values, dtype=object).fillna(low).to_numpy(dtype=float)
            errors.add(present & ((numbers < low) | (numbers > high)), f.header, f"应在{low}到{high}之间")
        typed[f.column] = values

    # object columns on purpose: pandas would turn text into arrow strings, only to turn them back
    typed_frame = pd.DataFrame(typed, index=raw.index, dtype=object)
    stated_village_kinds = None
    if kind.name == "divisions":
        stated_village_kinds = typed_frame["village_kind"].copy()
        typed_frame["village_kind"] = village_kinds_of(typed_frame["village_code"])
    for mask, header, reasons in CROSS_FIELD_RULES.get(kind.name, _no_rules)(typed_frame):
        errors.add(mask, header, reasons)

    error_frame = errors.frame()
    failing = np.isin(rows, error_frame["row"].to_numpy()) if len(error_frame) else np.zeros(n, dtype=bool)
    duplicate = _duplicates(kind, typed_frame, errors)
    error_frame = errors.frame()
    accepted = ~(failing | duplicate)
    warnings = (_village_kind_warnings(sheet, typed_frame, stated_village_kinds, accepted)
                if stated_village_kinds is not None else [])
    return ValidatedSheet(sheet=sheet, typed=typed_frame, errors=error_frame, accepted=accepted,
                          duplicate=duplicate, warnings=warnings)


def village_kinds_of(village_codes: pd.Series) -> np.ndarray:
    """Return each village's kind from its code's digits 10-12 (None where the code is missing or invalid)."""
    def kind_of(code) -> nz.Parsed:
        try:
            return vocab.village_kind(code), None
        except ValueError:
            return None, None
    return nz.by_distinct(village_codes, kind_of)[0]


def _village_kind_warnings(sheet: ParsedSheet, typed: pd.DataFrame, stated: pd.Series,
                           accepted: np.ndarray) -> list[str]:
    """Return a warning per loaded row whose 村类型 contradicts its code: the code's kind is kept.

    The code is the official record and 村类型 a clerk's column, so a contradiction refuses no
    village (rule). 社区 and 行政村 are the coarse words: 社区 fits a 类似居委会, 行政村 a 类似村委会.
    """
    from_code = typed["village_kind"].to_numpy()
    said = stated.to_numpy()
    rows = []
    for row, code, kind, told, ok in zip(typed.index, typed["village_code"], from_code, said, accepted):
        if not ok or told is None or kind is None or told == kind or vocab.VILLAGE_KIND_SIDE[kind] == told:
            continue
        rows.append((row, code, kind, told))
    where = sheet.where()
    warnings = [f"警告：{where}第{row}行“村类型”：“{told}”与村代码“{code}”不符（第10-12位{code[-3:]}为{kind}），"
                f"按代码记为{kind}" for row, code, kind, told in rows[:MAX_WARNINGS]]
    if len(rows) > MAX_WARNINGS:
        warnings.append(f"警告：{where}另有{len(rows) - MAX_WARNINGS}行的村类型与村代码不符，均按代码记")
    return warnings


def _listed(index: nz.PlaceIndex, codes: tuple[str, ...]) -> str:
    return "、".join(f"{index.name_of(code)}（{code}）" for code in codes)


def _resolve_township(value, places: Places) -> nz.Parsed:
    text = nz.clean_text(value)
    if not text:
        return None, None
    codes = places.townships.matches(text)
    if len(codes) == 1:
        return codes[0], None
    if codes:
        return None, (f"乡镇“{nz.display(value)}”对应多个乡镇，无法确定：{_listed(places.townships, codes)}，"
                      "请填写全称或乡镇代码")
    return None, f"无法识别的乡镇“{nz.display(value)}”（区划名录中没有此名称或代码）"


def _resolve_village(township_code, value, places: Places) -> nz.Parsed:
    text = nz.clean_text(value)
    if not text:
        return None, None
    if township_code is None:
        return None, None  # the township's own error already rejects the row
    codes = places.villages.matches(text, scope=township_code)
    township_name = places.township_names.get(township_code, township_code)
    if len(codes) == 1:
        return codes[0], None
    if text.replace(".0", "").isdigit() and text.replace(".0", "") in places.villages:
        return None, f"村（社区）代码“{nz.display(value)}”不属于{township_name}"
    if codes:
        return None, (f"村（社区）“{nz.display(value)}”在{township_name}对应多个村（社区），无法确定："
                      f"{_listed(places.villages, codes)}，请填写全称或代码")
    return None, f"在{township_name}的区划名录中找不到村（社区）“{nz.display(value)}”"


def _duplicates(kind: LedgerKind, typed: pd.DataFrame, errors: _Errors) -> np.ndarray:
    """Mark later repeats of a natural key; each gets a reason naming the first row."""
    keys = list(kind.natural_key)
    if not len(typed) or not all(k in typed.columns for k in keys):
        return np.zeros(len(typed), dtype=bool)
    key_frame = typed[keys]
    complete = key_frame.notna().all(axis=1).to_numpy()
    repeated = key_frame.duplicated(keep="first").to_numpy() & complete
    if not repeated.any():
        return repeated
    rows = pd.Series(typed.index.to_numpy(), index=typed.index)
    first_row = rows.groupby([key_frame[k] for k in keys], sort=False, dropna=True).transform("first")
    first_row = first_row.reindex(typed.index).to_numpy()
    headers = {f.column: f.header for f in kind.fields}
    if kind.name == "satisfaction":
        label, column = "测评期间、乡镇", "测评期间"
    else:
        label = "、".join(headers.get(k, k) for k in keys)
        column = headers.get(keys[0], keys[0])
    reasons = np.array([f"与第{int(r)}行的{label}重复" if ok else None
                        for r, ok in zip(first_row, repeated)], dtype=object)
    errors.add(repeated, column, reasons)
    return repeated


def mark_repeats_of_earlier_sheets(checked: ValidatedSheet, keys_seen: dict[tuple, str]) -> None:
    """Reject accepted rows whose natural key an earlier sheet of the same file already holds.

    ``keys_seen`` (natural key → '工作表“X”第N行') is shared by the sheets of one kind in one file
    and grows with this sheet's accepted keys. Only multi-sheet workbooks pay for the loop.
    """
    kind = checked.sheet.kind
    keys = [k for k in kind.natural_key if k in checked.typed.columns]
    if len(keys) != len(kind.natural_key) or not checked.accepted.any():
        return
    accepted_keys = checked.typed.loc[checked.accepted, keys]
    rows = accepted_keys.index.to_numpy()
    tuples = list(zip(*(accepted_keys[k].to_numpy() for k in keys)))
    if keys_seen:
        headers = {f.column: f.header for f in kind.fields}
        label = "、".join(headers.get(k, k) for k in keys)
        column = headers.get(keys[0], keys[0])
        repeated = [(row, keys_seen[key]) for row, key in zip(rows, tuples) if key in keys_seen]
        if repeated:
            extra = pd.DataFrame({"row": [r for r, _ in repeated], "column": column,
                                  "reason": [f"与{where}的{label}重复" for _, where in repeated]})
            checked.errors = pd.concat([checked.errors, extra], ignore_index=True).sort_values(
                "row", kind="stable").reset_index(drop=True)
            hit = np.isin(checked.typed.index.to_numpy(), [r for r, _ in repeated])
            checked.accepted = checked.accepted & ~hit
            checked.duplicate = checked.duplicate | hit
    sheet_name = checked.sheet.sheet_name
    for row, key in zip(rows, tuples):
        keys_seen.setdefault(key, f"工作表“{sheet_name}”第{int(row)}行")


# --- cross-field rules of docs/DOMAIN.md: each yields (mask, column, reason) --------------------

def _no_rules(_typed: pd.DataFrame):
    return ()


def _is_null(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy()


def _clue_rules(t: pd.DataFrame):
    closed = (t["handling_status"] == vocab.CLUE_CLOSED).to_numpy()
    yield closed & _is_null(t["closed_date"]), "办结日期", "办理状态为“办结”时必须填写办结日期"


def _rectification_rules(t: pd.DataFrame):
    status = t["rectification_status"]
    done = status.isin(vocab.RECTIFICATION_DONE).to_numpy()
    yield done & _is_null(t["completed_date"]), "完成日期", "整改状态为“已完成”或“已销号”时必须填写完成日期"
    closed_off = (status == "已销号").to_numpy()
    yield closed_off & _is_null(t["closed_off_date"]), "销号日期", "整改状态为“已销号”时必须填写销号日期"
    both = (~_is_null(t["deadline_date"])) & (~_is_null(t["feedback_date"]))
    early = np.zeros(len(t), dtype=bool)
    if both.any():
        early[both] = (pd.to_datetime(t["deadline_date"][both]) < pd.to_datetime(t["feedback_date"][both])).to_numpy()
    reasons = np.array([f"整改时限（{d}）早于反馈日期（{f}）" if bad else None
                        for d, f, bad in zip(t["deadline_date"], t["feedback_date"], early)], dtype=object) \
        if early.any() else ""
    yield early, "整改时限", reasons


_SURVEY_PARTS = ("satisfied", "basically_satisfied", "dissatisfied", "unaware")


def _satisfaction_rules(t: pd.DataFrame):
    parts = t[list(_SURVEY_PARTS)]
    sample = t["sample_size"]
    known = parts.notna().all(axis=1).to_numpy() & sample.notna().to_numpy()
    total = parts.fillna(0).astype("int64").sum(axis=1).to_numpy()
    sample_values = sample.fillna(0).astype("int64").to_numpy()
    mismatch = known & (total != sample_values)
    if mismatch.any():
        reasons = np.array([f"满意、基本满意、不满意、不了解之和（{s}）不等于样本量（{m}）" if bad else None
                            for s, m, bad in zip(total, sample_values, mismatch)], dtype=object)
        yield mismatch, "样本量", reasons
    aware = t["aware_of_platform"]
    both = aware.notna().to_numpy() & sample.notna().to_numpy()
    aware_values = aware.fillna(0).astype("int64").to_numpy()
    too_many = both & (aware_values > sample_values)
    if too_many.any():
        reasons = np.array([f"知晓监督平台（{a}）大于样本量（{m}）" if bad else None
                            for a, m, bad in zip(aware_values, sample_values, too_many)], dtype=object)
        yield too_many, "知晓监督平台", reasons


def _division_rules(t: pd.DataFrame):
    both = (~_is_null(t["village_code"])) & (~_is_null(t["township_code"]))
    village = t["village_code"].where(both, "").astype(str).str[:9]
    township = t["township_code"].where(both, "").astype(str)
    wrong = both & (village != township).to_numpy()
    if wrong.any():
        reasons = np.array([f"村代码“{v}”的前9位应为其乡镇代码“{tc}”" if bad else None
                            for v, tc, bad in zip(t["village_code"], t["township_code"], wrong)], dtype=object)
        yield wrong, "村代码", reasons


CROSS_FIELD_RULES: dict[str, Callable[[pd.DataFrame], object]] = {
    "clues": _clue_rules,
    "rectification": _rectification_rules,
    "satisfaction": _satisfaction_rules,
    "divisions": _division_rules,
}
