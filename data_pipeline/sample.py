"""The seeded, deterministic generator of the fictional county 示范县 (and of benchmark counties).

``write_sample(out_dir)`` writes the ledgers a clerk would load (``ledgers/*.xlsx``, a few of them
messy on purpose, as DOMAIN.md describes) and the boundaries (``boundaries/*.geojson``). Loaded
through the real pipeline they reproduce the figures of DOMAIN.md's "The sample county":

- 2023-2024: 126 cases, 152 people handled, 追缴资金 873.46 万元;
- county 满意率 82.3% in 2023Q1 and 93.6% in 2024Q4;
- 2024: 217 problems through the 小微权力监督平台 (clue ledger and platform ledger alike), 知晓率 38%;
- 32 clues 挂牌督办 among those received 2023-2024;
- 2023-2024: 136 rectification items in 农村集体"三资", all completed by 2024-12-31;
- 柳河乡 last in the ranking in 2024Q2 and 2024Q3, 高坪乡 in 2025Q3 and 2025Q4 (建议约谈).

Everything comes from one ``numpy.random.Generator`` seeded with ``seed``: no wall clock, no
global random state. ``counties > 1`` writes benchmark counties (codes 99xxxx) as UTF-8 CSV, each
with about ten thousand clues, so that 100 counties give about a million clue rows.

Choices: the data end is 2026-11-15. Satisfaction surveys run 2023Q1-2026Q3 (2026Q4 is not over,
so it has no survey yet); platform usage is monthly 2023-01-2026-11 (November month-to-date),
each township-month's 反映问题数 equal to the platform-sourced clues of that township and month.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from warehouse import vocabulary as vocab

COUNTY_CODE = "990101"
COUNTY_NAME = "示范县"
DATA_START = dt.date(2023, 1, 1)
DATA_END = dt.date(2026, 11, 15)
DEFAULT_SEED = 20230101
CENTRE = (112.5, 28.5)  # an interior, hilly county (lon, lat)
COUNTY_RADIUS_KM = 25.0
# the workbook's 创建时间: fixed so that the .xlsx bytes do not depend on when they were written
WORKBOOK_CREATED = dt.datetime(2026, 11, 15, 9, 0, 0)

# --- the county's shape -------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipSpec:
    digits: str
    name: str
    communities: int
    villages: int
    seat_polar: tuple[float, float]  # (fraction of the county radius, degrees) of the township seat
    base_quality: float  # how well run it is: drives completion, satisfaction, proactive discovery
    clue_propensity: float  # clues per person relative to the county


TOWNSHIPS: tuple[TownshipSpec, ...] = (
    TownshipSpec("001", "城关街道", 14, 4, (0.0, 0.0), 0.80, 1.15),
    TownshipSpec("002", "东城街道", 10, 6, (0.30, 15.0), 0.72, 1.05),
    TownshipSpec("003", "西城街道", 8, 8, (0.30, 195.0), 0.66, 0.95),
    TownshipSpec("101", "青石镇", 4, 20, (0.58, 40.0), 0.62, 1.35),
    TownshipSpec("102", "白沙镇", 3, 19, (0.58, 100.0), 0.70, 0.90),
    TownshipSpec("103", "龙泉镇", 3, 21, (0.58, 160.0), 0.58, 1.25),
    TownshipSpec("104", "石桥镇", 2, 18, (0.58, 220.0), 0.74, 0.85),
    TownshipSpec("105", "清水镇", 2, 20, (0.58, 280.0), 0.64, 1.00),
    TownshipSpec("106", "桃源镇", 2, 17, (0.58, 340.0), 0.68, 0.95),
    TownshipSpec("201", "柳河乡", 1, 17, (0.68, 70.0), 0.50, 1.10),
    TownshipSpec("202", "高坪乡", 1, 16, (0.68, 190.0), 0.55, 0.80),
    TownshipSpec("203", "金竹乡", 1, 16, (0.68, 310.0), 0.60, 0.75),
)
TOWNSHIP_STEMS = tuple(t.name[:-2] if t.name.endswith("街道") else t.name[:-1] for t in TOWNSHIPS)

# Quarters (index from 2023Q1 = 0) in which a township is made clearly worst on all four measures
# of the ranking, the quarters whose rectification items it lets slip (the ranking's completion
# rates are cumulative, so the slippage starts before the ranking quarters), and the quarters after
# the 约谈 in which it pulls itself together.
LAGGARDS = (
    {"township": 9, "ranking_quarters": (5, 6), "slipping_quarters": (2, 3, 4, 5, 6),  # 柳河乡 2024Q2-Q3
     "recovery_quarters": (7, 8, 9)},
    {"township": 10, "ranking_quarters": (10, 11), "slipping_quarters": (7, 8, 9, 10, 11),  # 高坪乡 2025Q3-Q4
     "recovery_quarters": (12, 13, 14)},
)


@dataclass(frozen=True)
class Targets:
    """The figures DOMAIN.md's sample county must reproduce (scaled for benchmark counties)."""

    clues_per_year: dict[int, int] = field(default_factory=lambda: {2023: 640, 2024: 730, 2025: 830, 2026: 760})
    platform_clues_per_year: dict[int, int] = field(
        default_factory=lambda: {2023: 150, 2024: 217, 2025: 268, 2026: 251})
    supervised_2023_2024: int = 32
    cases_per_quarter: tuple[int, ...] = (13, 15, 16, 17, 14, 16, 17, 18,  # 2023-2024: 126
                                          22, 24, 25, 26, 24, 26, 27, 13)  # 2026Q4 runs to 11-15
    extra_people_2023_2024: int = 26  # 126 cases + 26 = 152 people
    recovered_funds_2023_2024: float = 873.46
    rectification_per_year: dict[int, int] = field(
        default_factory=lambda: {2023: 280, 2024: 300, 2025: 320, 2026: 270})
    collective_assets_items_2023_2024: int = 136
    satisfaction_rate: dict[int, float] = field(default_factory=lambda: {0: 0.823, 7: 0.936})
    awareness_2024: float = 0.38

    def scaled(self, factor: float) -> "Targets":
        def up(value: int) -> int:
            return int(round(value * factor))

        cases = tuple(max(12, up(c)) for c in self.cases_per_quarter)
        return Targets(
            clues_per_year={y: up(n) for y, n in self.clues_per_year.items()},
            platform_clues_per_year={y: up(n) for y, n in self.platform_clues_per_year.items()},
            supervised_2023_2024=up(self.supervised_2023_2024),
            cases_per_quarter=cases,
            extra_people_2023_2024=int(round(sum(cases[:8]) * 26 / 126)),
            recovered_funds_2023_2024=round(self.recovered_funds_2023_2024 * sum(cases[:8]) / 126, 2),
            rectification_per_year={y: up(n) for y, n in self.rectification_per_year.items()},
            collective_assets_items_2023_2024=up(self.collective_assets_items_2023_2024),
            satisfaction_rate=dict(self.satisfaction_rate),
            awareness_2024=self.awareness_2024,
        )


SAMPLE_TARGETS = Targets()
BENCHMARK_SCALE = 3.4  # about ten thousand clues per benchmark county

