"""Migrations own the schema: an empty database gets today's tables stamped at the head, a warehouse
made at the previous revision (versioned, or by an earlier release's create_all) upgrades losing
nothing, and a process refuses a warehouse behind this release. On SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Table, create_engine, func, insert, inspect, select, text

from tests.test_pipeline_load import table_contents
from warehouse import schema
from warehouse.migrate import SchemaOutOfDate, current_revision, head_revision, upgrade

BASELINE = "0001_baseline"
HEAD = "0017_summary_periods_covering"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"mig_{request.node.name.lower().replace('[', '_').replace(']', '')}"[:50])


def baseline_tables() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    from warehouse.migrate import _config

    return ScriptDirectory.from_config(_config()).get_revision(BASELINE).module.TABLES


def columns_and_rows(engine, columns=None, name=None):
    """{table: (columns, sorted rows)} of every table but alembic_version; or, given ``columns`` and
    ``name``, that table's (columns, rows) projected on those columns (a later revision adds columns)."""
    from sqlalchemy import MetaData

    tables = MetaData()
    tables.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for table_name, reflected in tables.tables.items():
            if table_name == "alembic_version" or (name is not None and table_name != name):
                continue
            chosen = [reflected.c[c] for c in columns] if columns is not None else list(reflected.columns)
            found[table_name] = ([c.name for c in chosen],
                                 sorted(map(tuple, conn.execute(select(*chosen)).all()), key=repr))
    return found[name] if name is not None else found


def copy_sample_into(engine, sample_engine, tables) -> None:
    """Every row of the sample warehouse's ``tables`` into ``engine`` (parents first)."""
    from sqlalchemy import MetaData

    older = MetaData()
    older.reflect(engine)  # the tables as that revision made them: a later one added columns
    with sample_engine.connect() as source, engine.begin() as target:
        for name in tables:
            columns = [c.name for c in older.tables[name].columns]
            table = schema.metadata.tables[name]
            rows = [{c: r[c] for c in columns} for r in source.execute(select(table)).mappings()]
            if rows:
                older_table = Table(name, MetaData(), *[Column(c, table.c[c].type) for c in columns])
                target.execute(insert(older_table), rows)
        if engine.dialect.name == "postgresql":  # the copied ids: move the sequences past them
            for table, column in ((schema.load_batches, "batch_id"), (schema.audit_events, "event_id"),
                                  (schema.rejected_rows, "rejected_row_id")):
                highest = select(func.coalesce(func.max(table.c[column]), 1)).scalar_subquery()
                target.execute(select(func.setval(func.pg_get_serial_sequence(table.name, column), highest)))


def test_an_empty_database_gets_todays_schema_stamped_at_the_head_and_it_equals_the_migrations(empty_url,
                                                                                               tmp_path):
    from warehouse.engine import get_engine

    engine = get_engine(empty_url)  # create_all + stamp: the fast path
    assert current_revision(engine) == head_revision() == HEAD
    migrated = create_engine(f"sqlite:///{tmp_path / 'migrated.sqlite'}") if engine.dialect.name == "sqlite" else None
    if migrated is not None:  # the same schema, reached by running every revision from nothing
        upgrade(migrated)
        with migrated.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []


def test_on_postgresql_the_summaries_key_holds_the_value_whichever_way_the_schema_was_made(pg_cluster):
    """summary_periods' key index INCLUDEs the value on PostgreSQL (an index-only read of the summaries, migration
    0017), in a warehouse made by create_all and in one upgraded through every revision; the migrated one goes
    down to 0016 (the plain key) and up again keeping its rows."""
    from warehouse.engine import get_engine

    def key_index(engine) -> str:
        with engine.connect() as conn:
            return conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'summary_periods_pkey'")).scalar()

    made = get_engine(pg_cluster.create_database("key_made"))
    migrated = create_engine(pg_cluster.create_database("key_migrated"))
    upgrade(migrated)
    for engine in (made, migrated):
        assert key_index(engine).endswith("(measure, period_code, township_code) INCLUDE (value)")
    with migrated.begin() as conn:
        conn.execute(insert(schema.summary_periods).values(measure="clue_count", period_code="2024-07",
                                                           township_code="990101001", value=3))
    from alembic import command

    from warehouse.migrate import _config

    with migrated.begin() as conn:
        command.downgrade(_config(conn), "0016_list_covering_indexes")
    assert key_index(migrated).endswith("(measure, period_code, township_code)")
    upgrade(migrated)
    assert key_index(migrated).endswith("INCLUDE (value)")
    with migrated.connect() as conn:
        assert conn.execute(select(schema.summary_periods.c.value)).scalar() == 3
    migrated.dispose()


