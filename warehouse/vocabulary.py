"""The controlled vocabulary of the warehouse (DOMAIN.md): every enumeration, once.

The ledgers are validated against these, the sample generator draws from them, and the
metrics and charts order their categories by them.
"""

from __future__ import annotations

CLUE_SOURCES = ("信访举报", "12388举报平台", "小微权力监督平台", "上级交办", "巡察移交", "审计移送",
                "部门移送", "监督检查发现", "大数据比对", "其他")
PLATFORM_CLUE_SOURCE = "小微权力监督平台"

PROBLEM_DOMAINS = ("惠民惠农补贴", '农村集体"三资"', "低保特困救助", "乡村振兴项目资金", "教育医疗",
                   "养老社保", "生态环保", "执法司法", "作风问题", "其他")
COLLECTIVE_ASSETS_DOMAIN = '农村集体"三资"'

PERSON_ROLES = ("村干部", "乡镇干部", "站所人员", "其他")
MANAGEMENT_LEVELS = ("红", "黄", "蓝")  # 红 = 重点线索
DISPOSAL_METHODS = ("谈话函询", "初步核实", "暂存待查", "予以了结", "立案审查")
DISPOSAL_CASE_REVIEW = "立案审查"  # 初核转立案率's numerator
CLUE_STATUSES = ("在办", "办结")
CLUE_CLOSED = "办结"

DISCOVERY_METHODS = ("主动发现", "上级转办", "群众举报", "巡察移交", "审计移送", "部门移送", "大数据比对")
PROACTIVE_DISCOVERY_METHODS = ("主动发现", "大数据比对")  # 主动发现率's numerator

VIOLATION_TYPES = ("违反政治纪律", "违反组织纪律", "违反廉洁纪律", "违反群众纪律", "违反工作纪律",
                   "违反生活纪律", "涉嫌违法犯罪")
DISCIPLINE_FORMS = ("第一种形态", "第二种形态", "第三种形态", "第四种形态")
PARTY_SANCTIONS = ("警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍")
GOVERNMENT_SANCTIONS = ("警告", "记过", "记大过", "降级", "撤职", "开除")
FIRST_FORM_SANCTIONS = ("诫勉", "批评教育")
# a sanction cell may say which system it belongs to (党纪警告/政务警告) or not (警告)
SANCTION_TYPES = tuple(dict.fromkeys(
    FIRST_FORM_SANCTIONS + PARTY_SANCTIONS + GOVERNMENT_SANCTIONS
    + tuple("党纪" + s for s in PARTY_SANCTIONS) + tuple("政务" + s for s in GOVERNMENT_SANCTIONS)
))

ISSUE_SOURCES = ("县委巡察", "审计反馈", "监督检查", "以案促改", "群众反映", "上级督办")
PROBLEM_CATEGORIES = PROBLEM_DOMAINS + ("党的建设", "组织生活", "财务管理")
RECTIFICATION_STATUSES = ("未启动", "整改中", "已完成", "已销号")
RECTIFICATION_DONE = ("已完成", "已销号")

SURVEY_METHODS = ("电话", "入户", "线上")
VILLAGE_KINDS = ("行政村", "社区")
YES_NO = ("是", "否")


def township_kind(township_code: str) -> str:
    """Return 街道, 镇 or 乡 from a 9-digit township code's last three digits."""
    digits = int(township_code[6:9])
    if 1 <= digits <= 99:
        return "街道"
    if 100 <= digits <= 199:
        return "镇"
    if 200 <= digits <= 399:
        return "乡"
    raise ValueError(f"乡镇代码 {township_code} 的第 7-9 位不在 001-399 之间")


def village_kind(village_code: str) -> str:
    """Return 社区 or 行政村 from a 12-digit village code's last three digits."""
    digits = int(village_code[9:12])
    if 1 <= digits <= 199:
        return "社区"
    if 200 <= digits <= 399:
        return "行政村"
    raise ValueError(f"村代码 {village_code} 的第 10-12 位不在 001-399 之间")
