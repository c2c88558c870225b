"""Header resolution: a sheet's header cells → the contract's headers, by rules and confirmed mappings.

The contract (``ledgers.py``) names each column once, with its synonyms: the one table. Townships
spell headers in many more ways; rather than a synonym for each, a header is compared after
rules that apply alike to the file's cell and to the contract's names and synonyms:

    rule                                      the file says                      compared as
    full-width, spaces, line breaks           受　理⏎日期                         受理日期
    a bracket that does not change the        乡镇(街道)代码, 村（社区）名称,      乡镇代码, 村名称,
      meaning (place alternates, a format,    受理日期（年月日）, 挂牌督办(是/否),  受理日期, 挂牌督办,
      the choices, 必填 …)                    *线索编号                           线索编号
    a unit is read, not dropped               追缴资金（元）                      追缴资金, in 元: ÷10000 to 万元
    是否X ↔ X                                 是否挂牌督办                        挂牌督办
    …时间 ↔ …日期                             受理时间                            受理日期
    …编码, …代码 ↔ …编号                      线索编码, 乡镇代码                   线索编号, 乡镇编号
    …进度 ↔ …状态                             办理进度                            办理状态
    所在… ↔ 所属…                             所在乡镇                            所属乡镇

Nothing else is guessed. A header the rules do not resolve stays unmatched; the closest standard
header is only *suggested* (rapidfuzz), and applied when the clerk confirms it
(``python -m data_pipeline load --map 原表头=标准表头``). A confirmed mapping is saved for the
county (table ``header_mappings``), so next month's file with the same headers loads without a
question. Whistleblower columns (反映人, 联系电话 …) are never mapped to anything.

Cost: every distinct header spelling is parsed once (``lru_cache``); no row is touched here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Connection, select

from data_pipeline.ledgers import IGNORED_HEADERS, LEDGER_BY_NAME, LEDGER_KINDS, WHISTLEBLOWER_HEADERS, LedgerKind
from data_pipeline.normalise import header_key
from warehouse.audit import write_event
from warehouse.schema import header_mappings

# --- units ------------------------------------------------------------------------------------

MONEY_UNITS = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "亿元": 10000.0}  # × this → 万元
COUNT_UNITS = frozenset({"人", "件", "个", "次", "户", "条", "项", "人次", "份", "起", "名"})
DEGREE_UNITS = frozenset({"度", "°"})
_UNITS = frozenset(MONEY_UNITS) | COUNT_UNITS | DEGREE_UNITS

# --- spelling rules ---------------------------------------------------------------------------

SUGGESTION_CUTOFF = 50  # rapidfuzz WRatio, 0-100: below it a header has no suggestion
MAX_LISTED = 12  # unmatched headers named in one message

_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "〈": "(", "〉": ")",
                           "《": "(", "》": ")", "{": "(", "}": ")"})
_BRACKET = re.compile(r"\(([^()]*)\)")
_MARKS = "*※★☆#:"  # a required-field mark, a trailing colon
# bracketed words that qualify a header without changing what it names
_NEUTRAL_WORDS = frozenset({
    "街道", "社区", "居委会", "村委会", "居", "村居", "镇街", "乡镇", "镇", "乡", "村", "社区居委会", "苏木", "嘎查",
    "全称", "简称", "名称", "必填", "选填", "可选", "非必填", "可不填", "如有", "若有", "没有不填", "文本", "数字",
    "年月日", "年-月-日", "年/月/日", "年.月.日", "日期", "日期格式", "数值", "整数", "小数",
})
_NEUTRAL_PREFIX = re.compile(r"^(格式|例|如|注|说明|填写|请填写|示例|按|填|选填|必填)")
_DATE_FORMAT = re.compile(r"^[yYmMdD年月日\-/.]+$|^\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$")
_CHOICES = re.compile(r"[/、|或,]")
_SUFFIX_VARIANTS = (("时间", "日期"), ("编码", "编号"), ("代码", "编号"), ("进度", "状态"))
_PREFIX_VARIANTS = (("所在", "所属"),)


@dataclass(frozen=True)
class Spelling:
    """A header as compared: ``key`` (header_key), ``stem`` (after the rules) and the unit it names."""

    key: str
    stem: str
    unit: str | None = None


def _bracket_unit(content: str) -> str | None:
    content = re.sub(r"^单位[:：]?", "", content)
    return content if content in _UNITS else None


def _is_neutral(content: str) -> bool:
    """True for bracket contents that do not change what a header names."""
    if not content or content in _NEUTRAL_WORDS:
        return True
    if _NEUTRAL_PREFIX.match(content) or _DATE_FORMAT.match(content):
        return True
    # the choices (是/否, 红/黄/蓝, 在办、办结) or place alternates (市、区)
    return bool(_CHOICES.search(content)) and all(len(p) <= 8 for p in _CHOICES.split(content))


@lru_cache(maxsize=16384)
def _spelling(key: str) -> Spelling:
    text = key.translate(_BRACKETS)
    unit = None
    kept = []
    position = 0
    for match in _BRACKET.finditer(text):
        kept.append(text[position:match.start()])
        content = match.group(1)
        found = _bracket_unit(content)
        if found:
            unit = found
        elif not _is_neutral(content):
            kept.append(match.group(0))  # a qualifier that may change the meaning stays
        position = match.end()
    kept.append(text[position:])
    stem = "".join(kept).strip(_MARKS)
    if "/" in stem:  # 追缴资金/元
        head, _, tail = stem.rpartition("/")
        if tail in _UNITS and head:
            stem, unit = head, tail
    if stem.startswith("是否") and len(stem) > 3:
        stem = stem[2:]
    for old, new in _PREFIX_VARIANTS:
        if stem.startswith(old) and len(stem) > len(old):
            stem = new + stem[len(old):]
    for old, new in _SUFFIX_VARIANTS:
        if stem.endswith(old) and len(stem) > len(old):
            stem = stem[: -len(old)] + new
            break
    return Spelling(key=key, stem=stem or key, unit=unit)


def spelling(header: object) -> Spelling:
    """Return how a header cell (or a contract name) is compared: its key, rule-normalised stem and unit."""
    key = header_key(header)
    return _spelling(key) if key else Spelling("", "")


def one_line(header: object) -> str:
    """Return a header cell as the clerk reads it in a one-line message (line breaks and runs of spaces folded)."""
    return " ".join(str(header).replace("_x000D_", "").split()) if header is not None else ""


# --- headers that are never data ---------------------------------------------------------------

_WHISTLEBLOWER_KEYS = frozenset(header_key(h) for h in WHISTLEBLOWER_HEADERS)
IGNORED_KEYS = frozenset(header_key(h) for h in IGNORED_HEADERS)
_ANY_BRACKET = re.compile(r"\(.*?\)")
_PARTS = re.compile(r"[/、,|及和]")


def is_whistleblower_header(key: str) -> bool:
    """True for 反映人, 联系电话 … also with a bracket or a rule variant: 反映人(姓名), 联系电话（手机）."""
    if not key:
        return False
    bare = _ANY_BRACKET.sub("", key.translate(_BRACKETS))
    candidates = {key, bare, _spelling(key).stem, *_PARTS.split(bare)}  # 反映人/联系电话: either part
    return not candidates.isdisjoint(_WHISTLEBLOWER_KEYS)


def is_ignored_header(key: str) -> bool:
    """True for a 序号 or 备注 column (never data) and for the whistleblower columns (dropped)."""
    return key in IGNORED_KEYS or _spelling(key).stem in IGNORED_KEYS or is_whistleblower_header(key)


# --- the contract's names, per ledger kind ---------------------------------------------------

class _KindNames:
    """A ledger kind's ways of naming its fields: exact keys and rule stems, canonical before synonym."""

    def __init__(self, kind: LedgerKind) -> None:
        self.kind = kind
        self.fields = {f.header: f for f in kind.fields}
        self.units = {f.header: spelling(f.header).unit for f in kind.fields}
        self.exact_canonical: dict[str, str] = {}
        self.exact_synonym: dict[str, str] = {}
        self.stem_canonical: dict[str, str] = {}
        self.stem_synonym: dict[str, str] = {}
        self.choices: list[tuple[str, str]] = []  # (stem, header) for suggestions, required fields first
        for f in sorted(kind.fields, key=lambda f: not f.required):
            name = spelling(f.header)
            self.exact_canonical.setdefault(name.key, f.header)
            self.stem_canonical.setdefault(name.stem, f.header)
            self.choices.append((name.stem, f.header))
            for synonym in f.synonyms:
                name = spelling(synonym)
                self.exact_synonym.setdefault(name.key, f.header)
                self.stem_synonym.setdefault(name.stem, f.header)
                self.choices.append((name.stem, f.header))

    def header_for(self, text: str) -> str | None:
        """Return the field header that ``text`` (a standard header as the clerk typed it) names here."""
        name = spelling(text)
        for table, probe in ((self.exact_canonical, name.key), (self.exact_synonym, name.key),
                             (self.stem_canonical, name.stem), (self.stem_synonym, name.stem)):
            if probe in table:
                return table[probe]
        return None

    def unit_factor(self, header: str, unit: str | None) -> float | None:
        """Return the factor that brings a column in ``unit`` to the field's unit, or None if they disagree."""
        field_unit = self.units[header]
        if unit is None or unit == field_unit:
            return 1.0
        if field_unit in MONEY_UNITS and unit in MONEY_UNITS:
            return MONEY_UNITS[unit] / MONEY_UNITS[field_unit]
        kind = self.fields[header].kind
        if field_unit is None and ((unit in COUNT_UNITS and kind == "int") or (unit in DEGREE_UNITS and kind == "decimal")):
            return 1.0
        return None


