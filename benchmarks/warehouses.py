"""The loaded warehouses the benchmarks read, one per scale and database, built through the real pipeline.

- ``county`` (also called ``sample``): the sample county, ``sample_data/``;
- ``province`` (also ``100``): the 100-county data in ``benchmarks/out/`` (written by
  ``python -m data_pipeline sample --counties 100 --out benchmarks/out`` when absent, about 30 s).

SQLite warehouses are kept in ``benchmarks/out/pages_<scale>.sqlite`` between runs (loading the 100
counties takes minutes); one left by an earlier release is brought to this release's schema with
``python -m warehouse upgrade`` first, and one older than the migrations is loaded again. PostgreSQL is a throwaway ``tests.postgres_cluster`` cluster,
loaded on every run (then ``VACUUM (ANALYZE)``: ``settle``) and removed at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUT = PROJECT_ROOT / "benchmarks" / "out"
SAMPLE = PROJECT_ROOT / "sample_data"
SCALES = {"county": "sample", "sample": "sample", "province": "100", "100": "100"}
SCALE_LABELS = {"sample": "county (sample county, 12 townships)", "100": "province (100 counties)"}


def scale_name(scale: str) -> str:
    """Return the short name of a scale (``sample`` or ``100``) from either spelling."""
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}: county (sample) or province (100)") from None


def data_dir(scale: str) -> Path:
    """Return the folder with ``ledgers/`` and ``boundaries/`` of a scale (the 100 counties written if absent)."""
    if scale_name(scale) == "sample":
        return SAMPLE
    if not (OUT / "ledgers").exists() or not any((OUT / "ledgers").glob("*问题线索台账*")):
        from data_pipeline.sample import write_sample

        print("生成 100 个县的基准台账（首次运行，约 30 s）……", flush=True)
        write_sample(OUT, counties=100)
    return OUT


def load_into(url: str, scale: str) -> None:
    """Load the scale's ledgers and township (and, for the sample, village) boundaries into ``url``."""
    from data_pipeline.load import load_paths
    from geo.boundaries import load_boundary_file, load_sample_boundaries
    from warehouse.engine import get_engine

    folder = data_dir(scale)
    engine = get_engine(url)
    started = time.perf_counter()
    reports = load_paths([folder / "ledgers"], engine)
    failed = [r for r in reports if not r.committed]
    if failed:
        raise SystemExit(f"loading {folder / 'ledgers'} failed: {failed}")
    if scale_name(scale) == "sample":
        load_sample_boundaries(folder / "boundaries", engine)
    else:
        load_boundary_file(folder / "boundaries" / "townships.geojson", "township", engine)
    print(f"  (loaded {scale_name(scale)} into {engine.dialect.name} in {time.perf_counter() - started:.0f} s)",
          flush=True)
    if engine.dialect.name == "postgresql":
        settle(engine)


def settle(engine) -> None:
    """Bring a just-loaded PostgreSQL warehouse to the state autovacuum leaves it in minutes after a load:
    ``VACUUM (ANALYZE)``, so the pages are timed on a warehouse as its users read it, not while autovacuum
    works through a million fresh rows beside them. Measured on the 100 counties (2026-12-07): right after the
    load the floor read 0.127 s and 全市 总览 0.411 s; after this, 0.075 s and 0.273 s (docs/BENCHMARKS.md)."""
    from sqlalchemy import text

    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM refuses a transaction
        conn.execute(text("VACUUM (ANALYZE)"))
    print(f"  (VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s)", flush=True)


def upgrade_if_behind(url: str) -> bool:
    """Bring a warehouse of an earlier release to this release's schema (``python -m warehouse upgrade``);
    False when it cannot be (a scratch file older than the migrations' baseline)."""
    from sqlalchemy import create_engine

    from warehouse.migrate import current_revision, head_revision

    engine = create_engine(url)  # not get_engine: it refuses a warehouse behind this release
    try:
        if current_revision(engine) == head_revision():
            return True
    finally:
        engine.dispose()
    print(f"  (bringing {url} to this release's schema: python -m warehouse upgrade)", flush=True)
    done = subprocess.run([sys.executable, "-m", "warehouse", "upgrade"], cwd=PROJECT_ROOT,
                          env={**os.environ, "DASHBOARD_DB_URL": url})
    return done.returncode == 0


def has_boundaries(url: str) -> bool:
    from sqlalchemy import func, select

    from warehouse import schema
    from warehouse.engine import get_engine

    with get_engine(url).connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(schema.boundaries)).scalar_one())


class Warehouses:
    """Loaded warehouse URLs by (scale, database); a PostgreSQL cluster is started on first need and
    stopped by ``close`` (or the ``with`` block). ``given`` names already loaded ones."""

    def __init__(self, given: dict[tuple[str, str], str] | None = None) -> None:
        self._urls = {(scale_name(s), d): url for (s, d), url in (given or {}).items()}
        self.cluster = None

    def url(self, scale: str, database: str) -> str:
        """Return the URL of the scale's warehouse on ``database`` (sqlite or postgresql), loading it first if needed."""
        key = (scale_name(scale), database)
        if key not in self._urls:
            self._urls[key] = self._sqlite(key[0]) if database == "sqlite" else self._postgresql(key[0])
        return self._urls[key]

    def _sqlite(self, scale: str) -> str:
        path = OUT / f"pages_{scale}.sqlite"
        url = f"sqlite:///{path}"
        if path.exists() and not upgrade_if_behind(url):
            print(f"  ({path.name} is of no known revision: loaded again)", flush=True)
            path.unlink()
        if path.exists():
            if not has_boundaries(url):
                from geo.boundaries import load_boundary_file
                from warehouse.engine import get_engine

                folder = data_dir(scale)
                load_boundary_file(folder / "boundaries" / "townships.geojson", "township", get_engine(url))
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            load_into(url, scale)
        return url

    def cluster_for_load(self):
        """Return the PostgreSQL cluster (started on first need), for a part that creates databases of its own."""
        if self.cluster is None:
            from tests.postgres_cluster import PostgresCluster

            self.cluster = PostgresCluster().start()
        return self.cluster

    def _postgresql(self, scale: str) -> str:
        url = self.cluster_for_load().create_database(f"bench_{scale}")
        load_into(url, scale)
        return url

    def close(self) -> None:
        if self.cluster is not None:
            from warehouse.engine import dispose_all

            dispose_all()
            self.cluster.stop()
            self.cluster = None

    def __enter__(self) -> Warehouses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
