"""Shared fixtures: one per database configuration (Datasette's way).

- ``sample_engine``: the sample county loaded through the real pipeline into a real SQLite
  file, built once per session. Read-only by convention: tests that write use ``empty_engine``.
- ``empty_engine``: a fresh SQLite file per test.
- ``pg_cluster`` / ``pg_engine``: a throwaway PostgreSQL server started by the suite; with
  CI=true a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

# The browser fixtures are registered once for the whole suite: a session-scoped Playwright
# imported into several modules would start a second sync Playwright inside the first's loop.
# The AppTest fixture (pages_registered_by_navigation) likewise, rather than imported by each
# test module, where the argument that requests it would shadow the import.
pytest_plugins = ["tests.browser", "tests.app_helpers"]

SAMPLE_DIR = PROJECT_ROOT / "sample_data"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch):
    """Tests see only the defaults unless they set a DASHBOARD_* variable themselves."""
    for name in list(os.environ):
        if name.startswith("DASHBOARD_") and name != "DASHBOARD_TEST_KEEP":
            monkeypatch.delenv(name, raising=False)


def load_sample_into(url: str) -> None:
    """Load every ledger and boundary file of sample_data/ into the warehouse at ``url``."""
    from data_pipeline.load import load_paths
    from warehouse.engine import get_engine

    engine = get_engine(url)
    reports = load_paths([SAMPLE_DIR / "ledgers"], engine)
    failed = [r for r in reports if not r.committed]
    assert not failed, f"sample ledgers failed to load: {failed}"
    boundary_dir = SAMPLE_DIR / "boundaries"
    if boundary_dir.exists():
        from geo.boundaries import load_sample_boundaries

        load_sample_boundaries(boundary_dir, engine)


@pytest.fixture(scope="session")
def sample_db_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("sample") / "warehouse.sqlite"
    url = f"sqlite:///{path}"
    load_sample_into(url)
    return url


@pytest.fixture(scope="session")
def sample_engine(sample_db_url):
    from warehouse.engine import get_engine

    return get_engine(sample_db_url)


@pytest.fixture
def empty_engine(tmp_path):
    from warehouse.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def county(tmp_path, empty_engine):
    """(a folder for ledger files, an engine) of a warehouse holding the test county's 区划名录 (tests/ledger_files)."""
    from data_pipeline.load import load_paths
    from tests.ledger_files import write_divisions

    folder = tmp_path / "in"
    folder.mkdir()
    load_paths([write_divisions(folder)], empty_engine)
    return folder, empty_engine


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.postgres_cluster import PostgresCluster, find_pg_bin

    if find_pg_bin() is None:
        if IN_CI:
            pytest.fail("CI=true but PostgreSQL is not installed: .ci/run must install postgresql")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_engine(pg_cluster, request):
    from warehouse.engine import get_engine

    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    engine = get_engine(pg_cluster.create_database(name))
    yield engine
    engine.dispose()
