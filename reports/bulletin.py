"""The quarterly bulletin (季通报) as an editable Word document, every figure drawn from the metrics.

The same code serves the 季通报 page and ``python -m reports bulletin``. Figures are computed
as of the quarter's last day. ``bulletin_content`` gathers the sentences and tables (tests read
it beside the metrics); ``render_bulletin`` lays them out after GB/T 9704; ``generate_bulletin``
does both, archives the bytes and writes the audit row.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from sqlalchemy import Engine

from config import settings
from metrics.cases import typical_cases
from metrics.definitions import METRICS, Kpi, format_value
from metrics.freshness import data_freshness
from metrics.kpis import kpi_tiles
from metrics.periods import Period
from metrics.places import county_name, township_options
from metrics.ranking import interview_flags, quarterly_ranking, ranking_weights
from metrics.rectification import overdue_items, recurring_items
from metrics.scope import Scope
from reports import docx_format as fmt
from reports.stamps import watermark_line

TYPICAL_CASES_SHOWN = 5
TOP_N = 3

RANKING_HEADERS = ["排名", "乡镇", "整改完成率", "按期完成率", "满意率", "主动发现率", "综合得分", "逾期事项",
                   "较上季度"]
OVERDUE_HEADERS = ["序号", "整改编号", "乡镇", "村（社区）", "问题来源", "问题类别", "整改时限", "逾期天数"]


# --- wording ----------------------------------------------------------------------------------
def change_phrase(kpi: Kpi, which: str) -> str:
    """Return "同比上升12.5%" / "环比降低2.0个百分点" / "同比持平" / "同比无可比数据" for a Kpi."""
    label = "同比" if which == "yoy" else "环比"
    change = kpi.yoy_change if which == "yoy" else kpi.mom_change
    if change is None or change != change:
        return f"{label}无可比数据"
    if kpi.change_is_points:
        if abs(change) < 0.05:
            return f"{label}持平"
        return f"{label}{'提高' if change > 0 else '降低'}{abs(change):.1f}个百分点"
    if abs(change) < 0.0005:
        return f"{label}持平"
    return f"{label}{'上升' if change > 0 else '下降'}{abs(change) * 100:.1f}%"


def rank_change_phrase(change) -> str:
    """Return "上升2位" / "下降1位" / "持平" / "—" for a rank change (positive = moved up)."""
    if change is None or pd.isna(change):
        return "—"
    change = int(change)
    if change == 0:
        return "持平"
    return f"上升{change}位" if change > 0 else f"下降{-change}位"


def cn_date(day: date) -> str:
    """Return 2024年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _rate(value) -> str:
    return format_value("rectification_completion_rate", None if pd.isna(value) else float(value))


def _score(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1f}"


def _join(names: list[str]) -> str:
    return "、".join(names)


# --- content ----------------------------------------------------------------------------------
@dataclass
class Section:
    heading: str  # 一、总体情况
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): body | subheading
    table: tuple[list[str], list[list[str]]] | None = None
    chart_png: bytes | None = None
    chart_title: str = ""


@dataclass
class BulletinContent:
    title: str
    subtitle: str  # (2024年第三季度)
    quarter: Period
    township_code: str | None
    township_name: str | None
    county_name: str
    sections: list[Section]
    attachments: list[tuple[str, list[str], list[list[str]]]]  # (title, headers, rows)
    issuer: str
    data_as_of: date | None  # the data's last day, when it falls before the quarter's end
    kpis: dict[str, Kpi]
    ranking: pd.DataFrame
    overdue: pd.DataFrame


def _kpis(engine: Engine, quarter: Period, scope: Scope, township_code: str | None) -> dict[str, Kpi]:
    names = ("clue_count", "red_clue_count", "supervised_clue_count", "clue_closed_rate", "case_count",
             "people_handled", "recovered_funds", "proactive_discovery_rate", "rectification_completion_rate",
             "on_time_completion_rate", "overdue_count", "satisfaction_rate", "awareness_rate",
             "typical_case_count")
    tiles = kpi_tiles(engine, scope, period=quarter, township_code=township_code, metrics=names)
    return dict(zip(names, tiles))


def _value(kpis: dict[str, Kpi], name: str) -> str:
    return kpis[name].formatted_value


