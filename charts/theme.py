"""The one chart theme: CJK fonts, a colour per township, the warning colours, Chinese number formats.

Every builder in ``charts/`` makes its traces with ``trace`` and ends with ``apply_theme``; nothing here
calls ``st.*``, so the same figure serves the page, the PNG export and the Word bulletin. No trace here
uses topojson and no text uses LaTeX, so plotly never reaches for a CDN (MathJax, topojson) when a
figure is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
from collections.abc import Iterable
from decimal import Decimal

import plotly.graph_objects as go

from config import settings

# 12 clearly distinct colours (Tableau-like, darkened for a projector); a county has 8-20 townships,
# so past 12 the palette cycles with a second, lighter shade.
TOWNSHIP_PALETTE = (
    "#1F77B4", "#E1812C", "#3A923A", "#C03D3E", "#9372B2", "#845B53",
    "#D684BD", "#7F7F7F", "#A9AA35", "#2EBDCC", "#3D5A80", "#B8860B",
    "#6BAED6", "#FDAE6B", "#74C476", "#FB6A4A", "#BCBDDC", "#C49C94",
)

# docs/DOMAIN.md: 整改 warnings are 红/黄/绿; the clue ledger's management levels are 红/黄/蓝.
WARNING_COLORS = {"红": "#D62728", "黄": "#F2B701", "绿": "#2CA02C"}
LEVEL_COLORS = {"红": "#D62728", "黄": "#F2B701", "蓝": "#1F77B4"}
PRIMARY_COLOR = "#C0392B"  # the app's primary colour (.streamlit/config.toml)
SECONDARY_COLOR = "#1F4E79"
TARGET_LINE_COLOR = "#2CA02C"
NEUTRAL_COLOR = "#9E9E9E"

_township_order: dict[str, int] = {}
_township_order_key = [hashlib.blake2b(b"", digest_size=16).hexdigest()]  # of the codes registered (none yet)

# The house template: the parts of plotly_white that a 2-D bar, line, pie or heatmap uses. The whole
# plotly_white (polar, ternary, 3-D scenes, maps, 24 trace types) is 7 KB of JSON copied into every
# figure and walked on every page run; this is 2 KB and draws the same charts.
_GRID = "#EBF0F8"
# exponentformat "none": 50000, not plotly's 50k (an SI suffix is no Chinese reader's number)
_AXIS = {"gridcolor": _GRID, "linecolor": _GRID, "ticks": "", "title": {"standoff": 15},
         "zerolinecolor": _GRID, "automargin": True, "zerolinewidth": 2, "exponentformat": "none"}
HOUSE_TEMPLATE = go.layout.Template(
    layout={
        "autotypenumbers": "strict",
        "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692",
                     "#B6E880", "#FF97FF", "#FECB52"],
        "font": {"color": "#2a3f5f"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "shapedefaults": {"line": {"color": "#2a3f5f"}},
        "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1},
    },
    data={
        "bar": [go.Bar(marker={"line": {"color": "white", "width": 0.5}})],
        "pie": [go.Pie(automargin=True)],
        "heatmap": [go.Heatmap(colorbar={"outlinewidth": 0, "ticks": ""})],
    },
)


def font_family() -> str:
    """Return the chart font stack (a CJK font first) from the settings."""
    return settings.get("chart_font_family")


def register_townships(township_codes: Iterable[str]) -> None:
    """Fix each township's colour by its place among the county's township codes (sorted)."""
    codes = sorted({str(c) for c in township_codes if c})
    if codes == list(_township_order):  # every run registers the same list: nothing to redo
        return
    _township_order.clear()
    _township_order.update({code: i for i, code in enumerate(codes)})
    _township_order_key[0] = hashlib.blake2b("\n".join(codes).encode(), digest_size=16).hexdigest()


def township_order_key() -> str:
    """A digest of the registered township codes in colour order: the cache key of built figures (1,200 codes at
    100 counties were frozen into every figure's key, 0.3 ms a figure)."""
    return _township_order_key[0]


def township_color(township_code: str | None) -> str:
    """Return the township's colour: the same on every page and in every export."""
    if not township_code:
        return NEUTRAL_COLOR
    code = str(township_code)
    if code in _township_order:
        return TOWNSHIP_PALETTE[_township_order[code] % len(TOWNSHIP_PALETTE)]
    # not registered (an export run outside the app): a stable pick from the code's digits
    digits = int(code[-3:]) if code[-3:].isdigit() else sum(map(ord, code))
    return TOWNSHIP_PALETTE[(digits * 7) % len(TOWNSHIP_PALETTE)]


def township_colors(township_codes: Iterable[str]) -> list[str]:
    """Return the colours of ``township_codes``, in order."""
    return [township_color(c) for c in township_codes]


# --- Chinese number formats --------------------------------------------------------------------

def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def format_wan_yuan(value, unit: bool = True) -> str:
    """Return 873.46万元 (two decimals; '—' when missing)."""
    if _is_missing(value):
        return "—"
    text = f"{float(Decimal(str(value))):,.2f}".replace(",", "")
    return f"{text}万元" if unit else text


def format_percent(rate, digits: int = 1) -> str:
    """Return 82.3% from a rate between 0 and 1 ('—' when missing)."""
    if _is_missing(rate):
        return "—"
    return f"{float(rate) * 100:.{digits}f}%"


def format_count(value, unit: str = "") -> str:
    """Return 126件 / 152人 ('—' when missing)."""
    if _is_missing(value):
        return "—"
    return f"{int(round(float(value)))}{unit}"


def format_points(change, digits: int = 1) -> str:
    """Return a change in percentage points: +3.2个百分点."""
    if _is_missing(change):
        return "—"
    return f"{float(change) * 100:+.{digits}f}个百分点"


def format_change(change, digits: int = 1) -> str:
    """Return a relative change: +12.5% (同比/环比 of a count or an amount)."""
    if _is_missing(change):
        return "—"
    return f"{float(change) * 100:+.{digits}f}%"


# --- the figure layout -------------------------------------------------------------------------

def trace(kind: type, **properties):
    """A trace of ``kind`` (``go.Bar``, ``go.Scatter`` …) holding ``properties`` as given, not validated.

    Plotly checks each property a figure is given against its schema, walking its property tree for each: a bar
    chart's trace and layout were 3-4 ms of its 4-6, ten charts a page. The builders give values the checks pass
    unchanged (strings, numbers, lists, pandas Series, nested dicts rather than ``marker_color`` paths);
    ``test_every_figure_is_one_plotly_validates_unchanged`` builds each kind of every builder's figure and checks
    that plotly's validation accepts it and leaves its JSON as it is."""
    return kind(_validate=False, **properties)


def figure(*traces) -> go.Figure:
    """A figure of ``traces`` (``trace(...)``), not validated, for ``apply_theme`` to finish."""
    return go.Figure(data=list(traces), _validate=False)


def apply_theme(fig: go.Figure, title: str, *, x_title: str | None = None, y_title: str | None = None,
                height: int = 420, legend: bool = True, percent_axis: str | None = None,
                xaxis: dict | None = None, yaxis: dict | None = None, layout: dict | None = None) -> go.Figure:
    """Return a new figure of ``fig``'s traces and layout with the house layout: CJK font, Chinese title, axis
    titles with units (``fig`` is left as it was).

    ``percent_axis`` ('x' or 'y') formats that axis as 82.3% (values are rates between 0 and 1); ``xaxis`` and
    ``yaxis`` are the builder's own settings of the x or y axis (a category axis, a range), ``layout`` its other
    layout settings (nested dicts, no ``title_text`` paths; a second y axis's too). The figure is made from the
    finished layout at once, unvalidated (``trace``): ``update_layout`` walked plotly's property tree per key,
    3 ms of a bar chart.
    """
    family = font_family()
    axes: dict[str, dict] = {"x": {}, "y": {}}
    for axis, axis_title in (("x", x_title), ("y", y_title)):
        if axis_title is not None:
            axes[axis]["title"] = {"text": axis_title}
    if percent_axis in axes:
        axes[percent_axis]["tickformat"] = ".0%"
    for axis in ("x", "y"):
        if axis != percent_axis and _small_whole_numbers(fig, axis):
            # counts of a few items: plotly would tick 0.5, 1.5 … — half an overdue item means nothing
            axes[axis].update(dtick=1, tick0=0)
    axes["x"].update(xaxis or {})
    axes["y"].update(yaxis or {})
    _house_template_as_default(family)  # the new figure starts from the house template in this font
    data = [trace_.to_plotly_json() for trace_ in fig.data]  # as given (to_dict would turn arrays into base64)
    themed = fig.layout.to_plotly_json()
    themed.pop("template", None)
    _merged(themed, {"title": {"text": title}, "font": {"family": family}, "height": height, "showlegend": legend,
                     **(layout or {})})
    for axis, settings_ in axes.items():  # the first axes' (no builder draws subplots; a second axis is its layout's)
        if settings_:
            themed[f"{axis}axis"] = _merged(dict(themed.get(f"{axis}axis") or {}), settings_)
    return go.Figure({"data": data, "layout": themed}, _validate=False)


def _merged(target: dict, source: dict) -> dict:
    """``target`` updated by ``source`` as plotly's ``update`` does: nested dicts merged key by key, other values
    (lists, numbers, strings) replaced."""
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = _merged(dict(target[key]), value)
        else:
            target[key] = _merged({}, value) if isinstance(value, dict) else value
    return target


def _house_template_as_default(family: str) -> None:
    """Make the house template in ``family`` plotly's default (``plotly.io.templates.default``). Every new figure
    then starts from it as it starts from plotly's own, without validating it: assigning the template to each
    figure copied and validated it, 3.7 ms of a bar chart's 11 ms."""
    import plotly.io as pio

    name = f"house:{family}"
    if pio.templates.default == name:
        return
    if name not in pio.templates:
        pio.templates[name] = house_template(family)
    pio.templates.default = name


@functools.lru_cache(maxsize=8)
def house_template(family: str) -> go.layout.Template:
    """``HOUSE_TEMPLATE`` with the layout every chart shares in the font stack ``family``: CJK fonts for the
    title, text, hover and ticks, the margins, the legend above the plot, 873.46 (no thousands gap)."""
    template = go.layout.Template(HOUSE_TEMPLATE)
    template.layout.update(
        title={"x": 0.01, "xanchor": "left", "font": {"size": 18, "family": family}},
        font={"family": family, "size": 13, "color": "#262730"},
        hoverlabel={"font": {"family": family, "size": 13}},
        separators=".,",
        margin={"l": 60, "r": 24, "t": 64, "b": 48},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0,
                "title": {"text": ""}},
    )
    template.layout.xaxis.update(tickfont={"family": family}, automargin=True)
    template.layout.yaxis.update(tickfont={"family": family}, automargin=True, separatethousands=False)
    return template


def _small_whole_numbers(fig: go.Figure, axis: str) -> bool:
    """True when every numeric value plotted on ``axis`` of the primary axes is a whole number ≤ 8."""
    values = []
    for trace in fig.data:
        if getattr(trace, f"{axis}axis", axis) not in (axis, None):
            continue  # a secondary axis (e.g. a rate line) keeps its own ticks
        data = getattr(trace, axis, None)
        if data is None:
            continue
        for value in data:
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
                return False
            values.append(float(value))
    return bool(values) and all(v.is_integer() for v in values) and max(values) <= 8


def empty_figure(title: str, message: str = "所选期间暂无数据") -> go.Figure:
    """Return a themed figure that says there is no data (so a page never shows a blank box)."""
    note = {"font": {"color": NEUTRAL_COLOR, "size": 16}, "showarrow": False, "text": message, "x": 0.5,
            "xref": "paper", "y": 0.5, "yref": "paper"}
    return apply_theme(figure(), title, height=260, legend=False, xaxis={"visible": False},
                       yaxis={"visible": False}, layout={"annotations": [note]})
