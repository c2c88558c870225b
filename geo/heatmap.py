"""The 线索热力图 as a folium map object: heat layer, township outlines, village markers, legend.

``build_map`` returns the map and never renders it: the page hands it to ``st_folium`` and a test
renders its HTML. Everything the browser loads comes from the app's host (``geo.assets``), the
background is a setting (none, an intranet XYZ server, 天地图), and when the tiles are GCJ-02
(高德-style) the WGS-84 points and outlines are offset before drawing.

Untrusted text (village and township names come from ledgers; nothing else here is free text)
is escaped with ``html.escape`` and handed to Leaflet as JSON strings, never spliced into the
JavaScript source or into folium's Popup/Tooltip templates (those put the text inside a JS
template literal, where ``${…}`` would run).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import folium
import folium.plugins
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from markupsafe import Markup

from config import settings
from geo import assets
from geo.gcj02 import geometry_to_gcj02, wgs84_to_gcj02_arrays

WEIGHT_MODES = {"count": "线索数", "amount": "涉及金额（万元）", "red": "红色线索数"}
WEIGHT_COLUMNS = {"count": "clue_count", "amount": "amount_wan_yuan", "red": "red_clue_count"}
HEAT_GRADIENT = {0.2: "#2c7bb6", 0.45: "#abd9e9", 0.65: "#fdae61", 0.85: "#f46d43", 1.0: "#d7191c"}
CHOROPLETH_COLOURS = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
OUTLINE_COLOUR = "#555555"
FOCUS_COLOUR = "#1f4e99"
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=")
TIANDITU_LABELS_URL = ("https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
                       "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=")


def js_json(value) -> Markup:
    """Return ``value`` as JSON that is safe inside a <script> element.

    Text from users is html.escape()d before it gets here, so the only "<" left are our own
    tags; "</" and "<!--" are broken up so that nothing can close the script element.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = (text.replace("</", "<\\/").replace("<!--", "<\\u0021--")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)


def format_count(count: int, small_number_threshold: int | None) -> str:
    """Return a count as text, "<3" for 1..threshold-1 when the small-number rule applies."""
    if small_number_threshold and 0 < count < small_number_threshold:
        return f"<{small_number_threshold}"
    return str(int(count))


@dataclass(frozen=True)
class TileSource:
    kind: str  # none | xyz | tianditu
    url: str = ""
    is_gcj02: bool = False
    tianditu_key: str = ""

    @classmethod
    def from_settings(cls) -> TileSource:
        """Return the background configured by the map_tiles settings."""
        kind = str(settings.get("map_tiles") or "none").strip().lower()
        return cls(kind=kind, url=settings.get("map_tile_url"), is_gcj02=bool(settings.get("map_tile_is_gcj02")),
                   tianditu_key=settings.get("map_tianditu_key"))

    @property
    def offsets_to_gcj02(self) -> bool:
        return self.kind == "xyz" and self.is_gcj02


class _RawText(Element):
    """Text put into the page as it is.

    branca's MacroElement.render wraps each element's output in ``Element(text)``, which compiles
    the text as a Jinja template and renders it again: a village named "{{ 7*7 }}" would become
    "49", and Jinja on the server would evaluate whatever a ledger's name cell holds.
    """

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _DataElement(MacroElement):
    """A MacroElement whose script carries data from the warehouse: rendered once, never re-templated."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_RawText(script(self, kwargs)), name=self.get_name())


class TownshipOutlines(_DataElement):
    """Township polygons as one L.geoJSON layer, each with its style and an escaped tooltip."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.features }}, {
            style: function (feature) { return feature.properties.style; },
            onEachFeature: function (feature, layer) {
                layer.bindTooltip(feature.properties.tooltip, {sticky: true});
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, features: list[dict]):
        super().__init__()
        self._name = "TownshipOutlines"
        self.features = js_json({"type": "FeatureCollection", "features": features})


