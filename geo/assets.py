"""The map's browser assets, served from the app's own host (``/app/static/vendor/…``).

folium's classes point at CDNs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers): on
an intranet with no internet the map would be blank. Every element the map uses is given the
local files instead, per instance (the classes are left alone). ``inline=True`` embeds the
scripts and styles themselves, for a standalone HTML file that opens from disk.
"""

from __future__ import annotations

from pathlib import Path

from config.settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "/app/static"  # Streamlit's enableStaticServing prefix for ./static/

LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
LEAFLET_HEAT_JS = "vendor/leaflet-heat/leaflet_heat.min.js"

MAP_JS = (("leaflet", LEAFLET_JS),)
MAP_CSS = (("leaflet_css", LEAFLET_CSS),)
HEAT_JS = (("leaflet-heat.js", LEAFLET_HEAT_JS),)


def asset_url(relative_path: str) -> str:
    """Return the URL the app serves a vendored file at: /app/static/vendor/…"""
    return f"{STATIC_URL}/{relative_path}"


def asset_path(relative_path: str) -> Path:
    """Return the vendored file on disk."""
    return STATIC_DIR / relative_path


def localise(element, js: tuple[tuple[str, str], ...], css: tuple[tuple[str, str], ...] = ()) -> None:
    """Point one folium element's scripts and styles at the local files (and nothing else)."""
    element.default_js = [(name, asset_url(path)) for name, path in js]
    element.default_css = [(name, asset_url(path)) for name, path in css]


def inline_assets(js: tuple[tuple[str, str], ...], css: tuple[tuple[str, str], ...]) -> str:
    """Return <style> and <script> tags holding the files' text, for a map that opens from disk.

    Leaflet's CSS refers to images/ for the layer control and default markers only; this map
    uses neither, so the styles work without them.
    """
    parts = [f"<style>{asset_path(path).read_text(encoding='utf-8')}</style>" for _, path in css]
    for _, path in js:
        text = asset_path(path).read_text(encoding="utf-8").replace("</script", "<\\/script")
        parts.append(f"<script>{text}</script>")
    return "\n".join(parts)