QUARTERS = tuple((year, q) for year in range(2023, 2027) for q in range(1, 5))  # 2023Q1 … 2026Q4
SURVEY_QUARTERS = QUARTERS[:15]  # 2023Q1 … 2026Q3


def _quarter_bounds(index: int) -> tuple[dt.date, dt.date]:
    year, q = QUARTERS[index]
    start = dt.date(year, 3 * q - 2, 1)
    end = (dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1))
    return start, min(end, DATA_END)


def _day_array(series: pd.Series) -> np.ndarray:
    """Return a date column as numpy datetime64[D] (pandas stores seconds: integer arithmetic needs days)."""
    return series.to_numpy().astype("datetime64[D]")


# --- names and words ----------------------------------------------------------------------------
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛阎段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文林斌辉鹏飞宇浩然海波春梅秋菊冬雪德福贵荣发祥富顺成立新民生才")
VILLAGE_FIRST = tuple("白红黄新张李王刘马杨赵周东西南北上下中大小长和平安福兴旺双三五九花松梅荷杏枫樟茶塘湾坪岭溪港坡桂兰凤鹤鹿泉田林沙水云星月阳")
VILLAGE_SECOND = tuple("山湖塘坪冲湾岭林田溪源家庄园铺坝垸岗丘洲峰台堰口岩坳桥井")
COMMUNITY_FIRST = tuple("东西南北新文金银翠锦华福康宁和兴建育振胜光朝")
COMMUNITY_SECOND = tuple("苑园城湖河华门阳塘港星岭坪桥街路苑庭景")

SUMMARY_TEMPLATES = {
    "惠民惠农补贴": ("反映{place}村干部在耕地地力保护补贴发放中虚报面积、套取补贴资金",
                 "反映{place}危房改造补助资金发放不公开、优亲厚友",
                 "反映{place}村干部截留农机购置补贴"),
    '农村集体"三资"': ("反映{place}集体鱼塘承包合同未经村民代表大会表决、承包费长期未收缴",
                   "反映{place}村集体资产出租收入未入账",
                   "反映{place}集体土地征收补偿款分配不公开"),
    "低保特困救助": ("反映{place}村干部为不符合条件的亲属办理低保",
                 "反映{place}特困供养人员资金被挪用",
                 "反映{place}敬老院虚报供养人数套取资金"),
    "乡村振兴项目资金": ("反映{place}乡村振兴产业项目验收走过场、资金使用不规范",
                   "反映{place}道路硬化工程偷工减料",
                   "反映{place}人居环境整治项目虚列支出"),
    "教育医疗": ("反映{place}卫生院医生收受药品回扣",
             "反映{place}学校食堂采购价格虚高",
             "反映{place}村卫生室违规收费、虚开处方套取医保资金"),
    "养老社保": ("反映{place}村干部代领已故人员养老金",
             "反映{place}城乡居民养老保险代缴资金被截留",
             "反映{place}高龄津贴发放不及时、克扣金额"),
    "生态环保": ("反映{place}非法采砂、相关站所监管不力",
             "反映{place}生态公益林补偿资金被挪用",
             "反映{place}畜禽养殖污染长期得不到处理"),
    "执法司法": ("反映{place}执法人员选择性执法、吃拿卡要",
             "反映{place}有关人员违规插手经济纠纷",
             "反映{place}以罚代管、罚没款未及时上缴"),
    "作风问题": ("反映{place}便民服务中心工作人员办事推诿、态度生硬",
             "反映{place}村干部违规操办婚丧喜庆事宜",
             "反映{place}干部工作日午间饮酒"),
    "其他": ("反映{place}村务公开不及时、内容不全",
           "反映{place}村干部履职不到位",
           "反映{place}换届选举中存在拉票行为"),
}
RECTIFICATION_TEMPLATES = {
    '农村集体"三资"': ("集体资产承包合同不规范、资产底数不清", "清理规范合同，建立资产台账，追缴承包费"),
    "惠民惠农补贴": ("补贴发放公示不到位、对象审核不严", "逐户复核补贴对象，补齐公示，追回违规资金"),
    "低保特困救助": ("低保对象动态管理不到位，存在应退未退", "开展低保对象全面排查，清退不符合条件人员"),
    "乡村振兴项目资金": ("项目资金拨付滞后、验收资料不全", "倒排工期加快拨付，补齐验收资料"),
    "教育医疗": ("卫生院药品采购管理不规范", "建立药品采购集体决策和台账制度"),
    "养老社保": ("已故人员养老金未及时停发", "与民政、医保数据比对，停发并追回"),
    "生态环保": ("河道采砂监管存在空白", "建立巡河制度，落实网格化监管"),
    "执法司法": ("行政执法程序不规范", "开展执法案卷评查，规范执法程序"),
    "作风问题": ("窗口服务“推绕拖”", "推行首问负责和限时办结制度"),
    "其他": ("村务公开不及时", "规范村务公开栏，按月公开"),
    "党的建设": ("基层党组织“三会一课”落实不到位", "制定学习计划，建立督查通报机制"),
    "组织生活": ("组织生活会批评与自我批评不够深入", "重新召开专题组织生活会"),
    "财务管理": ("村级财务报账不及时、票据不规范", "实行村账乡代理，规范票据审核"),
}

# the shares of everything drawn by chance; order follows warehouse/vocabulary.py
OTHER_CLUE_SOURCES = tuple(s for s in vocab.CLUE_SOURCES if s != vocab.PLATFORM_CLUE_SOURCE)
OTHER_CLUE_SOURCE_SHARES = (0.30, 0.15, 0.08, 0.08, 0.05, 0.06, 0.13, 0.10, 0.05)
DOMAIN_SHARES = (0.18, 0.16, 0.12, 0.12, 0.08, 0.08, 0.05, 0.04, 0.12, 0.05)
REACTIVE_DISCOVERY = tuple(m for m in vocab.DISCOVERY_METHODS if m not in vocab.PROACTIVE_DISCOVERY_METHODS)
REACTIVE_SHARES = (0.25, 0.40, 0.15, 0.10, 0.10)
VIOLATION_SHARES = (0.03, 0.07, 0.25, 0.35, 0.15, 0.05, 0.10)
FORM_SHARES = (0.52, 0.30, 0.10, 0.08)
SANCTIONS_BY_FORM = (
    ("诫勉", "批评教育"),
    # clerks write the system (党纪警告) or not (警告): both are in the vocabulary
    ("警告", "严重警告", "党纪警告", "政务警告", "记过", "政务记大过"),
    ("撤销党内职务", "留党察看", "降级", "政务撤职"),
    ("开除党籍", "开除"),
)
OTHER_CATEGORIES = tuple(c for c in vocab.PROBLEM_CATEGORIES if c != vocab.COLLECTIVE_ASSETS_DOMAIN)


# --- divisions and geometry -----------------------------------------------------------------------


@dataclass
class County:
    code: str
    name: str
    centre: tuple[float, float]
    townships: pd.DataFrame  # 乡镇代码, 乡镇名称, quality, propensity, polygon (shapely, degrees)
    villages: pd.DataFrame  # 乡镇代码, 乡镇名称, 村代码, 村名称, 村类型, 经度, 纬度, 户籍人口, township_index, clue_weight
    outline: Polygon