_NAMES = {kind.name: _KindNames(kind) for kind in LEDGER_KINDS}


def standard_headers(text: str) -> list[tuple[LedgerKind, str]]:
    """Return every (ledger kind, field header) that ``text`` names as a standard header."""
    found = []
    for kind in LEDGER_KINDS:
        header = _NAMES[kind.name].header_for(text)
        if header:
            found.append((kind, header))
    return found


# --- confirmed mappings ------------------------------------------------------------------------

@dataclass(frozen=True)
class HeaderMappings:
    """Mappings the clerk confirmed: this run's ``--map`` (any kind) and the county's saved ones (per kind).

    ``confirmed``: source header → standard header as typed (resolved in each kind that has it).
    ``saved``: ledger kind name → source header → field header (``saved_header_mappings``).
    Source headers are compared as ``header_key`` (NFKC, no spaces or line breaks).
    """

    confirmed: Mapping[str, str] = field(default_factory=dict)
    saved: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "confirmed", {header_key(s): t for s, t in dict(self.confirmed).items()})
        object.__setattr__(self, "saved", {kind: {header_key(s): t for s, t in dict(pairs).items()}
                                           for kind, pairs in dict(self.saved).items()})

    def for_kind(self, kind: LedgerKind) -> tuple[dict[str, str], dict[str, str]]:
        """Return (confirmed, saved) as source key → field header of ``kind``, dropping what names none."""
        names = _NAMES[kind.name]
        confirmed = {s: h for s, t in self.confirmed.items() if (h := names.header_for(t))}
        saved = {s: t for s, t in self.saved.get(kind.name, {}).items() if t in names.fields}
        return confirmed, saved

    def __bool__(self) -> bool:
        return bool(self.confirmed or any(self.saved.values()))


