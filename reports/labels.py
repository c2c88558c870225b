"""Chinese column headers (with units) for every table a user reads or exports, and which columns are rates.

The data layer names its columns in English after metrics and measures (``metrics.measures``);
this is the one place that turns them into what a reader sees: 整改完成率(%), 追缴资金(万元).
The pages' tables (``ui.components``) and the .xlsx exports (``reports.xlsx``) both read it.
"""

from __future__ import annotations

from metrics.definitions import METRICS

COLUMN_LABELS: dict[str, str] = {
    "period_code": "期间",
    "period_label": "期间",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "township_kind": "乡镇类型",
    "village_code": "村(社区)代码",
    "village_name": "村(社区)",
    "village_kind": "村类型",
    "category": "类别",
    "share": "占比(%)",
    "clue_id": "线索编号",
    "received_date": "受理日期",
    "clue_source": "线索来源",
    "problem_domain": "问题领域",
    "management_level": "管理等级",
    "is_supervised": "挂牌督办",
    "handling_status": "办理状态",
    "reported_person_name": "被反映人",
    "summary": "问题摘要",
    "clue_count": "线索数(件)",
    "closed_count": "办结数(件)",
    "clue_closed_rate": "办结率(%)",
    "red_clue_count": "红色线索(件)",
    "supervised_clue_count": "挂牌督办(件)",
    "case_review_clue_count": "立案审查(件)",
    "clue_to_case_rate": "初核转立案率(%)",
    "typical_case_count": "典型案例(件)",
    "amount_wan_yuan": "涉及金额(万元)",
    "clues_per_10k": "每万人线索数(件)",
    "case_id": "案件编号",
    "filed_date": "立案日期",
    "discovery_method": "发现方式",
    "violation_type": "违纪类型",
    "case_count": "立案数(件)",
    "people_count": "处理人数(人)",
    "recovered_funds_wan_yuan": "追缴资金(万元)",
    "discipline_form": "处理形态",
    "sanction_type": "处分种类",
    "item_id": "整改编号",
    "feedback_date": "反馈日期",
    "issue_source": "问题来源",
    "problem_category": "问题类别",
    "description": "问题描述",
    "measures": "整改措施",
    "responsible_person": "责任人",
    "deadline_date": "整改时限",
    "status": "整改状态",
    "completed_date": "完成日期",
    "is_recurring": "反复出现",
    "related_clue_id": "关联线索编号",
    "related_case_id": "关联案件编号",
    "days_overdue": "逾期天数(天)",
    "warning": "预警",
    "due_items": "到期事项(件)",
    "on_time_items": "按期完成(件)",
    "overdue_items": "逾期事项(件)",
    "recurring_items": "反复出现(件)",
    "rectification_items": "整改事项(件)",
    "completed_items": "已完成(件)",
    "satisfaction_rate": "满意率(%)",
    "awareness_rate": "知晓率(%)",
    "sample_size": "样本量(人)",
    "valid_samples": "有效样本(人)",
    "rank": "排名",
    "rectification_completion_rate": "整改完成率(%)",
    "on_time_completion_rate": "按期完成率(%)",
    "proactive_discovery_rate": "主动发现率(%)",
    "score": "综合得分(分)",
    "previous_rank": "上季度排名",
    "rank_change": "名次变化",
    "is_last": "末位",
    "suggest_interview": "建议约谈",
    "quarters": "连续末位季度",
    "quarter_count": "连续末位季度数",
}

# columns holding fractions that a reader sees as percentages
RATE_COLUMNS = frozenset({"share", *(m.name for m in METRICS.values() if m.is_rate)})

# a column named after a metric (metric_series, metric_by_township) reads as the metric's label and unit
COLUMN_LABELS.update({name: metric.label_with_unit for name, metric in METRICS.items() if name not in COLUMN_LABELS})
