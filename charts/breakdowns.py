"""Figures of a breakdown: a metric by category (问题领域, 发现方式, 违纪类型, 四种形态, 处分种类 …).

``df`` has a ``category`` column and a value column (and usually ``share``); categories come
ordered by the metrics layer (vocabulary order or by size), and the builders keep that order.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.theme import LEVEL_COLORS, PRIMARY_COLOR, WARNING_COLORS, apply_theme, empty_figure, figure, trace

# enough distinct colours for 10 categories of a donut; warning-like categories use their own colours
CATEGORY_PALETTE = ("#C0392B", "#1F4E79", "#E1812C", "#3A923A", "#9372B2", "#845B53", "#D684BD",
                    "#7F7F7F", "#A9AA35", "#2EBDCC", "#3D5A80", "#B8860B")
STATUS_COLORS = {"未启动": "#D62728", "整改中": "#F2B701", "已完成": "#3A923A", "已销号": "#1F4E79"}


def category_color(category: str, i: int) -> str:
    """Return the colour of a category: status and warning words keep their meaning, others cycle."""
    for table in (STATUS_COLORS, WARNING_COLORS, LEVEL_COLORS):
        if category in table:
            return table[category]
    return CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)]


def _hover(name: str, unit: str, with_share: bool, axis: str) -> str:
    amount = f"%{{{axis}:.2f}}万元" if unit == "万元" else f"%{{{axis}}}{unit}"
    share = "<br>占比：%{customdata:.1%}" if with_share else ""
    label_axis = "y" if axis == "x" else "x"
    return f"%{{{label_axis}}}<br>{name}：{amount}{share}<extra></extra>"


def category_bar(df: pd.DataFrame, value_column: str, title: str, *, value_name: str, unit: str,
                 category_column: str = "category", horizontal: bool = True,
                 color: str | None = PRIMARY_COLOR) -> go.Figure:
    """Return bars of ``value_column`` per category, labelled with the value (and share if given)."""
    if df is None or df.empty or float(df[value_column].fillna(0).astype(float).sum()) == 0:
        return empty_figure(title)
    values = df[value_column].astype(float)
    has_share = "share" in df.columns
    shares = df["share"].astype(float) if has_share else None
    if unit == "万元":
        text = [f"{v:.2f}" for v in values]
    else:
        text = [f"{v:g}" for v in values]
    if has_share:
        text = [f"{t}（{s:.1%}）" for t, s in zip(text, shares)]
    colors = color if color else [category_color(c, i) for i, c in enumerate(df[category_column])]
    axis_title = f"{value_name}（{unit}）" if unit else value_name
    if horizontal:
        bar = trace(go.Bar, y=df[category_column], x=values, orientation="h", marker={"color": colors}, text=text,
                    textposition="outside", cliponaxis=False, customdata=shares,
                    hovertemplate=_hover(value_name, unit, has_share, "x"))
    else:
        bar = trace(go.Bar, x=df[category_column], y=values, marker={"color": colors}, text=text,
                    textposition="outside", cliponaxis=False, customdata=shares,
                    hovertemplate=_hover(value_name, unit, has_share, "y"))
    height = max(300, 40 + 34 * len(df)) if horizontal else 420
    if horizontal:
        return apply_theme(figure(bar), title, x_title=axis_title, y_title="", legend=False, height=height,
                           yaxis={"autorange": "reversed", "type": "category"},
                           xaxis={"range": [0, float(values.max()) * 1.3 or 1]})
    return apply_theme(figure(bar), title, x_title="", y_title=axis_title, legend=False, height=height,
                       xaxis={"type": "category"})


def share_donut(df: pd.DataFrame, value_column: str, title: str, *, value_name: str, unit: str,
                category_column: str = "category") -> go.Figure:
    """Return a donut of the categories' shares (e.g. 四种形态, 整改状态), with counts in the hover."""
    if df is None or df.empty or float(df[value_column].fillna(0).astype(float).sum()) == 0:
        return empty_figure(title)
    categories = list(df[category_column])
    values = df[value_column].fillna(0).astype(float)
    fig = figure(trace(
        go.Pie, labels=categories, values=values, hole=0.45, sort=False,
        marker={"colors": [category_color(c, i) for i, c in enumerate(categories)]},
        # an empty category stays in the legend but gets no "0.0%" label sticking out of the ring
        textinfo="label+percent", texttemplate=["%{label}<br>%{percent:.1%}" if v > 0 else "" for v in values],
        hovertemplate=f"%{{label}}<br>{value_name}：%{{value}}{unit}<br>占比：%{{percent:.1%}}<extra></extra>",
    ))
    return apply_theme(fig, title, legend=True, height=380, layout={
        "legend": {"orientation": "v", "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle"}})
