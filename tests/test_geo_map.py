"""The 线索热力图 as the county leadership reads it: the figures on the map are the warehouse's,
hostile text shows as text, and nothing is fetched from outside the app's host."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from sqlalchemy import insert, select

from geo.boundaries import load_boundary_file
from geo.gcj02 import wgs84_to_gcj02
from geo.heatmap import TileSource, build_map, render_html
from metrics import places
from metrics.periods import Period
from metrics.places import ClueFilters
from metrics.scope import Scope
from warehouse import schema
from warehouse.engine import get_engine

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_VILLAGE = f"{XSS_IMG}村"
XSS_VILLAGE_CODE = "990101101203"

TOWNSHIPS = [("990101101", "青石镇", "镇", (111.2, 30.5, 111.3, 30.6)),
             ("990101102", "白沙镇", "镇", (111.3, 30.5, 111.4, 30.6)),
             ("990101201", "石门乡", "乡", (111.4, 30.5, 111.5, 30.6))]
VILLAGES = [  # code, name, kind, township, lon, lat, population
    ("990101101201", "石桥村", "行政村", "990101101", 111.22, 30.52, 2400),
    ("990101101202", "新华村", "行政村", "990101101", 111.27, 30.57, 1800),
    (XSS_VILLAGE_CODE, XSS_VILLAGE, "行政村", "990101101", 111.25, 30.55, 900),
    ("990101102201", "白沙村", "行政村", "990101102", 111.35, 30.55, 3000),
    ("990101102001", "河口社区", "社区", "990101102", None, None, 5000),  # no point: counted, not drawn
    ("990101201201", "石门村", "行政村", "990101201", 111.45, 30.55, None),  # no population
]
DOMAINS = ("惠民惠农补贴", '农村集体"三资"', "低保特困救助")
SOURCES = ("信访举报", "12388举报平台", "小微权力监督平台")
LEVELS = ("红", "黄", "蓝", "蓝")


def clue_rows(multiplier: int = 1) -> list[dict]:
    """Clues over 2024 spread over villages, domains, levels and sources; a few with no village."""
    placed = [v[0] for v in VILLAGES]
    weights = {"990101101201": 9, "990101101202": 4, XSS_VILLAGE_CODE: 2, "990101102201": 6,
               "990101102001": 3, "990101201201": 1}
    rows, number = [], 0
    for _ in range(multiplier):
        for village_code in placed:
            for k in range(weights[village_code]):
                number += 1
                rows.append(_clue(number, village_code[:9], village_code, k))
        for township_code in ("990101101", "990101201"):  # township known, village not
            number += 1
            rows.append(_clue(number, township_code, None, number))
    return rows


def _clue(number: int, township_code: str, village_code: str | None, k: int) -> dict:
    return {
        "clue_id": f"XS-{number:05d}", "received_date": date(2024, 1 + (number * 5) % 12, 1 + number % 27),
        "clue_source": SOURCES[number % 3], "township_code": township_code, "village_code": village_code,
        "problem_domain": DOMAINS[k % 3],
        "summary": f"{XSS_SCRIPT}{XSS_IMG} 套取补贴" if number == 1 else f"反映问题第{number}条",
        "reported_person_name": "张三丰", "reported_person_role": "村干部",
        "amount_wan_yuan": Decimal(f"{(number % 7) * 1.25:.2f}"), "management_level": LEVELS[number % 4],
        "is_supervised": number % 5 == 0, "handling_status": "在办", "closed_date": None,
    }


def build_map_warehouse(url: str, boundary_dir: Path, multiplier: int = 1):
    """Return an engine on a warehouse with the divisions, township boundaries (through the loader) and clues."""
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(schema.counties), [{"county_code": "990101", "county_name": "示范县"}])
        conn.execute(insert(schema.townships), [
            {"township_code": c, "township_name": n, "township_kind": k, "county_code": "990101"}
            for c, n, k, _ in TOWNSHIPS])
        conn.execute(insert(schema.villages), [
            {"village_code": c, "village_name": n, "village_kind": k, "township_code": t, "longitude": lon,
             "latitude": lat, "registered_population": pop} for c, n, k, t, lon, lat, pop in VILLAGES])
        rows = clue_rows(multiplier)
        for start in range(0, len(rows), 500):
            conn.execute(insert(schema.clues), rows[start:start + 500])
    boundary_dir.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame({"XZQDM": [t[0] for t in TOWNSHIPS], "XZQMC": [t[1] for t in TOWNSHIPS]},
                             geometry=[shapely.box(*t[3]) for t in TOWNSHIPS], crs=4490)
    path = boundary_dir / "townships.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    load_boundary_file(path, "township", engine)
    return engine


@pytest.fixture(scope="module")
def map_engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("map")
    engine = build_map_warehouse(f"sqlite:///{folder / 'warehouse.sqlite'}", folder / "boundaries")
    yield engine
    engine.dispose()


YEAR = Period.whole_year(2024)
COUNTY = Scope.county()


def map_inputs(engine, scope=COUNTY, period=YEAR, filters=ClueFilters()):
    return (places.village_clue_counts(engine, scope, period=period, filters=filters),
            places.township_clue_rates(engine, scope, period=period, filters=filters),
            places.boundary_geometries(engine, scope, level="township"))


def heat_layer_data(document: str) -> list[list[float]]:
    match = re.search(r"L\.heatLayer\(\s*(\[.*?\])\s*,\s*\{", document, re.S)
    assert match, "no heat layer in the map"
    return json.loads(match.group(1))


def expected_heat(engine, weight_column: str = "count", **conditions) -> list[list[float]]:
    """The heat points computed straight from the tables with pandas (not through metrics.places)."""
    with engine.connect() as conn:
        clues = pd.read_sql(select(schema.clues), conn)
        villages = pd.read_sql(select(schema.villages), conn)
    clues["received_date"] = pd.to_datetime(clues["received_date"])
    chosen = clues[(clues["received_date"].dt.year == 2024) & clues["village_code"].notna()]
    for column, allowed in conditions.items():
        chosen = chosen[chosen[column].isin(allowed)]
    if weight_column == "count":
        weights = chosen.groupby("village_code").size()
    else:
        weights = chosen.groupby("village_code")["amount_wan_yuan"].sum().astype(float)
    merged = villages.set_index("village_code").join(weights.rename("w")).dropna(subset=["longitude", "w"])
    merged = merged[merged["w"] > 0]
    return sorted([round(r.latitude, 6), round(r.longitude, 6), round(float(r.w), 2)] for r in merged.itertuples())


# --- the figures ------------------------------------------------------------------------------

def test_the_heat_layer_carries_the_warehouse_clue_counts_per_village(map_engine):
    document = render_html(build_map(*map_inputs(map_engine), tiles=TileSource("none")))
    heat = sorted(heat_layer_data(document))
    assert heat == expected_heat(map_engine)
    # 石桥村 has 9 clues, the most; 河口社区 (3 clues, no coordinates) is not drawn
    assert [30.52, 111.22, 9.0] in heat and len(heat) == 5


def test_the_heat_layer_follows_the_page_filters(map_engine):
    filters = ClueFilters(problem_domains=("惠民惠农补贴",), management_levels=("蓝",), clue_sources=("信访举报", "小微权力监督平台"))
    document = render_html(build_map(*map_inputs(map_engine, filters=filters), tiles=TileSource("none")))
    assert sorted(heat_layer_data(document)) == expected_heat(
        map_engine, problem_domain=["惠民惠农补贴"], management_level=["蓝"], clue_source=["信访举报", "小微权力监督平台"])


def test_the_heat_can_weigh_by_amount_or_count_red_clues_only(map_engine):
    villages, townships, outlines = map_inputs(map_engine)
    by_amount = render_html(build_map(villages, townships, outlines, weight="amount", tiles=TileSource("none")))
    assert sorted(heat_layer_data(by_amount)) == expected_heat(map_engine, "amount")
    red_only = render_html(build_map(villages, townships, outlines, weight="red", tiles=TileSource("none")))
    assert sorted(heat_layer_data(red_only)) == expected_heat(map_engine, management_level=["红"])


def test_a_month_shows_only_that_months_clues(map_engine):
    july = Period.month(2024, 7)
    villages = places.village_clue_counts(map_engine, COUNTY, period=july)
    with map_engine.connect() as conn:
        clues = pd.read_sql(select(schema.clues), conn)
    in_july = clues[pd.to_datetime(clues["received_date"]).dt.month == 7]
    assert int(villages["clue_count"].sum()) == int(in_july["village_code"].notna().sum()) > 0
    monthly = places.monthly_clue_counts(map_engine, COUNTY, year=2024)
    assert list(monthly["month"]) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert int(monthly.loc[monthly["month"] == "2024-07", "clue_count"].iloc[0]) == len(in_july)
    assert int(monthly["clue_count"].sum()) == len(clues)


def test_township_rates_are_clues_per_10k_registered_people(map_engine):
    rates = places.township_clue_rates(map_engine, COUNTY, period=YEAR).set_index("township_code")
    # 青石镇: 9 + 4 + 2 clues in villages + 1 with no village = 16; population 2400 + 1800 + 900
    assert rates.loc["990101101", "clue_count"] == 16 and rates.loc["990101101", "unplaced_clue_count"] == 1
    assert rates.loc["990101101", "clues_per_10k"] == pytest.approx(16 / 5100 * 10000, abs=0.01)
    assert pd.isna(rates.loc["990101201", "clues_per_10k"])  # no population, no rate


def test_popups_show_counts_by_domain_and_level(map_engine):
    villages = places.village_clue_counts(map_engine, COUNTY, period=YEAR).set_index("village_code")
    shiqiao = villages.loc["990101101201"]
    assert shiqiao["clue_count"] == 9 and sum(shiqiao["by_domain"].values()) == 9
    assert list(shiqiao["by_level"]) == [lvl for lvl in ("红", "黄", "蓝") if lvl in shiqiao["by_level"]]
    document = render_html(build_map(*map_inputs(map_engine), tiles=TileSource("none")))
    popup = next(row[5] for row in village_rows(document) if row[0] == 30.52)
    assert "石桥村" in popup and "青石镇" in popup and "线索 9 条" in popup
    for domain, count in shiqiao["by_domain"].items():
        assert f"<td>{html.escape(domain)}</td><td style='text-align:right'>{count}</td>" in popup


def village_rows(document: str) -> list[list]:
    match = re.search(r"= L\.featureGroup\(\);\s*(\[.*?\])\.forEach", document, re.S)
    assert match
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_small_village_counts_read_below_three_for_a_user_who_may_not_see_names(map_engine):
    leader = Scope.county(role="县领导")
    document = render_html(build_map(*map_inputs(map_engine, scope=leader), small_number_threshold=3,
                                     tiles=TileSource("none")))
    rows = {row[0]: row for row in village_rows(document)}
    xss_village = rows[30.55]  # 2 clues
    assert "线索 &lt;3 条" in xss_village[4] and "线索 &lt;3 条" in xss_village[5]
    assert "线索 9 条" in rows[30.52][4]  # 9 is not small


def test_a_township_user_sees_only_their_township(map_engine):
    own = Scope(user_name="青石镇纪委", role="乡镇", township_code="990101101")
    villages, townships, outlines = map_inputs(map_engine, scope=own)
    assert set(villages["township_code"]) == {"990101101"}
    assert list(townships["township_code"]) == ["990101101"] and list(outlines["division_code"]) == ["990101101"]
    # asking for another township does not widen the scope
    other = places.village_clue_counts(map_engine, own, period=YEAR, township_code="990101102")
    assert set(other["township_code"]) == {"990101101"}
    assert places.village_clue_list(map_engine, own, village_code="990101102201", period=YEAR).empty


def test_a_village_lists_its_clues_with_names_masked_for_a_leader(map_engine):
    leader = Scope.county(role="县领导")
    clues = places.village_clue_list(map_engine, leader, village_code="990101101201", period=YEAR)
    assert len(clues) == 9 and set(clues["reported_person_name"]) == {"张**"}
    assert list(clues["received_date"]) == sorted(clues["received_date"], reverse=True)
    shown = places.village_clue_list(map_engine, COUNTY, village_code="990101101201", period=YEAR)
    assert set(shown["reported_person_name"]) == {"张三丰"}


# --- escaping ---------------------------------------------------------------------------------

def test_html_in_a_village_name_is_escaped_in_the_rendered_map(map_engine):
    document = render_html(build_map(*map_inputs(map_engine), tiles=TileSource("none")))
    assert XSS_IMG not in document and XSS_SCRIPT not in document
    assert "onerror=alert(1)" in document  # the text is there, harmless
    assert html.escape(XSS_VILLAGE) in document
    row = next(r for r in village_rows(document) if r[0] == 30.55)
    assert row[4].startswith(html.escape(XSS_VILLAGE)) and html.escape(XSS_VILLAGE) in row[5]
    # and nothing inside the map's script can close the script element early
    map_script = document.rsplit("<script>", 1)[-1]
    assert map_script.count("</script>") == 1 and "L.circleMarker" in map_script


def test_html_in_a_township_name_is_escaped_in_the_outline_tooltip(map_engine):
    villages, townships, outlines = map_inputs(map_engine)
    outlines = outlines.copy()
    outlines.loc[0, "division_name"] = f"青石镇{XSS_SCRIPT}`${{alert(2)}}`"
    document = render_html(build_map(villages, townships, outlines, tiles=TileSource("none")))
    assert XSS_SCRIPT not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document


def test_a_clue_summary_with_html_stays_plain_text_in_the_village_table(map_engine):
    clues = places.village_clue_list(map_engine, COUNTY, village_code="990101101201", period=YEAR)
    summary = clues.loc[clues["clue_id"] == "XS-00001", "summary"].iloc[0]
    assert summary == f"{XSS_SCRIPT}{XSS_IMG} 套取补贴"  # the data as it is: st.dataframe shows it as text


# --- offline ----------------------------------------------------------------------------------

EXTERNAL_URL = re.compile(r"""(?:https?:)?//(?!/)[^\s"'<>)]+""", re.I)