def test_a_warehouse_at_the_previous_revision_with_data_upgrades_losing_nothing(empty_url, sample_engine, tmp_path):
    from data_pipeline.batches import Actor, undo_batch
    from data_pipeline.load import load_paths
    from tests.ledger_files import CLUE_HEADER, clue_row, write_xlsx

    engine = create_engine(empty_url)
    upgrade(engine, BASELINE)
    assert "replaced_clues" not in inspect(engine).get_table_names()
    copy_sample_into(engine, sample_engine, baseline_tables())
    before = columns_and_rows(engine)
    assert len(before["clues"][1]) == 2960 and len(before["villages"][1]) == 233
    assert upgrade(engine) == (BASELINE, HEAD)
    after = table_contents(engine)
    kept = {name: columns_and_rows(engine, columns, name)[1] for name, (columns, _rows) in before.items()}
    assert kept == {name: rows for name, (_columns, rows) in before.items()}  # every row, every value kept
    assert {name for name in after if name not in before} == {
        "alembic_version", "batch_undos", "zero_reports", "header_mappings", *(f"replaced_{t.name}" for t in schema.LOADED_TABLES),
        "summary_periods", "summary_rectification", "summary_rectification_sources", "summary_rectification_counties",
        "summary_rectification_county_sources", "summary_arrivals", "summary_ranking"}
    # the summaries were filled from the copied rows: the pages read the same figures as the facts
    from tests.test_summaries import assert_summaries_match_the_facts

    assert assert_summaries_match_the_facts(engine) > 50_000
    # the desk works on the upgraded warehouse: a correction is loaded and undone
    engine.dispose()
    from warehouse.engine import dispose_all, get_engine

    dispose_all()
    upgraded = get_engine(empty_url)
    with sample_engine.connect() as conn:
        first = conn.execute(select(schema.clues.c.clue_id, schema.townships.c.township_name)
                             .join(schema.townships, schema.townships.c.township_code == schema.clues.c.township_code)
                             .order_by(schema.clues.c.clue_id)).first()
    correction = write_xlsx(tmp_path / "更正.xlsx", {"线索": (CLUE_HEADER, [clue_row(
        1, clue_id=first.clue_id, 所属乡镇=first.township_name, **{"所属村(社区)": None})])})
    [report] = load_paths([correction], upgraded, loaded_by="迁移测试")
    assert report.rows_loaded == 1
    undo_batch(upgraded, report.batch_id, Actor("迁移测试", "管理员"))
    assert columns_and_rows(upgraded, before["clues"][0], "clues")[1] == before["clues"][1]


def test_a_warehouse_an_earlier_release_made_with_create_all_is_stamped_then_upgraded(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))  # as the [access] release left it
    assert current_revision(engine) is None
    assert upgrade(engine) == (None, HEAD)  # stamped at the baseline first
    assert "replaced_clues" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_process_refuses_a_warehouse_behind_this_release_and_the_cli_upgrades_it(empty_url):
    from warehouse.engine import get_engine, redacted_url

    engine = create_engine(empty_url)
    upgrade(engine, BASELINE)
    engine.dispose()
    with pytest.raises(SchemaOutOfDate) as refused:
        get_engine(empty_url)
    assert str(refused.value) == ("数据库结构版本（0001_baseline）与本程序（0017_summary_periods_covering）不一致，"
                                  "请先运行 python -m warehouse upgrade")
    from config.settings import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-m", "warehouse", "upgrade"], capture_output=True, text=True,
                          env={"DASHBOARD_DB_URL": empty_url, "PATH": "/usr/bin:/bin"}, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"仓库结构已从 0001_baseline 升级到 0017_summary_periods_covering：{redacted_url(empty_url)}"
    assert current_revision(get_engine(empty_url)) == HEAD


