"""The metrics layer: every measure and metric declared once, and all the SQL the pages and reports read.

| module | what it holds |
|---|---|
| ``measures`` | the declared measures (source, SQL expression, aggregation, period rule) and the one query builder |
| ``definitions`` | the metrics (name, Chinese label, unit, description, numerator/denominator measures), formatting, ``Kpi`` |
| ``periods``, ``scope`` | month/quarter/year periods; who is looking (role, township) and what they may not see |
| ``cache`` | the one cache of results and figures, keyed by data version and scope |
| subject modules | the *data functions*: ``kpis``, ``clues``, ``cases``, ``rectification``, ``satisfaction``, ``ranking``, ``places``, ``freshness``, ``reporting`` (报送情况, load history) |

A data function has one signature shape: ``function(engine, scope, *, …)``, everything after the
scope keyword-only, returning a DataFrame (columns named after metrics and measures), a dict, a
list of ``Kpi`` or a value. ``data_functions()`` finds them all (the sweep test and the scope
test walk that list, so a new function is covered without editing a test).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

SUBJECT_MODULES = ("metrics.kpis", "metrics.clues", "metrics.cases", "metrics.rectification",
                   "metrics.satisfaction", "metrics.ranking", "metrics.places", "metrics.freshness",
                   "metrics.reporting")


def is_data_function(function: Callable) -> bool:
    """A public function whose first parameters are (engine, scope) and whose others are keyword-only."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if len(parameters) < 2 or [p.name for p in parameters[:2]] != ["engine", "scope"]:
        return False
    return all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])


def data_functions() -> dict[str, Callable]:
    """Return {"metrics.cases.case_trend": function, …}: every public data function of the subject modules."""
    found: dict[str, Callable] = {}
    for module_name in SUBJECT_MODULES:
        module = importlib.import_module(module_name)
        for name, function in vars(module).items():
            if (not name.startswith("_") and inspect.isfunction(function) and function.__module__ == module_name
                    and is_data_function(function)):
                found[f"{module_name}.{name}"] = function
    return found
