"""A prefecture's warehouse: a second county's ledgers load beside the first with --county, its place
names resolved among its own places (both counties have a 城关街道), rows of another county refused."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from data_pipeline.load import load_paths
from tests.ledger_files import CLUE_HEADER, DIVISION_HEADER, DIVISION_ROWS, clue_row, write_divisions, write_xlsx
from warehouse import schema

# the neighbouring county: the test county's places, code 990102…, county 邻县 (城关街道 again)
SECOND_DIVISIONS = [["邻县", "990102" + row[1][6:], row[2], "990102" + row[3][6:], *row[4:]] for row in DIVISION_ROWS]


def test_a_second_countys_ledgers_resolve_within_that_county(empty_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], empty_engine)
    second = write_xlsx(tmp_path / "邻县区划名录.xlsx", {"区划": (DIVISION_HEADER, SECOND_DIVISIONS)})
    [divisions] = load_paths([second], empty_engine, county_code="990102")
    assert (divisions.rows_loaded, divisions.rows_rejected) == (6, 0)
    assert not divisions.warnings  # its own county's 名录: no "其他县的区划代码" warning against the configured one
    clues = write_xlsx(tmp_path / "邻县线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(1, 所属乡镇="城关街道", **{"所属村(社区)": "东门社区"}),
        clue_row(2, 所属乡镇="990101101", **{"所属村(社区)": "青石村"})])})  # the first county's 青石镇, by code
    [mixed] = load_paths([clues], empty_engine, county_code="990102")
    assert (mixed.rows_loaded, mixed.rows_rejected) == (1, 1)
    with empty_engine.connect() as conn:
        stored = conn.execute(select(schema.clues.c.township_code, schema.clues.c.village_code)).all()
    assert stored == [("990102001", "990102001001")]
    # without --county the same spelling fits both counties' 城关街道: refused, naming both, never guessed
    [ambiguous] = load_paths([clues], empty_engine, force=True)
    assert any("城关街道" in m and "990101001" in m and "990102001" in m for m in ambiguous.rejections), \
        ambiguous.rejections


def test_the_cli_loads_for_one_county_and_refuses_a_malformed_code(empty_engine, tmp_path):
    from config.settings import PROJECT_ROOT

    url = str(empty_engine.url)
    load_paths([write_divisions(tmp_path)], empty_engine)
    second = write_xlsx(tmp_path / "邻县区划名录.xlsx", {"区划": (DIVISION_HEADER, SECOND_DIVISIONS)})
    run = lambda *args: subprocess.run([sys.executable, "-m", "data_pipeline", "load", *args, "--db", url],  # noqa: E731
                                       capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    bad = run(str(second), "--county", "9901")
    assert bad.returncode == 2 and bad.stderr.strip() == "错误：--county 应为 6 位县代码，现为“9901”"
    done = run(str(second), "--county", "990102")
    assert done.returncode == 0, done.stderr
    assert "7=6+0+1 ✓" in done.stdout  # the header row is structural


def test_a_countys_load_history_lists_its_loads_and_not_the_other_countys(empty_engine, tmp_path):
    from metrics.reporting import load_history
    from metrics.scope import Scope

    load_paths([write_divisions(tmp_path)], empty_engine)  # a one-county load: no county named
    second = write_xlsx(tmp_path / "邻县区划名录.xlsx", {"区划": (DIVISION_HEADER, SECOND_DIVISIONS)})
    load_paths([second], empty_engine, county_code="990102")
    first_county = load_history(empty_engine, Scope.county(county_code="990101"))
    assert first_county["file_name"].tolist() == ["示范县区划名录.xlsx"]
    assert load_history(empty_engine, Scope.county(county_code="990102"))["file_name"].tolist() == [
        "邻县区划名录.xlsx", "示范县区划名录.xlsx"]
    assert len(load_history(empty_engine, Scope(role="市级"))) == 2
