"""The cases filed in the county and the people they handled (the 案件台账 and the 处理人员名单)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_pipeline.sample.draws import as_days, random_days, villages_within, yearly_ids
from data_pipeline.sample.geography import County
from data_pipeline.sample.spec import (
    DATA_END,
    DOMAIN_SHARES,
    FORM_SHARES,
    LAGGARDS,
    REACTIVE_DISCOVERY,
    REACTIVE_SHARES,
    SANCTIONS_BY_FORM,
    VIOLATION_SHARES,
    Targets,
    quarter_bounds,
)
from data_pipeline.sample.words import person_names
from warehouse import vocabulary as vocab


def generate_cases(rng: np.random.Generator, county: County, targets: Targets, quality: np.ndarray,
                   clues: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (cases, people): exact 2023-2024 counts, people and funds; most cases linked to an earlier clue.

    Linking sets the clue's 处置方式 to 立案审查 (``clues`` is changed in place)."""
    n_townships = len(county.townships)
    proactive_level = np.array([0.22, 0.24, 0.26, 0.28, 0.30, 0.32, 0.34, 0.36,
                                0.45, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.58])
    rows = []
    for q_index, total in enumerate(targets.cases_per_quarter):
        start, end = quarter_bounds(q_index)
        # every township files at least one case a quarter, so each has a 主动发现率
        propensity = county.townships["propensity"].to_numpy()
        extra = rng.multinomial(total - n_townships, propensity / propensity.sum())
        township = np.repeat(np.arange(n_townships), 1 + extra)
        filed = random_days(start, end, len(township), rng)
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
    pick = villages_within(rng, county, township, by_clue_weight=True)
    village_code = villages["村代码"].to_numpy(dtype=object)[pick]
    village_name = villages["村名称"].to_numpy(dtype=object)[pick]
    no_village = rng.random(count) < 0.1
    village_code[no_village] = ""
    village_name[no_village] = ""
    cases["村代码"], cases["村名称"] = village_code, village_name

    # link most cases to an earlier clue of the same township (which becomes 立案审查 and 办结)
    cases["线索编号"] = ""
    clue_days = as_days(clues["received"])
    filed_days = as_days(cases["filed"])
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
    cases["案件编号"] = yearly_ids(f"{county.code}-AJ", pd.DatetimeIndex(cases["filed"]).year, 4)

    # the people themselves
    case_index = np.repeat(np.arange(count), cases["处理人数"].to_numpy())
    form = rng.choice(4, size=len(case_index), p=FORM_SHARES)
    form[case_index == landmark] = 3
    sanctions = [SANCTIONS_BY_FORM[f][rng.integers(len(SANCTIONS_BY_FORM[f]))] for f in form]
    names = person_names(rng, len(case_index))
    # a name appears once per case (the natural key is case + name)
    frame = pd.DataFrame({"case": case_index, "姓名": names})
    while frame.duplicated(["case", "姓名"]).any():
        dup = frame.duplicated(["case", "姓名"]).to_numpy()
        frame.loc[dup, "姓名"] = person_names(rng, int(dup.sum()))
    judiciary = (form == 3) & (rng.random(len(form)) < 0.7) | (case_index == landmark)
    role = np.array(vocab.PERSON_ROLES)[rng.choice(4, size=len(form), p=(0.64, 0.16, 0.15, 0.05))]
    people_frame = pd.DataFrame({
        "案件编号": cases["案件编号"].to_numpy()[case_index], "姓名": frame["姓名"].to_numpy(),
        "身份": role, "处理形态": np.array(vocab.DISCIPLINE_FORMS)[form], "处分种类": sanctions,
        "是否移送司法": np.where(judiciary, "是", "否"),
    })
    return cases, people_frame
