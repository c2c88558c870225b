"""The specification of the sample county: its townships, its laggards, the figures it must reproduce.

Also the calendar (data end, quarters) and the shares of everything the generators draw by chance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from warehouse import vocabulary as vocab

COUNTY_CODE = "990101"
COUNTY_NAME = "示范县"
DATA_START = dt.date(2023, 1, 1)
DATA_END = dt.date(2026, 11, 15)
DEFAULT_SEED = 20230101
CENTRE = (112.5, 28.5)  # an interior, hilly county (lon, lat)
COUNTY_RADIUS_KM = 25.0


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

    def scaled(self, factor: float) -> Targets:
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


def quarter_bounds(index: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the index-th quarter (the last quarter ends at the data end)."""
    year, q = QUARTERS[index]
    start = dt.date(year, 3 * q - 2, 1)
    end = (dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1))
    return start, min(end, DATA_END)


# --- the shares of everything drawn by chance; order follows warehouse/vocabulary.py ---------------
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
