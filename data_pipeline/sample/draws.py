"""The random draws the ledger generators share: days in a span, villages within townships, yearly ids."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_pipeline.sample.geography import County


def random_days(start: dt.date, end: dt.date, count: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``count`` uniform random dates (datetime64[D]) in [start, end]."""
    offsets = rng.integers(0, (end - start).days + 1, size=count)
    return np.datetime64(start, "D") + offsets


def as_days(series: pd.Series) -> np.ndarray:
    """Return a date column as numpy datetime64[D] (pandas stores seconds: integer arithmetic needs days)."""
    return series.to_numpy().astype("datetime64[D]")


def villages_within(rng: np.random.Generator, county: County, township: np.ndarray,
                    by_clue_weight: bool) -> np.ndarray:
    """Return for each row a village of its township (a row of ``county.villages``), by clue weight or uniformly."""
    villages = county.villages
    pick = np.empty(len(township), dtype=int)
    for index in range(len(county.townships)):
        rows = np.flatnonzero(township == index)
        candidates = villages.index[villages["township_index"] == index].to_numpy()
        weights = villages.loc[candidates, "clue_weight"].to_numpy() if by_clue_weight else None
        pick[rows] = rng.choice(candidates, size=len(rows), p=None if weights is None else weights / weights.sum())
    return pick


def yearly_ids(prefix: str, years, digits: int) -> list[str]:
    """Return ids ``{prefix}-{year}-{n}``, n counting from 1 within each year in row order, ``digits`` wide."""
    years = pd.Series(np.asarray(years))
    serial = years.groupby(years).cumcount() + 1
    return [f"{prefix}-{year}-{n:0{digits}d}" for year, n in zip(years, serial)]
