"""Once a server process has imported what its pages need: those objects out of the garbage collector's way.

A Streamlit process keeps ~190,000 objects alive from its first runs on: the modules of streamlit,
pandas, plotly, sqlalchemy and the app's own. CPython's collector walks all of them at every full
collection, and a cold run over a prefecture builds enough objects to trigger several (全市's 报送情况 makes
a row for each of 1,200 townships, every ledger and month): measured with the collector's own callbacks
over six cold runs of 全市 总览 at 100 counties, 0.19 s of each run was collection, 0.05 s with the modules
frozen (docs/BENCHMARKS.md). ``gc.freeze`` moves the objects alive now into the permanent generation,
which collections leave alone; what runs create later is collected as before.

dashboard.py calls ``freeze_loaded_modules`` after every run; it freezes only when the run imported
modules (a page's first visit in the process), after one full collection, so that garbage of the run
that imported them is not frozen with them.
"""

from __future__ import annotations

import gc
import sys

_modules_when_frozen = 0


def freeze_loaded_modules() -> bool:
    """Collect, then ``gc.freeze()``, if modules were imported since the last time; return whether it froze."""
    global _modules_when_frozen
    if len(sys.modules) <= _modules_when_frozen:
        return False
    gc.collect()
    gc.freeze()
    _modules_when_frozen = len(sys.modules)
    return True