def test_the_county_revision_gives_a_township_user_its_townships_county(empty_url):
    from datetime import datetime

    engine = create_engine(empty_url)
    upgrade(engine, "0002_data_desk")
    now = datetime(2026, 12, 1, 9, 0)
    with engine.begin() as conn:
        for name, role, township in (("qs", "乡镇", "990101101"), ("leader", "县领导", None)):
            conn.execute(text("INSERT INTO users (username, display_name, role, township_code, password_hash, "
                              "is_active, created_at, created_by, changed_at, changed_by) VALUES (:u, :u, :r, :t, "
                              "'x', :a, :n, 'test', :n, 'test')"),
                         {"u": name, "r": role, "t": township, "a": True, "n": now})
    assert upgrade(engine) == ("0002_data_desk", HEAD)
    with engine.connect() as conn:
        counties = dict(conn.execute(text("SELECT username, county_code FROM users")).all())
    assert counties == {"qs": "990101", "leader": None}  # a county user of an older row: the configured county
    engine.dispose()


def test_the_audit_revision_gives_every_earlier_row_the_county_it_belongs_to(empty_url):
    import json
    from datetime import datetime

    engine = create_engine(empty_url)
    upgrade(engine, "0004_county_of_loads")
    now = datetime(2026, 12, 2, 9, 0)
    with engine.begin() as conn:
        for name, role, township, county in (("lx_qs", "乡镇", "990102101", "990102"), ("admin", "管理员", None, None),
                                              ("city", "市级", None, None)):
            conn.execute(text("INSERT INTO users (username, display_name, role, township_code, county_code, "
                              "password_hash, is_active, created_at, created_by, changed_at, changed_by) VALUES "
                              "(:u, :u, :r, :t, :c, 'x', :a, :n, 'test', :n, 'test')"),
                         {"u": name, "r": role, "t": township, "c": county, "a": True, "n": now})
        events = (("命令行", "user_change", {"change": "add", "username": "lx_qs"}),  # about a user of 990102
                  ("admin", "sign_in", {}),  # a county user of an older row: the configured county
                  ("city", "sign_in", {}),  # a 市级 user: every county
                  ("admin", "zero_report", {"乡镇代码": "990102105"}),
                  ("命令行", "load", {"批次": 7}))  # an actor who is no user, a batch not stored: configured
        for user, action, detail in events:
            conn.execute(text("INSERT INTO audit_events (event_time, user_name, action, detail) VALUES (:t, :u, :a, :d)"),
                         {"t": now, "u": user, "a": action, "d": json.dumps(detail, ensure_ascii=False)})
    assert upgrade(engine) == ("0004_county_of_loads", HEAD)
    with engine.connect() as conn:
        stamped = conn.execute(text("SELECT county_code FROM audit_events ORDER BY event_id")).scalars().all()
    assert stamped == ["990102", "990101", None, "990102", "990101"]
    engine.dispose()


def test_the_bulletin_revision_gives_every_archived_bulletin_its_county(empty_url):
    from datetime import datetime

    engine = create_engine(empty_url)
    upgrade(engine, "0006_summaries")
    with engine.begin() as conn:
        for township in ("990102101", None):  # a township's bulletin of 990102, a county-wide one of an older release
            conn.execute(text("INSERT INTO bulletin_archive (generated_at, generated_by, quarter_label, township_code, "
                              "file_name, file_sha256, file_bytes) VALUES (:t, '王纪检', '2024Q3', :c, 'x.docx', "
                              "'0', :b)"), {"t": datetime(2026, 12, 3, 9, 0), "c": township, "b": b"docx"})
    assert upgrade(engine) == ("0006_summaries", HEAD)
    with engine.connect() as conn:
        stamped = conn.execute(text("SELECT county_code FROM bulletin_archive ORDER BY bulletin_id")).scalars().all()
    assert stamped == ["990102", "990101"]  # the township's county; else the configured county
    engine.dispose()