NO_MAPPINGS = HeaderMappings()


def as_mappings(mappings: HeaderMappings | Mapping[str, str] | None) -> HeaderMappings:
    """Return ``mappings`` as HeaderMappings (a plain dict is the clerk's confirmed source → standard)."""
    if mappings is None:
        return NO_MAPPINGS
    if isinstance(mappings, HeaderMappings):
        return mappings
    return HeaderMappings(confirmed=mappings)


_SHELL_SPECIAL = frozenset("()[]{}<>|&;*?'\" $`\\!#~")


def map_option(source: str, standard: str) -> str:
    """Return ``--map 原表头=标准表头`` as the clerk can paste it into a shell (quoted where it must be)."""
    pair = f"{source}={standard}"
    return f'--map "{pair}"' if _SHELL_SPECIAL.intersection(pair) else f"--map {pair}"


def parse_map_option(text: str) -> tuple[str, str]:
    """Return (source key, standard header text) of one ``原表头=标准表头``; ValueError in Chinese if not."""
    source, sep, standard = header_key(text).partition("=")
    if not sep or not source or not standard:
        raise ValueError(f"--map 应写作 原表头=标准表头，实为“{one_line(text)}”")
    if is_whistleblower_header(source):
        raise ValueError(f"“{source}”是反映人信息列，入库时一律删除，不能对应为标准表头")
    if not standard_headers(standard):
        raise ValueError(f"--map {source}={standard}：“{standard}”不是任何台账的标准表头")
    return source, standard


