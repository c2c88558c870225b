"""WGS-84 → GCJ-02 (the "火星坐标" offset of 高德-style tiles), the standard eviltransform formula.

Only used when the map's tiles are GCJ-02 (setting ``map_tile_is_gcj02``): the warehouse keeps
EPSG:4326 and the offset is applied to the points and outlines just before they are drawn.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

_KRASOVSKY_A = 6378245.0  # semi-major axis the formula was published with
_KRASOVSKY_EE = 0.00669342162296594323


def _offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    common = 20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + (common + 20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)
                + 160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + (common + 20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)
                + 150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return (lon, lat) arrays offset to GCJ-02; points outside China are returned unchanged."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    # the formula's own box: outside it GCJ-02 equals WGS-84
    inside = (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)
    d_lon, d_lat = _offsets(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Return the GCJ-02 (lon, lat) of a WGS-84 point."""
    out_lon, out_lat = wgs84_to_gcj02_arrays([lon], [lat])
    return float(out_lon[0]), float(out_lat[0])


def geometry_to_gcj02(geometry):
    """Return a shapely geometry with every vertex offset to GCJ-02."""

    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02_arrays(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, shift)
