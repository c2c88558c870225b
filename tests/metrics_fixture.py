"""A small hand-built warehouse whose every metric is worked out by hand below.

Three townships, five villages, 2023-2024. The main period is 2024Q3 (its 环比 base 2024Q2,
its 同比 base 2023Q3); the rectification as-of date is 2024-09-30; the data's last day is
2024-11-15 (so 2024Q4 is "still running"). Rows are inserted directly with SQLAlchemy.

Townships                      Villages
  A 990101001 城关街道 (街道)     990101001001 东门社区 (社区), 990101001201 北关村 (行政村)
  B 990101101 青石镇   (镇)       990101101201 石桥村, 990101101202 河口村
  C 990101201 柳溪乡   (乡)       990101201201 柳林村

CLUES (id, received, township, village, level, 挂牌, status)
  2024Q3: C01 07-03 A 东门 红 是 办结 | C02 07-15 A 北关 黄 在办 | C17 07-20 A 东门 蓝 在办
          C03 08-02 A —    蓝 办结    | C04 08-20 B 石桥 红 在办
          C05 09-05 B 河口 黄 是 在办 | C06 09-28 C 柳林 蓝 办结 | C07 09-30 C 柳林 红 在办 | C18 09-12 A 东门 蓝 办结
    → 线索数 9 (Jul 3 + Aug 2 + Sep 4); 办结 C01 C03 C06 C18 = 4 → 办结率 4/9; 红 3 (C01 C04 C07); 挂牌 2 (C01 C05)
    → by township A 5, B 2, C 2; by source 信访举报 4 (C01 C04 C06 C17), 12388 2 (C02 C18), 小微 1, 上级交办 1, 巡察移交 1
    → village 东门 has 3 clues (C01 C17 C18), 北关 1
  2024Q2: C08 04-10 A, C09 06-30 B, C10 05-05 C (all 办结) → 3, 办结率 1.0
  2023Q3: C11 08-08 A 办结, C12 09-09 B 办结, C13 07-07 B 在办, C14 07-21 C 办结 → 4, 办结率 0.75
  2024Q4: C15 11-14 B 红 挂牌 在办, C16 11-15 C 黄 在办 → the data's last day is 2024-11-15
    同比 线索数 9 vs 4 = +125%; 环比 9 vs 3 = +200%; 办结率 同比 (4/9 − 0.75)×100 = −30.56 points
    priority (红 or 挂牌, 在办) in 2024Q3: C05 (挂牌 first), C04, C07; with closed ones: C01, C05, C04, C07
  处置方式 (DISPOSALS; the rest undecided): 立案审查 C01 C04 (2024Q3), C09 (2024Q2); 初步核实 C05; 谈话函询 C02
    → 初核转立案率 2024Q3 2/9, 2024Q2 1/3, 2023Q3 0/4 = 0; B in 2024Q3 1/2 (C04 of C04 C05)
    → 同比 (2/9 − 0)×100 = +22.22 points; 环比 (2/9 − 1/3)×100 = −11.11 points

CASES (id, filed, township, village, discovery, funds 万元, typical) and their case_people rows
  2024Q3: K01 07-10 A 东门 主动发现 12.50 典型 — 2 people (第一种形态 批评教育, 第二种形态 党纪警告)
          K02 08-15 A 北关 群众举报 30.25      — 1 person (第三种形态 撤销党内职务)
          K03 09-01 B 石桥 大数据比对 5.00 典型 — 3 people (第一种形态 诫勉, 第一种形态 批评教育, 第四种形态 开除党籍)
          K04 09-20 C —    上级转办 0.00       — 1 person (第二种形态 政务记过); the ledger declares 2: rows count
    → 立案数 4 (Jul 1, Aug 1, Sep 2); 处理人数 7 (Jul 2, Aug 1, Sep 4); 追缴 47.75 (12.50 + 30.25 + 5.00)
    → 主动发现率 2/4 = 0.5 (A 1/2, B 1/1, C 0/1); 典型 2; 四种形态 3/2/1/1
  2024Q2: K05 05-10 B 河口 主动发现 10.00 — 1 person → 1 case, 主动发现率 1.0
  2023Q3: K06 08-01 A 群众举报 8.00 (2 people), K07 09-15 C 主动发现 2.00 (1 person) → 2 cases, 3 people, 10.00, 0.5
  2024Q4: K08 11-12 A 东门 主动发现 1.00 (1 person)
    同比 立案数 +100%, 环比 +300%; 追缴 同比 (47.75 − 10)/10 = +377.5%; 主动发现率 同比 0 points, 环比 −50 points

RECTIFICATION (id, source, fed back, township, deadline, status, completed, recurring)
  A R01 县委巡察 03-01 东门 dl 06-30 已销号 comp 06-20 (销号 07-05)
  A R02 审计反馈 04-01 北关 dl 08-31 已完成 comp 09-10 (late)
  A R03 县委巡察 05-01 东门 dl 10-05 整改中
  A R04 监督检查 06-01 —    dl 09-15 已完成 comp 10-20 (after the as-of date) 反复
  B R05 审计反馈 02-01 石桥 dl 07-31 已完成 comp 07-30
  B R06 县委巡察 03-15 河口 dl 09-10 未启动 反复
  B R07 群众反映 07-01 石桥 dl 12-31 整改中
  B R08 县委巡察 10-08 石桥 dl 11-30 未启动 (fed back after 2024-09-30)
  C R09 以案促改 01-10 柳林 dl 05-31 已完成 comp 05-20
  C R10 县委巡察 04-20 柳林 dl 09-30 已完成 comp 09-30 (on the deadline, on the as-of day)
  C R11 上级督办 08-01 —    dl 10-10 整改中 反复
  As of 2024-09-30: items 10 (R08 not yet fed back); done R01 R02 R05 R09 R10 = 5 → 整改完成率 0.5
    due (deadline ≤ as-of) R01 R02 R04 R05 R06 R09 R10 = 7; on time R01 R05 R09 R10 = 4 → 按期完成率 4/7
    overdue R06 (20 days) R04 (15 days) = 2; due soon R03 (5 days left) R11 (10 days left: still 黄); R07 绿
    反复 R04 R06 R11 = 3 → 0.3
    status: 未启动 1 (R06), 整改中 4 (R03 R04 R07 R11), 已完成 4 (R02 R05 R09 R10), 已销号 1 (R01)
    by township: A 4 items, 2 done (0.5), 3 due, 1 on time (1/3), 1 overdue
                 B 3 items, 1 done (1/3), 2 due, 1 on time (0.5), 1 overdue
                 C 3 items, 2 done (2/3), 2 due, 2 on time (1.0), 0 overdue
  As of 2024-10-31: 11 items, 6 done (R04 now done) → 6/11; 9 due, still 4 on time → 4/9
  As of 2024-07-01: R01 reads 已完成 (销号 07-05), R02 R05 R10 read 整改中
  2024Q4 runs to the data's last day 2024-11-15: overdue R03 R06 R11 = 3 (as of 12-31 it would be 4: R08 too)

SATISFACTION (sample, 满意, 基本满意, 不满意, 不了解, 知晓平台)
  2024Q3: A 200 150 30 10 10 100 → 180/190 = 0.9474
          B 100  40 20 20 20  30 →  60/80  = 0.75
          C  50  20 10 10 10  10 →  30/40  = 0.75
    county, weighted: 270/310 = 0.870968 (a plain mean of the rates would be 0.815789); 知晓率 140/350 = 0.4
  2024Q2: A 100 40 14 36 10 30 → 54/90 = 0.6; B 100 70 25 5 0 40 → 95/100 = 0.95; C 60 10 10 30 10 6 → 20/50 = 0.4
    county 169/240 = 0.704167
  2023Q3: A 100 70 10 10 10 40 → 80/90 (only A surveyed)
  year 2024 = Q2 + Q3: 439/550 = 0.798182; 满意率 同比 (270/310 − 80/90)×100 = −1.79 points

PLATFORM (month, township, problems): 2024-07 A 5, 2024-07 C 2, 2024-08 A 3, 2024-09 B 4, 2024-06 A 6
  → 2024Q3 平台反映问题数 14 (Jul 7 + Aug 3 + Sep 4)

RANKING (weights 30/20/30/20 on 整改完成率/按期完成率/满意率/主动发现率; missing = 0)
  2024Q3: A 30×0.5 + 20×1/3 + 30×0.9474 + 20×0.5 = 60.0877
          B 30×1/3 + 20×0.5 + 30×0.75 + 20×1.0 = 62.5   (1 overdue)
          C 30×2/3 + 20×1.0 + 30×0.75 + 20×0.0 = 62.5   (0 overdue) → C 1st, B 2nd (tie broken), A 3rd (last)
  2024Q2 (as of 06-30): A 30×0.25 + 20×1.0 + 30×0.6 + 0 = 45.5     (no case: 主动发现率 missing)
                        B 0 + 0 (nothing due) + 30×0.95 + 20×1.0 = 48.5
                        C 30×0.5 + 20×1.0 + 30×0.4 + 0 = 47       → B 1st, C 2nd, A 3rd (last)
    → 2024Q3 previous ranks C 2 (+1), B 1 (−1), A 3 (0); A last twice → 建议约谈
  2024Q1: every score 0 and no overdue: the code order leaves C last, so A's run is 2024Q2-2024Q3
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, insert

from metrics.summaries import rebuild_summaries
from warehouse import schema

COUNTY = ("990101", "测试县")
A, B, C = "990101001", "990101101", "990101201"
TOWNSHIPS = [(A, "城关街道", "街道"), (B, "青石镇", "镇"), (C, "柳溪乡", "乡")]
DONGMEN, BEIGUAN = "990101001001", "990101001201"
SHIQIAO, HEKOU = "990101101201", "990101101202"
LIULIN = "990101201201"
VILLAGES = [
    (DONGMEN, "东门社区", "社区", A), (BEIGUAN, "北关村", "行政村", A),
    (SHIQIAO, "石桥村", "行政村", B), (HEKOU, "河口村", "行政村", B),
    (LIULIN, "柳林村", "行政村", C),
]

D = date.fromisoformat

# 处置方式 of the clues that have one (the others are undecided: empty)
DISPOSALS = {"C01": "立案审查", "C04": "立案审查", "C09": "立案审查", "C05": "初步核实", "C02": "谈话函询"}

# clue_id, received, township, village, source, domain, level, supervised, status, closed, reported person
CLUES = [
    ("C01", "2024-07-03", A, DONGMEN, "信访举报", "惠民惠农补贴", "红", True, "办结", "2024-08-01", "张三丰"),
    ("C02", "2024-07-15", A, BEIGUAN, "12388举报平台", '农村集体"三资"', "黄", False, "在办", None, "李四"),
    ("C17", "2024-07-20", A, DONGMEN, "信访举报", "惠民惠农补贴", "蓝", False, "在办", None, "郑十一"),
    ("C03", "2024-08-02", A, None, "小微权力监督平台", "惠民惠农补贴", "蓝", False, "办结", "2024-08-20", "王五"),
    ("C04", "2024-08-20", B, SHIQIAO, "信访举报", "低保特困救助", "红", False, "在办", None, "欧阳明"),
    ("C05", "2024-09-05", B, HEKOU, "上级交办", "惠民惠农补贴", "黄", True, "在办", None, "钱七"),
    ("C06", "2024-09-28", C, LIULIN, "信访举报", "作风问题", "蓝", False, "办结", "2024-10-10", "孙八"),
    ("C07", "2024-09-30", C, LIULIN, "巡察移交", '农村集体"三资"', "红", False, "在办", None, "周九"),
    ("C18", "2024-09-12", A, DONGMEN, "12388举报平台", "教育医疗", "蓝", False, "办结", "2024-09-25", "冯十二"),
    ("C08", "2024-04-10", A, DONGMEN, "信访举报", "惠民惠农补贴", "蓝", False, "办结", "2024-05-01", "陈一"),
    ("C09", "2024-06-30", B, SHIQIAO, "信访举报", "养老社保", "黄", False, "办结", "2024-07-20", "褚二"),
    ("C10", "2024-05-05", C, LIULIN, "上级交办", "生态环保", "红", True, "办结", "2024-06-01", "卫三"),
    ("C11", "2023-08-08", A, DONGMEN, "信访举报", "惠民惠农补贴", "蓝", False, "办结", "2023-09-01", "蒋四"),
    ("C12", "2023-09-09", B, HEKOU, "信访举报", "惠民惠农补贴", "蓝", False, "办结", "2023-10-01", "沈五"),
    ("C13", "2023-07-07", B, SHIQIAO, "信访举报", "养老社保", "黄", False, "在办", None, "韩六"),
    ("C14", "2023-07-21", C, LIULIN, "信访举报", "作风问题", "红", False, "办结", "2023-08-30", "杨七"),
    ("C15", "2024-11-14", B, SHIQIAO, "上级交办", "惠民惠农补贴", "红", True, "在办", None, "朱八"),
    ("C16", "2024-11-15", C, LIULIN, "信访举报", "作风问题", "黄", False, "在办", None, "秦九"),
]

# case_id, clue, filed, township, village, domain, discovery, violation, declared people, funds, typical
CASES = [
    ("K01", "C01", "2024-07-10", A, DONGMEN, "惠民惠农补贴", "主动发现", "违反群众纪律", 2, "12.50", True),
    ("K02", None, "2024-08-15", A, BEIGUAN, '农村集体"三资"', "群众举报", "违反廉洁纪律", 1, "30.25", False),
    ("K03", "C04", "2024-09-01", B, SHIQIAO, "低保特困救助", "大数据比对", "违反群众纪律", 3, "5.00", True),
    ("K04", None, "2024-09-20", C, None, "作风问题", "上级转办", "违反工作纪律", 2, "0.00", False),
    ("K05", None, "2024-05-10", B, HEKOU, "惠民惠农补贴", "主动发现", "违反廉洁纪律", 1, "10.00", False),
    ("K06", None, "2023-08-01", A, DONGMEN, "惠民惠农补贴", "群众举报", "违反群众纪律", 2, "8.00", False),
    ("K07", None, "2023-09-15", C, LIULIN, "作风问题", "主动发现", "违反工作纪律", 1, "2.00", False),
    ("K08", None, "2024-11-12", A, DONGMEN, "惠民惠农补贴", "主动发现", "违反群众纪律", 1, "1.00", False),
]

# case_id, person, role, form, sanction, to judiciary
CASE_PEOPLE = [
    ("K01", "刘甲", "村干部", "第一种形态", "批评教育", False),
    ("K01", "刘乙", "村干部", "第二种形态", "党纪警告", False),
    ("K02", "马丙", "村干部", "第三种形态", "撤销党内职务", False),
    ("K03", "黄丁", "站所人员", "第一种形态", "诫勉", False),
    ("K03", "黄戊", "站所人员", "第一种形态", "批评教育", False),
    ("K03", "黄己", "乡镇干部", "第四种形态", "开除党籍", True),
    ("K04", "林庚", "乡镇干部", "第二种形态", "政务记过", False),
    ("K05", "何辛", "村干部", "第二种形态", "党纪严重警告", False),
    ("K06", "吕壬", "村干部", "第一种形态", "批评教育", False),
    ("K06", "吕癸", "村干部", "第一种形态", "诫勉", False),
    ("K07", "施子", "乡镇干部", "第二种形态", "党纪警告", False),
    ("K08", "张丑", "村干部", "第一种形态", "批评教育", False),
]

# item_id, source, fed back, township, village, category, deadline, status, completed, closed off, recurring, person
RECTIFICATION = [
    ("R01", "县委巡察", "2024-03-01", A, DONGMEN, "惠民惠农补贴", "2024-06-30", "已销号", "2024-06-20", "2024-07-05", False, "陈责任"),
    ("R02", "审计反馈", "2024-04-01", A, BEIGUAN, "财务管理", "2024-08-31", "已完成", "2024-09-10", None, False, "李责任"),
    ("R03", "县委巡察", "2024-05-01", A, DONGMEN, "党的建设", "2024-10-05", "整改中", None, None, False, "王责任"),
    ("R04", "监督检查", "2024-06-01", A, None, '农村集体"三资"', "2024-09-15", "已完成", "2024-10-20", None, True, "赵责任"),
    ("R05", "审计反馈", "2024-02-01", B, SHIQIAO, '农村集体"三资"', "2024-07-31", "已完成", "2024-07-30", None, False, "钱责任"),
    ("R06", "县委巡察", "2024-03-15", B, HEKOU, "惠民惠农补贴", "2024-09-10", "未启动", None, None, True, "孙责任"),
    ("R07", "群众反映", "2024-07-01", B, SHIQIAO, "作风问题", "2024-12-31", "整改中", None, None, False, "周责任"),
    ("R08", "县委巡察", "2024-10-08", B, SHIQIAO, "组织生活", "2024-11-30", "未启动", None, None, False, "吴责任"),
    ("R09", "以案促改", "2024-01-10", C, LIULIN, "低保特困救助", "2024-05-31", "已完成", "2024-05-20", None, False, "郑责任"),
    ("R10", "县委巡察", "2024-04-20", C, LIULIN, "惠民惠农补贴", "2024-09-30", "已完成", "2024-09-30", None, False, "冯责任"),
    ("R11", "上级督办", "2024-08-01", C, None, "组织生活", "2024-10-10", "整改中", None, None, True, "陈二责任"),
]

# year, quarter, township, sample, satisfied, basically, dissatisfied, unaware, aware of platform
SURVEYS = [
    (2024, 3, A, 200, 150, 30, 10, 10, 100),
    (2024, 3, B, 100, 40, 20, 20, 20, 30),
    (2024, 3, C, 50, 20, 10, 10, 10, 10),
    (2024, 2, A, 100, 40, 14, 36, 10, 30),
    (2024, 2, B, 100, 70, 25, 5, 0, 40),
    (2024, 2, C, 60, 10, 10, 30, 10, 6),
    (2023, 3, A, 100, 70, 10, 10, 10, 40),
]

# month, township, visits, problems reported
PLATFORM = [
    ("2024-07-01", A, 50, 5), ("2024-07-01", C, 20, 2), ("2024-08-01", A, 40, 3), ("2024-09-01", B, 30, 4),
    ("2024-06-01", A, 60, 6),
]

FIRST_BATCH_LOADED_AT = datetime(2024, 11, 16, 9, 0, 0)


def add_batch(engine: Engine, file_name: str, loaded_at: datetime) -> int:
    """Record a load batch (what the pipeline does on every load); return its id."""
    with engine.begin() as conn:
        result = conn.execute(insert(schema.load_batches).values(
            file_name=file_name, file_sha256="0" * 64, ledger_kind="clues", loaded_at=loaded_at, rows_read=1,
            rows_loaded=1, rows_rejected=0, rows_structural=0, rows_duplicate=0, rows_unchanged=0,
            loaded_by="测试"))
        return int(result.inserted_primary_key[0])


def build_metrics_warehouse(engine: Engine) -> Engine:
    """Insert the hand-built county above into an empty warehouse; return the engine."""
    opt = lambda v: D(v) if v else None  # noqa: E731
    assert add_batch(engine, "测试台账.xlsx", FIRST_BATCH_LOADED_AT) == 1  # the batch every row below is of
    with engine.begin() as conn:
        conn.execute(insert(schema.counties).values(county_code=COUNTY[0], county_name=COUNTY[1]))
        conn.execute(insert(schema.townships), [
            {"township_code": code, "township_name": name, "township_kind": kind, "county_code": COUNTY[0],
             "batch_id": 1} for code, name, kind in TOWNSHIPS])
        conn.execute(insert(schema.villages), [
            {"village_code": code, "village_name": name, "village_kind": kind, "township_code": town,
             "longitude": 110.0, "latitude": 30.0, "batch_id": 1} for code, name, kind, town in VILLAGES])
        conn.execute(insert(schema.clues), [
            {"clue_id": cid, "received_date": D(rec), "township_code": town, "village_code": vil,
             "clue_source": src, "problem_domain": dom, "management_level": lvl, "is_supervised": sup,
             "handling_status": status, "closed_date": opt(closed), "reported_person_name": person,
             "reported_person_role": "村干部", "summary": f"{cid} 反映的问题摘要",
             "disposal_method": DISPOSALS.get(cid), "batch_id": 1}
            for cid, rec, town, vil, src, dom, lvl, sup, status, closed, person in CLUES])
        conn.execute(insert(schema.cases), [
            {"case_id": kid, "clue_id": clue, "filed_date": D(filed), "township_code": town, "village_code": vil,
             "problem_domain": dom, "discovery_method": disc, "violation_type": vio, "people_count": people,
             "recovered_funds_wan_yuan": Decimal(funds), "is_typical": typical, "batch_id": 1}
            for kid, clue, filed, town, vil, dom, disc, vio, people, funds, typical in CASES])
        conn.execute(insert(schema.case_people), [
            {"case_id": kid, "person_name": name, "person_role": role, "discipline_form": form,
             "sanction_type": sanction, "is_transferred_to_judiciary": judiciary, "batch_id": 1}
            for kid, name, role, form, sanction, judiciary in CASE_PEOPLE])
        conn.execute(insert(schema.rectification_items), [
            {"item_id": iid, "issue_source": src, "feedback_date": D(fb), "township_code": town, "village_code": vil,
             "problem_category": cat, "description": f"{iid} 问题描述", "measures": f"{iid} 整改措施",
             "responsible_person": person, "deadline_date": D(dl), "rectification_status": status,
             "completed_date": opt(comp), "closed_off_date": opt(closed), "is_recurring": rec, "batch_id": 1}
            for iid, src, fb, town, vil, cat, dl, status, comp, closed, rec, person in RECTIFICATION])
        conn.execute(insert(schema.satisfaction_surveys), [
            {"survey_year": y, "survey_quarter": q, "township_code": town, "survey_method": "电话", "sample_size": n,
             "satisfied": s, "basically_satisfied": bs, "dissatisfied": ds, "unaware": ua, "aware_of_platform": aw,
             "batch_id": 1} for y, q, town, n, s, bs, ds, ua, aw in SURVEYS])
        conn.execute(insert(schema.platform_usage), [
            {"usage_month_date": D(month), "township_code": town, "visits": visits, "problems_reported": problems,
             "batch_id": 1} for month, town, visits, problems in PLATFORM])
        rebuild_summaries(conn)  # as a load does, in the same transaction
    return engine


SECOND_COUNTY = ("990102", "邻县")
# the second county's townships: the first county's, code 990101… → 990102…, names prefixed 邻县
SECOND_TOWNSHIPS = [("990102" + code[6:], f"邻县{name}", kind) for code, name, kind in TOWNSHIPS]


def add_second_county(engine: Engine) -> Engine:
    """Copy every row of the first county into a second one (codes 990102…, names 邻县…): a prefecture's
    warehouse, where one county's users must never read the other's rows."""
    from sqlalchemy import select

    def moved(value):
        return "990102" + value[6:] if isinstance(value, str) and value.startswith("990101") else value

    with engine.begin() as conn:
        conn.execute(insert(schema.counties).values(county_code=SECOND_COUNTY[0], county_name=SECOND_COUNTY[1]))
        for table in (schema.townships, schema.villages, schema.clues, schema.cases, schema.case_people,
                      schema.rectification_items, schema.satisfaction_surveys, schema.platform_usage):
            rows = [dict(r) for r in conn.execute(select(table)).mappings()]
            for row in rows:
                for key in ("township_code", "village_code", "county_code"):
                    if key in row:
                        row[key] = moved(row[key])
                for key in ("clue_id", "case_id", "item_id", "related_clue_id", "related_case_id"):
                    if row.get(key):
                        row[key] = "N-" + row[key]
                if table is schema.townships:
                    row["township_name"] = "邻县" + row["township_name"]
            conn.execute(insert(table), rows)
        rebuild_summaries(conn, [SECOND_COUNTY[0]])
    return engine