# --- resolving one header row ----------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    """An unmatched header of the file and the closest standard header (or None), never applied by itself."""

    header: str  # as the file writes it, on one line
    key: str
    standard: str | None
    score: float
    unit_disagrees: bool = False

    def text(self) -> str:
        if self.standard is None:
            return f"“{self.header}”（无相近的标准表头）"
        if self.unit_disagrees:
            return f"“{self.header}”（单位与“{self.standard}”不符，无法换算）"
        return f"“{self.header}”（最接近“{self.standard}”）"


@dataclass
class HeaderResolution:
    """One header row read as one ledger kind: which column is which contract header, and how."""

    kind: LedgerKind
    raw_headers: tuple
    columns: dict[str, int]  # contract header → column position
    how: dict[str, str]  # contract header → exact | rule | confirmed | saved
    factors: dict[str, float]  # contract header → × this brings the column to the contract's unit (≠ 1 only)
    units: dict[str, str]  # contract header → the unit the file's column is in, where it differs
    mapped: dict[str, str]  # source key → contract header, for every mapping (confirmed or saved) applied

    @property
    def missing(self) -> tuple[str, ...]:
        """Required headers of the kind that no column provides."""
        return tuple(h for h in self.kind.required_headers if h not in self.columns)

    @property
    def complete(self) -> bool:
        return not self.missing

    def unmatched(self) -> list[tuple[int, str]]:
        """Return (position, key) of the file's headers that name no field and are not 序号/备注/whistleblower."""
        taken = set(self.columns.values())
        return [(position, key) for position, key in enumerate(header_key(c) for c in self.raw_headers)
                if key and position not in taken and not is_ignored_header(key)]

    def suggestions(self) -> list[Suggestion]:
        """Return, per unmatched header, the closest standard header of a field no column provides."""
        from rapidfuzz import fuzz, process

        names = _NAMES[self.kind.name]
        open_choices = [(stem, header) for stem, header in names.choices if header not in self.columns]
        out = []
        for position, key in self.unmatched():
            name = _spelling(key)
            best = process.extractOne(name.stem, [stem for stem, _ in open_choices], scorer=fuzz.WRatio,
                                      score_cutoff=SUGGESTION_CUTOFF) if open_choices else None
            standard = open_choices[best[2]][1] if best else None
            disagrees = bool(standard and names.unit_factor(standard, name.unit) is None)
            out.append(Suggestion(one_line(self.raw_headers[position]), key, standard, best[1] if best else 0.0,
                                  disagrees))
        return out

    def notes(self) -> list[str]:
        """Return the Chinese notes a load summary prints: units converted, mappings applied, columns not read."""
        notes = []
        names = _NAMES[self.kind.name]
        for header, factor in self.factors.items():
            stem, unit = spelling(header).stem, names.units[header]
            operation = f"÷{round(1 / factor):g}" if factor < 1 else f"×{factor:g}"
            # the warehouse keeps 万元 to its column's scale: say so where 元 lose their last digits
            column = self.kind.table.c.get(names.fields[header].column)
            scale = getattr(column.type, "scale", None) if column is not None else None
            if factor < 1 and scale is not None:
                operation += f"，{unit}保留{scale}位小数"
            notes.append(f"「{stem}」按{self.units[header]}换算为{unit}（{operation}）")
        for source, header in self.mapped.items():
            how = "本次确认" if self.how.get(header) == "confirmed" else "本县已保存"
            notes.append(f"表头“{source}”按{how}的对应关系读作“{header}”")
        for suggestion in self.suggestions():
            if suggestion.standard and not suggestion.unit_disagrees:
                notes.append(f"表头“{suggestion.header}”未对应标准表头，该列未读入（最接近“{suggestion.standard}”，"
                             f"如确认可用 {map_option(suggestion.key, suggestion.standard)}）")
        return notes