class VillageMarkers(_DataElement):
    """Village circle markers from one compact array: [lat, lon, radius, colour, tooltip, popup]."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        {{ this.rows }}.forEach(function (v) {
            L.circleMarker([v[0], v[1]], {radius: v[2], color: "#444", weight: 1, fillColor: v[3], fillOpacity: 0.85})
                .bindTooltip(v[4])
                .bindPopup(v[5], {maxWidth: 340})
                .addTo({{ this.get_name() }});
        });
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, rows: list[list]):
        super().__init__()
        self._name = "VillageMarkers"
        self.rows = js_json(rows)


class MonthlyHeatPlayer(_DataElement):
    """A 播放/暂停 control that steps the heat layer through the year's months in the browser.

    Every month's points travel with the map (at most 12 x villages), so playing never reruns
    the app; the heat's "max" is the year's, so months compare with one another.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var heat = {{ this.heat_layer.get_name() }};
            var months = {{ this.months }};
            var frames = {{ this.frames }};
            var player = L.control({position: "topright"});
            player.onAdd = function () {
                var box = L.DomUtil.create("div", "monthly-heat-player");
                box.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;font-size:13px;";
                var button = L.DomUtil.create("button", "monthly-heat-play", box);
                button.type = "button";
                button.textContent = "播放";
                var label = L.DomUtil.create("span", "monthly-heat-label", box);
                label.style.cssText = "display:inline-block;min-width:7em;margin:0 6px;font-weight:600;";
                var slider = L.DomUtil.create("input", "monthly-heat-slider", box);
                slider.type = "range"; slider.min = 0; slider.max = months.length - 1; slider.step = 1;
                L.DomEvent.disableClickPropagation(box);
                var timer = null;
                function show(index) {
                    slider.value = index;
                    label.textContent = months[index];
                    heat.setLatLngs(frames[index]);
                }
                slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
                button.addEventListener("click", function () {
                    if (timer) { clearInterval(timer); timer = null; button.textContent = "播放"; return; }
                    button.textContent = "暂停";
                    timer = setInterval(function () { show((parseInt(slider.value, 10) + 1) % months.length); },
                                        {{ this.interval_ms }});
                });
                show({{ this.start_index }});
                return box;
            };
            player.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, heat_layer, month_labels: list[str], frames: list[list[list[float]]], start_index: int,
                 interval_ms: int = 1200):
        super().__init__()
        self._name = "MonthlyHeatPlayer"
        self.heat_layer = heat_layer  # named at render time: st_folium renames the layers' variables
        self.months = js_json([html.escape(label) for label in month_labels])
        self.frames = js_json(frames)
        self.start_index = int(start_index)
        self.interval_ms = int(interval_ms)


class LayerSwitcher(MacroElement):
    """An always-open list of the map's layers (outlines, villages) to switch each on or off.

    Open rather than collapsed: the collapsed control's icon is an image, which a map saved as one
    file cannot carry.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.layers(null, {
            {%- for label, layer in this.layers %}
            {{ label }}: {{ layer.get_name() }}{{ "," if not loop.last }}
            {%- endfor %}
        }, {collapsed: false, position: "topleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, layers: list[tuple[str, MacroElement]]):
        super().__init__()
        self._name = "LayerSwitcher"
        self.layers = [(js_json(label), layer) for label, layer in layers]


class MetricScale(MacroElement):
    """A scale bar in kilometres only (folium's shows miles too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class PlainAttribution(MacroElement):
    """The attribution reads plain "Leaflet": no link off the intranet, and no flag icon (Leaflet 1.9's
    default prefix carries one, which has no place on a county government's map)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix("Leaflet");
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "PlainAttribution"


class MapLegend(_DataElement):
    """A Leaflet control in a corner holding (escaped) HTML: the legend, or an export's title and watermark."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "map-legend");
            div.style.cssText = "background:rgba(255,255,255,0.9);padding:6px 8px;border-radius:4px;font-size:12px;line-height:1.5;";
            div.innerHTML = {{ this.content }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, content_html: str, position: str = "bottomright"):
        super().__init__()
        self._name = "MapLegend"
        self.content = js_json(content_html)
        self.position = js_json(position)


def _village_popup(row, small_number_threshold: int | None) -> str:
    def count(n) -> str:
        return html.escape(format_count(int(n), small_number_threshold))

    levels = " / ".join(f"{html.escape(k)} {count(v)}" for k, v in row.by_level.items()) or "无"
    domains = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{count(v)}</td></tr>"
                      for k, v in row.by_domain.items())
    return (f"<div class='village-popup'><b>{html.escape(str(row.village_name))}</b>"
            f"（{html.escape(str(row.township_name))}）<br>线索 {count(row.clue_count)} 条；管理等级：{levels}"
            + (f"<table>{domains}</table>" if domains else "") + "</div>")


