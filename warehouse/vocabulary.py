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
RECTIFICATION_NOT_STARTED, RECTIFICATION_CLOSED_OFF = "未启动", "已销号"

SURVEY_METHODS = ("电话", "入户", "线上")
# a village's kind as stored (villages.village_kind) and as the 区划名录's 村类型 may say it: the
# kinds of 统计用区划代码's village digits (see ``village_kind``), named as the ledgers name them
VILLAGE_KINDS = ("行政村", "社区", "类似居委会", "类似村委会")
# the other spellings of 村类型 a 区划名录 uses → the kind they mean
VILLAGE_KIND_SYNONYMS = {"村委会": "行政村", "村民委员会": "行政村", "居委会": "社区", "居民委员会": "社区",
                         "类似居民委员会": "类似居委会", "类似村民委员会": "类似村委会"}
TOWNSHIP_KINDS = ("街道", "镇", "乡", "类似乡级单位")
YES_NO = ("是", "否")


# the 56 nationalities (民族) of China: a 民族乡 or 民族苏木 carries one or more of them in its name
# (白塔回族乡, 杜拉尔鄂温克民族乡), a clerk often leaves them out (白塔乡)
ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族",
    "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)

# 统计用区划代码 (国家统计局, after GB/T 10114): the township digits (7-9) and the village digits
# (10-12) name the kind; each range is (first, last, kind). 000 is not a place (it pads the code of
# the level above: 990101000 is the county) and 600-999 are assigned to no kind, so those two are
# the only digits refused.
TOWNSHIP_DIGITS = ((1, 99, "街道"), (100, 199, "镇"), (200, 399, "乡"), (400, 599, "类似乡级单位"))
VILLAGE_DIGITS = ((1, 199, "社区"), (200, 399, "行政村"), (400, 499, "类似居委会"), (500, 599, "类似村委会"))
# the coarse word (社区 or 行政村) of each village kind: a 村类型 saying it does not contradict the
# code (社区 fits a 类似居委会, 行政村 a 类似村委会, a farm's 作业区)
VILLAGE_KIND_SIDE = {"社区": "社区", "类似居委会": "社区", "行政村": "行政村", "类似村委会": "行政村"}


def _kind_of(digits: str, ranges: tuple[tuple[int, int, str], ...]) -> str | None:
    if not (len(digits) == 3 and digits.isdigit()):
        return None
    number = int(digits)
    return next((kind for first, last, kind in ranges if first <= number <= last), None)


def township_kind(township_code: str) -> str:
    """Return 街道, 镇, 乡 or 类似乡级单位 from a township code's digits 7-9 (ValueError for 000, 600-999)."""
    kind = _kind_of(township_code[6:9], TOWNSHIP_DIGITS)
    if kind is None:
        raise ValueError(f"乡镇代码 {township_code} 的第7-9位不在 001-599 之间")
    return kind


def village_kind(village_code: str) -> str:
    """Return 社区, 行政村, 类似居委会 or 类似村委会 from a village code's digits 10-12 (ValueError for 000, 600-999)."""
    kind = _kind_of(village_code[9:12], VILLAGE_DIGITS)
    if kind is None:
        raise ValueError(f"村代码 {village_code} 的第10-12位不在 001-599 之间")
    return kind