def resolve_headers(raw_headers: Sequence, kind: LedgerKind,
                    mappings: HeaderMappings | Mapping[str, str] | None = None) -> HeaderResolution:
    """Return how a header row reads as ``kind``: confirmed mappings, exact names, saved mappings, then the rules.

    Within each step a canonical name wins over a synonym, and a column or a field is taken once.
    A column whose unit cannot be converted to the field's is not matched by a rule.
    """
    names = _NAMES[kind.name]
    confirmed, saved = as_mappings(mappings).for_kind(kind)
    spellings = [spelling(cell) for cell in raw_headers]
    resolution = HeaderResolution(kind=kind, raw_headers=tuple(raw_headers), columns={}, how={}, factors={},
                                  units={}, mapped={})
    taken: set[int] = set()
    steps = (
        ("confirmed", lambda s: confirmed.get(s.key)),
        ("exact", lambda s: names.exact_canonical.get(s.key)),
        ("exact", lambda s: names.exact_synonym.get(s.key)),
        ("saved", lambda s: saved.get(s.key)),
        ("rule", lambda s: names.stem_canonical.get(s.stem)),
        ("rule", lambda s: names.stem_synonym.get(s.stem)),
    )
    for how, lookup in steps:
        for position, name in enumerate(spellings):
            if not name.key or position in taken or is_whistleblower_header(name.key):
                continue
            header = lookup(name)
            if not header or header in resolution.columns:
                continue
            factor = names.unit_factor(header, name.unit)
            if factor is None:
                if how in ("exact", "rule"):
                    continue  # 追缴资金(人) is no 追缴资金(万元)
                factor = 1.0  # the clerk confirmed it: read as it stands
            taken.add(position)
            resolution.columns[header] = position
            resolution.how[header] = how
            if factor != 1.0:
                resolution.factors[header] = factor
                resolution.units[header] = name.unit
            if how in ("confirmed", "saved"):
                resolution.mapped[name.key] = header
    return resolution


# --- why a sheet is not recognised --------------------------------------------------------------

@dataclass(frozen=True)
class HeaderMismatch:
    """The closest a sheet came to a ledger kind: its header row, the missing headers, the suggestions."""

    sheet_name: str | None
    row: int  # 1-based
    kind: LedgerKind
    missing: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]

    def message(self) -> str:
        """Return the one-line Chinese reason (without the file name: the caller puts it first)."""
        where = (f"工作表“{self.sheet_name}”" if self.sheet_name else "") + f"第{self.row}行的表头"
        missing = "".join(f"“{h}”" for h in self.missing)
        listed = self.suggestions[:MAX_LISTED]
        unmatched = "、".join(s.text() for s in listed) or "无"
        if len(self.suggestions) > MAX_LISTED:
            unmatched += f"等{len(self.suggestions)}个"
        text = (f"不是可识别的台账：{where}最接近{self.kind.label}，缺少必填表头{missing}；"
                f"未对应的表头：{unmatched}")
        hints: dict[str, str] = {}  # one per missing header, in the file's order
        for s in self.suggestions:
            if s.standard in self.missing and not s.unit_disagrees:
                hints.setdefault(s.standard, map_option(s.key, s.standard))
        if hints:
            text += "。如核对无误，可用 --map 原表头=标准表头 确认：" + " ".join(hints.values())
        return text