def overall_paragraphs(kpis: dict[str, Kpi], quarter: Period, area: str) -> list[tuple[str, str]]:
    """Return 一、总体情况's sentences generated from the figures and their 同比/环比."""
    k = kpis
    end = cn_date(quarter.end)
    return [
        ("subheading", "（一）问题线索受理处置情况。"),
        ("body", f"本季度{area}共受理问题线索{_value(k, 'clue_count')}，{change_phrase(k['clue_count'], 'yoy')}，"
                 f"{change_phrase(k['clue_count'], 'mom')}；其中红色重点线索{_value(k, 'red_clue_count')}，"
                 f"挂牌督办线索{_value(k, 'supervised_clue_count')}，线索办结率{_value(k, 'clue_closed_rate')}。"),
        ("subheading", "（二）案件查办情况。"),
        ("body", f"立案{_value(k, 'case_count')}，{change_phrase(k['case_count'], 'yoy')}，处理{_value(k, 'people_handled')}，"
                 f"追缴资金{_value(k, 'recovered_funds')}（{change_phrase(k['recovered_funds'], 'yoy')}）；"
                 f"主动发现率{_value(k, 'proactive_discovery_rate')}，{change_phrase(k['proactive_discovery_rate'], 'yoy')}。"),
        ("subheading", "（三）问题整改情况。"),
        ("body", f"截至{end}，整改完成率{_value(k, 'rectification_completion_rate')}，"
                 f"{change_phrase(k['rectification_completion_rate'], 'yoy')}，"
                 f"{change_phrase(k['rectification_completion_rate'], 'mom')}；按期完成率{_value(k, 'on_time_completion_rate')}；"
                 f"逾期未完成整改事项{_value(k, 'overdue_count')}。"),
        ("subheading", "（四）群众满意度情况。"),
        ("body", f"本季度群众满意率{_value(k, 'satisfaction_rate')}，{change_phrase(k['satisfaction_rate'], 'yoy')}，"
                 f"{change_phrase(k['satisfaction_rate'], 'mom')}；监督平台知晓率{_value(k, 'awareness_rate')}。"),
    ]


def ranking_rows(ranking: pd.DataFrame) -> list[list[str]]:
    """Return the ranking table's rows as the bulletin prints them."""
    rows = []
    for r in ranking.sort_values("rank", kind="stable").itertuples(index=False):
        name = r.township_name + ("（建议约谈）" if bool(r.suggest_interview) else "")
        rows.append([str(int(r.rank)), name, _rate(r.rectification_completion_rate), _rate(r.on_time_completion_rate),
                     _rate(r.satisfaction_rate), _rate(r.proactive_discovery_rate), _score(r.score),
                     str(int(r.overdue_items)) if not pd.isna(r.overdue_items) else "—",
                     rank_change_phrase(r.rank_change)])
    return rows


def ranking_paragraph(ranking: pd.DataFrame, quarter: Period, township_code: str | None) -> str:
    """Return the sentence that introduces the ranking: weights, the top and the bottom townships."""
    weight_text = "、".join(f"{METRICS[name].label}（{weight:g}%）" for name, weight in ranking_weights().items())
    if ranking.empty:
        return f"{quarter.label}暂无可用于综合排名的数据。"
    ordered = ranking.sort_values("rank", kind="stable")
    top = [f"{r.township_name}（{_score(r.score)}分）" for r in ordered.head(TOP_N).itertuples()]
    bottom = [f"{r.township_name}（{_score(r.score)}分）" for r in ordered.tail(TOP_N).itertuples()]
    text = (f"按照{weight_text}加权计算综合得分，{quarter.label}全县{len(ordered)}个乡镇（街道）中，"
            f"排名前{TOP_N}位的是{_join(top)}；排名后{TOP_N}位的是{_join(bottom)}。")
    if township_code:
        own = ordered[ordered["township_code"] == township_code]
        if not own.empty:
            r = own.iloc[0]
            text += (f"{r.township_name}综合得分{_score(r.score)}分，排名第{int(r['rank'])}位，"
                     f"较上季度{rank_change_phrase(r.rank_change)}。")
    return text


