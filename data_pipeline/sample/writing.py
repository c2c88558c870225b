"""Writing the sample: the .xlsx sheets, the .csv tables and the .geojson boundaries; ``write_sample``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from data_pipeline.sample.generators import generate_county
from data_pipeline.sample.geography import County
from data_pipeline.sample.sheets import Sheet, clean_table, clerk_sheets, generated_rows
from data_pipeline.sample.spec import BENCHMARK_SCALE, COUNTY_NAME, DEFAULT_SEED, SAMPLE_TARGETS

# the workbook's 创建时间: fixed so that the .xlsx bytes do not depend on when they were written
WORKBOOK_CREATED = dt.datetime(2026, 11, 15, 9, 0, 0)

LEDGER_FILES = {
    "divisions": "示范县区划名录.xlsx",
    "clues": "示范县问题线索台账.xlsx",
    "cases": "示范县案件台账.xlsx",
    "case_people": "示范县案件处理人员名单.xlsx",
    "rectification": "示范县整改台账.xlsx",
    "satisfaction": "示范县群众满意度测评.xlsx",
    "platform_usage": "示范县小微权力监督平台使用情况.xlsx",
}

SHEET_NAMES = {"divisions": "区划名录", "clues": "线索台账", "cases": "案件台账", "case_people": "处理人员",
               "rectification": "整改台账", "satisfaction": "满意度测评", "platform_usage": "平台使用"}


def _write_xlsx(path: Path, sheet_name: str, table: Sheet) -> None:
    """Write one sheet: merged title rows, the header, the rows (a blank one in the middle), the 合计 row."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
    workbook.set_properties({"title": path.stem, "author": "示范县纪委监委", "created": WORKBOOK_CREATED})
    sheet = workbook.add_worksheet(sheet_name)
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    header_format = workbook.add_format({"bold": True, "border": 1, "align": "center"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    width = len(table.header)
    row_number = 0
    for title in table.title:
        sheet.merge_range(row_number, 0, row_number, width - 1, title, title_format)
        row_number += 1
    sheet.write_row(row_number, 0, table.header, header_format)
    row_number += 1
    blank_after = table.blank_after
    rows = list(table.rows) + ([table.total] if table.total else [])
    for index, values in enumerate(rows):
        if blank_after is not None and index == blank_after:
            row_number += 1  # a blank row in the middle, as clerks leave them
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(row_number, column, dt.datetime(value.year, value.month, value.day),
                                     date_format)
            elif isinstance(value, (int, np.integer)):
                sheet.write_number(row_number, column, int(value))
            elif isinstance(value, (float, np.floating)):
                sheet.write_number(row_number, column, float(value))
            else:
                sheet.write_string(row_number, column, str(value))
        row_number += 1
    for column, header in enumerate(table.header):
        sheet.set_column(column, column, max(10, min(40, 2 * len(header) + 4)))
    workbook.close()


def _feature_collection(features: list[dict]) -> str:
    collection = {"type": "FeatureCollection",
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}},
                  "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def _polygon_coordinates(polygon: Polygon) -> list:
    return [[[round(x, 6), round(y, 6)] for x, y in polygon.exterior.coords]]


def _write_boundaries(directory: Path, counties: list[County]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    township_features, village_features = [], []
    for county in counties:
        for row in county.townships.to_dict("records"):
            township_features.append({"type": "Feature",
                                      "properties": {"XZQDM": row["乡镇代码"], "XZQMC": row["乡镇名称"]},
                                      "geometry": {"type": "Polygon",
                                                   "coordinates": _polygon_coordinates(row["polygon"])}})
        for row in county.villages.to_dict("records"):
            village_features.append({"type": "Feature", "properties": {"code": row["村代码"], "name": row["村名称"]},
                                     "geometry": {"type": "Point", "coordinates": [row["经度"], row["纬度"]]}})
    townships_path = directory / "townships.geojson"
    villages_path = directory / "villages.geojson"
    townships_path.write_text(_feature_collection(township_features), encoding="utf-8")
    villages_path.write_text(_feature_collection(village_features), encoding="utf-8")
    return [townships_path, villages_path]


def _write_sample_county(out_dir: Path, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    data = generate_county(rng)
    ledger_dir = out_dir / "ledgers"
    ledger_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, table in clerk_sheets(data).items():
        path = ledger_dir / LEDGER_FILES[kind]
        _write_xlsx(path, SHEET_NAMES[kind], table)
        paths.append(path)
    return paths + _write_boundaries(out_dir / "boundaries", [data.county])


def _benchmark_county_code(index: int) -> str:
    """Return the index-th benchmark county's code: 99 + 4 digits (no province uses 99)."""
    return f"99{index // 99 + 1:02d}{index % 99 + 1:02d}"


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as UTF-8 CSV with pyarrow's writer (pandas' is the slow half of a benchmark run)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, str(path), pa_csv.WriteOptions(quoting_style="needed"))


def _write_benchmark_counties(out_dir: Path, counties: int, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    targets = SAMPLE_TARGETS.scaled(BENCHMARK_SCALE)
    ledger_dir = out_dir / "ledgers"
    ledger_dir.mkdir(parents=True, exist_ok=True)
    frames: dict[str, list[pd.DataFrame]] = {kind: [] for kind in LEDGER_FILES}
    geographies = []
    for index in range(counties):
        code = _benchmark_county_code(index)
        # counties on a grid over the interior, 0.6° apart: no two outlines overlap
        centre = (104.0 + 0.6 * (index % 20), 25.0 + 0.5 * (index // 20))
        name = COUNTY_NAME if index == 0 else f"基准{index:03d}县"
        data = generate_county(rng, code, name, centre, targets)
        geographies.append(data.county)
        for kind, rows in generated_rows(data).items():
            frames[kind].append(clean_table(kind, rows))
    paths = []
    for kind, parts in frames.items():
        path = ledger_dir / LEDGER_FILES[kind].replace("示范县", f"基准{counties}县").replace(".xlsx", ".csv")
        _write_csv(path, pd.concat(parts, ignore_index=True))
        paths.append(path)
    return paths + _write_boundaries(out_dir / "boundaries", geographies)


def write_sample(out_dir: Path, counties: int = 1, seed: int = DEFAULT_SEED) -> list[Path]:
    """Return the files written: the sample county's ledgers and boundaries (or N benchmark counties)."""
    out_dir = Path(out_dir)
    if counties < 1:
        raise ValueError("县的数量至少为 1")
    if counties == 1:
        return _write_sample_county(out_dir, seed)
    return _write_benchmark_counties(out_dir, counties, seed)
