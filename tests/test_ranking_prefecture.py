"""全市's 建议约谈 on four generated counties: each county's own flag, whatever the look-back reads.

The look-back of a 市级 scope over every county reads its third and later quarters for the counties whose
run is still open only (``ranking.interview_flags``); these tests compare it with each county's own
``interview_flags``, quarter by quarter, where some counties' runs end and others' go on.
"""

from __future__ import annotations

import pytest

from metrics.cache import clear_cache
from metrics.periods import Period, periods_between
from metrics.places import county_name
from metrics.ranking import PREFECTURE_LOOKBACK, interview_flags
from metrics.scope import Scope
from tests.test_metrics_sample import ONLY_COMPLETION

PREFECTURE = Scope(user_name="市纪委", role="市级")
COUNTIES = ("990101", "990102", "990103", "990104")
QUARTERS = periods_between("quarter", Period.quarter(2023, 1).start, Period.quarter(2026, 4).end)


@pytest.fixture(scope="module")
def four_counties(tmp_path_factory):
    from data_pipeline.load import load_paths
    from data_pipeline.sample import write_sample
    from warehouse.engine import get_engine

    folder = tmp_path_factory.mktemp("four_counties")
    write_sample(folder / "ledgers", counties=len(COUNTIES))
    engine = get_engine(f"sqlite:///{folder / 'warehouse.sqlite'}")
    reports = load_paths([folder / "ledgers"], engine)
    assert all(report.committed for report in reports)
    clear_cache()
    yield engine
    engine.dispose()


@pytest.mark.parametrize("weights", [None, ONLY_COMPLETION], ids=["published", "completion"])
def test_the_prefectures_flags_are_each_countys_own_in_every_quarter(four_counties, monkeypatch, weights):
    if weights:
        monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", weights)
    names = {code: county_name(four_counties, Scope.county(county_code=code)) for code in COUNTIES}
    mixed = 0  # quarters where one county's run goes past the first read's two quarters and another's stops
    for quarter in QUARTERS:
        own = []
        for code in COUNTIES:
            flags = interview_flags(four_counties, Scope.county(county_code=code), quarter=quarter,
                                    lookback=PREFECTURE_LOOKBACK)
            own += [(row.township_code, f"{names[code]}·{row.township_name}", row.quarters, row.quarter_count)
                    for row in flags.itertuples()]
        prefecture = interview_flags(four_counties, PREFECTURE, quarter=quarter)
        assert [tuple(row) for row in prefecture.itertuples(index=False)] == own, quarter
        counts = [row[3] for row in own]
        mixed += bool(counts) and max(counts) >= 3 and len(counts) < len(COUNTIES)
    assert mixed  # the look-back's second read was of some counties only


def test_a_tuple_of_places_narrows_to_any_of_them_and_an_empty_one_to_nothing(four_counties):
    from sqlalchemy import select

    from metrics.tables import in_township
    from warehouse.schema import townships

    def counties_of(place):
        with four_counties.connect() as conn:
            codes = conn.execute(select(townships.c.township_code)
                                 .where(*in_township(townships.c.township_code, place))).scalars().all()
        return sorted({code[:6] for code in codes})

    assert counties_of(("990101", "990103")) == ["990101", "990103"]
    assert counties_of(()) == []
    assert counties_of(None) == list(COUNTIES)


@pytest.mark.parametrize("every_county", [False, True], ids=["one county", "全市"])
def test_the_look_backs_last_township_is_the_rankings_last_in_every_quarter_ties_included(every_county):
    """``_last_townships`` ranks all the look-back's quarters as one table; each quarter's last must be the one the
    published ranking (``_ranked``, quarter by quarter) puts last: equal scores broken by more overdue items, then
    by code; a county with no data has nobody last; a quarter with no data at all has no ranking (None)."""
    import numpy as np
    import pandas as pd

    from metrics.definitions import RANKING_METRICS
    from metrics.ranking import _last_townships, _ranking_of

    scope = PREFECTURE if every_county else Scope.county(county_code="990101")
    generator = np.random.default_rng(7)
    components = {}
    for quarter in range(12):
        codes = [f"99010{c}{t:03d}" for c in range(1, 4 if every_county else 2) for t in range(1, 6)]
        table = pd.DataFrame({"township_code": codes, "township_name": [f"乡镇{code}" for code in codes]})
        for name in RANKING_METRICS:  # few distinct rates: scores tie often
            table[name] = generator.choice([np.nan, 50.0, 100.0], size=len(codes), p=[0.2, 0.4, 0.4])
        table["overdue_items"] = generator.choice([0, 1], size=len(codes))
        if every_county:
            table.insert(2, "county_code", table["township_code"].str[:6])
            if quarter % 3 == 1:  # one county with no data this quarter
                table.loc[table["county_code"] == "990102", list(RANKING_METRICS)] = np.nan
        if quarter == 5:  # a quarter with no data at all
            table[list(RANKING_METRICS)] = np.nan
        components[f"Q{quarter:02d}"] = table
    lasts = _last_townships(components, scope)
    ties = 0
    for code, table in components.items():
        ranking = _ranking_of(table, scope)
        if ranking is None:
            assert lasts[code] is None
            continue
        last = ranking[ranking["is_last"]]
        expected = {(county if every_county else ""): (township, name) for county, township, name in
                    zip(last["county_code"] if every_county else [""] * len(last), last["township_code"],
                        last["township_name"])}
        assert lasts[code] == expected, code
        ties += int((ranking.groupby(ranking.get("county_code", pd.Series("", index=ranking.index)))["score"]
                     .apply(lambda s: (s == s.min()).sum() > 1)).sum())
    assert lasts["Q05"] is None and ties > 0  # the data exercised both
    if every_county:
        assert "990102" not in lasts["Q01"] and "990101" in lasts["Q01"]


def test_a_flag_says_how_many_quarters_in_a_row_beside_the_quarters_it_lists():
    """A run of three read 连续两个季度 beside three quarters on 总览, 季度排名 and the deck."""
    from metrics.ranking import quarters_in_a_row

    assert [quarters_in_a_row(n) for n in (2, 3, 4, 8)] == ["连续两个季度", "连续三个季度", "连续四个季度", "连续八个季度"]
