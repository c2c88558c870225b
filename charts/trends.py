"""Figures over time: a metric per period (bars you can click to drill), rates against a target.

Builders take the DataFrames of the metrics layer's data functions (``period_code``, ``period_label`` and value
columns) and return a themed ``go.Figure``; they never call ``st.*``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.theme import (
    PRIMARY_COLOR,
    SECONDARY_COLOR,
    TARGET_LINE_COLOR,
    apply_theme,
    empty_figure,
    figure,
    format_percent,
    trace,
)

SERIES_COLORS = (PRIMARY_COLOR, SECONDARY_COLOR, "#E1812C", "#3A923A", "#9372B2", "#7F7F7F")


def _value_hover(name: str, unit: str, percent: bool, axis: str = "y") -> str:
    if percent:
        return f"%{{x}}<br>{name}：%{{{axis}:.1%}}<extra></extra>"
    if unit == "万元":
        return f"%{{x}}<br>{name}：%{{{axis}:.2f}}万元<extra></extra>"
    return f"%{{x}}<br>{name}：%{{{axis}}}{unit}<extra></extra>"


def period_bar(df: pd.DataFrame, value_column: str, title: str, *, value_name: str, unit: str,
               selected_code: str | None = None, percent: bool = False) -> go.Figure:
    """Return bars of one metric per period; each bar carries its period code (click to drill).

    ``df`` has ``period_code``, ``period_label`` and ``value_column``; ``selected_code`` is drawn
    in the primary colour, the others muted, so the period being read stands out.
    """
    if df is None or df.empty:
        return empty_figure(title)
    y_title = value_name if percent else f"{value_name}（{unit}）"
    return apply_theme(figure(_period_bars(df, value_column, value_name, unit, selected_code, percent)), title,
                       x_title="期间", y_title=y_title, legend=False, percent_axis="y" if percent else None,
                       xaxis={"type": "category"}, layout=_CLICKABLE)


_CLICKABLE = {"clickmode": "event+select", "dragmode": False}  # a bar click selects its period (the drill)


def _period_bars(df: pd.DataFrame, value_column: str, value_name: str, unit: str, selected_code: str | None,
                 percent: bool, **more):
    """The bars of ``period_bar``: the selected period in the primary colour, the others muted."""
    colors = [PRIMARY_COLOR if selected_code in (None, code) else "#E6A19A" for code in df["period_code"]]
    values = df[value_column].astype(float)
    text = [format_percent(v) if percent else (f"{v:.2f}" if unit == "万元" else f"{v:g}") for v in values]
    return trace(go.Bar, x=df["period_label"], y=values, customdata=df["period_code"], marker={"color": colors},
                 text=text, textposition="outside", cliponaxis=False, name=value_name,
                 hovertemplate=_value_hover(value_name, unit, percent), **more)


def period_lines(df: pd.DataFrame, series: dict[str, str], title: str, *, y_title: str, unit: str = "",
                 percent: bool = False, target: float | None = None, target_name: str = "目标") -> go.Figure:
    """Return one line per column of ``series`` (column → Chinese name) over ``period_label``.

    ``target`` draws a dashed horizontal line (e.g. the 满意率 target of the settings).
    """
    if df is None or df.empty:
        return empty_figure(title)
    lines = []
    for i, (column, name) in enumerate(series.items()):
        values = df[column].astype(float)
        lines.append(trace(
            go.Scatter, x=df["period_label"], y=values, customdata=df["period_code"], name=name,
            mode="lines+markers+text", line={"color": SERIES_COLORS[i % len(SERIES_COLORS)], "width": 3},
            marker={"size": 8}, text=[format_percent(v) if percent else "" for v in values] if len(series) == 1 else None,
            textposition="top center", hovertemplate=_value_hover(name, unit, percent),
        ))
    fig = figure(*lines)
    if target is not None:
        label = format_percent(target) if percent else f"{target:g}{unit}"
        fig.add_hline(y=target, line_dash="dash", line_color=TARGET_LINE_COLOR, line_width=2,
                      annotation_text=f"{target_name} {label}", annotation_position="top left",
                      annotation_font_color=TARGET_LINE_COLOR)
    axis_title = y_title if percent or not unit else f"{y_title}（{unit}）"
    y_range = None
    if percent:
        lows = [df[c].astype(float).min() for c in series]
        low = min([v for v in lows if pd.notna(v)] + ([target] if target is not None else []) or [0])
        y_range = {"range": [max(0.0, low - 0.1), 1.02]}
    return apply_theme(fig, title, x_title="期间", y_title=axis_title, legend=len(series) > 1,
                       percent_axis="y" if percent else None, xaxis={"type": "category"}, yaxis=y_range)


def bar_with_rate(df: pd.DataFrame, count_column: str, rate_column: str, title: str, *, count_name: str,
                  count_unit: str, rate_name: str, selected_code: str | None = None) -> go.Figure:
    """Return bars of a count per period with a rate on a second axis (e.g. 立案数 and 主动发现率)."""
    if df is None or df.empty:
        return empty_figure(title)
    bars = _period_bars(df, count_column, count_name, count_unit, selected_code, False, showlegend=True)
    rate = trace(go.Scatter, x=df["period_label"], y=df[rate_column].astype(float), name=rate_name, yaxis="y2",
                 mode="lines+markers", line={"color": SECONDARY_COLOR, "width": 2}, marker={"size": 7},
                 hovertemplate=_value_hover(rate_name, "", True))
    return apply_theme(
        figure(bars, rate), title, x_title="期间", y_title=f"{count_name}（{count_unit}）", legend=True,
        xaxis={"type": "category"}, layout={
            **_CLICKABLE, "yaxis2": {"title": {"text": rate_name}, "overlaying": "y", "side": "right",
                                     "tickformat": ".0%", "range": [0, 1.05], "dtick": 0.2, "showgrid": False}})