def _km_to_degrees(x: np.ndarray, y: np.ndarray, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    lon0, lat0 = centre
    return lon0 + x / (111.32 * math.cos(math.radians(lat0))), lat0 + y / 110.57


def _round_polygon(polygon: Polygon, centre: tuple[float, float]) -> Polygon:
    """Return the polygon (km coordinates) in degrees, coordinates rounded to 6 decimals."""
    x, y = np.asarray(polygon.exterior.coords).T
    lon, lat = _km_to_degrees(x, y, centre)
    return Polygon(np.column_stack([np.round(lon, 6), np.round(lat, 6)]))


def _unique_names(rng: np.random.Generator, first: tuple[str, ...], second: tuple[str, ...], count: int,
                  taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        stem = first[rng.integers(len(first))] + second[rng.integers(len(second))]
        if stem in taken or stem[0] == stem[1]:
            continue
        taken.add(stem)
        names.append(stem)
    return names


def _sample_points(rng: np.random.Generator, polygon: Polygon, count: int, near: tuple[float, float] | None = None,
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
        community_points = _sample_points(rng, inner, spec.communities, near=seat, spread=1.5)
        village_points = _sample_points(rng, inner, spec.villages)
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


# --- ledgers --------------------------------------------------------------------------------------


def _days(start: dt.date, end: dt.date, count: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``count`` uniform random dates (datetime64[D]) in [start, end]."""
    offsets = rng.integers(0, (end - start).days + 1, size=count)
    return np.datetime64(start, "D") + offsets


def _person_names(rng: np.random.Generator, count: int) -> np.ndarray:
    surnames = np.array(SURNAMES)[rng.integers(len(SURNAMES), size=count)]
    first = np.array(GIVEN_CHARS)[rng.integers(len(GIVEN_CHARS), size=count)]
    second = np.array(GIVEN_CHARS)[rng.integers(len(GIVEN_CHARS), size=count)]
    two_chars = rng.random(count) < 0.6
    return np.where(two_chars, np.char.add(np.char.add(surnames, first), second), np.char.add(surnames, first))


def _quality_matrix(rng: np.random.Generator, county: County) -> np.ndarray:
    """Return township × quarter quality in [0, 1]: rising in the 深化年, low where a township lags."""
    base = county.townships["quality"].to_numpy()[:, None]
    trend = np.array([0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.16])
    quality = base + trend[None, :] + rng.normal(0.0, 0.04, size=(len(base), len(QUARTERS)))
    for laggard in LAGGARDS:  # after the 约谈 the township works harder
        quality[laggard["township"], min(laggard["recovery_quarters"]):] += 0.2
    return np.clip(quality, 0.2, 0.98)


def _generate_clues(rng: np.random.Generator, county: County, targets: Targets) -> pd.DataFrame:
    """Return the clues: exact yearly and platform counts, 挂牌督办 exact for 2023-2024, villages heavy-tailed."""
    villages = county.villages
    township_weight = villages.groupby("township_index")["户籍人口"].sum().to_numpy() \
        * county.townships["propensity"].to_numpy()
    township_weight = township_weight / township_weight.sum()
    frames = []
    for year, total in targets.clues_per_year.items():
        end = min(dt.date(year, 12, 31), DATA_END)
        received = np.sort(_days(dt.date(year, 1, 1), end, total, rng))
        source = np.array(OTHER_CLUE_SOURCES)[rng.choice(len(OTHER_CLUE_SOURCES), size=total,
                                                         p=OTHER_CLUE_SOURCE_SHARES)]
        # 大数据比对 grows in the 深化年
        if year >= 2025:
            source[rng.random(total) < 0.06] = "大数据比对"
        platform = rng.choice(total, size=targets.platform_clues_per_year[year], replace=False)
        source[platform] = vocab.PLATFORM_CLUE_SOURCE
        frames.append(pd.DataFrame({"received": received, "线索来源": source, "year": year}))
    clues = pd.concat(frames, ignore_index=True)
    count = len(clues)
    township = rng.choice(len(township_weight), size=count, p=township_weight)
    # a village within the township, heavy-tailed; one clue in ten names no village
    village_pick = np.empty(count, dtype=int)
    for index in range(len(township_weight)):
        rows = np.flatnonzero(township == index)
        candidates = villages.index[villages["township_index"] == index].to_numpy()
        weights = villages.loc[candidates, "clue_weight"].to_numpy()
        village_pick[rows] = rng.choice(candidates, size=len(rows), p=weights / weights.sum())
    has_village = rng.random(count) >= 0.10
    clues["township_index"] = township
    clues["乡镇代码"] = county.townships["乡镇代码"].to_numpy()[township]
    clues["乡镇名称"] = county.townships["乡镇名称"].to_numpy()[township]
    clues["村代码"] = np.where(has_village, villages["村代码"].to_numpy()[village_pick], "")
    clues["村名称"] = np.where(has_village, villages["村名称"].to_numpy()[village_pick], "")
    domains = rng.choice(len(vocab.PROBLEM_DOMAINS), size=count, p=DOMAIN_SHARES)
    clues["问题领域"] = np.array(vocab.PROBLEM_DOMAINS)[domains]
    template = rng.integers(3, size=count)
    place = np.where(has_village, clues["村名称"], clues["乡镇名称"])
    clues["问题摘要"] = [SUMMARY_TEMPLATES[d][t].format(place=p)
                     for d, t, p in zip(clues["问题领域"], template, place)]
    clues["被反映人"] = _person_names(rng, count)
    roles = rng.choice(len(vocab.PERSON_ROLES), size=count, p=(0.62, 0.18, 0.14, 0.06))
    clues["被反映人身份"] = np.array(vocab.PERSON_ROLES)[roles]
    amount = np.round(rng.lognormal(1.2, 1.1, size=count), 2)
    clues["涉及金额(万元)"] = np.where(rng.random(count) < 0.6, amount, np.nan)
    level = rng.choice(3, size=count, p=(0.11, 0.31, 0.58))
    clues["管理等级"] = np.array(vocab.MANAGEMENT_LEVELS)[level]
    # 挂牌督办: exactly the target among red clues received 2023-2024, about a quarter of red ones later
    supervised = np.zeros(count, dtype=bool)
    red_early = np.flatnonzero((level == 0) & (clues["year"].to_numpy() <= 2024))
    supervised[rng.choice(red_early, size=targets.supervised_2023_2024, replace=False)] = True
    red_late = np.flatnonzero((level == 0) & (clues["year"].to_numpy() >= 2025))
    supervised[red_late[rng.random(len(red_late)) < 0.25]] = True
    clues["挂牌督办"] = np.where(supervised, "是", "否")
    # disposal and status; a case's clue is set to 立案审查 when the cases are linked
    disposal_choices = ("谈话函询", "初步核实", "暂存待查", "予以了结")
    disposal = np.array(disposal_choices)[rng.choice(4, size=count, p=(0.30, 0.38, 0.05, 0.27))]
    handling_days = rng.integers(12, 120, size=count)
    received_days = _day_array(clues["received"])
    closed = received_days + handling_days
    is_closed = (closed <= np.datetime64(DATA_END)) & (disposal != "暂存待查")
    undecided = (~is_closed) & (received_days > np.datetime64(DATA_END) - 30) \
        & (rng.random(count) < 0.5)
    clues["处置方式"] = np.where(undecided, "", disposal)
    clues["办理状态"] = np.where(is_closed, "办结", "在办")
    clues["closed"] = np.where(is_closed, closed, np.datetime64("NaT"))
    # whistleblowers: obviously fictional, and dropped by the pipeline at ingest
    anonymous = rng.random(count) < 0.35
    serial = np.arange(1, count + 1)
    clues["反映人"] = np.where(anonymous, "匿名", np.char.add("虚构反映人", np.char.zfill(serial.astype(str), 5)))
    clues["联系电话"] = np.where(anonymous, "", np.char.add("000-0000-", np.char.zfill((serial % 10000).astype(str), 4)))
    clues["线索编号"] = [f"{county.code}-XS-{y}-{n:05d}" for y, n in
                      zip(clues["year"], clues.groupby("year").cumcount() + 1)]
    return clues


def _generate_cases(rng: np.random.Generator, county: County, targets: Targets, quality: np.ndarray,
                    clues: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (cases, people): exact 2023-2024 counts, people and funds; most cases linked to an earlier clue.

    Linking sets the clue's 处置方式 to 立案审查 (``clues`` is changed in place)."""
    n_townships = len(county.townships)
    proactive_level = np.array([0.22, 0.24, 0.26, 0.28, 0.30, 0.32, 0.34, 0.36,
                                0.45, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.58])
    rows = []
    for q_index, total in enumerate(targets.cases_per_quarter):
        start, end = _quarter_bounds(q_index)
        # every township files at least one case a quarter, so each has a 主动发现率
        propensity = county.townships["propensity"].to_numpy()
        extra = rng.multinomial(total - n_townships, propensity / propensity.sum())
        township = np.repeat(np.arange(n_townships), 1 + extra)
        filed = _days(start, end, len(township), rng)
        p = np.clip(proactive_level[q_index] * (0.5 + quality[township, q_index]), 0.02, 0.95)
        proactive = rng.random(len(township)) < p
        for laggard in LAGGARDS:
            if q_index in laggard["ranking_quarters"]:
                proactive[township == laggard["township"]] = False
                # every other township found at least one case itself this quarter
                for other in range(n_townships):
                    mine = np.flatnonzero(township == other)
                    if other != laggard["township"] and not proactive[mine].any():
                        proactive[mine[0]] = True
            if q_index in laggard["recovery_quarters"]:
                proactive[np.flatnonzero(township == laggard["township"])[0]] = True
        rows.append(pd.DataFrame({"township_index": township, "filed": filed, "quarter": q_index,
                                  "proactive": proactive}))
    cases = pd.concat(rows, ignore_index=True).sort_values(["filed", "township_index"], kind="stable")
    cases = cases.reset_index(drop=True)
    count = len(cases)
    township = cases["township_index"].to_numpy()
    cases["乡镇代码"] = county.townships["乡镇代码"].to_numpy()[township]
    cases["乡镇名称"] = county.townships["乡镇名称"].to_numpy()[township]
    proactive = cases["proactive"].to_numpy()
    method = np.where(rng.random(count) < 0.7, "主动发现", "大数据比对")
    reactive = np.array(REACTIVE_DISCOVERY)[rng.choice(len(REACTIVE_DISCOVERY), size=count, p=REACTIVE_SHARES)]
    cases["发现方式"] = np.where(proactive, method, reactive)
    cases["问题领域"] = np.array(vocab.PROBLEM_DOMAINS)[rng.choice(10, size=count, p=DOMAIN_SHARES)]
    cases["违纪类型"] = np.array(vocab.VIOLATION_TYPES)[rng.choice(7, size=count, p=VIOLATION_SHARES)]
    # a village for nine cases in ten, drawn like the clues
    villages = county.villages
    village_code = np.full(count, "", dtype=object)
    village_name = np.full(count, "", dtype=object)
    for index in range(n_townships):
        rows_here = np.flatnonzero(township == index)
        candidates = villages.index[villages["township_index"] == index].to_numpy()
        weights = villages.loc[candidates, "clue_weight"].to_numpy()
        pick = rng.choice(candidates, size=len(rows_here), p=weights / weights.sum())
        village_code[rows_here] = villages["村代码"].to_numpy()[pick]
        village_name[rows_here] = villages["村名称"].to_numpy()[pick]
    no_village = rng.random(count) < 0.1
    village_code[no_village] = ""
    village_name[no_village] = ""
    cases["村代码"], cases["村名称"] = village_code, village_name

    # link most cases to an earlier clue of the same township (which becomes 立案审查 and 办结)
    cases["线索编号"] = ""
    clue_days = _day_array(clues["received"])
    filed_days = _day_array(cases["filed"])
    clue_township = clues["township_index"].to_numpy()
    used = np.zeros(len(clues), dtype=bool)
    by_township = {i: np.flatnonzero(clue_township == i) for i in range(n_townships)}
    link_wanted = rng.random(count) < 0.8
    linked_clue = np.full(count, -1)
    for row in np.flatnonzero(link_wanted):
        filed = filed_days[row]
        candidates = by_township[township[row]]
        days = clue_days[candidates]
        lo, hi = np.searchsorted(days, [filed - np.timedelta64(150, "D"), filed - np.timedelta64(10, "D")])
        window = candidates[lo:hi]
        window = window[~used[window]]
        if len(window):
            chosen = window[rng.integers(len(window))]
            used[chosen] = True
            linked_clue[row] = chosen
    has_link = linked_clue >= 0
    cases.loc[has_link, "线索编号"] = clues["线索编号"].to_numpy()[linked_clue[has_link]]
    cases.loc[has_link, "问题领域"] = clues["问题领域"].to_numpy()[linked_clue[has_link]]
    cases.loc[has_link, "村代码"] = clues["村代码"].to_numpy()[linked_clue[has_link]]
    cases.loc[has_link, "村名称"] = clues["村名称"].to_numpy()[linked_clue[has_link]]
    clue_rows = linked_clue[has_link]
    clues.loc[clue_rows, "处置方式"] = "立案审查"
    clues.loc[clue_rows, "办理状态"] = "办结"
    clues.loc[clue_rows, "closed"] = cases.loc[has_link, "filed"].to_numpy()

    closed = filed_days + rng.integers(30, 200, size=count)
    cases["closed"] = np.where(closed <= np.datetime64(DATA_END), closed, np.datetime64("NaT"))
    early = (cases["filed"] <= np.datetime64("2024-12-31")).to_numpy()

    # people handled: one each, a few cases with two or three; exact for 2023-2024
    people = np.ones(count, dtype=int)
    early_rows = np.flatnonzero(early)
    extra_total = targets.extra_people_2023_2024
    threes = extra_total // 13
    chosen = rng.choice(early_rows, size=extra_total - threes, replace=False)
    people[chosen] = 2
    people[chosen[:threes]] = 3
    late_rows = np.flatnonzero(~early)
    people[late_rows] += rng.choice(3, size=len(late_rows), p=(0.80, 0.16, 0.04))
    cases["处理人数"] = people

    # recovered funds: heavy-tailed, some cases none; 2023-2024 sum exact
    funds = np.round(rng.lognormal(1.3, 1.0, size=count), 2)
    funds[rng.random(count) < 0.15] = 0.0
    funds[cases["问题领域"].to_numpy() == "作风问题"] = 0.0
    typical = rng.random(count) < 0.08
    # the 敬老院 case of the seeds: 58 万元 recovered, transferred to the judiciary
    landmark = early_rows[filed_days[early_rows] >= np.datetime64("2024-01-01")][0]
    cases.loc[landmark, ["问题领域", "违纪类型", "发现方式"]] = ["低保特困救助", "涉嫌违法犯罪", "主动发现"]
    cases.loc[landmark, "proactive"] = True
    typical[landmark] = True
    others = early_rows[early_rows != landmark]
    rest = targets.recovered_funds_2023_2024 - 58.0
    scaled = np.round(funds[others] * rest / funds[others].sum(), 2)
    biggest = others[np.argmax(scaled)]
    funds[others] = scaled
    funds[biggest] = round(funds[biggest] + round(rest - scaled.sum(), 2), 2)
    funds[landmark] = 58.0
    cases["追缴资金(万元)"] = np.round(funds, 2)
    cases["是否典型案例"] = np.where(typical, "是", "否")
    cases["案件编号"] = [f"{county.code}-AJ-{d.year}-{n:04d}" for d, n in
                      zip(pd.DatetimeIndex(cases["filed"]), cases.groupby(
                          pd.DatetimeIndex(cases["filed"]).year).cumcount() + 1)]

    # the people themselves
    case_index = np.repeat(np.arange(count), cases["处理人数"].to_numpy())
    form = rng.choice(4, size=len(case_index), p=FORM_SHARES)
    form[case_index == landmark] = 3
    sanctions = [SANCTIONS_BY_FORM[f][rng.integers(len(SANCTIONS_BY_FORM[f]))] for f in form]
    names = _person_names(rng, len(case_index))
    # a name appears once per case (the natural key is case + name)
    frame = pd.DataFrame({"case": case_index, "姓名": names})
    while frame.duplicated(["case", "姓名"]).any():
        dup = frame.duplicated(["case", "姓名"]).to_numpy()
        frame.loc[dup, "姓名"] = _person_names(rng, int(dup.sum()))
    judiciary = (form == 3) & (rng.random(len(form)) < 0.7) | (case_index == landmark)
    role = np.array(vocab.PERSON_ROLES)[rng.choice(4, size=len(form), p=(0.64, 0.16, 0.15, 0.05))]
    people_frame = pd.DataFrame({
        "案件编号": cases["案件编号"].to_numpy()[case_index], "姓名": frame["姓名"].to_numpy(),
        "身份": role, "处理形态": np.array(vocab.DISCIPLINE_FORMS)[form], "处分种类": sanctions,
        "是否移送司法": np.where(judiciary, "是", "否"),
    })
    return cases, people_frame


def _generate_rectification(rng: np.random.Generator, county: County, targets: Targets, quality: np.ndarray,
                            clues: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Return the rectification items: 三资 exact and done within 2024, laggards' items slipping, some overdue."""
    n_townships = len(county.townships)
    size = county.villages.groupby("township_index").size().to_numpy().astype(float)
    share = size / size.sum()
    frames = []
    for year, total in targets.rectification_per_year.items():
        quarters = [i for i, (y, _) in enumerate(QUARTERS) if y == year]
        per_quarter = rng.multinomial(total, [1 / len(quarters)] * len(quarters))
        for q_index, quarter_total in zip(quarters, per_quarter):
            start, end = _quarter_bounds(q_index)
            township = rng.choice(n_townships, size=quarter_total, p=share)
            frames.append(pd.DataFrame({"township_index": township, "quarter": q_index,
                                        "feedback": _days(start, end, quarter_total, rng)}))
    items = pd.concat(frames, ignore_index=True).sort_values(["feedback", "township_index"], kind="stable")
    items = items.reset_index(drop=True)
    count = len(items)
    township = items["township_index"].to_numpy()
    feedback = _day_array(items["feedback"])
    q_index = items["quarter"].to_numpy()
    early = feedback <= np.datetime64("2024-12-31")

    # categories: 农村集体"三资" exactly the target among 2023-2024 items (fed back by 12-20,
    # so each can still be completed within the year)
    category = np.array(OTHER_CATEGORIES)[rng.integers(len(OTHER_CATEGORIES), size=count)].astype(object)
    eligible = np.flatnonzero(feedback <= np.datetime64("2024-12-20"))
    assets = rng.choice(eligible, size=targets.collective_assets_items_2023_2024, replace=False)
    category[assets] = vocab.COLLECTIVE_ASSETS_DOMAIN
    late_assets = np.flatnonzero(~early & (rng.random(count) < 0.2))
    category[late_assets] = vocab.COLLECTIVE_ASSETS_DOMAIN
    is_assets = category == vocab.COLLECTIVE_ASSETS_DOMAIN

    span = rng.choice(np.array([30, 60, 90, 120, 180]), size=count, p=(0.15, 0.30, 0.30, 0.15, 0.10))
    deadline = feedback + span
    q = quality[township, q_index]
    on_time = rng.random(count) < (0.45 + 0.5 * q)
    completion = np.where(on_time, feedback + (span * rng.uniform(0.3, 1.0, size=count)).astype(int),
                          deadline + rng.integers(5, 90, size=count))
    never = rng.random(count) < np.where(feedback > np.datetime64("2025-06-30"), 0.10 * (1 - q), 0.0)
    for laggard in LAGGARDS:
        slipping = np.isin(q_index, laggard["slipping_quarters"]) & (township == laggard["township"])
        window_end = np.datetime64(_quarter_bounds(max(laggard["slipping_quarters"]))[1])
        completion[slipping] = window_end + rng.integers(10, 75, size=int(slipping.sum()))
        never |= slipping & ~is_assets & (rng.random(count) < 0.10)
    # 三资 items of 2023-2024 are all done within the year (the seeds' 136 problems)
    year_end = np.datetime64("2024-12-31")
    force = is_assets & early & (completion > year_end)
    room = (year_end - feedback[force]).astype(int)
    completion[force] = feedback[force] + (room * rng.uniform(0.2, 1.0, size=int(force.sum()))).astype(int)
    never &= ~(is_assets & early)
    done = (completion <= np.datetime64(DATA_END)) & ~never
    closed_off = completion + rng.integers(10, 60, size=count)
    is_closed_off = done & (closed_off <= np.datetime64(DATA_END)) & (rng.random(count) < 0.7)
    recent = feedback > np.datetime64(DATA_END) - 45
    not_started = ~done & recent & (rng.random(count) < 0.5)
    status = np.where(done, np.where(is_closed_off, "已销号", "已完成"),
                      np.where(not_started, "未启动", "整改中"))
    items["deadline"] = deadline
    items["completed"] = np.where(done, completion, np.datetime64("NaT"))
    items["closed_off"] = np.where(is_closed_off, closed_off, np.datetime64("NaT"))
    items["整改状态"] = status
    items["问题类别"] = category
    items["乡镇代码"] = county.townships["乡镇代码"].to_numpy()[township]
    items["乡镇名称"] = county.townships["乡镇名称"].to_numpy()[township]
    source = np.array(vocab.ISSUE_SOURCES)[rng.choice(6, size=count, p=(0.30, 0.22, 0.20, 0.10, 0.12, 0.06))]
    source[is_assets & (rng.random(count) < 0.6)] = "审计反馈"
    items["问题来源"] = source
    villages = county.villages
    pick = np.empty(count, dtype=int)
    for index in range(n_townships):
        rows_here = np.flatnonzero(township == index)
        candidates = villages.index[villages["township_index"] == index].to_numpy()
        pick[rows_here] = rng.choice(candidates, size=len(rows_here))
    has_village = rng.random(count) < 0.75
    items["村代码"] = np.where(has_village, villages["村代码"].to_numpy()[pick], "")
    items["村名称"] = np.where(has_village, villages["村名称"].to_numpy()[pick], "")
    text = [RECTIFICATION_TEMPLATES[c] for c in category]
    place = np.where(has_village, items["村名称"], items["乡镇名称"])
    items["问题描述"] = [f"{p}{t[0]}" for p, t in zip(place, text)]
    items["整改措施"] = [t[1] for t in text]
    items["责任人"] = _person_names(rng, count)
    items["是否反复出现"] = np.where(rng.random(count) < 0.08, "是", "否")
    # 以案促改 items name an earlier case, 群众反映 items an earlier clue, of the same township
    for column, source_name, frame, date_column in (("关联案件编号", "以案促改", cases, "filed"),
                                                    ("关联线索编号", "群众反映", clues, "received")):
        frame_township = frame["township_index"].to_numpy()
        frame_days = _day_array(frame[date_column])
        ids = frame["案件编号" if column == "关联案件编号" else "线索编号"].to_numpy()
        by_township = {i: np.flatnonzero(frame_township == i) for i in range(n_townships)}
        related = np.full(count, "", dtype=object)
        for row in np.flatnonzero(source == source_name):
            candidates = by_township[township[row]]
            # one of the five latest before the feedback (frames are in date order)
            before = np.searchsorted(frame_days[candidates], feedback[row])
            if before:
                related[row] = ids[candidates[before - 1 - rng.integers(min(5, before))]]
        items[column] = related
    items["整改编号"] = [f"{county.code}-ZG-{d.year}-{n:04d}" for d, n in
                      zip(pd.DatetimeIndex(items["feedback"]), items.groupby(
                          pd.DatetimeIndex(items["feedback"]).year).cumcount() + 1)]
    return items


def _generate_surveys(rng: np.random.Generator, county: County, targets: Targets, quality: np.ndarray) -> pd.DataFrame:
    """Return one survey per township per quarter 2023Q1-2026Q3, county 满意率 and 2024 知晓率 exact."""
    n_townships = len(county.townships)
    level = np.array([0.823, 0.84, 0.86, 0.875, 0.89, 0.90, 0.915, 0.936,
                      0.938, 0.942, 0.945, 0.948, 0.950, 0.953, 0.955])
    awareness = np.array([0.22, 0.25, 0.28, 0.31, 0.34, 0.37, 0.39, 0.42,
                          0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56])
    is_street = np.array([t.endswith("街道") for t in county.townships["乡镇名称"]])
    rows = []
    for q_index in range(len(SURVEY_QUARTERS)):
        sample = np.where(is_street, rng.integers(180, 260, n_townships), rng.integers(120, 200, n_townships))
        unaware = np.round(sample * rng.uniform(0.02, 0.08, n_townships)).astype(int)
        valid = sample - unaware
        q = quality[:, q_index]
        rate = np.clip(level[q_index] + 0.12 * (q - q.mean()) + rng.normal(0, 0.008, n_townships), 0.5, 0.995)
        for laggard in LAGGARDS:
            if q_index in laggard["ranking_quarters"]:
                others = np.arange(n_townships) != laggard["township"]
                rate[laggard["township"]] = rate[others].min() - 0.06
        positive = np.round(rate * valid).astype(int)
        aware = np.round(sample * np.clip(awareness[q_index] + 0.10 * (q - q.mean())
                                          + rng.normal(0, 0.02, n_townships), 0.05, 0.95)).astype(int)
        rows.append(pd.DataFrame({"quarter": q_index, "township_index": np.arange(n_townships), "样本量": sample,
                                  "不了解": unaware, "positive": positive, "知晓监督平台": aware}))
    surveys = pd.concat(rows, ignore_index=True)
    lagging = {(lag["township"], q) for lag in LAGGARDS for q in lag["ranking_quarters"]}

    def nudge(column: str, rows_mask: np.ndarray, total_target: int, upper: np.ndarray) -> None:
        """Move ``column`` by ±1 across the rows, round-robin, until its sum is the target."""
        rows_here = np.flatnonzero(rows_mask)
        delta = total_target - int(surveys.loc[rows_here, column].sum())
        step = 1 if delta > 0 else -1
        position = 0
        while delta:
            row = rows_here[position % len(rows_here)]
            value = surveys.at[row, column] + step
            if 0 <= value <= upper[row] and (surveys.at[row, "township_index"], surveys.at[row, "quarter"]) \
                    not in lagging:
                surveys.at[row, column] = value
                delta -= step
            position += 1

    valid_all = (surveys["样本量"] - surveys["不了解"]).to_numpy()
    for q_index, target in targets.satisfaction_rate.items():
        mask = (surveys["quarter"] == q_index).to_numpy()
        nudge("positive", mask, int(round(target * valid_all[mask].sum())), valid_all)
    mask_2024 = surveys["quarter"].between(4, 7).to_numpy()
    nudge("知晓监督平台", mask_2024, int(round(targets.awareness_2024 * surveys.loc[mask_2024, "样本量"].sum())),
          surveys["样本量"].to_numpy())

    positive = surveys["positive"].to_numpy()
    satisfied = np.round(positive * rng.uniform(0.62, 0.80, len(surveys))).astype(int)
    surveys["满意"] = satisfied
    surveys["基本满意"] = positive - satisfied
    surveys["不满意"] = valid_all - positive
    method = rng.choice(3, size=len(surveys), p=(0.55, 0.30, 0.15))
    surveys["测评方式"] = np.array(vocab.SURVEY_METHODS)[method]
    surveys["乡镇代码"] = county.townships["乡镇代码"].to_numpy()[surveys["township_index"]]
    surveys["乡镇名称"] = county.townships["乡镇名称"].to_numpy()[surveys["township_index"]]
    surveys["测评期间"] = [f"{QUARTERS[q][0]}Q{QUARTERS[q][1]}" for q in surveys["quarter"]]
    return surveys


def _generate_platform_usage(rng: np.random.Generator, county: County, clues: pd.DataFrame) -> pd.DataFrame:
    """Return monthly usage per township; 反映问题数 is that month's platform-sourced clues of the township."""
    months = pd.period_range("2023-01", DATA_END.strftime("%Y-%m"), freq="M")
    n_townships = len(county.townships)
    platform = clues[clues["线索来源"] == vocab.PLATFORM_CLUE_SOURCE]
    counts = platform.groupby([pd.DatetimeIndex(platform["received"]).to_period("M"), "township_index"]).size()
    grid = pd.MultiIndex.from_product([months, range(n_townships)], names=["month", "township_index"])
    usage = counts.reindex(grid, fill_value=0).rename("反映问题数").reset_index()
    population = county.villages.groupby("township_index")["户籍人口"].sum().to_numpy()
    growth = 1.0 + 0.018 * np.arange(len(months))  # the platform is promoted month after month
    base = population[usage["township_index"]] / 72.0 * growth[np.repeat(np.arange(len(months)), n_townships)]
    usage["访问量"] = np.round(base * rng.uniform(0.8, 1.2, len(usage)) + 12 * usage["反映问题数"]).astype(int)
    usage["月份"] = usage["month"].astype(str)
    usage["乡镇代码"] = county.townships["乡镇代码"].to_numpy()[usage["township_index"]]
    usage["乡镇名称"] = county.townships["乡镇名称"].to_numpy()[usage["township_index"]]
    return usage


@dataclass
class CountyLedgers:
    county: County
    clues: pd.DataFrame
    cases: pd.DataFrame
    people: pd.DataFrame
    rectification: pd.DataFrame
    surveys: pd.DataFrame
    platform_usage: pd.DataFrame


def generate_county(rng: np.random.Generator, code: str = COUNTY_CODE, name: str = COUNTY_NAME,
                    centre: tuple[float, float] = CENTRE, targets: Targets = SAMPLE_TARGETS) -> CountyLedgers:
    """Return one county's divisions and every ledger's rows (canonical values, before any mess)."""
    county = build_county(rng, code, name, centre)
    quality = _quality_matrix(rng, county)
    clues = _generate_clues(rng, county, targets)
    cases, people = _generate_cases(rng, county, targets, quality, clues)
    rectification = _generate_rectification(rng, county, targets, quality, clues, cases)
    surveys = _generate_surveys(rng, county, targets, quality)
    usage = _generate_platform_usage(rng, county, clues)
    return CountyLedgers(county, clues, cases, people, rectification, surveys, usage)


# --- writing --------------------------------------------------------------------------------------

LEDGER_FILES = {
    "divisions": "示范县区划名录.xlsx",
    "clues": "示范县问题线索台账.xlsx",
    "cases": "示范县案件台账.xlsx",
    "case_people": "示范县案件处理人员名单.xlsx",
    "rectification": "示范县整改台账.xlsx",
    "satisfaction": "示范县群众满意度测评.xlsx",
    "platform_usage": "示范县小微权力监督平台使用情况.xlsx",
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _date(value) -> dt.date | None:
    if pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _spell_date(day: dt.date, row: int) -> dt.date | str:
    """Return the date as a clerk might type it: mostly a date cell, sometimes text."""
    if row % 11 == 3:
        return f"{day.year}/{day.month}/{day.day}"
    if row % 13 == 5:
        return f"{day.year}年{day.month}月{day.day}日"
    if row % 17 == 7:
        return f"{day.year}.{day.month}.{day.day}"
    return day


def _spell_township(name: str, row: int) -> str:
    """Return the township's name as typed: the full name, sometimes short or padded with spaces."""
    if row % 19 == 4:
        return name[:-2] if name.endswith("街道") else name[:-1]
    if row % 23 == 6:
        return f" {name} "
    if row % 29 == 9:
        return f"\u3000{name}"
    return name


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or value == "" else value


def _ledger_tables(data: CountyLedgers) -> dict[str, dict]:
    """Return, per ledger kind, its sheet as a clerk sends it: title rows, header, rows, 合计."""
    county = data.county
    divisions = county.villages
    clues = data.clues.sort_values("received", kind="stable").reset_index(drop=True)
    tables: dict[str, dict] = {}

    tables["divisions"] = {
        "title": [f"{county.name}村（社区）区划名录"],
        "header": ["县名称", "乡镇代码", "乡镇名称", "村代码", "村名称", "村类型", "经度", "纬度", "户籍人口"],
        # codes typed as numbers, as spreadsheets do to digit strings
        "rows": [[county.name, int(r["乡镇代码"]), r["乡镇名称"], int(r["村代码"]), r["村名称"], r["村类型"],
                  r["经度"], r["纬度"], int(r["户籍人口"])] for r in divisions.to_dict("records")],
        "total": ["合计", None, None, None, None, None, None, None, int(divisions["户籍人口"].sum())],
    }
    tables["clues"] = {
        "title": [f"{county.name}群众身边不正之风和腐败问题线索台账（2023年1月—2026年11月）",
                  "填报单位：县纪委监委案件监督管理室　　　　填报日期：2026年11月15日"],
        "header": ["序号", "线索编号", "受理时间", "线索来源", "乡镇", "所属村(社区)", "问题领域", "问题摘要",
                   "被反映人", "被反映人身份", "涉及金额(万元)", "管理等级", "挂牌督办", "处置方式", "办理状态",
                   "办结日期", "反映人", "联系电话"],
        "rows": [[i + 1, r["线索编号"], _spell_date(_date(r["received"]), i), r["线索来源"],
                  _spell_township(r["乡镇名称"], i), _text(r["村名称"]), r["问题领域"], r["问题摘要"],
                  r["被反映人"], r["被反映人身份"], _text(r["涉及金额(万元)"]), r["管理等级"], r["挂牌督办"],
                  _text(r["处置方式"]), r["办理状态"], _date(r["closed"]), _text(r["反映人"]), _text(r["联系电话"])]
                 for i, r in enumerate(clues.to_dict("records"))],
        "total": ["合计", None, None, None, None, None, None, None, None, None,
                  round(float(np.nansum(clues["涉及金额(万元)"])), 2)] + [None] * 7,
        "blank_after": 400,
    }
    cases = data.cases
    tables["cases"] = {
        "title": [f"{county.name}查处群众身边不正之风和腐败问题案件台账"],
        "header": ["案件编号", "线索编号", "立案时间", "结案日期", "所属乡镇", "所属村(社区)", "问题领域", "发现方式",
                   "违纪类型", "处理人数", "追缴资金(万元)", "是否典型案例"],
        "rows": [[r["案件编号"], _text(r["线索编号"]), _date(r["filed"]), _date(r["closed"]), r["乡镇名称"],
                  _text(r["村名称"]), r["问题领域"], r["发现方式"], r["违纪类型"], int(r["处理人数"]),
                  float(r["追缴资金(万元)"]), r["是否典型案例"]] for r in cases.to_dict("records")],
        "total": ["合计", None, None, None, None, None, None, None, None, int(cases["处理人数"].sum()),
                  round(float(cases["追缴资金(万元)"].sum()), 2), None],
    }
    tables["case_people"] = {
        "title": [],
        "header": ["案件编号", "姓名", "身份", "处理形态", "处分种类", "是否移送司法"],
        "rows": data.people[["案件编号", "姓名", "身份", "处理形态", "处分种类", "是否移送司法"]].values.tolist(),
    }
    items = data.rectification
    tables["rectification"] = {
        "title": [f"{county.name}巡察审计反馈问题整改台账"],
        "header": ["整改编号", "问题来源", "反馈时间", "责任乡镇", "责任村(社区)", "问题类别", "问题描述", "整改措施",
                   "责任人", "整改时限", "整改状态", "完成日期", "销号日期", "是否反复出现", "关联线索编号",
                   "关联案件编号"],
        "rows": [[r["整改编号"], r["问题来源"], _spell_date(_date(r["feedback"]), i + 2), r["乡镇名称"],
                  _text(r["村名称"]), r["问题类别"], r["问题描述"], r["整改措施"], r["责任人"], _date(r["deadline"]),
                  r["整改状态"], _date(r["completed"]), _date(r["closed_off"]), r["是否反复出现"],
                  _text(r["关联线索编号"]), _text(r["关联案件编号"])] for i, r in enumerate(items.to_dict("records"))],
        "blank_after": 250,
    }
    surveys = data.surveys

    def period_label(label: str, row: int) -> str:
        year, quarter = label.split("Q")
        if row % 3 == 1:
            return f"{year}年第{'一二三四'[int(quarter) - 1]}季度"
        if row % 3 == 2:
            return f"{year}-Q{quarter}"
        return label

    def count_cell(value: int, row: int, column: int) -> int | str:
        # a few counts typed with full-width digits
        return str(int(value)).translate(FULL_WIDTH) if (row * 7 + column) % 53 == 0 else int(value)

    tables["satisfaction"] = {
        "title": [f"{county.name}群众满意度测评结果汇总表"],
        "header": ["测评期间", "乡镇", "测评方式", "样本量", "满意", "基本满意", "不满意", "不了解", "知晓监督平台"],
        "rows": [[period_label(r["测评期间"], i), r["乡镇名称"], r["测评方式"]]
                 + [count_cell(r[c], i, j) for j, c in enumerate(("样本量", "满意", "基本满意", "不满意", "不了解",
                                                                  "知晓监督平台"))]
                 for i, r in enumerate(surveys.to_dict("records"))],
        "blank_after": 96,
    }
    usage = data.platform_usage

    def month_label(label: str, row: int) -> str:
        year, month = label.split("-")
        return f"{year}年{int(month)}月" if row % 4 == 1 else label

    tables["platform_usage"] = {
        "title": [],
        "header": ["月份", "乡镇", "访问量", "反映问题数"],
        "rows": [[month_label(r["月份"], i), r["乡镇名称"], int(r["访问量"]), int(r["反映问题数"])]
                 for i, r in enumerate(usage.to_dict("records"))],
    }
    return tables


def _write_xlsx(path: Path, sheet_name: str, table: dict) -> None:
    """Write one sheet: merged title rows, the header, the rows (a blank one in the middle), the 合计 row."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
    workbook.set_properties({"title": path.stem, "author": "示范县纪委监委", "created": WORKBOOK_CREATED})
    sheet = workbook.add_worksheet(sheet_name)
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    header_format = workbook.add_format({"bold": True, "border": 1, "align": "center"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    width = len(table["header"])
    row_number = 0
    for title in table["title"]:
        sheet.merge_range(row_number, 0, row_number, width - 1, title, title_format)
        row_number += 1
    sheet.write_row(row_number, 0, table["header"], header_format)
    row_number += 1
    blank_after = table.get("blank_after")
    rows = list(table["rows"]) + ([table["total"]] if table.get("total") else [])
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
    for column, header in enumerate(table["header"]):
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


SHEET_NAMES = {"divisions": "区划名录", "clues": "线索台账", "cases": "案件台账", "case_people": "处理人员",
               "rectification": "整改台账", "satisfaction": "满意度测评", "platform_usage": "平台使用"}


def _write_sample_county(out_dir: Path, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    data = generate_county(rng)
    ledger_dir = out_dir / "ledgers"
    ledger_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, table in _ledger_tables(data).items():
        path = ledger_dir / LEDGER_FILES[kind]
        _write_xlsx(path, SHEET_NAMES[kind], table)
        paths.append(path)
    return paths + _write_boundaries(out_dir / "boundaries", [data.county])


def _benchmark_county_code(index: int) -> str:
    """Return the index-th benchmark county's code: 99 + 4 digits (no province uses 99)."""
    return f"99{index // 99 + 1:02d}{index % 99 + 1:02d}"


def _canonical_frames(data: CountyLedgers) -> dict[str, pd.DataFrame]:
    """Return each ledger as a clean table with canonical headers, places given by code."""
    def day(series: pd.Series) -> pd.Series:
        return pd.to_datetime(series).dt.strftime("%Y-%m-%d").fillna("")

    county = data.county
    villages = county.villages
    clues, cases, items = data.clues, data.cases, data.rectification
    return {
        "divisions": pd.DataFrame({"县名称": county.name, "乡镇代码": villages["乡镇代码"], "乡镇名称": villages["乡镇名称"],
                                   "村代码": villages["村代码"], "村名称": villages["村名称"], "村类型": villages["村类型"],
                                   "经度": villages["经度"], "纬度": villages["纬度"], "户籍人口": villages["户籍人口"]}),
        "clues": pd.DataFrame({"线索编号": clues["线索编号"], "受理日期": day(clues["received"]),
                               "线索来源": clues["线索来源"], "所属乡镇": clues["乡镇代码"], "所属村(社区)": clues["村代码"],
                               "问题领域": clues["问题领域"], "问题摘要": clues["问题摘要"], "被反映人": clues["被反映人"],
                               "被反映人身份": clues["被反映人身份"], "涉及金额(万元)": clues["涉及金额(万元)"],
                               "管理等级": clues["管理等级"], "挂牌督办": clues["挂牌督办"], "处置方式": clues["处置方式"],
                               "办理状态": clues["办理状态"], "办结日期": day(clues["closed"]),
                               "反映人": clues["反映人"], "联系电话": clues["联系电话"]}),
        "cases": pd.DataFrame({"案件编号": cases["案件编号"], "线索编号": cases["线索编号"], "立案日期": day(cases["filed"]),
                               "结案日期": day(cases["closed"]), "所属乡镇": cases["乡镇代码"], "所属村(社区)": cases["村代码"],
                               "问题领域": cases["问题领域"], "发现方式": cases["发现方式"], "违纪类型": cases["违纪类型"],
                               "处理人数": cases["处理人数"], "追缴资金(万元)": cases["追缴资金(万元)"],
                               "是否典型案例": cases["是否典型案例"]}),
        "case_people": data.people,
        "rectification": pd.DataFrame({
            "整改编号": items["整改编号"], "问题来源": items["问题来源"], "反馈日期": day(items["feedback"]),
            "责任乡镇": items["乡镇代码"], "责任村(社区)": items["村代码"], "问题类别": items["问题类别"],
            "问题描述": items["问题描述"], "整改措施": items["整改措施"], "责任人": items["责任人"],
            "整改时限": day(items["deadline"]), "整改状态": items["整改状态"], "完成日期": day(items["completed"]),
            "销号日期": day(items["closed_off"]), "是否反复出现": items["是否反复出现"],
            "关联线索编号": items["关联线索编号"], "关联案件编号": items["关联案件编号"]}),
        "satisfaction": data.surveys[["测评期间", "乡镇代码", "测评方式", "样本量", "满意", "基本满意", "不满意", "不了解",
                                      "知晓监督平台"]].rename(columns={"乡镇代码": "乡镇"}),
        "platform_usage": data.platform_usage[["月份", "乡镇代码", "访问量", "反映问题数"]].rename(
            columns={"乡镇代码": "乡镇"}),
    }


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
        for kind, frame in _canonical_frames(data).items():
            frames[kind].append(frame)
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
