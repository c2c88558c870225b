"""Figures that compare townships: a metric per township, two rates side by side, a heat table, the ranking.

Every township keeps its own colour (``theme.township_color``) on every page and in every export.
``df`` has ``township_code`` and ``township_name`` besides the value columns.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.theme import (
    PRIMARY_COLOR,
    SECONDARY_COLOR,
    TARGET_LINE_COLOR,
    WARNING_COLORS,
    apply_theme,
    empty_figure,
    figure,
    format_percent,
    township_colors,
    trace,
)


def counties_as_places(df: pd.DataFrame) -> pd.DataFrame:
    """A per-county table (``county_code``, ``county_name``) under the columns these builders read, so a
    市级 user's 全市 chart draws its counties where a county's chart draws its townships."""
    return df.rename(columns={"county_code": "township_code", "county_name": "township_name"})


def _text(values, unit: str, percent: bool) -> list[str]:
    if percent:
        return [format_percent(v) for v in values]
    if unit == "万元":
        return [f"{float(v):.2f}" for v in values]
    if unit == "分":  # a score reads with its one decimal: 90.0, not 90 beside 89.9
        return [f"{float(v):.1f}" for v in values]
    return [f"{float(v):g}" for v in values]


def township_bar(df: pd.DataFrame, value_column: str, title: str, *, value_name: str, unit: str = "",
                 percent: bool = False, sort_descending: bool = True, target: float | None = None) -> go.Figure:
    """Return one horizontal bar per township in its own colour, largest first (or as given)."""
    if df is None or df.empty:
        return empty_figure(title)
    data = df.copy()
    data[value_column] = data[value_column].astype(float)
    if sort_descending:
        data = data.sort_values(value_column, ascending=False, kind="stable")
    values = data[value_column]
    if percent:
        hover = f"%{{y}}<br>{value_name}：%{{x:.1%}}<extra></extra>"
    elif unit == "万元":
        hover = f"%{{y}}<br>{value_name}：%{{x:.2f}}万元<extra></extra>"
    else:
        hover = f"%{{y}}<br>{value_name}：%{{x}}{unit}<extra></extra>"
    fig = figure(trace(
        go.Bar, y=data["township_name"], x=values, orientation="h", customdata=data["township_code"],
        marker={"color": township_colors(data["township_code"])}, text=_text(values, unit, percent),
        textposition="outside", cliponaxis=False, hovertemplate=hover,
    ))
    if target is not None:
        fig.add_vline(x=target, line_dash="dash", line_color=TARGET_LINE_COLOR,
                      annotation_text=f"目标 {format_percent(target) if percent else target}",
                      annotation_font_color=TARGET_LINE_COLOR)
    axis_title = value_name if percent or not unit else f"{value_name}（{unit}）"
    top = float(values.max()) if len(values) else 1.0
    return apply_theme(fig, title, x_title=axis_title, y_title="", legend=False,
                       height=max(320, 60 + 30 * len(data)), percent_axis="x" if percent else None,
                       yaxis={"autorange": "reversed", "type": "category"},
                       xaxis={"range": [0, 1.12 if percent else (top * 1.2 or 1)]})


def township_rate_pair(df: pd.DataFrame, rates: dict[str, str], title: str) -> go.Figure:
    """Return grouped horizontal bars of two or more rates per township (e.g. 整改完成率 and 按期完成率).

    Townships stay in the order of ``df`` (the metrics layer ranks them).
    """
    if df is None or df.empty:
        return empty_figure(title)
    colors = (PRIMARY_COLOR, SECONDARY_COLOR, "#E1812C", "#3A923A")
    bars = []
    for i, (column, name) in enumerate(rates.items()):
        values = df[column].astype(float)
        bars.append(trace(
            go.Bar, y=df["township_name"], x=values, orientation="h", name=name,
            marker={"color": colors[i % len(colors)]}, text=[format_percent(v) for v in values],
            textposition="outside", cliponaxis=False, customdata=df["township_code"],
            hovertemplate=f"%{{y}}<br>{name}：%{{x:.1%}}<extra></extra>",
        ))
    return apply_theme(figure(*bars), title, x_title="比率", y_title="", height=max(360, 60 + 46 * len(df)),
                       percent_axis="x", yaxis={"autorange": "reversed", "type": "category"},
                       xaxis={"range": [0, 1.15]}, layout={"barmode": "group", "bargap": 0.25})


def township_heat_table(df: pd.DataFrame, value_column: str, title: str, *, value_name: str,
                        target: float | None = None) -> go.Figure:
    """Return a township × period heat table of a rate, each cell labelled 82.3%.

    ``df`` is long: ``township_name``, ``period_label`` (in period order) and ``value_column``.
    Cells below ``target`` read red-ish, above green-ish (the scale is centred on the target).
    """
    if df is None or df.empty:
        return empty_figure(title)
    periods = list(dict.fromkeys(df["period_label"]))
    names = list(dict.fromkeys(df["township_name"]))
    grid = (df.pivot_table(index="township_name", columns="period_label", values=value_column, aggfunc="first")
              .reindex(index=names, columns=periods))
    values = grid.astype(float).to_numpy()
    text = [[format_percent(v) for v in row] for row in values]
    mid = target if target is not None else float(pd.Series(values.ravel()).median())
    fig = figure(trace(
        go.Heatmap, z=values, x=periods, y=names, text=text, texttemplate="%{text}", textfont={"size": 11},
        colorscale=[[0, WARNING_COLORS["红"]], [0.5, "#FFF3C4"], [1, WARNING_COLORS["绿"]]],
        zmid=mid, xgap=2, ygap=2, colorbar={"title": {"text": value_name}, "tickformat": ".0%"},
        hovertemplate=f"%{{y}} %{{x}}<br>{value_name}：%{{z:.1%}}<extra></extra>",
    ))
    return apply_theme(fig, title, x_title="测评期间", y_title="", legend=False,
                       height=max(360, 90 + 30 * len(names)), xaxis={"type": "category", "side": "bottom"},
                       yaxis={"autorange": "reversed", "type": "category"})


def ranking_score_bar(df: pd.DataFrame, title: str) -> go.Figure:
    """Return the quarterly composite scores, first place at the top, 建议约谈 townships marked.

    ``df`` is ``metrics.quarterly_ranking``: rank, township_code, township_name, score,
    rank_change, suggest_interview.
    """
    if df is None or df.empty:
        return empty_figure(title)
    data = df.sort_values("rank", kind="stable")
    labels = [f"{int(r)}. {n}" + ("（建议约谈）" if flag else "")
              for r, n, flag in zip(data["rank"], data["township_name"], data["suggest_interview"])]
    changes = [("—" if pd.isna(c) else ("持平" if int(c) == 0 else (f"上升{int(c)}位" if c > 0 else f"下降{-int(c)}位")))
               for c in data["rank_change"]]
    fig = figure(trace(
        go.Bar, y=labels, x=data["score"].astype(float), orientation="h",
        marker={"color": township_colors(data["township_code"]),
                "line": {"color": [WARNING_COLORS["红"] if f else "rgba(0,0,0,0)" for f in data["suggest_interview"]],
                         "width": 3}},
        text=[f"{s:.1f}分" for s in data["score"].astype(float)], textposition="outside", cliponaxis=False,
        customdata=changes, hovertemplate="%{y}<br>综合得分：%{x:.1f}分<br>较上季度：%{customdata}<extra></extra>",
    ))
    return apply_theme(fig, title, x_title="综合得分（分）", y_title="", legend=False,
                       height=max(360, 60 + 32 * len(data)), yaxis={"autorange": "reversed", "type": "category"},
                       xaxis={"range": [0, 110]})
