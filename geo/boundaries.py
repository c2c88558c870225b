"""Township and village boundaries from GIS files into the warehouse, in EPSG:4326.

A clerk's boundary file is a GeoJSON, a Shapefile or a GeoPackage in whatever CRS the county's
surveyors used: EPSG:4326, CGCS2000 (EPSG:4490) or a 3-degree Gauss-Kruger zone (EPSG:4513-4554).
Shapefile text is often GBK with no .cpg beside it, so the .dbf's text fields are decoded as
UTF-8 strictly, else GBK, else GB18030. The code and name fields are recognised by their usual
names (XZQDM/XZQMC, ZLDWDM/ZLDWMC, 乡镇代码/乡镇名称, 村代码/村名称, code/name …) or named by the
caller. Features match the warehouse's divisions by code, then by name (variants: "青石镇",
"青石", " 青石镇 "); what matches nothing is listed, never guessed.

Geometry is stored as GeoJSON text so PostgreSQL needs no spatial extension. A village given as
a point also fills ``villages.longitude/latitude`` when the 区划名录 had none (the ledger's own
coordinates are never overwritten: the clerk's figures win).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, bindparam, or_, select, update

from data_pipeline.normalise import TOWNSHIP_SUFFIXES, VILLAGE_SUFFIXES, clean_text, place_keys
from metrics.tables import in_township
from warehouse import schema
from warehouse.audit import ACTORS_COUNTY, write_event
from warehouse.engine import upsert_rows

LEVELS = {"township": "乡镇", "village": "村（社区）"}
SUPPORTED_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg")  # and a .zip holding one of them

# Field names as they come in real files, most specific first, per level.
CODE_FIELDS = {
    "township": ("XZQDM", "乡镇代码", "乡镇区划代码", "乡镇（街道）代码", "乡镇(街道)代码", "XZQHDM",
                 "ZLDWDM", "区划代码", "行政区划代码", "code", "adcode", "DM"),
    "village": ("村代码", "村（社区）代码", "村(社区)代码", "村区划代码", "CJQYDM", "ZLDWDM", "XZQDM",
                "XZQHDM", "区划代码", "行政区划代码", "code", "adcode", "DM"),
}
NAME_FIELDS = {
    "township": ("XZQMC", "乡镇名称", "乡镇（街道）名称", "乡镇(街道)名称", "乡镇", "XZQHMC", "ZLDWMC",
                 "名称", "name", "MC"),
    "village": ("村名称", "村（社区）名称", "村(社区)名称", "村（社区）", "村(社区)", "CJQYMC", "ZLDWMC",
                "XZQMC", "XZQHMC", "名称", "name", "MC"),
}
# Suffixes a name may carry or lack ("青石镇" / "青石"): the ledgers' own, so both match alike.
NAME_SUFFIXES = {"township": TOWNSHIP_SUFFIXES, "village": VILLAGE_SUFFIXES}
CODE_LENGTH = {"township": 9, "village": 12}
# a village file may say which township each village is in: that separates same-named villages
VILLAGE_TOWNSHIP_CODE_FIELDS = ("乡镇代码", "乡镇区划代码", "乡镇（街道）代码", "乡镇(街道)代码", "XZDM")
VILLAGE_TOWNSHIP_NAME_FIELDS = ("乡镇名称", "乡镇", "乡镇（街道）", "乡镇(街道)", "所属乡镇", "乡镇（街道）名称",
                                "乡镇(街道)名称", "XZMC")

# Where stored points and outlines may lie: China with a margin. A file whose declared CRS is
# wrong (or missing) lands far outside it after reprojection.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
COORDINATE_DECIMALS = 6  # about 0.1 m: more only makes the map heavier


class BoundaryError(Exception):
    """A boundary file that cannot be loaded; the message is one line of Chinese for the clerk."""


@dataclass
class UnmatchedFeature:
    feature_number: int  # 1-based, in the file's order
    code: str
    name: str
    reason: str


@dataclass
class BoundaryLoadReport:
    """What one boundary file did to the warehouse."""

    source_file: str
    level: str
    crs_label: str
    encoding: str | None
    code_field: str | None
    name_field: str | None
    feature_count: int = 0
    matched_by_code: int = 0
    matched_by_name: int = 0
    stored: int = 0
    unmatched: list[UnmatchedFeature] = field(default_factory=list)
    divisions_without_feature: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    villages_located: int = 0

    def summary_lines(self) -> list[str]:
        """Return the report as lines of Chinese, for the command line and the load page."""
        encoding = f"，属性编码 {self.encoding}" if self.encoding else ""
        lines = [
            f"边界导入：{self.source_file}（{LEVELS[self.level]}级，坐标系 {self.crs_label} → EPSG:4326{encoding}；"
            f"代码字段 {self.code_field or '无'}，名称字段 {self.name_field or '无'}）",
            f"要素 {self.feature_count} 个：按代码匹配 {self.matched_by_code} 个，按名称匹配 {self.matched_by_name} 个，"
            f"未匹配 {len(self.unmatched)} 个；已写入 {self.stored} 个。",
        ]
        if self.repaired:
            lines.append(f"已修复无效几何 {len(self.repaired)} 个：" + "、".join(self.repaired))
        if self.unmatched:
            lines.append(f"未匹配的要素（{len(self.unmatched)} 个，未写入）：")
            lines += [f"  第 {u.feature_number} 个要素 代码“{u.code}” 名称“{u.name}”：{u.reason}" for u in self.unmatched]
        if self.divisions_without_feature:
            lines.append(f"没有边界要素的{LEVELS[self.level]}（{len(self.divisions_without_feature)} 个）：")
            lines += [f"  {code} {name}" for code, name in self.divisions_without_feature]
        if self.level == "village":
            lines.append(f"补填村点位经纬度 {self.villages_located} 个（区划名录中原无经纬度的村）。")
        return lines


# --- reading ----------------------------------------------------------------------------------

def detect_dbf_encoding(dbf_path: Path) -> str:
    """Return the encoding of a .dbf's text: utf-8 if its field names and text fields decode strictly, else gbk or gb18030."""
    raw = dbf_path.read_bytes()
    if len(raw) < 32:
        raise BoundaryError(f"属性表文件 {dbf_path.name} 不完整，无法读取")
    record_count = int.from_bytes(raw[4:8], "little")
    header_length = int.from_bytes(raw[8:10], "little")
    record_length = int.from_bytes(raw[10:12], "little")
    names: list[bytes] = []
    text_slices: list[tuple[int, int]] = []
    offset = 1  # each record starts with its deletion flag
    position = 32
    while position + 32 <= header_length and raw[position] != 0x0D:
        descriptor = raw[position : position + 32]
        names.append(descriptor[:11].split(b"\0")[0])
        length = descriptor[16]
        if descriptor[11:12] in (b"C", b"M", b"V"):
            text_slices.append((offset, length))
        offset += length
        position += 32
    chunks = list(names)
    for number in range(record_count):
        start = header_length + number * record_length
        record = raw[start : start + record_length]
        chunks.extend(record[o : o + n] for o, n in text_slices)
    text = b"\n".join(chunk.rstrip(b" \0") for chunk in chunks)
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            text.decode(encoding, errors="strict")
            return encoding
        except UnicodeDecodeError:
            continue
    raise BoundaryError(f"属性表 {dbf_path.name} 的文字既不是 UTF-8 也不是 GBK/GB18030，请用 --encoding 指定编码")


