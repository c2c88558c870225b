"""Cached metric results that a new load invalidates, in Streamlit and outside it alike.

``cached(func)(engine, *args, **kwargs)`` memoises on (engine URL, ``data_version(engine)``,
the function's name, the arguments). The scope is one of the arguments, so a result computed for
one township is never served to another; a load batch changes ``data_version`` and so the key.
An LRU of our own (not ``st.cache_data``) so the same cache serves the pages, the bulletin and
the tests. DataFrames are returned as copies: a caller that edits one cannot poison the cache.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from warehouse.engine import data_version

MAX_ENTRIES = 512

_lock = threading.Lock()
_entries: OrderedDict[tuple, Any] = OrderedDict()
_stats = {"hits": 0, "misses": 0}


def _freeze(value: Any) -> Any:
    """Return a hashable stand-in for an argument (lists → tuples, dicts → sorted tuples)."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(_freeze(v) for v in value))
    if isinstance(value, (str, int, float, bool, date, datetime, type(None))):
        return value
    hash(value)  # a frozen dataclass (Period, Scope) is hashable; anything else fails loudly here
    return value


def _copy(result: Any) -> Any:
    if isinstance(result, (pd.DataFrame, pd.Series)):
        return result.copy()
    if isinstance(result, dict):
        return {k: _copy(v) for k, v in result.items()}
    if isinstance(result, list):
        return [_copy(v) for v in result]
    return result


def cache_key(func: Callable, engine: Engine, args: tuple, kwargs: dict) -> tuple:
    """Return the key of one call: engine URL, data version, function, arguments."""
    return (str(engine.url), data_version(engine), f"{func.__module__}.{func.__qualname__}",
            _freeze(args), _freeze(kwargs))


def cached(func: Callable) -> Callable:
    """Return ``func`` memoised on (engine URL, data version, name, args); the first argument is the engine."""

    @functools.wraps(func)
    def wrapper(engine: Engine, *args, **kwargs):
        key = cache_key(func, engine, args, kwargs)
        with _lock:
            if key in _entries:
                _entries.move_to_end(key)
                _stats["hits"] += 1
                return _copy(_entries[key])
        result = func(engine, *args, **kwargs)
        with _lock:
            _stats["misses"] += 1
            _entries[key] = _copy(result)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return result

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper


def cached_call(func: Callable, engine: Engine, *args, **kwargs) -> Any:
    """Call ``func(engine, *args, **kwargs)`` through the cache (for a function not decorated)."""
    return cached(func)(engine, *args, **kwargs)


def clear_cache() -> None:
    """Forget every cached result."""
    with _lock:
        _entries.clear()
        _stats.update(hits=0, misses=0)


def cache_stats() -> dict[str, int]:
    """Return {hits, misses, entries}."""
    with _lock:
        return {**_stats, "entries": len(_entries)}
