"""The weekly meeting deck (.pptx, 16:9): the 总览 page's figures and the key charts for the week.

Slides: the cover; the KPI tiles of the month holding the week (with 同比/环比) and the last
7 days' new clues and cases; 各乡镇逾期整改事项; the quarter's 综合得分排名; red flags
(建议约谈, 在办红色及挂牌督办线索). Charts are the pages' own plotly figures as PNGs. A 市级 user's 全市 deck
shows counties where a county's shows townships, and of them the ``SLIDE_COUNTIES`` a meeting looks at first
(the most overdue items, the lowest 综合得分): 100 counties' bars, or 1,200 townships', make no slide.
Every run carries the East-Asian font (``a:ea``), which python-pptx's ``font.name`` does not set.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt
from sqlalchemy import Engine

from config import settings
from metrics.clues import priority_clues, recent_activity
from metrics.definitions import Kpi
from metrics.freshness import data_freshness, latest_period, ranked_quarter
from metrics.kpis import kpi_tiles
from metrics.periods import Period
from metrics.places import county_name
from metrics.ranking import county_comparison, interview_flags, quarterly_ranking, quarters_in_a_row
from metrics.rectification import rectification_by_county, rectification_by_township
from metrics.scope import Scope
from reports.docx_format import font_chain
from reports.stamps import as_of_line, watermark_line

SLIDE_WIDTH = Inches(13.333)  # 16:9
SLIDE_HEIGHT = Inches(7.5)
TITLE_COLOR = RGBColor(0xC0, 0x39, 0x2B)
TEXT_COLOR = RGBColor(0x26, 0x27, 0x30)
MUTED_COLOR = RGBColor(0x80, 0x80, 0x80)
SLIDE_COUNTIES = 15  # the counties a 全市 chart slide shows
KPI_NAMES = ("clue_count", "case_count", "people_handled", "recovered_funds", "rectification_completion_rate",
             "satisfaction_rate")


def deck_font() -> str:
    """Return the deck's font: the first of the settings' heading chain (黑体, on every Chinese Windows PC)."""
    return font_chain(settings.get("font_heading"))[0]


def set_run_font(run, font_name: str, size, *, bold: bool = False, color: RGBColor = TEXT_COLOR) -> None:
    """Set latin, East-Asian (a:ea) and complex-script fonts, size, weight and colour of a run."""
    run.font.name = font_name
    run.font.size = size
    run.font.bold = bold
    run.font.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = rpr.makeelement(qn(tag), {})
            # schema order: a:latin, a:ea, a:cs come after the fill; append keeps that order here
            rpr.append(element)
        element.set("typeface", font_name)


def _text_box(slide, left, top, width, height, lines: list[tuple[str, int, bool, RGBColor]], font_name: str,
              align=PP_ALIGN.LEFT):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, bold, color) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        set_run_font(run, font_name, Pt(size), bold=bold, color=color)
    return box


def _slide(prs, title: str, font_name: str, footer: str):
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text_box(slide, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8), [(title, 30, True, TITLE_COLOR)], font_name)
    _text_box(slide, Inches(0.5), Inches(7.0), Inches(12.3), Inches(0.4), [(footer, 11, False, MUTED_COLOR)],
              font_name)
    return slide


def recent_line(recent: dict, week_ending: date) -> str:
    """Return the 近7天新增 line, labelled with the days it really counts.

    ``metrics.recent_activity`` counts the data's last 7 days; when the chosen week ends before
    that, the line says which days it is about rather than pass them off as the chosen week.
    """
    as_of = recent.get("as_of")
    counts = f"线索 {recent.get('new_clues', 0)}件，立案 {recent.get('new_cases', 0)}件"
    if as_of is None:
        return f"近7天新增：{counts}"
    if as_of <= week_ending:
        return f"近7天新增（截至 {as_of.isoformat()}）：{counts}"
    return f"数据最近7天新增（截至 {as_of.isoformat()}，晚于所选周）：{counts}"


def _kpi_change(kpi: Kpi) -> str:
    return f"同比 {kpi.formatted_yoy}　环比 {kpi.formatted_mom}"


@dataclass(frozen=True)
class DeckFigures:
    month: Period
    quarter: Period
    as_of: date
    kpis: list[Kpi]
    recent: dict


def deck_figures(engine: Engine, week_ending: date, scope: Scope, township_code: str | None = None) -> DeckFigures:
    """Return the figures the deck shows for the week ending on ``week_ending``."""
    month = Period.containing("month", week_ending)
    freshness = data_freshness(engine, scope)
    data_as_of = freshness.get("data_as_of")
    as_of = min(week_ending, data_as_of) if isinstance(data_as_of, date) else week_ending
    # the pages' quarter (总览's 建议约谈, 季度排名): the latest complete one, not the running one without its survey
    quarter = ranked_quarter(Period.containing("quarter", week_ending),
                             latest_period(engine, scope, granularity="quarter"), as_of)
    kpis = kpi_tiles(engine, scope, period=month, township_code=township_code, metrics=KPI_NAMES)
    recent = recent_activity(engine, scope, township_code=township_code, days=7)
    return DeckFigures(month=month, quarter=quarter, as_of=as_of, kpis=kpis, recent=recent)


def build_deck(engine: Engine, week_ending: date, scope: Scope, township_code: str | None = None,
               *, generated_at: datetime | None = None) -> bytes:
    """Return the .pptx bytes of the weekly meeting deck."""
    from charts.townships import ranking_score_bar, township_bar
    from reports.png import chart_png, png_size

    generated_at = generated_at or datetime.now()
    township_code = scope.township_asked(township_code)
    figures = deck_figures(engine, week_ending, scope, township_code)
    county = county_name(engine, scope)
    font_name = deck_font()
    footer = f"{as_of_line(figures.as_of)}　　{watermark_line(scope.user_name, generated_at)}"

    prs = Presentation()
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT

    week_start = week_ending - timedelta(days=6)
    cover = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(cover, Inches(0.8), Inches(2.3), Inches(11.7), Inches(2.8), [
        (f"{county}集中整治群众身边不正之风和腐败问题", 36, True, TITLE_COLOR),
        ("周调度会数据简报", 36, True, TITLE_COLOR),
        (f"{week_start.isoformat()} 至 {week_ending.isoformat()}", 22, False, TEXT_COLOR),
        (footer, 14, False, MUTED_COLOR),
    ], font_name, align=PP_ALIGN.CENTER)

    slide = _slide(prs, f"主要指标（{figures.month.label}）", font_name, footer)
    tile_w, tile_h = Inches(3.9), Inches(1.9)
    for i, kpi in enumerate(figures.kpis):
        left = Inches(0.5) + (tile_w + Inches(0.3)) * (i % 3)
        top = Inches(1.3) + (tile_h + Inches(0.25)) * (i // 3)
        box = _text_box(slide, left, top, tile_w, tile_h, [
            (kpi.metric.label, 18, False, MUTED_COLOR),
            (kpi.formatted_value, 40, True, TEXT_COLOR),
            (_kpi_change(kpi), 14, False, MUTED_COLOR),
        ], font_name)
        box.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
    _text_box(slide, Inches(0.5), Inches(5.6), Inches(12.3), Inches(1.2),
              [(recent_line(figures.recent, week_ending), 22, True, TEXT_COLOR)], font_name)

    def chart_slide(title: str, fig) -> None:
        chart = _slide(prs, title, font_name, footer)
        png = chart_png(fig, title=title, as_of=figures.as_of, user_name=scope.user_name, exported_at=generated_at,
                        width=960, height=480)  # larger type on the projector
        width_px, height_px = png_size(png)
        # fit the box between the slide title and the footer, keeping the image's proportions
        box_width, box_height = Inches(12.3), Inches(5.6)
        scale = min(box_width / width_px, box_height / height_px)
        width, height = int(width_px * scale), int(height_px * scale)
        left = Inches(0.5) + (box_width - width) // 2
        chart.shapes.add_picture(io.BytesIO(png), left, Inches(1.25), width=width, height=height)

    if scope.every_county:  # 全市: the counties that need the meeting's attention first
        for title, fig in _prefecture_charts(engine, scope, figures):
            chart_slide(title, fig)
    else:
        by_township = rectification_by_township(engine, scope, as_of=figures.as_of)
        chart_slide("各乡镇逾期整改事项", township_bar(by_township, "overdue_items", "各乡镇逾期整改事项",
                                                   value_name="逾期事项", unit="件"))
        ranking = quarterly_ranking(engine, scope, quarter=figures.quarter)
        ranking_title = f"{figures.quarter.label}各乡镇综合得分排名"
        chart_slide(ranking_title, ranking_score_bar(ranking, ranking_title))

    flags = interview_flags(engine, scope, quarter=figures.quarter)
    priority = priority_clues(engine, scope, period=figures.month, township_code=township_code)
    lines = [(f"建议约谈乡镇（{figures.quarter.label}）", 24, True, TEXT_COLOR)]
    if flags.empty:
        lines.append(("本季度没有连续两个季度排名末位的乡镇。", 20, False, TEXT_COLOR))
    elif scope.every_county:  # each county's own last township: one paragraph, as 总览's one box (25 lines overflow)
        lines.append((f"{len(flags)}个县各有乡镇连续两个季度在本县综合排名末位，建议约谈主要负责人：", 20, False,
                      TITLE_COLOR))
        lines.append(("、".join(f"{name}（{count}个季度）" for name, count in zip(flags["township_name"],
                                                                             flags["quarter_count"])),
                      16, False, TEXT_COLOR))
    else:
        for name, quarters, count in zip(flags["township_name"], flags["quarters"], flags["quarter_count"]):
            lines.append((f"{name}：{quarters_in_a_row(count)}综合排名末位（{quarters}），建议约谈主要负责人。", 20, False,
                          TITLE_COLOR))
    lines.append((f"在办红色及挂牌督办线索（{figures.month.label}受理）：{len(priority)}件", 24, True, TEXT_COLOR))
    _text_box(_slide(prs, "重点关注", font_name, footer), Inches(0.5), Inches(1.3), Inches(12.3), Inches(5.4),
              lines, font_name)

    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _prefecture_charts(engine: Engine, scope: Scope, figures: DeckFigures) -> list[tuple[str, object]]:
    """(title, figure) of a 全市 deck's two chart slides: the ``SLIDE_COUNTIES`` counties with the most overdue
    items, and those with the lowest 综合得分 this quarter (the pages' 各县 charts, cut to what a slide holds)."""
    from charts.townships import counties_as_places, township_bar

    overdue = rectification_by_county(engine, scope, as_of=figures.as_of)
    overdue = overdue[overdue["overdue_items"] > 0].sort_values(
        ["overdue_items", "county_code"], ascending=[False, True], kind="stable").head(SLIDE_COUNTIES)
    overdue_title = f"逾期整改事项最多的{len(overdue)}个县" if len(overdue) else "各县逾期整改事项"
    scores = county_comparison(engine, scope, quarter=figures.quarter)
    lowest = scores.sort_values(["score", "county_code"], kind="stable").head(SLIDE_COUNTIES)
    score_title = f"{figures.quarter.label}综合得分最低的{len(lowest)}个县" if len(lowest) else (
        f"{figures.quarter.label}各县综合得分")
    return [
        (overdue_title, township_bar(counties_as_places(overdue), "overdue_items", overdue_title,
                                     value_name="逾期事项", unit="件")),
        (score_title, township_bar(counties_as_places(lowest.assign(score=lowest["score"].round(1))), "score",
                                   score_title, value_name="综合得分", unit="分", sort_descending=False)),
    ]


def slide_is_16_9(width: Emu, height: Emu) -> bool:
    """Return whether a slide size is 16:9 (within rounding)."""
    return abs(width / height - 16 / 9) < 0.01
