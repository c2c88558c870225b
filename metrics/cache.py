"""The one cache of the dashboard: data results and the figures built from them, in and out of Streamlit.

What is cached, and under which key:

- a data function's result (``cached_call(function, engine, scope, **arguments)``), keyed by
  (the function's qualified name, the engine's URL, the warehouse's data version, the scope,
  the arguments). A load (or a boundary load) changes the data version and so every key; the
  scope is part of the key, so a result computed for one township or role is never served to
  another; the arguments are keyword-only in every data function, so two calls that mean the
  same are one key.
- a chart builder's figure, or a table formatted for display (``cached_figure(builder, *inputs,
  **options)``), keyed by (the builder's qualified name, the content of its inputs, the house
  theme's font and township order). A DataFrame input handed out by this cache and not changed
  since is named by its result's key (so a warm page hashes no rows); any other frame by a digest
  of its pickled bytes. Either way the key follows the data without naming its version.

Both live in one bounded LRU (``MAX_ENTRIES``, least recently used first out), thread-safe, one
per process, shared by every session: a second user opening the same view reads it warm.
Nothing a caller gets back can change what is stored: a DataFrame is returned as a shallow copy,
which pandas' copy-on-write (pandas 3) makes independent of the stored one for a few
microseconds; dicts and lists are copied around their items; a figure is rebuilt from its stored
dict without validation (under a millisecond, against 10-25 ms to build one); dataclasses
(``Kpi``, ``Period``) are frozen.

Why not ``st.cache_data``: it pickles every result on every hit (its cost grows with the frame),
it exists only inside a Streamlit run (the bulletin CLI, the benchmarks and the tests read the
same functions), and its per-function caches have no common bound or data-version rule.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from warehouse.engine import data_version

MAX_ENTRIES = 4000
_MISSING = object()


class Lru:
    """A thread-safe LRU keyed by tuples. Values are stored and returned as they are (the functions
    below make what they store safe to share)."""

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
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.update(hits=0, misses=0)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {**self._counts, "entries": len(self._entries)}


_STORE = Lru(MAX_ENTRIES)


# a frame handed out by cached_call, by id: (weak reference, what it holds, its fingerprint then)
_HANDED_OUT: dict[int, tuple[weakref.ref, tuple, tuple]] = {}


def _fingerprint(frame: pd.DataFrame) -> tuple:
    """Changes whenever the frame is changed in place: under copy-on-write any edit of a shared copy
    gives it new blocks (or a new index or columns), while reading leaves them as they are."""
    manager = frame._mgr
    return id(manager), tuple(id(block.values) for block in manager.blocks), id(frame.columns), id(frame.index)


def _remember_handed_out(frame: pd.DataFrame, content: tuple) -> None:
    key = id(frame)
    _HANDED_OUT[key] = (weakref.ref(frame, lambda _ref: _HANDED_OUT.pop(key, None)), content, _fingerprint(frame))


def _digest(frame: pd.DataFrame) -> tuple:
    """What a frame holds, as a key: a result from this cache still as handed out is named by its result
    key (no hashing of its rows on every rerun); any other frame by a digest of its pickled bytes."""
    entry = _HANDED_OUT.get(id(frame))
    if entry is not None and entry[0]() is frame and entry[2] == _fingerprint(frame):
        return entry[1]
    return ("frame", hashlib.blake2b(pickle.dumps(frame, protocol=5), digest_size=16).digest())


def freeze(value: Any) -> Any:
    """Return a hashable stand-in for an argument (lists → tuples, dicts → sorted tuples, frames → digests)."""
    if isinstance(value, pd.DataFrame):
        return _digest(value)
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


def _shared(value: Any, content: tuple | None = None) -> Any:
    """What a caller may hold without reaching the stored value (see the module docstring). With
    ``content`` (the result's key), each frame handed out is remembered as holding that result."""
    if isinstance(value, pd.DataFrame):
        copy = value.copy(deep=False)
        if content is not None:
            _remember_handed_out(copy, content)
        return copy
    if isinstance(value, pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _shared(v, None if content is None else (*content, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_shared(v, None if content is None else (*content, i)) for i, v in enumerate(value)]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_shared(v, None if content is None else (*content, i)) for i, v in enumerate(value))
    return value


def result_key(function: Callable, engine: Engine, scope, arguments: dict, version: tuple | None = None) -> tuple:
    """Return the key of one data call: name, engine URL, data version, scope, arguments."""
    return (f"{function.__module__}.{function.__qualname__}", str(engine.url),
            data_version(engine) if version is None else version, scope, freeze(arguments))


# (engine URL, data version) of the data function running under ``cached_call`` in this thread, if any
_CALL_VERSION: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("cached_call_version", default=None)


def cached_call(function: Callable, engine: Engine, scope, *, version: tuple | None = None, **arguments) -> Any:
    """Return ``function(engine, scope, **arguments)`` through the cache.

    ``version`` is the data version when the caller has just read it (the dashboard's frame reads
    it once per run); without it, the version of the cached call this one runs inside (on the same engine), else
    it is read here, one small query. While the function runs, what it reads under that version may be remembered
    under it too (``version_in_use``): its result is stored under it, and so is a cached call it makes.
    """
    if version is None:
        version = version_in_use(str(engine.url))
    key = result_key(function, engine, scope, arguments, version)
    stored = _STORE.get(key, _MISSING)
    if stored is _MISSING:
        running = _CALL_VERSION.set((str(engine.url), key[2]))
        try:
            stored = _shared(function(engine, scope, **arguments))
        finally:
            _CALL_VERSION.reset(running)
        _STORE.put(key, stored)
    return _shared(stored, ("result", key))


def version_in_use(engine_url: str) -> tuple | None:
    """The data version the data function running under ``cached_call`` on ``engine_url`` is cached under, or None
    outside one (a load's rebuild, the CLI): a value derived only from the data may be remembered under it without
    reading the version again, as the function's result will be."""
    running = _CALL_VERSION.get()
    return running[1] if running is not None and running[0] == engine_url else None


def cached(function: Callable) -> Callable:
    """Return ``function`` (a data function) memoised through ``cached_call``; ``.uncached`` is the original."""

    @functools.wraps(function)
    def wrapper(engine: Engine, scope, **arguments):
        return cached_call(function, engine, scope, **arguments)

    wrapper.uncached = function  # type: ignore[attr-defined]
    return wrapper


def remembered(key: tuple, make: Callable[[], Any]) -> Any:
    """Return the value stored under ``key`` (a tuple whose first item names the caller), else ``make()``
    stored under it: for an immutable value an internal step keys itself (the data's as-of date)."""
    stored = _STORE.get(key, _MISSING)
    if stored is _MISSING:
        stored = make()
        _STORE.put(key, stored)
    return stored


def cached_figure(builder: Callable, *inputs, context: tuple = (), **options) -> Any:
    """Return ``builder(*inputs, **options)`` (a figure, or a table formatted for display), from the cache when
    built from equal inputs before.

    ``context`` adds what the builder reads besides its arguments (the theme's font and colours).
    """
    key = ("figure", f"{builder.__module__}.{builder.__qualname__}", context, freeze(inputs), freeze(options))
    stored = _STORE.get(key, _MISSING)
    if stored is _MISSING:
        built = builder(*inputs, **options)
        stored = _StoredFigure(built.to_dict()) if isinstance(built, go.Figure) else _shared(built)
        _STORE.put(key, stored)
    if isinstance(stored, _StoredFigure):
        return go.Figure(stored.spec, skip_invalid=False, _validate=False)
    return _shared(stored)


class _StoredFigure:
    """A figure kept as its dict: each caller gets a new Figure of it."""

    __slots__ = ("spec",)

    def __init__(self, spec: dict):
        self.spec = spec


def clear_cache() -> None:
    """Forget every cached result and figure (the benchmark's cold runs, tests)."""
    _STORE.clear()


def cache_stats() -> dict[str, int]:
    """Return {hits, misses, entries}."""
    return _STORE.stats()
