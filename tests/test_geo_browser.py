"""The map page in a real Chromium with the network cut off from everything but the app."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import browser, page, start_app, stop_app  # noqa: F401 - pytest fixtures
from tests.test_geo_map import XSS_IMG, build_map_warehouse

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_app(tmp_path_factory):
    """Yield the base URL of the app served against the map test warehouse."""
    folder = tmp_path_factory.mktemp("map_app")
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    build_map_warehouse(url, folder / "boundaries").dispose()
    process, base_url = start_app(url, log_path=folder / "server.log")
    yield base_url
    stop_app(process)


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

    # the village whose name is an <img onerror> payload: its tooltip shows the text, nothing runs
    markers = map_frame.locator("path.leaflet-interactive")
    shown = None
    for index in range(3, 8):
        markers.nth(index).hover(force=True)
        tooltip = map_frame.locator(".leaflet-tooltip").last
        if "onerror" in (tooltip.text_content() or ""):
            shown = tooltip
            break
    assert shown is not None, "the payload village's tooltip never showed"
    expect(shown).to_contain_text(XSS_IMG)  # shown as characters
    assert map_frame.locator(".leaflet-tooltip img").count() == 0

    assert attempted_outside == []
    assert dialogs == []
    local = [u for u in page.requested_urls if not u.startswith(("data:", "blob:", "about:"))]
    assert local and all(urlparse(u).hostname == "127.0.0.1" for u in local)
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in local)
    assert any(u.endswith("/app/static/vendor/leaflet-heat/leaflet_heat.min.js") for u in local)
