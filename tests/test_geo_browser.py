"""The map page in a real Chromium with the network cut off from everything but the app."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import served_app, wait_for_page
from tests.test_geo_map import XSS_IMG, build_map_warehouse

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_warehouse_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("map_app")
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    build_map_warehouse(url, folder / "boundaries").dispose()
    return url


@pytest.fixture(scope="module")
def map_app(map_warehouse_url, tmp_path_factory):
    """Yield the base URL of the app served against the map test warehouse."""
    with served_app(map_warehouse_url, tmp_path_factory.mktemp("log") / "server.log") as base_url:
        yield base_url


def test_the_map_page_draws_heat_and_outlines_with_no_request_leaving_the_host(map_app, page):  # noqa: F811
    from playwright.sync_api import expect

    attempted_outside: list[str] = []
    dialogs: list[str] = []

    def only_the_app(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            attempted_outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_app)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{map_app}/heatmap", wait_until="domcontentloaded")

    expect(page.get_by_role("heading", name="线索热力图")).to_be_visible(timeout=60_000)
    map_frame = page.frame_locator("iframe[title*='st_folium']")
    heat = map_frame.locator("canvas.leaflet-heatmap-layer")
    expect(heat).to_have_count(1, timeout=60_000)
    outlines = map_frame.locator("path.leaflet-interactive")
    # 3 township outlines + 5 village markers (河口社区 has no point)
    expect(outlines).to_have_count(8, timeout=30_000)
    expect(map_frame.locator(".map-legend")).to_contain_text("热力：线索数")
    # the credit is plain text: no link off the intranet, no flag icon from Leaflet's default prefix
    attribution = map_frame.locator(".leaflet-control-attribution")
    expect(attribution).to_have_text("Leaflet")
    assert attribution.locator("svg, img, a").count() == 0

    # the village whose name is an <img onerror> payload: its tooltip shows the text, nothing runs
    # A synthetic mouseover rather than a pointer hover: Leaflet finds the marker from the event's
    # target, so the test does not depend on where fitBounds left the marker inside the frame
    # (a pointer hover failed in CI with "element is outside of the viewport").
    markers = map_frame.locator("path.leaflet-interactive")
    shown = None
    for index in range(3, 8):
        markers.nth(index).dispatch_event("mouseover")
        tooltip = map_frame.locator(".leaflet-tooltip").last
        if "onerror" in (tooltip.text_content() or ""):
            shown = tooltip
            break
    assert shown is not None, "the payload village's tooltip never showed"
    expect(shown).to_contain_text(XSS_IMG)  # shown as characters
    assert map_frame.locator(".leaflet-tooltip img").count() == 0

    # the layer list switches the villages off and on
    layers = map_frame.locator(".leaflet-control-layers-overlays label")
    expect(layers).to_have_text(["乡镇边界", "村（社区）点位"], use_inner_text=True)
    layers.filter(has_text="村（社区）点位").locator("input").uncheck()
    expect(outlines).to_have_count(3)
    layers.filter(has_text="村（社区）点位").locator("input").check()
    expect(outlines).to_have_count(8)

    # the month view: the page's toggle, then the player inside the map steps through the year
    track = page.locator('[data-testid="stCheckbox"]').filter(has_text="逐月查看").locator("label > div").first
    month_caption = page.get_by_text("地图右上角的“播放”按月依次显示全年热力分布")
    for _ in range(3):  # a click while the app's first run is still settling can be lost
        track.click()
        try:
            expect(month_caption).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    expect(month_caption).to_be_visible()
    map_frame = page.frame_locator("iframe[title*='st_folium']")
    month_label = map_frame.locator(".monthly-heat-label")
    expect(month_label).to_have_count(1, timeout=30_000)
    first_month = month_label.text_content()
    assert first_month.startswith("2024年") and first_month.endswith("月")
    map_frame.get_by_role("button", name="播放").click()
    expect(month_label).not_to_have_text(first_month, timeout=5_000)
    map_frame.get_by_role("button", name="暂停").click()

    assert attempted_outside == []
    assert dialogs == []
    local = [u for u in page.requested_urls if not u.startswith(("data:", "blob:", "about:"))]
    assert local and all(urlparse(u).hostname == "127.0.0.1" for u in local)
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in local)
    assert any(u.endswith("/app/static/vendor/leaflet-heat/leaflet_heat.min.js") for u in local)


def test_the_offline_map_download_opens_from_disk_with_no_network(map_app, map_warehouse_url, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect
    from sqlalchemy import create_engine, select

    from warehouse.schema import audit_events

    page.goto(f"{map_app}/heatmap", wait_until="domcontentloaded")
    wait_for_page(page, "线索热力图")
    button = page.get_by_role("button", name="下载离线地图（HTML，可直接用浏览器打开）")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as download_info:
        button.click()
    saved = tmp_path / "map.html"
    download_info.value.save_as(saved)
    document = saved.read_text(encoding="utf-8")
    assert "<script src=" not in document and "/app/static/" not in document and "内部资料 注意保密" in document

    # A context of its own: the app's page stays open in the first one and may fetch its own
    # static files again (a rerun after the download), which are not the offline file's requests.
    requested_outside: list[str] = []
    offline_context = page.context.browser.new_context()
    try:
        offline_context.route("**/*", lambda route: (
            route.continue_() if route.request.url.startswith("file://")
            else (requested_outside.append(route.request.url), route.abort())))
        offline = offline_context.new_page()
        offline.goto(saved.as_uri())
        expect(offline.locator("canvas.leaflet-heatmap-layer")).to_have_count(1, timeout=30_000)
        expect(offline.locator("path.leaflet-interactive")).to_have_count(8)
    finally:
        offline_context.close()
    assert requested_outside == []

    engine = create_engine(map_warehouse_url)
    with engine.connect() as conn:
        details = conn.execute(select(audit_events.c.action, audit_events.c.detail)).all()
    engine.dispose()
    assert any(action == "export" and "问题线索热力图.html" in detail for action, detail in details)


def test_the_month_player_steps_through_the_year_in_a_map_opened_from_disk(map_warehouse_url, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from geo.heatmap import TileSource, build_map, render_html
    from metrics import places
    from metrics.periods import Period
    from metrics.scope import Scope
    from warehouse.engine import get_engine

    engine = get_engine(map_warehouse_url)
    scope = Scope.county()
    fmap = build_map(places.village_clue_counts(engine, scope, period=Period.month(2024, 1)),
                     places.township_clue_rates(engine, scope, period=Period.month(2024, 1)),
                     places.boundary_geometries(engine, scope), tiles=TileSource("none"), inline=True,
                     monthly=places.monthly_village_counts(engine, scope, year=2024), start_month="2024-01")
    saved = tmp_path / "months.html"
    saved.write_text(render_html(fmap), encoding="utf-8")
    page.goto(saved.as_uri())
    label = page.locator(".monthly-heat-label")
    expect(label).to_have_text("2024年1月")
    page.locator(".monthly-heat-slider").fill("6")
    expect(label).to_have_text("2024年7月")
    page.get_by_role("button", name="播放").click()
    expect(label).to_have_text("2024年8月", timeout=5_000)  # one step every 1.2 s
    page.get_by_role("button", name="暂停").click()
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    assert all(u.startswith("file://") for u in page.requested_urls)