def _marker_colour(count: int, top: int) -> str:
    if count <= 0:
        return "#bbbbbb"
    share = count / top if top else 0
    return "#d7191c" if share > 0.66 else "#f46d43" if share > 0.33 else "#fdae61"


def _choropleth_colour(value, top) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or not top:
        return "#ffffff"
    index = min(len(CHOROPLETH_COLOURS) - 1, int(value / top * len(CHOROPLETH_COLOURS)))
    return CHOROPLETH_COLOURS[index]


def _monthly_frames(villages: pd.DataFrame, monthly: pd.DataFrame, weight: str) -> dict[str, list[list[float]]]:
    """Return {'2024-01': heat points, …} for every month of the year in ``monthly`` (empty months too)."""
    column = WEIGHT_COLUMNS[weight]
    points = {code: (lat, lon) for code, lat, lon in zip(villages["village_code"], villages["latitude"],
                                                        villages["longitude"]) if pd.notna(lat) and pd.notna(lon)}
    years = sorted({m[:4] for m in monthly["month"]})
    frames: dict[str, list[list[float]]] = {f"{year}-{m:02d}": [] for year in years for m in range(1, 13)}
    for month, code, value in zip(monthly["month"], monthly["village_code"], monthly[column]):
        if code in points and value > 0:
            lat, lon = points[code]
            frames[month].append([round(float(lat), 6), round(float(lon), 6), round(float(value), 2)])
    return frames


def heat_points(villages: pd.DataFrame, weight: str = "count") -> list[list[float]]:
    """Return [[lat, lon, weight], …] for the villages with a point and a positive weight."""
    column = WEIGHT_COLUMNS[weight]
    placed = villages.dropna(subset=["longitude", "latitude"])
    placed = placed[placed[column] > 0]
    return [[round(float(lat), 6), round(float(lon), 6), round(float(w), 2)]
            for lat, lon, w in zip(placed["latitude"], placed["longitude"], placed[column])]


