"""The ledgers' facts, generated: clues, rectification items, surveys, platform usage; ``generate_county``.

The cases and their people come from cases.py. Each generator draws from the one ``rng`` in a fixed
order: reordering the calls in ``generate_county`` would change every file the sample writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_pipeline.sample.cases import generate_cases
from data_pipeline.sample.draws import as_days, random_days, villages_within, yearly_ids
from data_pipeline.sample.geography import County, build_county
from data_pipeline.sample.spec import (
    CENTRE,
    COUNTY_CODE,
    COUNTY_NAME,
    DATA_END,
    DOMAIN_SHARES,
    LAGGARDS,
    OTHER_CATEGORIES,
    OTHER_CLUE_SOURCE_SHARES,
    OTHER_CLUE_SOURCES,
    QUARTERS,
    SAMPLE_TARGETS,
    SURVEY_QUARTERS,
    Targets,
    quarter_bounds,
)
from data_pipeline.sample.words import RECTIFICATION_TEMPLATES, SUMMARY_TEMPLATES, person_names
from warehouse import vocabulary as vocab


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
        received = np.sort(random_days(dt.date(year, 1, 1), end, total, rng))
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
    village_pick = villages_within(rng, county, township, by_clue_weight=True)
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
    clues["被反映人"] = person_names(rng, count)
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
    received_days = as_days(clues["received"])
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
    clues["线索编号"] = yearly_ids(f"{county.code}-XS", clues["year"], 5)
    return clues

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
            start, end = quarter_bounds(q_index)
            township = rng.choice(n_townships, size=quarter_total, p=share)
            frames.append(pd.DataFrame({"township_index": township, "quarter": q_index,
                                        "feedback": random_days(start, end, quarter_total, rng)}))
    items = pd.concat(frames, ignore_index=True).sort_values(["feedback", "township_index"], kind="stable")
    items = items.reset_index(drop=True)
    count = len(items)
    township = items["township_index"].to_numpy()
    feedback = as_days(items["feedback"])
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
        window_end = np.datetime64(quarter_bounds(max(laggard["slipping_quarters"]))[1])
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
    pick = villages_within(rng, county, township, by_clue_weight=False)
    has_village = rng.random(count) < 0.75
    items["村代码"] = np.where(has_village, villages["村代码"].to_numpy()[pick], "")
    items["村名称"] = np.where(has_village, villages["村名称"].to_numpy()[pick], "")
    text = [RECTIFICATION_TEMPLATES[c] for c in category]
    place = np.where(has_village, items["村名称"], items["乡镇名称"])
    items["问题描述"] = [f"{p}{t[0]}" for p, t in zip(place, text)]
    items["整改措施"] = [t[1] for t in text]
    items["责任人"] = person_names(rng, count)
    items["是否反复出现"] = np.where(rng.random(count) < 0.08, "是", "否")
    # 以案促改 items name an earlier case, 群众反映 items an earlier clue, of the same township
    for column, source_name, frame, date_column in (("关联案件编号", "以案促改", cases, "filed"),
                                                    ("关联线索编号", "群众反映", clues, "received")):
        frame_township = frame["township_index"].to_numpy()
        frame_days = as_days(frame[date_column])
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
    items["整改编号"] = yearly_ids(f"{county.code}-ZG", pd.DatetimeIndex(items["feedback"]).year, 4)
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
    """One county's divisions and generated rows, ledger by ledger.

    Columns carry the ledgers' canonical headers (data_pipeline/ledgers.py), except that dates are
    kept under their warehouse column's stem (received, filed, closed_off …) and places under both
    乡镇代码/乡镇名称 and 村代码/村名称; the other columns (township_index, year …) are the generators' own.
    """

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
    cases, people = generate_cases(rng, county, targets, quality, clues)
    rectification = _generate_rectification(rng, county, targets, quality, clues, cases)
    surveys = _generate_surveys(rng, county, targets, quality)
    usage = _generate_platform_usage(rng, county, clues)
    return CountyLedgers(county, clues, cases, people, rectification, surveys, usage)
