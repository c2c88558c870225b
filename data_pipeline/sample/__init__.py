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

The package, one module a concern: spec.py (the county and its targets), geography.py (its shape),
words.py (names and texts), draws.py, generators.py and cases.py (the ledgers' facts), spellings.py
(the mess a clerk's sheet has on purpose), sheets.py (each ledger as a table, columns from
data_pipeline/ledgers.py) and writing.py (the files).
"""

from data_pipeline.sample.generators import CountyLedgers, generate_county
from data_pipeline.sample.geography import County, build_county
from data_pipeline.sample.spec import (
    COUNTY_CODE,
    COUNTY_NAME,
    DATA_END,
    DATA_START,
    DEFAULT_SEED,
    LAGGARDS,
    QUARTERS,
    SAMPLE_TARGETS,
    SURVEY_QUARTERS,
    TOWNSHIPS,
    Targets,
    TownshipSpec,
)
from data_pipeline.sample.writing import LEDGER_FILES, write_sample

__all__ = ["COUNTY_CODE", "COUNTY_NAME", "DATA_END", "DATA_START", "DEFAULT_SEED", "LAGGARDS", "LEDGER_FILES",
           "QUARTERS", "SAMPLE_TARGETS", "SURVEY_QUARTERS", "TOWNSHIPS", "County", "CountyLedgers", "Targets",
           "TownshipSpec", "build_county", "generate_county", "write_sample"]
