"""Chart PNGs: print scale, one reused browser, Chinese drawn as glyphs (never boxes), the export marks."""

from __future__ import annotations

import io
import subprocess
from datetime import date, datetime

import plotly.graph_objects as go
import pytest
from PIL import Image, ImageChops

from config import settings
from reports.png import chart_png, export_figure, png_size, renderer
from reports.stamps import plotly_config


def township_figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["青石镇", "白水乡", "城关街道"], y=[0.83, 0.91, 0.77]))
    fig.update_layout(yaxis_tickformat=".0%", yaxis_title="整改完成率")
    return fig


def text_image(text: str) -> Image.Image:
    """Render ``text`` alone, in the chart font stack, through the export browser."""
    fig = go.Figure()
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 40, "family": settings.get("chart_font_family")})
    fig.update_layout(xaxis_visible=False, yaxis_visible=False, plot_bgcolor="white", paper_bgcolor="white",
                      margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return Image.open(io.BytesIO(renderer().render(fig, width=400, height=100, scale=1))).convert("L")


def differing_pixels(a: Image.Image, b: Image.Image) -> int:
    histogram = ImageChops.difference(a, b).histogram()
    return sum(histogram[64:])


def test_a_chart_exports_at_print_scale():
    png = chart_png(township_figure(), title="各乡镇整改完成率", unit="%", as_of=date(2024, 9, 30),
                    user_name="张纪检", width=1000, height=560)
    assert png_size(png) == (2000, 1120)  # scale 2


def test_a_tall_ranking_keeps_its_own_height_at_scale_two():
    fig = township_figure()
    fig.update_layout(height=600)
    width, height = png_size(chart_png(fig, title="排名", as_of=date(2024, 9, 30), user_name="张纪检"))
    assert width == 2 * 1000 and height == 2 * (600 + 30)


def test_a_second_export_reuses_the_same_browser():
    chart_png(township_figure(), title="第一次", user_name="张纪检")
    first_pid, starts, renders = renderer().browser_pid, renderer().starts, renderer().renders
    chart_png(township_figure(), title="第二次", user_name="张纪检")
    assert renderer().browser_pid == first_pid
    assert renderer().starts == starts  # no new browser was launched
    assert renderer().renders == renders + 1
    assert renderer().is_browser_alive()


def test_chinese_is_drawn_with_real_glyphs_not_boxes():
    tofu = text_image("\ue000\ue001\ue002\ue003\ue004")  # private-use code points: no font has them
    tofu_again = text_image("\ue010\ue011\ue012\ue013\ue014")
    assert differing_pixels(tofu, tofu_again) == 0, "missing glyphs should all draw the same box"
    first = text_image("整改完成率")
    second = text_image("乡镇综合排")
    # with no CJK font every one of these would be the same five boxes
    assert differing_pixels(first, tofu) > 500
    assert differing_pixels(first, second) > 500


def test_the_chart_font_stack_resolves_to_a_font_with_chinese_glyphs():
    first_family = settings.get("chart_font_family").split(",")[0].strip()
    matched = subprocess.run(["fc-match", "-f", "%{family}|%{charset}", f"{first_family}:charset=6574 5b8c"],
                             capture_output=True, text=True, check=True).stdout
    with_glyphs = subprocess.run(["fc-list", ":charset=6574 5b8c 6210", "family"], capture_output=True, text=True,
                                 check=True).stdout
    assert with_glyphs.strip(), "no installed font has 整/完/成"
    assert matched.split("|")[0].split(",")[0] in with_glyphs


def test_the_export_carries_title_unit_date_and_watermark_and_leaves_the_page_figure_alone():
    fig = township_figure()
    when = datetime(2026, 11, 25, 9, 30)
    dressed = export_figure(fig, title="各乡镇整改完成率", unit="%", as_of=date(2024, 9, 30), user_name="张纪检",
                            exported_at=when)["layout"]
    assert "各乡镇整改完成率" in dressed["title"]["text"] and "（单位：%）" in dressed["title"]["text"]
    assert dressed["title"]["subtitle"]["text"] == "数据截至 2024-09-30"
    marks = [a["text"] for a in dressed["annotations"]]
    assert marks and all("内部资料 注意保密" in m and "张纪检" in m and "2026-11-25 09:30" in m for m in marks)
    assert dressed["font"]["family"] == settings.get("chart_font_family")
    assert dressed["yaxis"]["tickformat"] == ".0%"  # the figure's own layout is kept
    assert fig.layout.title.text is None and not fig.layout.annotations  # the page's figure is untouched


def test_the_toolbar_button_saves_a_chinese_file_name_at_scale_two():
    config = plotly_config("各乡镇整改完成率（2024/Q3）")
    assert config["toImageButtonOptions"]["filename"] == "各乡镇整改完成率（2024_Q3）"
    assert config["toImageButtonOptions"]["scale"] >= 2


@pytest.fixture(scope="module", autouse=True)
def _stop_browser_after_module():
    yield
    renderer().stop()


def test_without_a_browser_the_export_says_so_in_chinese(monkeypatch):
    from reports.png import BrowserMissingError, ChartRenderer

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    lonely = ChartRenderer()
    try:
        with pytest.raises(BrowserMissingError, match="未找到 Chromium"):
            lonely.render(township_figure())
    finally:
        lonely.stop()


def test_the_export_page_loads_nothing_from_the_network():
    from urllib.parse import unquote, urlparse

    chart_png(township_figure(), title="离线", user_name="张纪检")
    index_uri = renderer()._kaleido._index  # the page kaleido drives, written when the browser opened
    html = open(unquote(urlparse(index_uri).path), encoding="utf-8").read()
    assert "plotly" in html and "file://" in html  # plotly.js from the installed package
    assert "http://" not in html and "https://" not in html  # no CDN: no MathJax, no remote plotly.js