def build_map(
    villages: pd.DataFrame,
    townships: pd.DataFrame,
    outlines: pd.DataFrame,
    *,
    weight: str = "count",
    choropleth: bool = False,
    focus_township: str | None = None,
    small_number_threshold: int | None = None,
    tiles: TileSource | None = None,
    inline: bool = False,
    simplify_degrees: float = 0.0002,
    title_lines: tuple[str, ...] = (),
    monthly: pd.DataFrame | None = None,
    start_month: str | None = None,
) -> folium.Map:
    """Return the county's clue heat map (a folium.Map, not rendered).

    villages: ``metrics.places.village_clue_counts``; townships: ``township_clue_rates``;
    outlines: ``boundary_geometries`` (township level). ``small_number_threshold`` is set when
    the user may not see names: village counts below it read "<3" in popups and tooltips.
    ``title_lines`` (an export's title, period and watermark) are drawn in the top-right corner.
    ``monthly`` (``places.monthly_village_counts`` of a year) adds the month-by-month player,
    starting at ``start_month`` ('2024-07').
    """
    if weight not in WEIGHT_MODES:
        raise ValueError(f"未知的热力权重：{weight}")
    tiles = tiles or TileSource.from_settings()
    villages = villages.copy()
    if tiles.offsets_to_gcj02 and len(villages):
        located = villages["longitude"].notna() & villages["latitude"].notna()
        lon, lat = wgs84_to_gcj02_arrays(villages.loc[located, "longitude"], villages.loc[located, "latitude"])
        villages.loc[located, "longitude"] = lon
        villages.loc[located, "latitude"] = lat

    fmap = folium.Map(location=[0, 0], zoom_start=10, tiles=None, control_scale=False, prefer_canvas=False,
                      zoom_snap=0.25)  # fit the county snugly, not to the nearest whole zoom
    fmap.add_child(MetricScale())
    fmap.add_child(PlainAttribution())
    points = heat_points(villages, weight)
    frames = _monthly_frames(villages, monthly, weight) if monthly is not None else {}
    # Leaflet.heat saturates above "max" (default 1); a year's months share the year's maximum
    shown_points = [p for frame in frames.values() for p in frame] or points
    heat_plugin = folium.plugins.HeatMap(
        points, name="线索热力", min_opacity=0.4, radius=28, blur=20, max_zoom=10, gradient=HEAT_GRADIENT,
        max=max((p[2] for p in shown_points), default=1.0),
    )
    if inline:
        assets.localise(fmap, js=(), css=())
        assets.localise(heat_plugin, js=())
        fmap.get_root().header.add_child(
            Element(assets.inline_assets(assets.MAP_JS + assets.HEAT_JS, assets.MAP_CSS)), name="offline_assets")
    else:
        assets.localise(fmap, js=assets.MAP_JS, css=assets.MAP_CSS)
        assets.localise(heat_plugin, js=assets.HEAT_JS)
    _add_background(fmap, tiles)

    # --- township outlines (optional choropleth of clues per 万人) --------------------------
    rates = townships.set_index("township_code") if len(townships) else pd.DataFrame()
    top_rate = max((v for v in rates.get("clues_per_10k", pd.Series(dtype=float)) if v is not None and not pd.isna(v)),
                   default=0)
    features, focus_bounds, all_bounds = [], None, []
    for row in outlines.itertuples(index=False):
        geometry = shapely.from_geojson(row.geometry_geojson)
        if simplify_degrees:
            geometry = geometry.simplify(simplify_degrees, preserve_topology=True)
        if tiles.offsets_to_gcj02:
            geometry = geometry_to_gcj02(geometry)
        geometry = shapely.transform(geometry, lambda c: c.round(5))
        all_bounds.append(geometry.bounds)
        rate_row = rates.loc[row.division_code] if row.division_code in rates.index else None
        clue_count = int(rate_row["clue_count"]) if rate_row is not None else 0
        per_10k = rate_row["clues_per_10k"] if rate_row is not None else None
        per_10k_text = "无人口数据" if per_10k is None or pd.isna(per_10k) else f"{per_10k:.2f}"
        focused = row.division_code == focus_township
        if focused:
            focus_bounds = geometry.bounds
        style = {
            "color": FOCUS_COLOUR if focused else OUTLINE_COLOUR,
            "weight": 3 if focused else 1.2,
            "fillColor": _choropleth_colour(per_10k, top_rate) if choropleth else "#ffffff",
            "fillOpacity": 0.55 if choropleth else 0.05,
        }
        tooltip = (f"<b>{html.escape(str(row.division_name))}</b><br>线索 {clue_count} 条<br>"
                   f"每万人（户籍人口）{html.escape(per_10k_text)} 条")
        features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geometry)),
                         "properties": {"style": style, "tooltip": tooltip}})
    # not the heat: Leaflet.heat's maxZoom (full intensity from zoom 10) would read to the layer list
    # as "hidden above zoom 10" and grey the heat's box out
    switchable: list[tuple[str, MacroElement]] = []
    if features:
        outlines_layer = TownshipOutlines(features)
        fmap.add_child(outlines_layer)
        switchable.append(("乡镇边界", outlines_layer))

    heat_plugin.add_to(fmap)
    if frames:
        months = list(frames)
        start = months.index(start_month) if start_month in months else 0
        labels = [f"{int(m[:4])}年{int(m[5:])}月" for m in months]
        fmap.add_child(MonthlyHeatPlayer(heat_plugin, labels, list(frames.values()), start))

    # --- village markers ----------------------------------------------------------------------
    placed = villages.dropna(subset=["longitude", "latitude"])
    top_count = int(placed["clue_count"].max()) if len(placed) else 0
    rows = []
    for row in placed.itertuples(index=False):
        count = int(row.clue_count)
        radius = 3 if count == 0 else round(4 + 8 * math.sqrt(count / top_count), 1) if top_count else 4
        tooltip = (f"{html.escape(str(row.village_name))}：线索 "
                   f"{html.escape(format_count(count, small_number_threshold))} 条")
        rows.append([round(float(row.latitude), 6), round(float(row.longitude), 6), radius,
                     _marker_colour(count, top_count), tooltip, _village_popup(row, small_number_threshold)])
        all_bounds.append((row.longitude, row.latitude, row.longitude, row.latitude))
    if rows:
        markers_layer = VillageMarkers(rows)
        fmap.add_child(markers_layer)
        switchable.append(("村（社区）点位", markers_layer))
    fmap.add_child(LayerSwitcher(switchable))

    fmap.add_child(MapLegend(_legend_html(weight, choropleth, top_rate)))
    if title_lines:
        fmap.add_child(MapLegend("<br>".join(html.escape(line) for line in title_lines), position="topright"))

    bounds = focus_bounds
    if bounds is None and focus_township:
        focus_points = placed[placed["township_code"] == focus_township]
        if len(focus_points):
            bounds = (focus_points["longitude"].min(), focus_points["latitude"].min(),
                      focus_points["longitude"].max(), focus_points["latitude"].max())
    if bounds is None and all_bounds:
        bounds = (min(b[0] for b in all_bounds), min(b[1] for b in all_bounds),
                  max(b[2] for b in all_bounds), max(b[3] for b in all_bounds))
    if bounds is not None:
        fmap.location = [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2]
        fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(10, 10))
    return fmap


