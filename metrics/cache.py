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
_MISSING = object()


class Lru:
    """A thread-safe LRU keyed by tuples. Values are returned as they were put: the caller decides
    whether to copy (``cached`` does; the dashboard's frame shares its results and figures)."""

    def __init__(self, max_entries: int):
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._counts = {"hits": 0, "misses": 0}

    def get(self, key: tuple, default: Any = None) -> Any:
        """Return the value under ``key`` (now the most recent), or ``default``; counts a hit or a miss."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self._counts["hits"] += 1
                return self._entries[key]
            self._counts["misses"] += 1
            return default

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        """Return the value under ``key``, else ``make()`` stored under it (made outside the lock, so
        another session's query need not wait for this one)."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.update(hits=0, misses=0)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {**self._counts, "entries": len(self._entries)}


_results = Lru(MAX_ENTRIES)


def freeze(value: Any) -> Any:
    """Return a hashable stand-in for an argument (lists → tuples, dicts → sorted tuples)."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(freeze(v) for v in value))
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
            freeze(args), freeze(kwargs))


def cached(func: Callable) -> Callable:
    """Return ``func`` memoised on (engine URL, data version, name, args); the first argument is the engine."""

    @functools.wraps(func)
    def wrapper(engine: Engine, *args, **kwargs):
        key = cache_key(func, engine, args, kwargs)
        stored = _results.get(key, _MISSING)
        if stored is not _MISSING:
            return _copy(stored)
        result = func(engine, *args, **kwargs)
        _results.put(key, _copy(result))
        return result

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper


def cached_call(func: Callable, engine: Engine, *args, **kwargs) -> Any:
    """Call ``func(engine, *args, **kwargs)`` through the cache (for a function not decorated)."""
    return cached(func)(engine, *args, **kwargs)


def clear_cache() -> None:
    """Forget every cached result."""
    _results.clear()


def cache_stats() -> dict[str, int]:
    """Return {hits, misses, entries}."""
    return _results.stats()
