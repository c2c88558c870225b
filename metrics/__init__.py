"""The metrics layer: every metric defined once (definitions), all SQL (queries), cached results (cache).

Pages and reports call these, e.g. ``metrics.kpi_tiles(engine, period, scope)``, or through the
cache: ``metrics.cached(metrics.kpi_tiles)(engine, period, scope)``.
"""

from metrics.cache import cached, cached_call, clear_cache
from metrics.definitions import (
    METRICS,
    RANKING_METRICS,
    Kpi,
    Metric,
    format_change,
    format_value,
    get_metric,
)
from metrics.periods import Period, periods_between
from metrics.queries import *  # noqa: F401,F403 - the public query functions
from metrics.queries import COLUMN_LABELS
from metrics.scope import Scope, mask_name
