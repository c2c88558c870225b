"""Once per server process: what was loaded to serve the first run, out of the garbage collector's way.

A Streamlit process keeps ~190,000 objects alive from its first run on: the modules of streamlit,
pandas, plotly, sqlalchemy and the app's own. CPython's collector walks all of them at every full
collection, and a run that builds many objects (全市's 报送情况 makes a row for each of 1,200 townships,
every ledger and month) triggers several: measured in one cold run of 全市 总览 at 100 counties, 报送情况
took 0.15 s in the page and 0.04 s alone (docs/BENCHMARKS.md). ``gc.freeze`` moves the objects alive
now into the permanent generation, which collections leave alone; what runs create later is collected as before.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_start_up_objects() -> None:
    """``gc.freeze()`` once per process (dashboard.py calls it after each run; only the first one freezes)."""
    global _frozen
    if _frozen:
        return
    gc.freeze()
    _frozen = True
