"""The county's shape: its outline, its townships' polygons, its villages' points, names and people.

Coordinates are drawn in km around the county's centre and given in degrees (6 decimals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from data_pipeline.sample.spec import CENTRE, COUNTY_CODE, COUNTY_NAME, COUNTY_RADIUS_KM, TOWNSHIP_STEMS, TOWNSHIPS

# the two characters of a village's or a community's name are drawn from these
VILLAGE_FIRST = tuple("白红黄新张李王刘马杨赵周东西南北上下中大小长和平安福兴旺双三五九花松梅荷杏枫樟茶塘湾坪岭溪港坡桂兰凤鹤鹿泉田林沙水云星月阳")
VILLAGE_SECOND = tuple("山湖塘坪冲湾岭林田溪源家庄园铺坝垸岗丘洲峰台堰口岩坳桥井")
COMMUNITY_FIRST = tuple("东西南北新文金银翠锦华福康宁和兴建育振胜光朝")
COMMUNITY_SECOND = tuple("苑园城湖河华门阳塘港星岭坪桥街路苑庭景")


@dataclass
class County:
    """One county's divisions: its townships (with polygons) and villages (with points), and its outline."""

    code: str
    name: str
    centre: tuple[float, float]
    townships: pd.DataFrame  # 乡镇代码, 乡镇名称, quality, propensity, polygon (shapely, degrees)
    villages: pd.DataFrame  # 乡镇代码, 乡镇名称, 村代码, 村名称, 村类型, 经度, 纬度, 户籍人口, township_index, clue_weight
    outline: Polygon


def _km_to_degrees(x: np.ndarray, y: np.ndarray, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Return km east and north of ``centre`` as longitude and latitude."""
    lon0, lat0 = centre
    return lon0 + x / (111.32 * math.cos(math.radians(lat0))), lat0 + y / 110.57


def _round_polygon(polygon: Polygon, centre: tuple[float, float]) -> Polygon:
    """Return the polygon (km coordinates) in degrees, coordinates rounded to 6 decimals."""
    x, y = np.asarray(polygon.exterior.coords).T
    lon, lat = _km_to_degrees(x, y, centre)
    return Polygon(np.column_stack([np.round(lon, 6), np.round(lat, 6)]))


def _unique_names(rng: np.random.Generator, first: tuple[str, ...], second: tuple[str, ...], count: int,
                  taken: set[str]) -> list[str]:
    """Return ``count`` two-character names, no character twice, none already ``taken`` (they are added to it)."""
    names: list[str] = []
    while len(names) < count:
        stem = first[rng.integers(len(first))] + second[rng.integers(len(second))]
        if stem in taken or stem[0] == stem[1]:
            continue
        taken.add(stem)
        names.append(stem)
    return names


def _points_inside(rng: np.random.Generator, polygon: Polygon, count: int, near: tuple[float, float] | None = None,
                   spread: float = 0.0) -> np.ndarray:
    """Return ``count`` random points inside ``polygon`` (near a point when ``near`` is given)."""
    points = np.empty((0, 2))
    minx, miny, maxx, maxy = polygon.bounds
    while len(points) < count:
        if near is not None:
            candidates = np.asarray(near) + rng.normal(0.0, spread, size=(4 * count, 2))
        else:
            candidates = np.column_stack([rng.uniform(minx, maxx, 4 * count), rng.uniform(miny, maxy, 4 * count)])
        inside = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        points = np.vstack([points, candidates[inside]])
        if near is not None and len(points) < count:
            spread *= 1.5  # a seat near the edge: widen the cluster
    return points[:count]


def build_county(rng: np.random.Generator, code: str = COUNTY_CODE, name: str = COUNTY_NAME,
                 centre: tuple[float, float] = CENTRE) -> County:
    """Return the county's divisions: 12 townships, 233 villages, points and township polygons."""
    theta = np.linspace(0.0, 2 * math.pi, 97)[:-1]
    phase = rng.uniform(0.0, 2 * math.pi, 3)
    radius = COUNTY_RADIUS_KM * (1 + 0.10 * np.sin(3 * theta + phase[0]) + 0.06 * np.cos(5 * theta + phase[1])
                                 + 0.03 * np.sin(8 * theta + phase[2]))
    outline_km = Polygon(np.column_stack([radius * np.cos(theta), radius * np.sin(theta)]))

    seats = []
    for spec in TOWNSHIPS:
        fraction, angle = spec.seat_polar
        fraction = fraction + (rng.uniform(-0.04, 0.04) if fraction else 0.0)
        angle = math.radians(angle + rng.uniform(-8, 8))
        seats.append((COUNTY_RADIUS_KM * fraction * math.cos(angle), COUNTY_RADIUS_KM * fraction * math.sin(angle)))
    cells = shapely.voronoi_polygons(MultiPoint(seats), extend_to=outline_km.buffer(10.0))
    township_polygons_km = []
    for seat in seats:
        cell = next(c for c in cells.geoms if c.contains(Point(seat)))
        township_polygons_km.append(cell.intersection(outline_km))

    taken = set(TOWNSHIP_STEMS)
    township_rows, village_rows = [], []
    for index, (spec, seat, polygon_km) in enumerate(zip(TOWNSHIPS, seats, township_polygons_km)):
        township_code = code + spec.digits
        polygon = _round_polygon(polygon_km, centre)
        township_rows.append({"乡镇代码": township_code, "乡镇名称": spec.name, "quality": spec.base_quality,
                              "propensity": spec.clue_propensity, "polygon": polygon})
        inner = polygon_km.buffer(-0.6)  # keep points well inside, whatever the rounding
        community_points = _points_inside(rng, inner, spec.communities, near=seat, spread=1.5)
        village_points = _points_inside(rng, inner, spec.villages)
        community_names = _unique_names(rng, COMMUNITY_FIRST, COMMUNITY_SECOND, spec.communities, taken)
        village_names = _unique_names(rng, VILLAGE_FIRST, VILLAGE_SECOND, spec.villages, taken)
        kinds = [("社区", 1 + i, community_names[i], community_points[i]) for i in range(spec.communities)]
        kinds += [("行政村", 201 + i, village_names[i], village_points[i]) for i in range(spec.villages)]
        for kind, digits, stem, (x, y) in kinds:
            lon, lat = _km_to_degrees(np.array([x]), np.array([y]), centre)
            population = (rng.normal(4200, 900) if kind == "社区" else rng.normal(1330, 350))
            village_rows.append({
                "乡镇代码": township_code, "乡镇名称": spec.name, "村代码": f"{township_code}{digits:03d}",
                "村名称": stem + ("社区" if kind == "社区" else "村"), "村类型": kind,
                "经度": round(float(lon[0]), 6), "纬度": round(float(lat[0]), 6),
                "户籍人口": int(max(450, population)), "township_index": index,
                # clues concentrate in some villages (a heavy-tailed weight)
                "clue_weight": float(rng.gamma(0.6, 1.0)) * spec.clue_propensity,
            })
    townships = pd.DataFrame(township_rows)
    villages = pd.DataFrame(village_rows)
    # about 42万 people in all: scale the draws to 421,600 exactly
    population = villages["户籍人口"].to_numpy(dtype=float)
    scaled = np.floor(population * 421_600 / population.sum()).astype(int)
    scaled[np.argmax(scaled)] += 421_600 - scaled.sum()
    villages["户籍人口"] = scaled
    return County(code, name, centre, townships, villages, _round_polygon(outline_km, centre))
