"""The curated warehouse: dimensions, facts and load metadata (SQLAlchemy Core).

Names follow STYLE.md: plural tables, ``<object>_code`` / ``<object>_id`` keys, ``<event>_date``
dates, ``is_`` booleans, money as Numeric with its unit (万元) in the name. Every fact row carries
the ``batch_id`` of the load that last wrote it. Whistleblower columns (反映人, 联系电话) do not
exist here on purpose: they are dropped when a ledger is read.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

WAN_YUAN = Numeric(14, 2)  # 万元 with two decimals: exact sums, no float drift

# --- dimensions -------------------------------------------------------------------------------

townships = Table(
    "townships",
    metadata,
    Column("township_code", String(9), primary_key=True, comment="9 位乡镇代码"),
    Column("township_name", String(64), nullable=False),
    Column("township_kind", String(8), nullable=False, comment="街道/镇/乡, from the code's digits"),
    Column("county_code", String(6), nullable=False),
    Column("batch_id", Integer),
)

villages = Table(
    "villages",
    metadata,
    Column("village_code", String(12), primary_key=True, comment="12 位村代码"),
    Column("village_name", String(64), nullable=False),
    Column("village_kind", String(8), nullable=False, comment="行政村/社区"),
    Column("township_code", String(9), ForeignKey("townships.township_code"), nullable=False),
    Column("longitude", Float),
    Column("latitude", Float),
    Column("registered_population", Integer),
    Column("batch_id", Integer),
    Index("ix_villages_township", "township_code"),
)

counties = Table(
    "counties",
    metadata,
    Column("county_code", String(6), primary_key=True),
    Column("county_name", String(64), nullable=False),
)

# --- facts ------------------------------------------------------------------------------------

clues = Table(
    "clues",
    metadata,
    Column("clue_id", String(64), primary_key=True, comment="线索编号"),
    Column("received_date", Date, nullable=False),
    Column("clue_source", String(32), nullable=False),
    Column("township_code", String(9), nullable=False),
    Column("village_code", String(12)),
    Column("problem_domain", String(32), nullable=False),
    Column("summary", Text),
    Column("reported_person_name", String(64), comment="sensitive: masked unless the role sees names"),
    Column("reported_person_role", String(16)),
    Column("amount_wan_yuan", WAN_YUAN),
    Column("management_level", String(2), nullable=False, comment="红/黄/蓝"),
    Column("is_supervised", Boolean, nullable=False, comment="挂牌督办"),
    Column("disposal_method", String(16)),
    Column("handling_status", String(8), nullable=False, comment="在办/办结"),
    Column("closed_date", Date),
    Column("batch_id", Integer),
    Index("ix_clues_received", "received_date"),
    Index("ix_clues_township_received", "township_code", "received_date"),
    Index("ix_clues_village", "village_code"),
    # the open 红 and 挂牌督办 clues (总览): four index ranges, not a scan of every clue (metrics.clues), each
    # holding what the list is ordered by, so a prefecture's first clues are chosen from the indexes (migration 0016)
    Index("ix_clues_level_open", "management_level", "handling_status", "closed_date", "is_supervised",
          "received_date", "clue_id"),
    Index("ix_clues_supervised_open", "is_supervised", "handling_status", "closed_date", "management_level",
          "received_date", "clue_id"),
    # the same of one county or township: a range of its own red clues, not every county's (migration 0014)
    Index("ix_clues_level_township", "management_level", "township_code", "handling_status", "closed_date"),
    Index("ix_clues_supervised_township", "is_supervised", "township_code", "handling_status", "closed_date"),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True, comment="案件编号"),
    Column("clue_id", String(64)),
    Column("filed_date", Date, nullable=False, comment="立案日期"),
    Column("closed_date", Date, comment="结案日期"),
    Column("township_code", String(9), nullable=False),
    Column("village_code", String(12)),
    Column("problem_domain", String(32), nullable=False),
    Column("discovery_method", String(16), nullable=False),
    Column("violation_type", String(16), nullable=False),
    Column("people_count", Integer, nullable=False, comment="处理人数 as declared on the ledger"),
    Column("recovered_funds_wan_yuan", WAN_YUAN, nullable=False),
    Column("is_typical", Boolean, nullable=False),
    Column("batch_id", Integer),
    Index("ix_cases_filed", "filed_date"),
    Index("ix_cases_township_filed", "township_code", "filed_date"),
    Index("ix_cases_village", "village_code"),
)

case_people = Table(
    "case_people",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("person_name", String(64), primary_key=True, comment="sensitive"),
    Column("person_role", String(16), nullable=False),
    Column("discipline_form", String(16), nullable=False, comment="第一种形态…第四种形态"),
    Column("sanction_type", String(32), nullable=False),
    Column("is_transferred_to_judiciary", Boolean, nullable=False),
    Column("batch_id", Integer),
)

rectification_items = Table(
    "rectification_items",
    metadata,
    Column("item_id", String(64), primary_key=True, comment="整改编号"),
    Column("issue_source", String(16), nullable=False),
    Column("feedback_date", Date, nullable=False),
    Column("township_code", String(9), nullable=False),
    Column("village_code", String(12)),
    Column("problem_category", String(32), nullable=False),
    Column("description", Text),
    Column("measures", Text),
    Column("responsible_person", String(64), comment="sensitive"),
    Column("deadline_date", Date, nullable=False, comment="整改时限"),
    Column("rectification_status", String(8), nullable=False, comment="未启动/整改中/已完成/已销号"),
    Column("completed_date", Date),
    Column("closed_off_date", Date, comment="销号日期"),
    Column("is_recurring", Boolean, nullable=False),
    Column("related_clue_id", String(64)),
    Column("related_case_id", String(64)),
    Column("batch_id", Integer),
    Index("ix_rect_township_feedback", "township_code", "feedback_date"),
    Index("ix_rect_source", "issue_source", "feedback_date", "rectification_status", "completed_date"),  # by 问题来源
    # the open items as of a day, as ranges (metrics.measures.open_as_of): a prefecture's overdue list; no index
    # starts with the deadline, which PostgreSQL walked in order for the list's LIMIT (migration 0016)
    Index("ix_rect_status_completed", "rectification_status", "completed_date", "deadline_date", "feedback_date",
          "item_id"),
    Index("ix_rect_feedback", "feedback_date"),  # the data's first and last day (metrics.freshness)
    Index("ix_rect_completed", "completed_date"),
)

satisfaction_surveys = Table(
    "satisfaction_surveys",
    metadata,
    Column("survey_year", Integer, primary_key=True),
    Column("survey_quarter", Integer, primary_key=True),
    Column("township_code", String(9), primary_key=True),
    Column("survey_method", String(8), nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("satisfied", Integer, nullable=False),
    Column("basically_satisfied", Integer, nullable=False),
    Column("dissatisfied", Integer, nullable=False),
    Column("unaware", Integer, nullable=False, comment="不了解"),
    Column("aware_of_platform", Integer, nullable=False, comment="知晓监督平台"),
    Column("batch_id", Integer),
)

platform_usage = Table(
    "platform_usage",
    metadata,
    Column("usage_month_date", Date, primary_key=True, comment="first day of the month"),
    Column("township_code", String(9), primary_key=True),
    Column("visits", Integer, nullable=False),
    Column("problems_reported", Integer, nullable=False),
    Column("batch_id", Integer),
)

boundaries = Table(
    "boundaries",
    metadata,
    Column("division_code", String(12), primary_key=True, comment="乡镇 9 位或村 12 位代码"),
    Column("division_level", String(8), nullable=False, comment="township/village"),
    Column("division_name", String(64), nullable=False),
    Column("geometry_geojson", Text, nullable=False, comment="EPSG:4326 GeoJSON geometry"),
    Column("source_file", String(255), nullable=False),
    Column("loaded_at", DateTime, nullable=False),
)

# --- metadata ---------------------------------------------------------------------------------

load_batches = Table(
    "load_batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("ledger_kind", String(32), nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("rows_structural", Integer, nullable=False),
    Column("rows_duplicate", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("loaded_by", String(64)),
    Column("county_code", String(6), comment="the county the load was for (--county, the desk's user); none: one county's"),
    Index("ix_load_batches_sha", "file_sha256"),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("rejected_row_id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("load_batches.batch_id"), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sheet_name", String(64)),
    Column("source_row_number", Integer, nullable=False, comment="1-based row in the source sheet"),
    Column("column_name", String(64)),
    Column("reason", Text, nullable=False, comment="原因（中文）"),
    Column("row_values_json", Text, nullable=False, comment="the row without whistleblower columns"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("event_time", DateTime, nullable=False),
    Column("user_name", String(64), nullable=False),
    Column("action", String(32), nullable=False, comment="login/export/load/bulletin"),
    Column("detail", Text),
    Column("county_code", String(6), comment="the county the row belongs to (warehouse.audit); none: every county's"),
    Index("ix_audit_events_county", "county_code", "event_id"),
)

# --- who may sign in (access/) ------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(8), nullable=False, comment="县领导/纪委/乡镇/管理员"),
    Column("township_code", String(9), comment="乡镇 users only: their township"),
    Column("county_code", String(6), comment="their county (乡镇: their township's); 市级 users: none, every county"),
    Column("password_hash", String(255), nullable=False, comment="Argon2id"),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Column("changed_by", String(64), nullable=False),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True, comment="the cookie's token is never stored, its hash is"),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("ended_at", DateTime, comment="sign-out, disabled account, or expiry"),
    Column("client", String(64)),
    Index("ix_user_sessions_username", "username"),
)

sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("attempted_at", DateTime, nullable=False),
    Column("username", String(64), nullable=False, comment="as typed (lower-cased), known or not"),
    Column("client", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_sign_in_attempts_username", "username", "attempted_at"),
    Index("ix_sign_in_attempts_client", "client", "attempted_at"),
)

bulletin_archive = Table(
    "bulletin_archive",
    metadata,
    Column("bulletin_id", Integer, primary_key=True, autoincrement=True),
    Column("generated_at", DateTime, nullable=False),
    Column("generated_by", String(64), nullable=False),
    Column("quarter_label", String(8), nullable=False, comment="2024Q3"),
    Column("township_code", String(9)),
    Column("county_code", String(6), comment="the county the bulletin reports on; none: every county's"),
    Column("file_name", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("file_bytes", LargeBinary, nullable=False),
)

FACT_TABLES = (clues, cases, case_people, rectification_items, satisfaction_surveys, platform_usage)

# --- the data desk: undo and zero reports ------------------------------------------------------

# The tables a ledger load writes by key (parents first: a village names its township).
LOADED_TABLES = (townships, villages, *FACT_TABLES)


def _replaced_copy(table: Table) -> Table:
    """Return the table that keeps the rows a load replaced, as they were, to undo that load."""
    return Table(
        f"replaced_{table.name}",
        metadata,
        Column("replaced_by_batch_id", Integer, nullable=False, comment="the load that replaced the row"),
        *[Column(column.name, column.type) for column in table.columns],
        Index(f"ix_replaced_{table.name}_batch", "replaced_by_batch_id"),
        comment=f"rows of {table.name} as they were before a load replaced them (撤销本批次 restores them)",
    )


# data table name → its replaced-rows table
REPLACED_ROWS = {table.name: _replaced_copy(table) for table in LOADED_TABLES}

batch_undos = Table(
    "batch_undos",
    metadata,
    Column("batch_id", Integer, ForeignKey("load_batches.batch_id"), primary_key=True),
    Column("undone_at", DateTime, nullable=False),
    Column("undone_by", String(64), nullable=False),
    comment="a load undone (撤销本批次): its rows are gone, the rows it replaced are back",
)

zero_reports = Table(
    "zero_reports",
    metadata,
    Column("township_code", String(9), primary_key=True),
    Column("ledger_kind", String(32), primary_key=True),
    Column("period_code", String(7), primary_key=True, comment="2024-07 for a month, 2024Q3 for the survey"),
    Column("declared_at", DateTime, nullable=False),
    Column("declared_by", String(64), nullable=False),
    comment="零报告: the township declares 本月无新增 for that ledger and period",
)

header_mappings = Table(
    "header_mappings",
    metadata,
    Column("county_code", String(6), primary_key=True),
    Column("ledger_kind", String(32), primary_key=True, comment="LedgerKind.name"),
    Column("source_header", String(128), primary_key=True, comment="the file's header, normalised (header_key)"),
    Column("standard_header", String(64), nullable=False, comment="the contract's header (Field.header)"),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    comment="a header the county's clerk confirmed (--map, the desk's form): next month's file loads without asking",
)

# --- summaries: what the pages read, kept beside the facts by every load (metrics/summaries.py) ---

# The as-of measures of the rectification items (metrics.measures, the as_of rule), one column each.
RECTIFICATION_AS_OF_MEASURES = ("rectification_items", "completed_items", "due_items", "on_time_items",
                                "overdue_items", "recurring_items", "not_started_items", "closed_off_items")

summary_periods = Table(
    "summary_periods",
    metadata,
    Column("measure", String(40), nullable=False, comment="metrics.measures.MEASURES name (a dated source's)"),
    Column("period_code", String(7), nullable=False, comment="Period.code of a month, a quarter or a year: 2024-07, 2024Q3, 2024"),
    Column("township_code", String(9), nullable=False),
    Column("value", Numeric(16, 2), nullable=False),
    # on PostgreSQL the key's index holds the value too, so a read of measures × periods is an index-only scan,
    # not a heap fetch per township (a prefecture's three months of three measures: 11.5 → 3.4 ms, migration 0017)
    PrimaryKeyConstraint("measure", "period_code", "township_code", name="summary_periods_pkey",
                         postgresql_include=["value"]),
    comment="each dated measure per township and month, quarter and year; rebuilt in the load's transaction "
            "for the counties it touched",
)

summary_rectification = Table(
    "summary_rectification",
    metadata,
    Column("township_code", String(9), primary_key=True),
    Column("day", Date, primary_key=True, comment="a day on which one of the township's figures changes"),
    *[Column(name, Integer, nullable=False) for name in RECTIFICATION_AS_OF_MEASURES],
    comment="the rectification as-of figures of a township from this day until its next row; rebuilt with the loads",
)

summary_rectification_sources = Table(
    "summary_rectification_sources",
    metadata,
    Column("township_code", String(9), primary_key=True),
    Column("issue_source", String(16), primary_key=True, comment="问题来源 (vocabulary.ISSUE_SOURCES)"),
    Column("day", Date, primary_key=True, comment="a day on which one of the figures of the township's items of this source changes"),
    *[Column(name, Integer, nullable=False) for name in RECTIFICATION_AS_OF_MEASURES],
    comment="summary_rectification per 问题来源 as well (整改推进's 按问题来源: a seek per township and source, not a "
            "scan of every item); rebuilt with the loads",
    sqlite_with_rowid=False,  # the row is found by its key's seek, not the key's then the rowid's
)

summary_rectification_counties = Table(
    "summary_rectification_counties",
    metadata,
    Column("county_code", String(6), primary_key=True, comment="the first 6 digits of its townships' codes"),
    Column("day", Date, primary_key=True, comment="a day on which one of the county's figures changes"),
    *[Column(name, Integer, nullable=False) for name in RECTIFICATION_AS_OF_MEASURES],
    comment="summary_rectification added up per county: a county's or the prefecture's tiles seek a row per county, "
            "not per township; rebuilt with the loads",
    sqlite_with_rowid=False,
)

summary_rectification_county_sources = Table(
    "summary_rectification_county_sources",
    metadata,
    Column("county_code", String(6), primary_key=True, comment="the first 6 digits of its townships' codes"),
    Column("issue_source", String(16), primary_key=True, comment="问题来源 (vocabulary.ISSUE_SOURCES)"),
    Column("day", Date, primary_key=True, comment="a day on which one of the figures of the county's items of this source changes"),
    *[Column(name, Integer, nullable=False) for name in RECTIFICATION_AS_OF_MEASURES],
    comment="summary_rectification_sources added up per county (按问题来源 of a county or the prefecture); rebuilt "
            "with the loads",
    sqlite_with_rowid=False,
)

summary_arrivals = Table(
    "summary_arrivals",
    metadata,
    Column("period_code", String(7), primary_key=True, comment="2024-07 for a month, 2024Q3 for the survey"),
    Column("township_code", String(9), primary_key=True),
    Column("ledger_kind", String(32), primary_key=True),
    Column("first_loaded_at", DateTime, nullable=False,
           comment="when the first load still in the warehouse brought rows of that township, ledger and period"),
    comment="报送情况's arrivals: the first load of each township's ledger rows per month (the survey: per quarter), "
            "rows a later load replaced included; rebuilt with the loads",
    sqlite_with_rowid=False,  # a period's rows are one range of the key, not 18,000 lookups of a rowid
)

# the measures of the ranking's components (metrics.ranking: RANKING_METRICS and overdue_count), checked there
RANKING_MEASURES = ("completed_items", "rectification_items", "on_time_items", "due_items", "satisfied_total",
                    "valid_samples", "proactive_count", "case_count", "overdue_items")

summary_ranking = Table(
    "summary_ranking",
    metadata,
    Column("period_code", String(6), primary_key=True, comment="a quarter complete by the data's last day: 2024Q3"),
    Column("township_code", String(9), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in RANKING_MEASURES],
    comment="the quarterly ranking's components of every township in every complete quarter (as of its last day), "
            "so 建议约谈 and 季度排名 read a row per township, not their three sources; rebuilt with the loads",
    sqlite_with_rowid=False,
)

SUMMARY_TABLES = (summary_periods, summary_rectification, summary_rectification_sources, summary_rectification_counties,
                  summary_rectification_county_sources, summary_arrivals, summary_ranking)