def _legend_html(weight: str, choropleth: bool, top_rate: float) -> str:
    stops = "".join(f"<span style='display:inline-block;width:14px;height:10px;background:{c}'></span>"
                    for c in HEAT_GRADIENT.values())
    parts = [f"<b>热力：{html.escape(WEIGHT_MODES[weight])}</b><br>少 {stops} 多"]
    if choropleth:
        boxes = "".join(f"<span style='display:inline-block;width:14px;height:10px;background:{c}'></span>"
                        for c in CHOROPLETH_COLOURS)
        parts.append(f"<b>乡镇底色：每万人线索数</b><br>0 {boxes} {top_rate:.1f}")
    parts.append("圆点：村（社区），越大线索越多")
    return "<br>".join(parts)


def _add_background(fmap: folium.Map, tiles: TileSource) -> None:
    """Add the configured tile layer; none (the default) leaves the boundaries on a plain background."""
    if tiles.kind == "xyz" and tiles.url:
        folium.TileLayer(tiles=tiles.url, attr="内网底图", name="底图", max_zoom=18).add_to(fmap)
    elif tiles.kind == "tianditu" and tiles.tianditu_key:
        for template, name in ((TIANDITU_URL, "天地图"), (TIANDITU_LABELS_URL, "天地图注记")):
            folium.TileLayer(tiles=template + tiles.tianditu_key, attr="天地图", name=name, subdomains="01234567",
                             max_zoom=18, overlay=name.endswith("注记")).add_to(fmap)


def render_html(fmap: folium.Map) -> str:
    """Return the map as one HTML document (the page's export and the tests' subject)."""
    return fmap.get_root().render()
