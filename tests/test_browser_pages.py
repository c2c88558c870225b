"""The app in a real Chromium on the sample county: pages render, drilldown, meeting mode, offline.

Run with ``SAVE_SCREENSHOTS=1`` to write docs/screenshots/<page>.png (1600x1000, whole page).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from tests.browser import save_screenshot, served_app, wait_for_page
from ui.frame import MEETING_AGENDA, PAGES, visible_pages

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
PLOTTED_PAGES = ("overview", "cases", "rectification", "satisfaction", "ranking")


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def assert_only_own_host(page, base_url: str) -> None:
    foreign = sorted({url for url in page.requested_urls if not url.startswith(base_url)
                      and not url.startswith(("data:", "blob:", "about:"))})
    assert not foreign, f"requests left the app's host: {foreign[:10]}"


@pytest.mark.parametrize("page_id", [p for ids in visible_pages("纪委").values() for p in ids])
def test_every_page_renders_its_charts_without_an_exception_and_fetches_nothing_outside(page, app_server, page_id):
    title = PAGES[page_id][0]
    path = "" if page_id == "overview" else page_id  # the default page lives at the root
    page.goto(f"{app_server}/{path}?granularity=年&period=2024年")
    wait_for_page(page, title)
    if page_id in PLOTTED_PAGES:
        expect()(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
        expect()(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=TIMEOUT)
        assert page.locator(".js-plotly-plot").count() >= 1
        # the provenance line of the data
        expect()(page.get_by_text(re.compile(r"数据截至 2026-11-15 · 批次 \d+")).first).to_be_visible()
    if page_id == "bulletin":  # no chart: its controls are what a user reads first
        expect()(page.get_by_role("button", name="生成季通报")).to_be_visible(timeout=TIMEOUT)
    # the global filters in the sidebar are drawn, not still placeholders
    expect()(page.locator("[data-testid=stSidebar]").get_by_text("统计粒度")).to_be_visible(timeout=TIMEOUT)
    if page_id == "heatmap":  # the geo work's offline map, in its iframe
        expect()(page.frame_locator("iframe").first.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT)
    expect()(page.locator("[data-testid=stException]")).to_have_count(0)
    expect()(page.get_by_text("Page not found")).to_have_count(0)
    # the sidebar navigation shows the Chinese titles, grouped
    expect()(page.locator("[data-testid=stSidebarNav]").get_by_text("专题分析")).to_be_visible()
    save_screenshot(page, page_id)
    assert_only_own_host(page, app_server)


def test_clicking_a_month_of_the_quarter_drills_into_it(page, app_server):
    page.goto(f"{app_server}/cases?granularity=季&period=2024年第二季度")
    wait_for_page(page, "案件统计")
    chart = page.locator(".stPlotlyChart, [data-testid=stPlotlyChart]").filter(
        has_text="2024年第二季度各月份立案数").first
    expect()(chart.locator(".js-plotly-plot .bars path").first).to_be_visible(timeout=TIMEOUT)
    chart.locator(".js-plotly-plot .bars path").nth(1).click(force=True)  # 2024年5月
    period = page.locator("[data-testid=stSidebar]").get_by_role("combobox", name="统计期间")
    expect()(period).to_have_value("2024年5月", timeout=TIMEOUT)
    expect()(page.get_by_text("全县 · 2024年5月")).to_be_visible(timeout=TIMEOUT)
    assert "period=2024年5月" in unquote(page.url)  # the drilled view is a link too
    # and back up: 上钻 goes to the quarter
    page.get_by_role("button", name="上钻到2024年第二季度").click()
    expect()(period).to_have_value("2024年第二季度", timeout=TIMEOUT)
    expect()(page.locator("[data-testid=stException]")).to_have_count(0)
    assert_only_own_host(page, app_server)


def test_the_weeks_new_clues_and_cases_are_listed_once_their_details_are_opened(page, app_server):
    page.goto(f"{app_server}/?granularity=季&period=2024年第三季度")
    wait_for_page(page, "总览")
    expect()(page.get_by_text("红色及挂牌督办线索（在办）")).to_be_visible(timeout=TIMEOUT)
    tables = page.locator("[data-testid=stDataFrame]")
    expect()(tables).to_have_count(2, timeout=TIMEOUT)  # the open priority clues and 报送情况: the lists wait
    details = page.locator("[data-testid=stExpander]")
    expect()(details.locator("[data-testid=stDataFrame]")).to_have_count(0)
    page.get_by_text("查看近7天新增线索与案件明细").click()  # the expander reruns the page, which reads them
    expect()(details.locator("[data-testid=stDataFrame]")).to_have_count(2, timeout=TIMEOUT)
    expect()(tables).to_have_count(4)
    expect()(details.get_by_text("990101-XS-2026-00760")).to_be_attached(timeout=TIMEOUT)  # the newest clue (a canvas grid)
    expect()(page.locator("[data-testid=stException]")).to_have_count(0)


def test_meeting_mode_hides_the_sidebar_and_steps_through_the_agenda_with_next(page, app_server):
    page.goto(f"{app_server}/?meeting=1&granularity=年&period=2024年")
    wait_for_page(page, "总览")
    expect()(page.get_by_text("全县 · 2024年", exact=True)).to_be_visible()
    expect()(page.locator("[data-testid=stSidebar]")).to_be_hidden()
    expect()(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=TIMEOUT)
    save_screenshot(page, "meeting_overview")
    for page_id in MEETING_AGENDA[1:]:
        page.get_by_role("button", name=re.compile("^下一页")).click()
        wait_for_page(page, PAGES[page_id][0])
        expect()(page.locator("[data-testid=stSidebar]")).to_be_hidden()
        assert "meeting=1" in page.url
        if page_id == "rectification":  # the filters went along: still the year 2024
            expect()(page.get_by_text("全县 · 截至 2024-12-31（2024年末）")).to_be_visible()
        expect()(page.locator("[data-testid=stException]")).to_have_count(0)
    assert_only_own_host(page, app_server)


def test_a_deep_link_to_a_fresh_server_is_framed_by_the_dashboard(page, sample_db_url, tmp_path):
    with served_app(sample_db_url, tmp_path / "server.log") as base_url:
        page.goto(f"{base_url}/satisfaction?granularity=季&period=2023年第一季度")
        wait_for_page(page, "满意度")
        # the filters of dashboard.py are there, and the page reads them
        expect()(page.locator("[data-testid=stSidebar]").get_by_text("统计粒度")).to_be_visible()
        expect()(page.get_by_text("全县 · 2023年第一季度")).to_be_visible()
        expect()(page.locator("[data-testid=stMetricValue]").first).to_have_text("82.3%", timeout=TIMEOUT)
        expect()(page.locator("[data-testid=stSidebarNav]").get_by_text("季度排名")).to_be_visible()


def test_with_ci_true_a_missing_chromium_fails_instead_of_skipping(monkeypatch):
    import tests.browser as browser_fixtures

    monkeypatch.setattr(browser_fixtures, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_fixtures.require_chromium()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        browser_fixtures.require_chromium()