def problem_paragraphs(engine: Engine, quarter: Period, scope: Scope, township_code: str | None,
                       ranking: pd.DataFrame, overdue: pd.DataFrame, area: str) -> list[tuple[str, str]]:
    """Return 三、存在的主要问题: overdue items, lagging townships, 建议约谈, recurring problems, typical cases."""
    end = cn_date(quarter.end)
    paragraphs: list[tuple[str, str]] = [("subheading", "（一）部分整改事项逾期未完成。")]
    if overdue.empty:
        paragraphs.append(("body", f"截至{end}，{area}无超过整改时限未完成的整改事项。"))
    else:
        by_township = overdue.groupby("township_name", sort=False).size().sort_values(ascending=False, kind="stable")
        spread = _join([f"{name}{count}项" for name, count in by_township.head(5).items()])
        longest = int(overdue["days_overdue"].max())
        paragraphs.append(("body", f"截至{end}，{area}仍有{len(overdue)}项整改事项超过整改时限未完成，"
                                   f"主要分布在{spread}，最长逾期{longest}天（清单见附件2）。"))

    paragraphs.append(("subheading", "（二）部分乡镇工作推进滞后。"))
    if ranking.empty:
        paragraphs.append(("body", "本季度暂无综合排名数据。"))
    else:
        ordered = ranking.sort_values("rank", kind="stable")
        bottom = ordered.tail(TOP_N)
        lagging = _join([f"{r.township_name}（第{int(r.rank)}位，整改完成率{_rate(r.rectification_completion_rate)}）"
                         for r in bottom.itertuples()])
        paragraphs.append(("body", f"{lagging}综合排名靠后，整改推进和问题查处力度有待加强。"))
    flags = interview_flags(engine, scope, quarter=quarter)
    if flags.empty:
        paragraphs.append(("body", "本季度无连续两个季度综合排名末位的乡镇。"))
    else:
        names = _join(list(flags["township_name"]))
        paragraphs.append(("body", f"{names}连续两个季度综合排名末位，建议按规定对其党委（党工委）主要负责同志进行约谈。"))

    paragraphs.append(("subheading", "（三）部分问题反复出现。"))
    recurring = recurring_items(engine, scope, as_of=quarter.end, township_code=township_code)
    if recurring.empty:
        paragraphs.append(("body", f"截至{end}，{area}未发现反复出现的问题。"))
    else:
        feedback = pd.to_datetime(recurring["feedback_date"]).dt.date
        in_quarter = int(((feedback >= quarter.start) & (feedback <= quarter.end)).sum())
        categories = recurring["problem_category"].value_counts().head(3)
        focus = _join([f"{name}（{count}项）" for name, count in categories.items()])
        paragraphs.append(("body", f"截至{end}，{area}累计有{len(recurring)}项整改事项反复出现，其中本季度新反馈"
                                   f"{in_quarter}项，主要集中在{focus}等领域，“当下改”与“长久立”结合不够。"))

    paragraphs.append(("subheading", "（四）典型案例。"))
    typical = typical_cases(engine, scope, period=quarter, township_code=township_code)
    if typical.empty:
        paragraphs.append(("body", "本季度未确定典型案例。"))
    else:
        paragraphs.append(("body", f"本季度{area}查处典型案例{len(typical)}件，现将其中{min(len(typical), TYPICAL_CASES_SHOWN)}件通报如下："))
        for i, case in enumerate(typical.head(TYPICAL_CASES_SHOWN).itertuples(index=False), start=1):
            place = f"{case.township_name}{case.village_name or ''}"
            funds = format_value("recovered_funds", float(case.recovered_funds_wan_yuan or 0))
            paragraphs.append(("body", f"{i}. {place}{case.problem_domain}领域问题。经查，相关人员{case.violation_type}，"
                                       f"处理{int(case.people_count)}人，追缴资金{funds}。"))
    return paragraphs


def overdue_rows(overdue: pd.DataFrame) -> list[list[str]]:
    """Return 附件2's rows: every overdue item, longest overdue first."""
    rows = []
    for i, item in enumerate(overdue.itertuples(index=False), start=1):
        deadline = pd.Timestamp(item.deadline_date).date().isoformat() if not pd.isna(item.deadline_date) else ""
        rows.append([str(i), str(item.item_id), item.township_name, item.village_name or "", item.issue_source,
                     item.problem_category, deadline, str(int(item.days_overdue))])
    return rows


def _overdue_only(overdue: pd.DataFrame) -> pd.DataFrame:
    if overdue.empty:
        return overdue
    overdue = overdue[overdue["days_overdue"].fillna(0).astype(float) > 0]
    return overdue.sort_values("days_overdue", ascending=False, kind="stable").reset_index(drop=True)