def external_urls(text: str) -> list[str]:
    """Return every absolute or protocol-relative URL in ``text`` (the app's own /app/static paths are relative)."""
    return [url for url in EXTERNAL_URL.findall(text) if not url.startswith("//app/static")]


def test_the_rendered_map_references_nothing_outside_the_app(map_engine):
    for weight in ("count", "amount", "red"):
        document = render_html(build_map(*map_inputs(map_engine), weight=weight, choropleth=True,
                                         focus_township="990101101"))
        assert external_urls(document) == []
        sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)""", document)
        assert sources and all(s.startswith("/app/static/vendor/") for s in sources)
        for source in sources:
            assert (Path(__file__).resolve().parent.parent / "static" / source[len("/app/static/"):]).is_file()
        assert "tileLayer" not in document  # no background by default: boundaries only


def test_streamlit_folium_is_handed_only_local_scripts(map_engine, monkeypatch):
    import streamlit_folium

    captured = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: captured.update(kwargs))
    fmap = build_map(*map_inputs(map_engine), tiles=TileSource("none"))
    streamlit_folium.st_folium(fmap, returned_objects=[], key="test_map")
    assert captured["js_links"] == ["/app/static/vendor/leaflet/leaflet.js",
                                    "/app/static/vendor/leaflet-heat/leaflet_heat.min.js"]
    assert captured["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    for part in ("script", "header", "html"):
        assert external_urls(captured[part] or "") == [], part
    assert captured["returned_objects"] == []


def test_the_standalone_map_embeds_its_scripts(map_engine):
    document = render_html(build_map(*map_inputs(map_engine), inline=True, tiles=TileSource("none")))
    assert "<script src=" not in document and "<link rel=\"stylesheet\"" not in document
    assert "L.heatLayer=" in document.replace(" ", "") or "heatLayer=function" in document
    assert ".leaflet-container" in document


def test_background_tiles_come_from_the_settings(map_engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAP_TILES", "xyz")
    monkeypatch.setenv("DASHBOARD_MAP_TILE_URL", "http://10.1.2.3/tiles/{z}/{x}/{y}.png")
    document = render_html(build_map(*map_inputs(map_engine)))
    assert "http://10.1.2.3/tiles/{z}/{x}/{y}.png" in document
    monkeypatch.setenv("DASHBOARD_MAP_TILES", "tianditu")
    monkeypatch.setenv("DASHBOARD_MAP_TIANDITU_KEY", "abc123")
    document = render_html(build_map(*map_inputs(map_engine)))
    assert "tianditu.gov.cn/vec_w/wmts" in document and "tk=abc123" in document


# --- GCJ-02 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("wgs,gcj", [
    # (lat, lon) pairs published with the eviltransform formula (googollee/eviltransform tests)
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # 上海
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # 深圳
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # 北京
])
def test_wgs84_to_gcj02_matches_the_published_points(wgs, gcj):
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert lat == pytest.approx(gcj[0], abs=1e-7) and lon == pytest.approx(gcj[1], abs=1e-7)


def test_outside_china_nothing_moves():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_gcj02_tiles_move_points_and_outlines_by_the_offset(map_engine):
    villages, townships, outlines = map_inputs(map_engine)
    document = render_html(build_map(villages, townships, outlines,
                                     tiles=TileSource("xyz", url="/tiles/{z}/{x}/{y}.png", is_gcj02=True)))
    lon, lat = wgs84_to_gcj02(111.22, 30.52)
    assert [round(lat, 6), round(lon, 6), 9.0] in heat_layer_data(document)
    outline_lon, outline_lat = wgs84_to_gcj02(111.2, 30.5)
    assert f"[{round(outline_lon, 5)},{round(outline_lat, 5)}]" in document
    assert [30.52, 111.22, 9.0] not in heat_layer_data(document)


# --- size -------------------------------------------------------------------------------------

def test_what_goes_to_the_browser_does_not_grow_with_the_clues(map_engine, tmp_path):
    tenfold = build_map_warehouse(f"sqlite:///{tmp_path / 'tenfold.sqlite'}", tmp_path / "b", multiplier=10)
    small = render_html(build_map(*map_inputs(map_engine), tiles=TileSource("none")))
    large = render_html(build_map(*map_inputs(tenfold), tiles=TileSource("none")))
    assert len(heat_layer_data(large)) == len(heat_layer_data(small))
    assert abs(len(large.encode()) - len(small.encode())) < 0.02 * len(small.encode())  # only digits differ
    tenfold.dispose()


# --- the page -----------------------------------------------------------------------------------

def run_heatmap_page(monkeypatch, url: str, query: dict[str, str] | None = None, role: str = "纪委",
                     township_code: str | None = None):
    from streamlit.testing.v1 import AppTest

    from tests.signed_in import session_token
    from ui.frame import SESSION_TOKEN_STATE

    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    app = AppTest.from_file("../dashboard.py", default_timeout=60)  # the frame renders the filters each run
    app.session_state[SESSION_TOKEN_STATE] = session_token(url, role, township_code)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.switch_page("pages/heatmap.py")
    return app.run()


def test_the_page_drills_from_the_county_to_a_township_and_a_village(map_engine, monkeypatch):
    app = run_heatmap_page(monkeypatch, str(map_engine.url))
    assert not app.exception, app.exception
    assert app.title[0].value == "线索热力图"
    period = app.session_state["_last_period"]
    with map_engine.connect() as conn:
        clues = pd.read_sql(select(schema.clues), conn)
    clues["received_date"] = pd.to_datetime(clues["received_date"]).dt.date
    in_period = clues[(clues["received_date"] >= period.start) & (clues["received_date"] <= period.end)]
    located = {v[0] for v in VILLAGES if v[4] is not None}
    drawn = int(in_period["village_code"].isin(located).sum())
    captions = " ".join(c.value for c in app.caption)
    assert f"{period.label}：热力图显示已关联到村的线索 {drawn} 条" in captions
    township_choice = app.selectbox(key="heatmap_township")
    assert township_choice.options == ["全县", "青石镇", "白沙镇", "石门乡"]

    township_choice.set_value("青石镇").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="township").value == "青石镇"  # the global filter follows: every page drills too
    villages = app.dataframe[0].value
    assert list(villages.columns) == ["村（社区）", "线索数", "红色线索", "涉及金额（万元）"]
    expected = in_period[in_period["township_code"] == "990101101"].groupby("village_code").size()
    names = {v[0]: v[1] for v in VILLAGES}
    assert dict(zip(villages["村（社区）"], villages["线索数"])) == {
        names[c]: int(expected.get(c, 0)) for c in ("990101101201", "990101101202", XSS_VILLAGE_CODE)}

    app.selectbox(key="heatmap_village").set_value("990101101201").run()
    assert not app.exception, app.exception
    listed = places.village_clue_list(map_engine, COUNTY, village_code="990101101201", period=period)
    assert len(listed) == int(expected.get("990101101201", 0))
    if listed.empty:
        assert "该村（社区）本期没有符合条件的线索。" in [i.value for i in app.info]
    else:
        table = app.dataframe[1].value
        assert list(table["线索编号"]) == list(listed["clue_id"])
        assert {"问题摘要", "受理日期", "线索来源", "办理状态"} <= set(table.columns)


def test_the_month_view_lists_the_years_months_with_their_counts(map_engine, monkeypatch):
    app = run_heatmap_page(monkeypatch, str(map_engine.url))
    app.toggle(key="heatmap_by_month").set_value(True).run()
    assert not app.exception, app.exception
    year = app.session_state["_last_period"].year
    slider = app.select_slider(key=f"heatmap_month_{year}")
    monthly = places.monthly_clue_counts(map_engine, COUNTY, year=year)
    assert slider.options == [f"{Period.parse(m).label}（{n}条）" for m, n in zip(monthly["month"], monthly["clue_count"])]
    slider.set_value("2024-07").run()
    assert not app.exception, app.exception
    captions = " ".join(c.value for c in app.caption)
    july = places.village_clue_counts(map_engine, COUNTY, period=Period.month(2024, 7))
    located = july.dropna(subset=["longitude"])
    assert f"2024年7月：热力图显示已关联到村的线索 {int(located['clue_count'].sum())} 条" in captions
    app.multiselect(key="heatmap_domains").set_value(["惠民惠农补贴"]).run()  # options stay, no error
    assert not app.exception, app.exception


@pytest.mark.postgres
def test_on_postgresql_boundaries_load_as_text_and_the_map_shows_the_same_figures(pg_engine, tmp_path):
    url = pg_engine.url.render_as_string(hide_password=False)
    engine = build_map_warehouse(url, tmp_path / "boundaries")  # no PostGIS: geometry is GeoJSON text
    outlines = places.boundary_geometries(engine, COUNTY, level="township")
    assert list(outlines["division_code"]) == [t[0] for t in TOWNSHIPS]
    assert shapely.from_geojson(outlines["geometry_geojson"].iloc[0]).equals(shapely.box(*TOWNSHIPS[0][3]))
    document = render_html(build_map(*map_inputs(engine), tiles=TileSource("none")))
    assert sorted(heat_layer_data(document)) == expected_heat(engine)
    monthly = places.monthly_clue_counts(engine, COUNTY, year=2024)
    assert int(monthly["clue_count"].sum()) == len(clue_rows())
    rates = places.township_clue_rates(engine, COUNTY, period=YEAR).set_index("township_code")
    assert rates.loc["990101101", "clue_count"] == 16


def test_the_offline_export_carries_its_title_and_watermark_and_opens_from_disk(map_engine):
    lines = ("全县问题线索热力图", "2024年 · 热力按线索数", f"内部资料 注意保密  {XSS_SCRIPT}  2026-11-25 10:00")
    document = render_html(build_map(*map_inputs(map_engine), inline=True, tiles=TileSource("none"),
                                     title_lines=lines))
    from geo import assets

    embedded = assets.inline_assets(assets.MAP_JS + assets.HEAT_JS, assets.MAP_CSS)
    assert embedded in document and "<script src=" not in document and "<link " not in document
    # Leaflet's own text names URLs (comments, the SVG namespace, its attribution link); nothing else does
    assert external_urls(document.replace(embedded, "")) == []
    assert "全县问题线索热力图" in document and "内部资料 注意保密" in document
    assert XSS_SCRIPT not in document  # a user name is text too
    assert heat_layer_data(document) == heat_layer_data(render_html(build_map(*map_inputs(map_engine),
                                                                              tiles=TileSource("none"))))


def test_a_township_user_sees_their_villages_with_small_counts_hidden_and_names_masked(map_engine, monkeypatch, caplog):
    own = Scope(user_name="青石镇纪委", role="乡镇", township_code="990101101")
    app = run_heatmap_page(monkeypatch, str(map_engine.url), role="乡镇", township_code="990101101")
    assert not app.exception, app.exception
    assert not [s for s in app.selectbox if s.key == "heatmap_township"]  # nothing else to drill into
    period = app.session_state["_last_period"]
    villages = app.dataframe[0].value
    assert set(villages["村（社区）"]) == {"石桥村", "新华村", XSS_VILLAGE}
    counts = places.village_clue_counts(map_engine, own, period=period).set_index("village_name")["clue_count"]
    for name, shown in zip(villages["村（社区）"], villages["线索数"]):
        expected = "<3" if 0 < counts[name] < 3 else counts[name]
        assert str(shown) == str(expected), name
    assert "<3" in [str(v) for v in villages["线索数"]]  # the data has a village with 1 or 2 clues
    assert not [r for r in caplog.records if "Arrow" in r.getMessage()]  # "<3" beside 12 made Streamlit log a traceback
    app.selectbox(key="heatmap_village").set_value("990101101201").run()
    listed = app.dataframe[1].value
    assert len(listed) == counts["石桥村"] and set(listed["被反映人"]) == {"张**"}


def test_an_empty_warehouse_shows_the_page_with_a_hint_not_an_error(empty_engine, monkeypatch):
    app = run_heatmap_page(monkeypatch, str(empty_engine.url))
    assert not app.exception, app.exception
    assert any("尚未导入乡镇边界" in i.value for i in app.info)
    empty = build_map(places.village_clue_counts(empty_engine, COUNTY, period=YEAR),
                      places.township_clue_rates(empty_engine, COUNTY, period=YEAR),
                      places.boundary_geometries(empty_engine, COUNTY), tiles=TileSource("none"))
    assert heat_layer_data(render_html(empty)) == []


# --- month by month -------------------------------------------------------------------------------

def player_data(document: str) -> tuple[list[str], list[list[list[float]]]]:
    months = re.search(r"var months = (\[.*?\]);", document, re.S)
    frames = re.search(r"var frames = (\[.*?\]);\n", document, re.S)
    assert months and frames, "no month player in the map"
    return json.loads(months.group(1)), json.loads(frames.group(1))


def test_the_month_player_carries_each_months_clues_per_village(map_engine):
    monthly = places.monthly_village_counts(map_engine, COUNTY, year=2024)
    villages, townships, outlines = map_inputs(map_engine, period=Period.month(2024, 7))
    document = render_html(build_map(villages, townships, outlines, tiles=TileSource("none"),
                                     monthly=monthly, start_month="2024-07"))
    labels, frames = player_data(document)
    assert labels == [f"2024年{m}月" for m in range(1, 13)]
    assert "show(6);" in document  # starts at July
    with map_engine.connect() as conn:
        clues = pd.read_sql(select(schema.clues), conn)
    clues["month"] = pd.to_datetime(clues["received_date"]).dt.month
    located = {v[0]: (v[5], v[4]) for v in VILLAGES if v[4] is not None}
    for month in range(1, 13):
        expected = clues[(clues["month"] == month) & clues["village_code"].isin(located)].groupby("village_code").size()
        assert sorted(frames[month - 1]) == sorted(
            [located[code][0], located[code][1], float(n)] for code, n in expected.items()), month
    # the year's maximum: months compare with one another
    options = re.search(r"L\.heatLayer\(.*?(\{.*?\})\s*\);", document, re.S).group(1)
    assert f'"max": {max(p[2] for frame in frames for p in frame)}' in options
    assert "monthly-heat-player" not in render_html(build_map(*map_inputs(map_engine), tiles=TileSource("none")))
    assert "monthly-heat-player" in document


@pytest.mark.parametrize("name", ["{{ 7*7 }}村", "{% raw %}村", "{{ cycler.__init__.__globals__ }}村"])
def test_template_syntax_in_a_name_is_text_not_jinja(map_engine, name):
    # folium re-renders every element's output as a Jinja template; ours must not be
    villages, townships, outlines = map_inputs(map_engine)
    villages.loc[villages["village_code"] == "990101101201", "village_name"] = name
    outlines.loc[0, "division_name"] = name.replace("村", "镇")
    document = render_html(build_map(villages, townships, outlines, tiles=TileSource("none"),
                                     title_lines=(name,)))
    assert html.escape(name) in document and html.escape(name.replace("村", "镇")) in document
    assert "49村" not in document


def test_a_rerun_that_changes_nothing_the_map_shows_keeps_the_map_and_a_new_weight_rebuilds_it(map_engine,
                                                                                               monkeypatch):
    """全市's map of 23,300 villages took 1.1 s to build at every rerun of the page; now once a session per view."""
    import geo.heatmap

    built = []
    original = geo.heatmap.build_map

    def counted(*args, **kwargs):
        built.append(kwargs.get("weight"))
        return original(*args, **kwargs)

    monkeypatch.setattr(geo.heatmap, "build_map", counted)
    app = run_heatmap_page(monkeypatch, str(map_engine.url))
    assert not app.exception and built == ["count"]
    app.run()  # a rerun (another widget, a returning user): the same map
    assert built == ["count"]
    app.radio(key="heatmap_weight").set_value("amount").run()
    assert built == ["count", "amount"] and not app.exception
    app.toggle(key="heatmap_choropleth").set_value(True).run()
    assert built == ["count", "amount", "amount"]
