"""The input contract: which ledgers exist, their columns, header synonyms and value kinds.

This is the one table of header synonyms (docs/DOMAIN.md, "The ledgers": the authority for the columns).
A ledger's kind is recognised from its header: the kind whose required headers are all present,
compared after the spelling rules of ``data_pipeline/headers.py``.

A messy township sheet, before and after reading:

    | 青石镇问题线索台账（2024年）   (merged title row)  |        structural: title
    | 填报单位：青石镇纪委                                |        structural: title
    | 序号 | 线索编号 | 受理时间 | 乡镇 | 反映人 | ...    |        header (受理时间 → 受理日期, 乡镇 → 所属乡镇; 反映人 dropped)
    | 1    | QS-001   | 2024.7.3 | 青石 | 张三   | ...    |        data row → clue_id='QS-001', received_date=2024-07-03, township_code=990101101
    |      |          |          |      |        |        |        structural: blank
    | 合计 |          |          |      |        |        |        structural: 合计
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from warehouse import schema
from warehouse import vocabulary as vocab

# Columns that identify a whistleblower. Dropped the moment a sheet is read: never stored,
# not among rejected rows, never printed or logged (docs/DOMAIN.md rule).
WHISTLEBLOWER_HEADERS = frozenset({
    "反映人", "联系电话", "反映人姓名", "举报人", "举报人姓名", "实名举报人", "反映人电话",
    "举报人电话", "联系方式", "手机号码", "手机号", "电话", "联系人电话", "反映人联系方式",
})

# Headers that are never data: a running number column is common in township sheets.
IGNORED_HEADERS = frozenset({"序号", "编号序号", "备注"})


@dataclass(frozen=True)
class Field:
    """One ledger column: its canonical header, its warehouse column and how to read it.

    kind: text, code, date, decimal, int, enum, bool, township, village, quarter, month,
    township_code, village_code (the last two: a division's own code in the divisions ledger).
    """

    header: str
    column: str
    kind: str
    required: bool = True
    synonyms: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class LedgerKind:
    name: str
    label: str
    table: Table
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]  # warehouse columns
    load_order: int = 10
    extra_tables: tuple[Table, ...] = field(default=())

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(f.header for f in self.fields if f.required)


# Synonyms are other words for a column. Other spellings of the same words — full-width, spaces and
# line breaks, brackets such as 乡镇(街道)/村（社区）/（年月日）, a unit, 是否X, …时间, …编码, …进度,
# 所在… — are the rules of data_pipeline/headers.py, applied alike to a file's header and to these
# names, so they are not listed here.
TOWNSHIP_SYNONYMS = ("乡镇", "镇街", "所属镇街", "乡镇名称")
VILLAGE_SYNONYMS = ("村(社区)", "所属村", "村社区", "村居", "村名称")

DIVISIONS = LedgerKind(
    name="divisions",
    label="区划名录",
    table=schema.villages,
    load_order=0,
    extra_tables=(schema.townships,),
    natural_key=("village_code",),
    fields=(
        Field("乡镇代码", "township_code", "township_code", synonyms=("乡镇区划代码",)),
        Field("乡镇名称", "township_name", "text", synonyms=("乡镇",)),
        Field("村代码", "village_code", "village_code", synonyms=("村区划代码",)),
        Field("村名称", "village_name", "text", synonyms=("村(社区)",)),
        # optional: the code's digits say the kind (a contradicting 村类型 is a warning, the code wins)
        Field("村类型", "village_kind", "enum", required=False, choices=vocab.VILLAGE_KINDS, synonyms=("类型",)),
        Field("经度", "longitude", "decimal", required=False, synonyms=("X", "lng", "lon")),
        Field("纬度", "latitude", "decimal", required=False, synonyms=("Y", "lat")),
        Field("户籍人口", "registered_population", "int", required=False, synonyms=("人口",)),
        # the county's own name (counties table); its code is the first 6 digits of 乡镇代码
        Field("县名称", "county_name", "text", required=False, synonyms=("区县名称", "县(市、区)")),
    ),
)

CLUES = LedgerKind(
    name="clues",
    label="问题线索台账",
    table=schema.clues,
    natural_key=("clue_id",),
    fields=(
        Field("线索编号", "clue_id", "text", synonyms=("线索号", "编号")),
        Field("受理日期", "received_date", "date", synonyms=("收到日期", "登记日期")),
        Field("线索来源", "clue_source", "enum", choices=vocab.CLUE_SOURCES, synonyms=("来源", "线索来源渠道")),
        Field("所属乡镇", "township_code", "township", synonyms=TOWNSHIP_SYNONYMS),
        Field("所属村(社区)", "village_code", "village", required=False, synonyms=VILLAGE_SYNONYMS),
        Field("问题领域", "problem_domain", "enum", choices=vocab.PROBLEM_DOMAINS, synonyms=("领域", "问题类型")),
        Field("问题摘要", "summary", "text", required=False, synonyms=("反映问题", "主要问题", "问题描述")),
        Field("被反映人", "reported_person_name", "text", required=False, synonyms=("被反映人姓名",)),
        Field("被反映人身份", "reported_person_role", "enum", required=False, choices=vocab.PERSON_ROLES,
              synonyms=("身份",)),
        Field("涉及金额(万元)", "amount_wan_yuan", "decimal", required=False,
              synonyms=("金额(万元)",)),
        Field("管理等级", "management_level", "enum", choices=vocab.MANAGEMENT_LEVELS,
              synonyms=("等级", "三色等级", "红黄蓝等级")),
        Field("挂牌督办", "is_supervised", "bool"),
        Field("处置方式", "disposal_method", "enum", required=False, choices=vocab.DISPOSAL_METHODS),
        Field("办理状态", "handling_status", "enum", choices=vocab.CLUE_STATUSES, synonyms=("状态",)),
        Field("办结日期", "closed_date", "date", required=False),
    ),
)

CASES = LedgerKind(
    name="cases",
    label="案件台账",
    table=schema.cases,
    natural_key=("case_id",),
    fields=(
        Field("案件编号", "case_id", "text", synonyms=("案号",)),
        Field("线索编号", "clue_id", "text", required=False),
        Field("立案日期", "filed_date", "date"),
        Field("结案日期", "closed_date", "date", required=False),
        Field("所属乡镇", "township_code", "township", synonyms=TOWNSHIP_SYNONYMS),
        Field("所属村(社区)", "village_code", "village", required=False, synonyms=VILLAGE_SYNONYMS),
        Field("问题领域", "problem_domain", "enum", choices=vocab.PROBLEM_DOMAINS, synonyms=("领域",)),
        Field("发现方式", "discovery_method", "enum", choices=vocab.DISCOVERY_METHODS, synonyms=("线索发现方式",)),
        Field("违纪类型", "violation_type", "enum", choices=vocab.VIOLATION_TYPES, synonyms=("违纪违法类型",)),
        Field("处理人数", "people_count", "int"),
        # 追缴资金 headed in 元 or 千元 is converted to 万元 when read (headers.MONEY_UNITS)
        Field("追缴资金(万元)", "recovered_funds_wan_yuan", "decimal", synonyms=("挽回损失(万元)",)),
        Field("是否典型案例", "is_typical", "bool"),
    ),
)

CASE_PEOPLE = LedgerKind(
    name="case_people",
    label="处理人员",
    table=schema.case_people,
    load_order=20,  # after cases, so the 处理人数 check sees them
    natural_key=("case_id", "person_name"),
    fields=(
        Field("案件编号", "case_id", "text", synonyms=("案号",)),
        Field("姓名", "person_name", "text", synonyms=("被处理人", "被处理人姓名")),
        Field("身份", "person_role", "enum", choices=vocab.PERSON_ROLES, synonyms=("人员身份",)),
        Field("处理形态", "discipline_form", "enum", choices=vocab.DISCIPLINE_FORMS, synonyms=("四种形态", "形态")),
        Field("处分种类", "sanction_type", "enum", choices=vocab.SANCTION_TYPES, synonyms=("处理结果", "处分")),
        Field("是否移送司法", "is_transferred_to_judiciary", "bool"),
    ),
)

RECTIFICATION = LedgerKind(
    name="rectification",
    label="整改台账",
    table=schema.rectification_items,
    natural_key=("item_id",),
    fields=(
        Field("整改编号", "item_id", "text", synonyms=("问题编号",)),
        Field("问题来源", "issue_source", "enum", choices=vocab.ISSUE_SOURCES),
        Field("反馈日期", "feedback_date", "date", synonyms=("交办日期",)),
        Field("责任乡镇", "township_code", "township", synonyms=TOWNSHIP_SYNONYMS + ("所属乡镇",)),
        Field("责任村(社区)", "village_code", "village", required=False, synonyms=VILLAGE_SYNONYMS),
        Field("问题类别", "problem_category", "enum", choices=vocab.PROBLEM_CATEGORIES, synonyms=("问题领域",)),
        Field("问题描述", "description", "text", required=False, synonyms=("问题内容",)),
        Field("整改措施", "measures", "text", required=False),
        Field("责任人", "responsible_person", "text", required=False, synonyms=("整改责任人",)),
        Field("整改时限", "deadline_date", "date", synonyms=("整改期限", "完成时限")),
        Field("整改状态", "rectification_status", "enum", choices=vocab.RECTIFICATION_STATUSES,
              synonyms=("状态",)),
        Field("完成日期", "completed_date", "date", required=False, synonyms=("整改完成日期",)),
        Field("销号日期", "closed_off_date", "date", required=False),
        Field("是否反复出现", "is_recurring", "bool"),
        Field("关联线索编号", "related_clue_id", "text", required=False),
        Field("关联案件编号", "related_case_id", "text", required=False),
    ),
)

SATISFACTION = LedgerKind(
    name="satisfaction",
    label="满意度测评",
    table=schema.satisfaction_surveys,
    natural_key=("survey_year", "survey_quarter", "township_code"),
    fields=(
        Field("测评期间", "survey_period", "quarter", synonyms=("测评季度", "期间", "季度")),
        Field("乡镇", "township_code", "township", synonyms=("所属乡镇",) + TOWNSHIP_SYNONYMS[1:]),
        Field("测评方式", "survey_method", "enum", choices=vocab.SURVEY_METHODS),
        Field("样本量", "sample_size", "int", synonyms=("样本数", "测评样本量")),
        Field("满意", "satisfied", "int", synonyms=("满意数",)),
        Field("基本满意", "basically_satisfied", "int", synonyms=("基本满意数",)),
        Field("不满意", "dissatisfied", "int", synonyms=("不满意数",)),
        Field("不了解", "unaware", "int", synonyms=("不了解数",)),
        Field("知晓监督平台", "aware_of_platform", "int", synonyms=("知晓监督平台数", "知晓平台")),
    ),
)

PLATFORM_USAGE = LedgerKind(
    name="platform_usage",
    label="平台使用",
    table=schema.platform_usage,
    natural_key=("usage_month_date", "township_code"),
    fields=(
        Field("月份", "usage_month_date", "month", synonyms=("统计月份",)),
        Field("乡镇", "township_code", "township", synonyms=("所属乡镇",) + TOWNSHIP_SYNONYMS[1:]),
        Field("访问量", "visits", "int", synonyms=("访问次数",)),
        Field("反映问题数", "problems_reported", "int", synonyms=("反映问题", "问题数")),
    ),
)

LEDGER_KINDS: tuple[LedgerKind, ...] = (DIVISIONS, CLUES, CASES, CASE_PEOPLE, RECTIFICATION, SATISFACTION,
                                        PLATFORM_USAGE)
LEDGER_BY_NAME = {k.name: k for k in LEDGER_KINDS}