def bulletin_content(engine: Engine, quarter: Period, scope: Scope, township_code: str | None = None,
                     *, with_chart: bool = True) -> BulletinContent:
    """Return the bulletin's title, sections, tables and chart, computed as of the quarter's last day."""
    township_code = scope.township_asked(township_code)
    county = county_name(engine, scope)
    township_name = None
    if township_code:
        options = township_options(engine, scope)
        match = options[options["township_code"] == township_code]
        if match.empty:
            raise ValueError(f"未找到乡镇代码 {township_code}")
        township_name = str(match.iloc[0]["township_name"])
    area = township_name or "全县"
    data_as_of = data_freshness(engine, scope).get("data_as_of")
    if not isinstance(data_as_of, date):
        raise ValueError("数据库中还没有台账数据，无法生成季通报")
    if data_as_of < quarter.start:
        raise ValueError(f"{quarter.label}尚无数据（数据截至{cn_date(data_as_of)}），无法生成季通报")
    if data_as_of >= quarter.end:
        data_as_of = None  # the quarter is covered to its last day: nothing to note

    kpis = _kpis(engine, quarter, scope, township_code)
    ranking = quarterly_ranking(engine, scope, quarter=quarter)
    overdue = _overdue_only(overdue_items(
        engine, scope, as_of=quarter.end, township_code=township_code, include_due_soon=False))

    overall = Section("一、总体情况", overall_paragraphs(kpis, quarter, area))
    ranking_section = Section("二、各乡镇整改推进情况",
                              [("body", ranking_paragraph(ranking, quarter, township_code))],
                              table=(RANKING_HEADERS, ranking_rows(ranking)))
    if with_chart and not ranking.empty:
        from charts.townships import ranking_score_bar
        from reports.png import chart_png

        chart_title = f"{quarter.label}各乡镇综合得分排名"
        figure = ranking_score_bar(ranking, chart_title)
        ranking_section.chart_png = chart_png(figure, title=chart_title, unit="分", as_of=quarter.end,
                                              watermark=False, width=900)
        ranking_section.chart_title = chart_title
    problems = Section("三、存在的主要问题",
                       problem_paragraphs(engine, quarter, scope, township_code, ranking, overdue, area))
    next_steps = Section("四、下一步工作要求",
                         [("body", line.strip()) for line in str(settings.get("bulletin_next_steps")).splitlines()
                          if line.strip()])

    title_place = f"{county}{township_name or ''}"
    attachments = [
        (f"{quarter.label}各乡镇综合排名", RANKING_HEADERS, ranking_rows(ranking)),
        (f"逾期整改事项清单（截至{cn_date(quarter.end)}）", OVERDUE_HEADERS, overdue_rows(overdue)),
    ]
    return BulletinContent(
        title=f"{title_place}集中整治群众身边不正之风和腐败问题工作情况通报",
        subtitle=f"（{quarter.label}）",
        quarter=quarter, township_code=township_code, township_name=township_name, county_name=county,
        sections=[overall, ranking_section, problems, next_steps], attachments=attachments,
        issuer=f"{county}纪委监委", data_as_of=data_as_of, kpis=kpis, ranking=ranking, overdue=overdue,
    )


# --- layout -----------------------------------------------------------------------------------
RANKING_WIDTHS_MM = [11, 22, 18, 18, 18, 18, 15, 14, 20]  # 154 mm of the 156 mm type area
OVERDUE_WIDTHS_MM = [8, 38, 15, 23, 16, 21, 22, 13]  # 156 mm


