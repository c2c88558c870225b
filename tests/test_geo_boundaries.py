"""A clerk loads the county's boundary files: real Shapefiles, GeoJSON and GeoPackages written here
with pyogrio in the CRSs and encodings that real surveyors' files come in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyproj
import pytest
import shapely
from sqlalchemy import insert, select

from geo.__main__ import main
from geo.boundaries import BoundaryError, detect_dbf_encoding, load_boundary_file, read_boundary_file
from warehouse import schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GEOD = pyproj.Geod(ellps="WGS84")

# a known point: 111.2E 30.5N lies in the 3-degree zone whose central meridian is 111E
KNOWN_LON, KNOWN_LAT = 111.2, 30.5
# pyproj's EPSG:4546 coordinates of it, checked by hand: 0.2 deg of longitude at 30.5N is
# 0.2 * 111320 m * cos(30.5 deg) = 19184 m east of the central meridian (false easting 500000),
# and the meridian arc to 30.5N is about 30.5 * 110.68 km = 3375.7 km.
KNOWN_GK_111E = (519199.8045, 3375558.7405)

TOWNSHIPS = [("990101101", "青石镇", "镇"), ("990101102", "白沙镇", "镇"), ("990101201", "石门乡", "乡")]
VILLAGES = [
    # code, name, kind, township, lon, lat
    ("990101101201", "石桥村", "行政村", "990101101", None, None),
    ("990101101202", "新华村", "行政村", "990101101", 111.25, 30.45),
    ("990101102201", "白沙村", "行政村", "990101102", None, None),
]


@pytest.fixture
def divisions_engine(empty_engine):
    """A warehouse holding the 区划名录 of three townships and three villages."""
    with empty_engine.begin() as conn:
        conn.execute(insert(schema.counties), [{"county_code": "990101", "county_name": "示范县"}])
        conn.execute(insert(schema.townships), [
            {"township_code": c, "township_name": n, "township_kind": k, "county_code": "990101"} for c, n, k in TOWNSHIPS])
        conn.execute(insert(schema.villages), [
            {"village_code": c, "village_name": n, "village_kind": k, "township_code": t, "longitude": lon, "latitude": lat}
            for c, n, k, t, lon, lat in VILLAGES])
    return empty_engine


def stored_boundaries(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.boundaries)).mappings().all()
    return {r["division_code"]: dict(r) for r in rows}


def township_frame(crs: int) -> gpd.GeoDataFrame:
    """Three township polygons drawn in EPSG:4490, projected to ``crs``; 青石镇 has the known point as a vertex."""
    polygons = [
        shapely.Polygon([(KNOWN_LON, KNOWN_LAT), (111.3, 30.5), (111.3, 30.6), (111.2, 30.6)]),
        shapely.box(111.3, 30.5, 111.4, 30.6),
        shapely.box(111.4, 30.5, 111.5, 30.6),
    ]
    frame = gpd.GeoDataFrame(
        {"XZQDM": ["990101101000", "", "990101999000"], "XZQMC": ["青石镇", "白沙", "不存在镇"]},
        geometry=polygons, crs=4490,
    )
    return frame.to_crs(crs)


def write_gbk_shapefile(path: Path, frame: gpd.GeoDataFrame, keep_prj: bool = True) -> Path:
    """Write a Shapefile whose .dbf is GBK with no .cpg and no code page byte, as Chinese GIS exports often are."""
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0  # language driver id: "unknown", so GDAL cannot tell the encoding either
    dbf.write_bytes(bytes(raw))
    if not keep_prj:
        path.with_suffix(".prj").unlink()
    return path


def first_vertex(geometry_geojson: str) -> tuple[float, float]:
    geometry = shapely.from_geojson(geometry_geojson)
    coords = list(shapely.get_coordinates(geometry))
    return min(coords, key=lambda c: (c[0] - KNOWN_LON) ** 2 + (c[1] - KNOWN_LAT) ** 2)


def test_the_known_point_in_the_111e_zone_is_where_pyproj_puts_it():
    east, north = pyproj.Transformer.from_crs(4490, 4546, always_xy=True).transform(KNOWN_LON, KNOWN_LAT)
    assert (round(east, 4), round(north, 4)) == KNOWN_GK_111E
    assert abs(east - 500000 - 0.2 * 111320 * 0.8616) < 50  # the hand check above, within 50 m


def test_a_gbk_shapefile_without_cpg_in_gauss_kruger_loads_with_its_chinese_names(tmp_path, divisions_engine, capsys):
    shp = write_gbk_shapefile(tmp_path / "乡镇边界.shp", township_frame(4546))
    # without detection GDAL would read the GBK bytes as Latin-1
    assert "青石镇" not in list(pyogrio.read_dataframe(shp)["XZQMC"])
    assert detect_dbf_encoding(shp.with_suffix(".dbf")) == "gbk"
    frame, crs_label, encoding = read_boundary_file(shp)
    assert list(frame["XZQMC"]) == ["青石镇", "白沙", "不存在镇"]
    assert (crs_label, encoding) == ("EPSG:4546", "gbk")

    url = str(divisions_engine.url)
    assert main(["load-boundaries", str(shp), "--level", "township", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "按代码匹配 1 个，按名称匹配 1 个，未匹配 1 个；已写入 2 个" in out
    assert "第 3 个要素 代码“990101999” 名称“不存在镇”" in out  # listed, not stored
    assert "990101201 石门乡" in out  # a township with no feature
    stored = stored_boundaries(divisions_engine)
    assert set(stored) == {"990101101", "990101102"}
    assert stored["990101102"]["division_name"] == "白沙镇"  # "白沙" matched by its name variant
    assert stored["990101101"]["source_file"] == "乡镇边界.shp"
    with divisions_engine.connect() as conn:
        audit = conn.execute(select(schema.audit_events)).mappings().all()
    assert [(a["action"], a["user_name"]) for a in audit] == [("load", "命令行")]
    assert json.loads(audit[0]["detail"]) == {"文件": "乡镇边界.shp", "边界级别": "乡镇", "坐标系": "EPSG:4546",
                                              "要素": 3, "写入": 2, "未匹配": 1, "补填村点位": 0}

    lon, lat = first_vertex(stored["990101101"]["geometry_geojson"])
    expected_lon, expected_lat = pyproj.Transformer.from_crs(4546, 4326, always_xy=True).transform(*KNOWN_GK_111E)
    assert GEOD.inv(lon, lat, expected_lon, expected_lat)[2] < 1.0  # metres, against pyproj directly
    assert GEOD.inv(lon, lat, KNOWN_LON, KNOWN_LAT)[2] < 1.0  # and against the point we started from


@pytest.mark.parametrize("crs", [4525, 4545, 4490])
def test_zone_prefixed_and_neighbouring_zones_reproject_to_the_same_place(tmp_path, divisions_engine, crs):
    # 4525: zone 37 with its prefix (x = 37 519 199.8); 4545: the 108E zone, far from its meridian
    path = tmp_path / f"townships_{crs}.gpkg"
    pyogrio.write_dataframe(township_frame(crs), path)
    report = load_boundary_file(path, "township", divisions_engine)
    assert report.crs_label == f"EPSG:{crs}"
    lon, lat = first_vertex(stored_boundaries(divisions_engine)["990101101"]["geometry_geojson"])
    assert GEOD.inv(lon, lat, KNOWN_LON, KNOWN_LAT)[2] < 1.0


def test_a_utf8_dbf_without_cpg_is_detected_as_utf8(tmp_path):
    shp = tmp_path / "utf8.shp"
    pyogrio.write_dataframe(township_frame(4546), shp, encoding="UTF-8")
    shp.with_suffix(".cpg").unlink()
    raw = bytearray(shp.with_suffix(".dbf").read_bytes())
    raw[29] = 0
    shp.with_suffix(".dbf").write_bytes(bytes(raw))
    assert detect_dbf_encoding(shp.with_suffix(".dbf")) == "utf-8"
    frame, _, encoding = read_boundary_file(shp)
    assert encoding == "utf-8" and list(frame["XZQMC"]) == ["青石镇", "白沙", "不存在镇"]


def test_a_geojson_in_cgcs2000_places_villages_and_fills_only_missing_coordinates(tmp_path, divisions_engine, capsys):
    points = gpd.GeoDataFrame(
        {"村代码": ["990101101201", "990101101202", ""], "村名称": ["石桥村", "新华村", " 白沙村 "]},
        geometry=[shapely.Point(111.21, 30.52), shapely.Point(111.26, 30.46), shapely.Point(111.35, 30.55)],
        crs=4490,
    )
    path = tmp_path / "villages.geojson"
    pyogrio.write_dataframe(points, path, driver="GeoJSON")
    assert "4490" in json.loads(path.read_text(encoding="utf-8"))["crs"]["properties"]["name"]

    assert main(["load-boundaries", str(path), "--level", "village", "--db", str(divisions_engine.url)]) == 0
    out = capsys.readouterr().out
    assert "坐标系 EPSG:4490" in out and "按代码匹配 2 个，按名称匹配 1 个" in out
    assert "补填村点位经纬度 2 个" in out
    with divisions_engine.connect() as conn:
        coords = {r.village_code: (r.longitude, r.latitude) for r in conn.execute(select(schema.villages))}
    assert coords["990101101201"] == pytest.approx((111.21, 30.52), abs=1e-6)  # had none: filled
    assert coords["990101101202"] == (111.25, 30.45)  # the 区划名录's own figures win
    assert coords["990101102201"] == pytest.approx((111.35, 30.55), abs=1e-6)
    stored = stored_boundaries(divisions_engine)
    assert json.loads(stored["990101101201"]["geometry_geojson"])["type"] == "Point"
    assert stored["990101101201"]["division_level"] == "village"


def test_a_file_with_no_crs_is_refused_unless_crs_says_what_it_is(tmp_path, divisions_engine, capsys):
    shp = write_gbk_shapefile(tmp_path / "noprj.shp", township_frame(4546), keep_prj=False)
    url = str(divisions_engine.url)
    assert main(["load-boundaries", str(shp), "--level", "township", "--db", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：") and "没有声明坐标系" in err and "--crs" in err and "\n" not in err
    assert stored_boundaries(divisions_engine) == {}

    assert main(["load-boundaries", str(shp), "--level", "township", "--db", url, "--crs", "EPSG:4546"]) == 0
    lon, lat = first_vertex(stored_boundaries(divisions_engine)["990101101"]["geometry_geojson"])
    assert GEOD.inv(lon, lat, KNOWN_LON, KNOWN_LAT)[2] < 1.0


def test_projected_coordinates_in_a_geojson_without_crs_are_refused(tmp_path, divisions_engine):
    # RFC 7946 GeoJSON has no crs member and is read as EPSG:4326: a GK file saved that way lands off the globe
    frame = township_frame(4546)
    path = tmp_path / "gk.geojson"
    path.write_text(frame.set_crs(None, allow_override=True).to_json(), encoding="utf-8")
    with pytest.raises(BoundaryError, match="不在中国境内.*--crs"):
        load_boundary_file(path, "township", divisions_engine)
    report = load_boundary_file(path, "township", divisions_engine, crs="EPSG:4546")
    assert report.stored == 2


def test_flags_name_the_fields_and_the_encoding(tmp_path, divisions_engine):
    frame = gpd.GeoDataFrame({"DWBM": ["990101101"], "DWMC": ["青石镇"]}, geometry=[shapely.box(111.2, 30.5, 111.3, 30.6)],
                             crs=4326)
    path = tmp_path / "odd.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    with pytest.raises(BoundaryError, match="找不到代码或名称字段.*DWBM"):
        load_boundary_file(path, "township", divisions_engine)
    report = load_boundary_file(path, "township", divisions_engine, code_field="DWBM", name_field="DWMC", encoding="GBK")
    assert report.matched_by_code == 1
    with pytest.raises(BoundaryError, match="--code-field 指定的字段“XZQDM”不在文件中"):
        load_boundary_file(path, "township", divisions_engine, code_field="XZQDM")


def test_an_invalid_polygon_is_repaired_and_reported(tmp_path, divisions_engine):
    bow_tie = shapely.Polygon([(111.2, 30.5), (111.3, 30.6), (111.3, 30.5), (111.2, 30.6)])
    assert not bow_tie.is_valid
    frame = gpd.GeoDataFrame({"乡镇代码": ["990101101"], "乡镇名称": ["青石镇"]}, geometry=[bow_tie], crs=4326)
    path = tmp_path / "bowtie.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    report = load_boundary_file(path, "township", divisions_engine)
    assert report.repaired == ["青石镇（第 1 个要素）"]
    assert any("已修复无效几何 1 个" in line for line in report.summary_lines())
    stored = shapely.from_geojson(stored_boundaries(divisions_engine)["990101101"]["geometry_geojson"])
    assert stored.is_valid and stored.area == pytest.approx(0.005, rel=1e-3)


def test_boundaries_before_the_division_list_are_refused(tmp_path, empty_engine):
    path = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(township_frame(4490), path)
    with pytest.raises(BoundaryError, match="请先导入区划名录"):
        load_boundary_file(path, "township", empty_engine)


@pytest.mark.parametrize("content,expected", [
    (b"{not json", "无法读取边界文件"),
    (b"", "无法读取边界文件"),
])
def test_a_bad_file_gets_one_chinese_line_and_no_traceback(tmp_path, divisions_engine, content, expected):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "geo", "load-boundaries", str(path), "--level", "township", "--db",
         str(divisions_engine.url)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DASHBOARD_DATA_DIR": str(tmp_path)},  # its log, not the project's data/
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误：") and expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_level_and_missing_file_are_one_line_errors(tmp_path, divisions_engine, capsys):
    url = str(divisions_engine.url)
    assert main(["load-boundaries", str(tmp_path / "none.geojson"), "--level", "township", "--db", url]) == 1
    assert "找不到边界文件" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["load-boundaries", str(tmp_path / "none.geojson"), "--level", "county"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("错误：命令参数有误")


def test_the_sample_county_boundaries_load_by_the_readme_commands(sample_engine):
    if not (PROJECT_ROOT / "sample_data" / "boundaries" / "townships.geojson").exists():
        pytest.skip("sample_data/boundaries is not generated yet")
    with sample_engine.connect() as conn:
        townships = conn.execute(select(schema.townships.c.township_code)).scalars().all()
        villages = conn.execute(select(schema.villages.c.village_code)).scalars().all()
    stored = stored_boundaries(sample_engine)
    assert len(townships) == 12 and len(villages) == 233  # docs/DOMAIN.md's sample county
    assert {c for c, r in stored.items() if r["division_level"] == "township"} == set(townships)
    assert {c for c, r in stored.items() if r["division_level"] == "village"} == set(villages)


def test_same_named_villages_are_told_apart_by_the_files_township_column(tmp_path, divisions_engine):
    with divisions_engine.begin() as conn:  # a second 新华村, in 白沙镇
        conn.execute(insert(schema.villages), [{"village_code": "990101102202", "village_name": "新华村",
                                                "village_kind": "行政村", "township_code": "990101102"}])
    points = gpd.GeoDataFrame({"村名称": ["新华村", "新华"], "乡镇名称": ["白沙", None]},
                              geometry=[shapely.Point(111.36, 30.56), shapely.Point(111.26, 30.46)], crs=4326)
    path = tmp_path / "named.geojson"
    pyogrio.write_dataframe(points, path, driver="GeoJSON")
    report = load_boundary_file(path, "village", divisions_engine)
    assert report.matched_by_name == 1 and set(stored_boundaries(divisions_engine)) == {"990101102202"}
    assert report.unmatched[0].feature_number == 2
    assert "名称对应多个村（社区）（990101101202、990101102202）" in report.unmatched[0].reason


def test_a_zipped_gbk_shapefile_loads_like_the_shapefile(tmp_path, divisions_engine):
    import zipfile

    (tmp_path / "parts").mkdir()
    shp = write_gbk_shapefile(tmp_path / "parts" / "乡镇.shp", township_frame(4546))
    archive = tmp_path / "乡镇边界.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in shp.parent.iterdir():
            bundle.write(part, f"边界/{part.name}")
    report = load_boundary_file(archive, "township", divisions_engine)
    assert report.stored == 2 and report.encoding == "gbk" and report.source_file == "乡镇边界.zip"
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as bundle:
        bundle.writestr("a.geojson", "{}")
        bundle.writestr("b.geojson", "{}")
    with pytest.raises(BoundaryError, match="应恰有一个边界文件.*a.geojson、b.geojson"):
        load_boundary_file(tmp_path / "two.zip", "township", divisions_engine)


def test_a_cpg_beside_the_dbf_is_honoured(tmp_path, divisions_engine):
    shp = tmp_path / "with_cpg.shp"
    pyogrio.write_dataframe(township_frame(4546), shp, encoding="GBK")
    shp.with_suffix(".cpg").write_text("936", encoding="ascii")  # how ArcGIS writes GBK
    raw = bytearray(shp.with_suffix(".dbf").read_bytes())
    raw[29] = 0
    shp.with_suffix(".dbf").write_bytes(bytes(raw))
    frame, _, encoding = read_boundary_file(shp)
    assert encoding == "936" and list(frame["XZQMC"]) == ["青石镇", "白沙", "不存在镇"]


@pytest.fixture
def two_counties_same_names(divisions_engine):
    """The three townships again in a second county 990102, under the very same names (城关街道 repeats so)."""
    with divisions_engine.begin() as conn:
        conn.execute(insert(schema.counties), [{"county_code": "990102", "county_name": "邻县"}])
        conn.execute(insert(schema.townships), [
            {"township_code": "990102" + c[6:], "township_name": n, "township_kind": k, "county_code": "990102"}
            for c, n, k in TOWNSHIPS])
    return divisions_engine


def test_one_countys_file_lists_only_its_own_townships_without_a_feature(tmp_path, two_counties_same_names):
    path = tmp_path / "townships.geojson"
    pyogrio.write_dataframe(township_frame(4490), path, driver="GeoJSON")  # 青石镇 by code, 白沙 by name
    report = load_boundary_file(path, "township", two_counties_same_names, county_code="990101")
    assert set(stored_boundaries(two_counties_same_names)) == {"990101101", "990101102"}  # 白沙 within 990101
    assert report.divisions_without_feature == [("990101201", "石门乡")]  # not 邻县's three


def test_without_county_a_shared_name_is_refused_and_the_report_keeps_to_the_matched_county(
        tmp_path, two_counties_same_names, capsys):
    path = tmp_path / "townships.geojson"
    pyogrio.write_dataframe(township_frame(4490), path, driver="GeoJSON")
    report = load_boundary_file(path, "township", two_counties_same_names)
    assert set(stored_boundaries(two_counties_same_names)) == {"990101101"}  # by its code
    assert "名称对应多个乡镇（990101102、990102102）" in report.unmatched[0].reason  # 白沙: two counties have one
    assert report.divisions_without_feature == [("990101102", "白沙镇"), ("990101201", "石门乡")]
    url = str(two_counties_same_names.url)
    assert main(["load-boundaries", str(path), "--level", "township", "--county", "990102", "--db", url]) == 0
    # 白沙 (no code) in 邻县 when it is asked for; 青石镇's code is 990101's, so it is not put on 邻县's 青石镇
    assert set(stored_boundaries(two_counties_same_names)) == {"990101101", "990102102"}
    assert "代码不属于本县（990102）" in capsys.readouterr().out
    with two_counties_same_names.connect() as conn:  # the county's 管理员 reads the load in its audit log
        stamped = conn.execute(select(schema.audit_events.c.county_code).where(schema.audit_events.c.action == "load")
                               .order_by(schema.audit_events.c.event_id.desc())).scalars().first()
    assert stamped == "990102"
    assert main(["load-boundaries", str(path), "--level", "township", "--county", "9901", "--db", url]) == 1
    assert "--county 应为 6 位县代码" in capsys.readouterr().err