def _sidecar(path: Path, suffix: str) -> Path | None:
    for candidate in (path.with_suffix(suffix.lower()), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def read_boundary_file(path: Path, *, encoding: str | None = None, crs: str | None = None):
    """Return (GeoDataFrame in EPSG:4326, the source CRS label, the text encoding used) for a GIS file."""
    import pyogrio
    import pyproj

    path = Path(path)
    if not path.exists():
        raise BoundaryError(f"找不到边界文件：{path}")
    if path.suffix.lower() == ".zip":
        return _read_zipped(path, encoding=encoding, crs=crs)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise BoundaryError(f"不支持的边界文件类型“{path.suffix}”：请提供 GeoJSON（.geojson）、Shapefile（.shp，"
                            f"可打包为 .zip）或 GeoPackage（.gpkg）")
    used_encoding = encoding
    if path.suffix.lower() == ".shp" and encoding is None and _sidecar(path, ".cpg") is None:
        dbf = _sidecar(path, ".dbf")
        if dbf is None:
            raise BoundaryError(f"Shapefile {path.name} 缺少同名的 .dbf 属性表文件")
        used_encoding = detect_dbf_encoding(dbf)
    elif path.suffix.lower() == ".shp" and encoding is None:
        # GDAL reads the .cpg itself (it knows "936", "GBK", "UTF-8" …); the label is for the report
        used_encoding = _sidecar(path, ".cpg").read_text(encoding="ascii", errors="replace").strip() or None
    read_encoding = encoding
    if read_encoding is None and path.suffix.lower() == ".shp" and _sidecar(path, ".cpg") is None:
        read_encoding = used_encoding
    try:
        frame = pyogrio.read_dataframe(path, encoding=read_encoding)
    except Exception as exc:  # pyogrio/GDAL raise several kinds; the clerk needs one line
        if isinstance(exc, LookupError):
            raise BoundaryError(f"无法识别的编码“{used_encoding}”") from exc
        raise BoundaryError(f"无法读取边界文件 {path.name}：文件损坏或格式不受支持（{type(exc).__name__}）") from exc
    if len(frame) == 0 or frame.geometry.dropna().empty:
        raise BoundaryError(f"边界文件 {path.name} 中没有任何要素（或要素都没有几何）")
    if crs:
        try:
            declared = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise BoundaryError(f"无法识别的坐标系“{crs}”，应如 EPSG:4490 或 EPSG:4545") from exc
        frame = frame.set_crs(declared, allow_override=True)
    elif frame.crs is None:
        raise BoundaryError(
            f"边界文件 {path.name} 没有声明坐标系（缺少 .prj 或 crs），请用 --crs 指定，如 --crs EPSG:4490 或 --crs EPSG:4545"
        )
    epsg = frame.crs.to_epsg()
    crs_label = f"EPSG:{epsg}" if epsg else frame.crs.name
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:
        raise BoundaryError(f"无法把坐标系 {crs_label} 换算为 EPSG:4326：{type(exc).__name__}") from exc
    bounds = frame.geometry.dropna().total_bounds
    inside = (CHINA_LON[0] <= bounds[0] and bounds[2] <= CHINA_LON[1]
              and CHINA_LAT[0] <= bounds[1] and bounds[3] <= CHINA_LAT[1])
    if not all(math.isfinite(v) for v in bounds) or not inside:
        raise BoundaryError(
            f"边界文件 {path.name} 按坐标系 {crs_label} 换算后不在中国境内（经度 {bounds[0]:.2f}～{bounds[2]:.2f}，"
            f"纬度 {bounds[1]:.2f}～{bounds[3]:.2f}）：坐标系声明有误或缺失，请用 --crs 指定正确的坐标系"
        )
    return frame, crs_label, used_encoding


def _read_zipped(path: Path, *, encoding: str | None, crs: str | None):
    """Read the one GIS file inside a .zip (a Shapefile's parts travel zipped)."""
    import tempfile
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BoundaryError(f"压缩包 {path.name} 已损坏，无法解压") from exc
    with archive, tempfile.TemporaryDirectory(prefix="boundary_zip_") as folder:
        archive.extractall(folder)  # zipfile drops absolute paths and ".." from member names
        found = [p for p in Path(folder).rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES
                 and not p.name.startswith(".")]
        if len(found) != 1:
            listed = "、".join(sorted(p.name for p in found)) or "无"
            raise BoundaryError(f"压缩包 {path.name} 中应恰有一个边界文件（.shp/.geojson/.gpkg），实有：{listed}")
        return read_boundary_file(found[0], encoding=encoding, crs=crs)


# --- fields, codes and names ------------------------------------------------------------------

def _field_key(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().lower()


def find_field(columns, candidates: tuple[str, ...]) -> str | None:
    """Return the first column that is one of ``candidates`` (case and width insensitive), else None."""
    by_key = {_field_key(c): c for c in columns}
    for candidate in candidates:
        if _field_key(candidate) in by_key:
            return by_key[_field_key(candidate)]
    return None


def normalise_code(value, level: str) -> str:
    """Return a division code as digits ("990101101"); '' when the cell holds none."""
    text = re.sub(r"\s", "", clean_text(value))  # the ledgers' reading: NFKC, 990101101.0 → "990101101"
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        return text
    width = CODE_LENGTH[level]
    # XZQDM pads a township to 12 digits (990101101000); ZLDWDM pads a village to 19
    if len(text) > width and set(text[width:]) == {"0"}:
        return text[:width]
    return text


def normalise_name(value) -> str:
    """Return a place name without spaces and full-width forms: " 青石镇 " → "青石镇"."""
    return re.sub(r"\s", "", clean_text(value))


def short_name(name: str, level: str) -> str:
    """Return the name without its level suffix: 青石镇 → 青石, 石桥村 → 石桥."""
    keys = place_keys(name, NAME_SUFFIXES[level])
    return keys[-1] if keys else name


class DivisionMatcher:
    """Resolves a feature's code or name to one division of the warehouse, never guessing."""

    def __init__(self, divisions: dict[str, str], level: str):
        self.level = level
        self.names = divisions
        self._by_name: dict[str, set[str]] = {}
        self._by_short: dict[str, set[str]] = {}
        for code, name in divisions.items():
            full = normalise_name(name)
            self._by_name.setdefault(full, set()).add(code)
            self._by_short.setdefault(short_name(full, level), set()).add(code)

    def match(self, code: str, name: str, township_code: str | None = None) -> tuple[str | None, str]:
        """Return (division code or None, how: 'code', 'name' or the reason it failed).

        ``township_code`` (a village file's own 乡镇 column, resolved) separates villages of the
        same name in different townships.
        """
        if code and code in self.names:
            return code, "code"
        full = normalise_name(name)
        if full:
            for index in (self._by_name.get(full), self._by_short.get(short_name(full, self.level))):
                if index and len(index) > 1 and township_code:
                    index = {c for c in index if c.startswith(township_code)}
                if index and len(index) == 1:
                    return next(iter(index)), "name"
                if index and len(index) > 1:
                    return None, f"名称对应多个{LEVELS[self.level]}（{'、'.join(sorted(index))}），请在文件中填写代码"
        if code:
            return None, "代码不在区划名录中，名称也未能匹配"
        return None, "没有代码，名称也未能匹配"


# --- geometry ---------------------------------------------------------------------------------

def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    polygons = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return shapely.Polygon()
    return shapely.union_all(polygons)


def clean_geometry(geometry: BaseGeometry | None, level: str) -> tuple[BaseGeometry | None, str]:
    """Return (a valid geometry to store or None, '' / 'repaired' / the reason it was refused)."""
    if geometry is None or geometry.is_empty:
        return None, "几何为空"
    repaired = ""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        repaired = "repaired"
    if geometry.geom_type in ("Point", "MultiPoint"):
        if level == "township":
            return None, "乡镇边界应为面要素，此要素是点"
        if geometry.geom_type == "MultiPoint":
            geometry = geometry.geoms[0]
    else:
        geometry = _polygonal_part(geometry)
        if geometry.is_empty:
            return None, "几何无效且无法修复为面"
    geometry = shapely.transform(geometry, lambda coords: np.round(coords, COORDINATE_DECIMALS))
    if not geometry.is_valid:
        geometry = _polygonal_part(shapely.make_valid(geometry)) if geometry.geom_type != "Point" else geometry
        repaired = "repaired"
    return geometry, repaired


# --- loading ----------------------------------------------------------------------------------

def _divisions(engine: Engine, level: str, county_code: str | None = None) -> dict[str, str]:
    """{code: name} of the level's divisions in the 区划名录, of ``county_code`` only when given."""
    if level == "township":
        code, name = schema.townships.c.township_code, schema.townships.c.township_name
    else:
        code, name = schema.villages.c.village_code, schema.villages.c.village_name
    with engine.connect() as conn:
        return dict(conn.execute(select(code, name).where(*in_township(code, county_code))).all())


def load_boundary_file(
    path: Path,
    level: str,
    engine: Engine,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    loaded_by: str = "命令行",
    county_code: str | None = None,
) -> BoundaryLoadReport:
    """Return the report of loading one boundary file's features into ``boundaries`` (one transaction, audited).

    ``county_code`` (6 digits): features match that county's divisions only, so a name that several
    counties of a prefecture share (城关街道) resolves within it; without it, every county's. The report's
    divisions without a feature are those of the counties the file matched (all when it matched none):
    one county's file does not list every other county's townships."""
    if level not in LEVELS:
        raise BoundaryError(f"未知的区划级别“{level}”，应为 township（乡镇）或 village（村）")
    path = Path(path)
    frame, crs_label, used_encoding = read_boundary_file(path, encoding=encoding, crs=crs)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for flag, given in (("--code-field", code_field), ("--name-field", name_field)):
        if given and given not in columns:
            raise BoundaryError(f"{flag} 指定的字段“{given}”不在文件中（现有字段：{'、'.join(columns)}）")
    code_column = code_field or find_field(columns, CODE_FIELDS[level])
    name_column = name_field or find_field(columns, NAME_FIELDS[level])
    if not code_column and not name_column:
        raise BoundaryError(
            f"边界文件 {path.name} 中找不到代码或名称字段（现有字段：{'、'.join(columns) or '无'}），"
            f"请用 --code-field / --name-field 指定"
        )
    divisions = _divisions(engine, level, county_code)
    if not divisions:
        where = f"县代码 {county_code} 下" if county_code else "仓库中"
        raise BoundaryError(f"{where}还没有{LEVELS[level]}名录：请先导入区划名录台账，再导入边界")

    report = BoundaryLoadReport(
        source_file=path.name, level=level, crs_label=crs_label, encoding=used_encoding,
        code_field=code_column, name_field=name_column, feature_count=len(frame),
    )
    matcher = DivisionMatcher(divisions, level)
    township_of = _village_township_resolver(engine, columns, level, county_code)
    loaded_at = datetime.now().replace(microsecond=0)
    rows: dict[str, dict] = {}
    for number, (_, feature) in enumerate(frame.iterrows(), start=1):
        code = normalise_code(feature[code_column], level) if code_column else ""
        name = normalise_name(feature[name_column]) if name_column else ""
        if county_code and code and not code.startswith(county_code):
            report.unmatched.append(UnmatchedFeature(number, code, name, f"代码不属于本县（{county_code}）"))
            continue
        division_code, how = matcher.match(code, name, township_of(feature))
        if division_code is None:
            report.unmatched.append(UnmatchedFeature(number, code, name, how))
            continue
        if division_code in rows:
            report.unmatched.append(UnmatchedFeature(number, code, name, f"与前面的要素重复（{division_code}），未写入"))
            continue
        geometry, problem = clean_geometry(feature.geometry, level)
        if geometry is None:
            report.unmatched.append(UnmatchedFeature(number, code, name, problem))
            continue
        if problem == "repaired":
            report.repaired.append(f"{divisions[division_code]}（第 {number} 个要素）")
        if how == "code":
            report.matched_by_code += 1
        else:
            report.matched_by_name += 1
        rows[division_code] = {
            "division_code": division_code,
            "division_level": level,
            "division_name": divisions[division_code],
            "geometry_geojson": shapely.to_geojson(geometry),
            "source_file": path.name,
            "loaded_at": loaded_at,
        }
    report.stored = len(rows)
    counties_matched = {code[:6] for code in rows}
    report.divisions_without_feature = [(c, n) for c, n in sorted(divisions.items()) if c not in rows
                                        and (not counties_matched or c[:6] in counties_matched)]

    with engine.begin() as conn:
        upsert_rows(conn, schema.boundaries, list(rows.values()))
        if level == "village":
            report.villages_located = _fill_missing_village_points(conn, rows)
        write_event(conn, loaded_by, "load", {
            "文件": path.name, "边界级别": LEVELS[level], "坐标系": crs_label, "要素": report.feature_count,
            "写入": report.stored, "未匹配": len(report.unmatched), "补填村点位": report.villages_located},
            county_code or ACTORS_COUNTY)
    return report


def _village_township_resolver(engine: Engine, columns: list[str], level: str, county_code: str | None = None):
    """Return feature → its township code from a village file's own 乡镇 columns (None when it has none)."""
    code_column = find_field(columns, VILLAGE_TOWNSHIP_CODE_FIELDS) if level == "village" else None
    name_column = find_field(columns, VILLAGE_TOWNSHIP_NAME_FIELDS) if level == "village" else None
    if not code_column and not name_column:
        return lambda feature: None
    townships = DivisionMatcher(_divisions(engine, "township", county_code), "township")

    def township_of(feature) -> str | None:
        code = normalise_code(feature[code_column], "township") if code_column else ""
        name = normalise_name(feature[name_column]) if name_column else ""
        return townships.match(code, name)[0]

    return township_of


def _fill_missing_village_points(conn, rows: dict[str, dict]) -> int:
    """Set villages.longitude/latitude from the boundary where the 区划名录 had none; return how many."""
    points = []
    for code, row in rows.items():
        geometry = shapely.from_geojson(row["geometry_geojson"])
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        points.append({"code": code, "lon": round(point.x, COORDINATE_DECIMALS), "lat": round(point.y, COORDINATE_DECIMALS)})
    if not points:
        return 0
    villages = schema.villages
    statement = (
        update(villages)
        .where(villages.c.village_code == bindparam("code"))
        .where(or_(villages.c.longitude.is_(None), villages.c.latitude.is_(None)))
        .values(longitude=bindparam("lon"), latitude=bindparam("lat"))
    )
    result = conn.execute(statement, points)
    return max(0, result.rowcount or 0)


def load_sample_boundaries(boundary_dir: Path, engine: Engine) -> list[BoundaryLoadReport]:
    """Return the reports of loading the sample county's townships.geojson and villages.geojson."""
    reports = []
    for file_name, level in (("townships.geojson", "township"), ("villages.geojson", "village")):
        path = Path(boundary_dir) / file_name
        if path.exists():
            reports.append(load_boundary_file(path, level, engine))
    return reports