def render_bulletin(content: BulletinContent, *, generated_by: str, generated_at: datetime) -> bytes:
    """Return the .docx bytes of the bulletin laid out after GB/T 9704."""
    document = Document()
    fonts = fmt.setup_document(document)
    fmt.add_header_line(document, watermark_line(generated_by, generated_at), fonts["body"])
    fmt.add_page_number_footer(document, "宋体")  # GB/T 9704: 4号半角宋体阿拉伯数字
    core = document.core_properties
    core.title = content.title + content.subtitle
    core.author = generated_by
    core.created = generated_at
    core.modified = generated_at
    core.last_modified_by = generated_by

    fmt.add_paragraph(document, content.title, fmt.STYLE_TITLE, fonts["title"], fmt.TITLE_SIZE)
    subtitle = fmt.add_paragraph(document, content.subtitle, fmt.STYLE_SUBHEADING, fonts["subheading"], fmt.BODY_SIZE)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.first_line_indent = Pt(0)
    subtitle.paragraph_format.space_after = Pt(14)
    fmt.add_paragraph(document, _opening(content), fmt.STYLE_BODY, fonts["body"], fmt.BODY_SIZE)

    for section in content.sections:
        fmt.add_paragraph(document, section.heading, fmt.STYLE_HEADING, fonts["heading"], fmt.BODY_SIZE)
        for kind, text in section.paragraphs:
            if kind == "subheading":
                fmt.add_paragraph(document, text, fmt.STYLE_SUBHEADING, fonts["subheading"], fmt.BODY_SIZE)
            else:
                fmt.add_paragraph(document, text, fmt.STYLE_BODY, fonts["body"], fmt.BODY_SIZE)
        if section.table is not None:
            headers, rows = section.table
            caption = f"表1  {content.quarter.label}各乡镇综合排名"
            fmt.add_paragraph(document, caption, fmt.STYLE_CAPTION, fonts["heading"], Pt(14))
            fmt.add_table(document, headers, rows, fonts["body"], header_font=fonts["heading"],
                          column_widths_mm=RANKING_WIDTHS_MM)
        if section.chart_png:
            picture = document.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.add_run().add_picture(io.BytesIO(section.chart_png), width=Mm(150))
            fmt.add_paragraph(document, f"图1  {section.chart_title}", fmt.STYLE_CAPTION, fonts["heading"], Pt(14))

    fmt.add_paragraph(document, "", fmt.STYLE_BODY, fonts["body"])
    listing = "　　".join(f"{i}. {title}" for i, (title, _, _) in enumerate(content.attachments, start=1))
    fmt.add_paragraph(document, f"附件：{listing}", fmt.STYLE_BODY, fonts["body"], fmt.BODY_SIZE)
    fmt.add_paragraph(document, "", fmt.STYLE_BODY, fonts["body"])
    for text in (content.issuer, cn_date(generated_at.date())):
        signature = fmt.add_paragraph(document, text, fmt.STYLE_BODY, fonts["body"], fmt.BODY_SIZE)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.right_indent = Pt(64)

    for i, (title, headers, rows) in enumerate(content.attachments, start=1):
        fmt.new_page(document)
        label = fmt.add_paragraph(document, f"附件{i}", fmt.STYLE_BODY, fonts["heading"], fmt.BODY_SIZE)
        label.paragraph_format.first_line_indent = Pt(0)
        fmt.add_paragraph(document, title, fmt.STYLE_CAPTION, fonts["title"], Pt(18))
        if rows:
            widths = RANKING_WIDTHS_MM if headers == RANKING_HEADERS else OVERDUE_WIDTHS_MM
            fmt.add_table(document, headers, rows, fonts["body"], header_font=fonts["heading"], column_widths_mm=widths)
        else:
            fmt.add_paragraph(document, "无。", fmt.STYLE_BODY, fonts["body"], fmt.BODY_SIZE)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _opening(content: BulletinContent) -> str:
    area = content.township_name or "全县各乡镇（街道）"
    partial = f"（本季度数据截至{cn_date(content.data_as_of)}）" if content.data_as_of else ""
    return (f"为深入推进集中整治群众身边不正之风和腐败问题工作，压紧压实整改责任，现将{content.quarter.label}"
            f"{area}工作推进情况通报如下{partial}。")


# --- the one entry point of the page and the command line --------------------------------------
@dataclass(frozen=True)
class GeneratedBulletin:
    bulletin_id: int
    file_name: str
    data: bytes
    sha256: str


def bulletin_file_name(content: BulletinContent) -> str:
    """Return 示范县季通报_2024Q3.docx (with the township when there is one)."""
    place = content.county_name + (content.township_name or "")
    return f"{place}季通报_{content.quarter.code}.docx"


def generate_bulletin(engine: Engine, quarter: Period | str, scope: Scope, township_code: str | None = None,
                      *, generated_at: datetime | None = None) -> GeneratedBulletin:
    """Return the generated bulletin after archiving it (bulletin_archive) and logging the export."""
    from reports.archive import archive_bulletin, record_export, sha256

    if not scope.may_produce_bulletin:
        raise PermissionError("当前角色无权生成季通报（仅纪委、管理员可生成）")
    quarter = Period.parse(quarter) if isinstance(quarter, str) else quarter
    if quarter.granularity != "quarter":
        raise ValueError(f"季通报须按季度生成，收到：{quarter.label}")
    generated_at = generated_at or datetime.now()
    content = bulletin_content(engine, quarter, scope, township_code)
    data = render_bulletin(content, generated_by=scope.user_name, generated_at=generated_at)
    name = bulletin_file_name(content)
    bulletin_id = archive_bulletin(engine, data=data, generated_by=scope.user_name, quarter_label=quarter.code,
                                   township_code=content.township_code, file_name=name,
                                   county_code=scope.county_code)
    record_export(engine, scope.user_name, kind="docx", title=content.title + content.subtitle, file_name=name,
                  size_bytes=len(data), county_code=scope.county_code, bulletin_id=bulletin_id)
    return GeneratedBulletin(bulletin_id=bulletin_id, file_name=name, data=data, sha256=sha256(data))