def closest_mismatch(grids: Iterable[tuple[str | None, Sequence[Sequence]]], scan_rows: int,
                     mappings: HeaderMappings | Mapping[str, str] | None = None) -> HeaderMismatch | None:
    """Return the closest (sheet, row, kind) among the first ``scan_rows`` rows of each grid, or None.

    Closeness counts the columns matched and the unmatched headers suggesting a missing field;
    below two, the sheet resembles no ledger and None is returned.
    """
    best: tuple[tuple[int, int], HeaderMismatch] | None = None
    for sheet_name, rows in grids:
        for index, row in enumerate(list(rows)[:scan_rows]):
            if sum(1 for cell in row if header_key(cell)) < 2:
                continue
            for kind in LEDGER_KINDS:
                resolution = resolve_headers(row, kind, mappings)
                suggestions = resolution.suggestions()
                hinted = sum(1 for s in suggestions if s.standard in resolution.missing)
                score = (len(resolution.columns) + hinted, -len(resolution.missing))
                if score[0] >= 2 and (best is None or score > best[0]):
                    best = (score, HeaderMismatch(sheet_name, index + 1, kind, resolution.missing, tuple(suggestions)))
    return best[1] if best else None


# --- the county's saved mappings ---------------------------------------------------------------

def saved_header_mappings(conn: Connection, county_code: str) -> dict[str, dict[str, str]]:
    """Return the county's saved mappings: ledger kind name → source header (normalised) → standard header."""
    t = header_mappings
    saved: dict[str, dict[str, str]] = {}
    query = (select(t.c.ledger_kind, t.c.source_header, t.c.standard_header)
             .where(t.c.county_code == county_code).order_by(t.c.ledger_kind, t.c.source_header))
    for kind, source, standard in conn.execute(query):
        saved.setdefault(kind, {})[source] = standard
    return saved


def save_header_mappings(conn: Connection, county_code: str, mappings: Mapping[str, Mapping[str, str]],
                         actor: str) -> dict[str, dict[str, str]]:
    """Save confirmed mappings (ledger kind → source → standard header) for the county; return those new or changed.

    Written inside the caller's transaction, with one audit event (``header_mapping``) when
    anything changed. A mapping that names no field of its kind, or a whistleblower column, is a
    ValueError (in Chinese): nothing is saved then.
    """
    checked: dict[str, dict[str, str]] = {}
    for kind_name, pairs in mappings.items():
        kind = LEDGER_BY_NAME.get(kind_name)
        if kind is None:
            raise ValueError(f"未知的台账类型“{kind_name}”")
        for source, standard in pairs.items():
            key = header_key(source)
            header = _NAMES[kind.name].header_for(standard)
            if not key or header is None:
                raise ValueError(f"“{standard}”不是{kind.label}的标准表头")
            if is_whistleblower_header(key):
                raise ValueError(f"“{key}”是反映人信息列，入库时一律删除，不能对应为标准表头")
            checked.setdefault(kind.name, {})[key] = header
    stored = saved_header_mappings(conn, county_code)
    changed = {kind: {s: h for s, h in pairs.items() if stored.get(kind, {}).get(s) != h}
               for kind, pairs in checked.items()}
    changed = {kind: pairs for kind, pairs in changed.items() if pairs}
    if not changed:
        return {}
    t = header_mappings
    now = dt.datetime.now()
    for kind, pairs in changed.items():
        for source, header in pairs.items():
            conn.execute(t.delete().where(t.c.county_code == county_code, t.c.ledger_kind == kind,
                                          t.c.source_header == source))
            conn.execute(t.insert().values(county_code=county_code, ledger_kind=kind, source_header=source,
                                           standard_header=header, created_by=actor or "未知用户", created_at=now))
    write_event(conn, actor, "header_mapping", {
        "县": county_code,
        "对应关系": {LEDGER_BY_NAME[kind].label: pairs for kind, pairs in changed.items()},
    }, county_code)
    return changed

