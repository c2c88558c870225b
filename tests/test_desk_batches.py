"""The desk's writes: undo a batch (every table back exactly, SQLite and PostgreSQL), 零报告, 报送情况."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from data_pipeline.batches import Actor, DeskError, declare_zero_report, undo_batch
from data_pipeline.load import load_paths
from metrics.periods import Period
from metrics.reporting import load_history, reporting_status
from metrics.scope import Scope
from metrics.summaries import rebuild_summaries
from tests.ledger_files import CASE_HEADER, CLUE_HEADER, case_row, clue_row, write_divisions, write_xlsx
from tests.test_pipeline_load import table_contents
from warehouse import schema

ADMIN = Actor("admin_desk", "管理员")
QINGSHI, BAIMA = "990101101", "990101201"
HISTORY = {"load_batches", "batch_undos", "audit_events"}  # what an undo adds to, by design


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, empty_engine):
    return empty_engine if request.param == "sqlite" else request.getfixturevalue("pg_engine")


def data_tables(engine) -> dict[str, list[tuple]]:
    return {name: rows for name, rows in table_contents(engine).items() if name not in HISTORY}


def first_ledgers(folder):
    clues = [clue_row(i) for i in range(1, 6)] + [clue_row(6, 所属乡镇="白马乡", **{"所属村(社区)": "白马村"})]
    return write_xlsx(folder / "七月台账.xlsx", {"线索": (CLUE_HEADER, clues),
                                                 "案件": (CASE_HEADER, [case_row("AJ-1"), case_row("AJ-2")])})


def correction(folder):
    """Clues 3-5 corrected (办结), 7-8 new, one bad row; case AJ-2 corrected."""
    clues = [clue_row(i, 办理状态="办结", 办结日期="2024-08-01") for i in range(3, 6)]
    clues += [clue_row(7), clue_row(8), clue_row(9, 受理日期="2024-13-01")]
    return write_xlsx(folder / "七月台账（更正）.xlsx", {
        "线索": (CLUE_HEADER, clues), "案件": (CASE_HEADER, [case_row("AJ-2", 追缴资金="9.5")])})


def test_undo_restores_every_table_exactly(engine, tmp_path):
    load_paths([write_divisions(tmp_path)], engine)
    load_paths([first_ledgers(tmp_path)], engine, loaded_by="admin_desk")
    before = data_tables(engine)
    reports = load_paths([correction(tmp_path)], engine, loaded_by="admin_desk")
    assert [(r.ledger_kind, r.rows_loaded, r.rows_rejected) for r in reports] == [("clues", 5, 1), ("cases", 1, 0)]
    changed = data_tables(engine)
    assert changed != before and len(changed["replaced_clues"]) == 3 and len(changed["replaced_cases"]) == 1

    undone = [undo_batch(engine, r.batch_id, ADMIN) for r in reports]
    assert [(u.rows_removed, u.rows_restored) for u in undone] == [(5, 3), (1, 1)]
    assert data_tables(engine) == before  # the rows it replaced are back exactly, batch_id included
    with engine.connect() as conn:
        undo_events = conn.execute(select(func.count()).select_from(schema.audit_events)
                                   .where(schema.audit_events.c.action == "undo")).scalar_one()
    assert undo_events == 2
    with pytest.raises(DeskError, match=f"第{reports[0].batch_id}批次已撤销"):
        undo_batch(engine, reports[0].batch_id, ADMIN)
    again = load_paths([correction(tmp_path)], engine)  # an undone file is not "已加载，跳过"
    assert [r.skipped for r in again] == [False, False] and again[0].rows_loaded == 5


def test_a_batch_whose_rows_a_later_batch_replaced_is_undone_after_that_one(empty_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], empty_engine)
    after_divisions = data_tables(empty_engine)
    [first_clues, first_cases] = load_paths([first_ledgers(tmp_path)], empty_engine)
    [second_clues, _] = load_paths([correction(tmp_path)], empty_engine)
    with pytest.raises(DeskError) as refused:
        undo_batch(empty_engine, first_clues.batch_id, ADMIN)
    assert str(refused.value) == (f"第{first_clues.batch_id}批次的部分数据已被第{second_clues.batch_id}批次更新，"
                                  f"请先撤销第{second_clues.batch_id}批次")
    for batch in sorted({r.batch_id for r in load_history(empty_engine, Scope.county()).itertuples()
                         if r.batch_id > first_clues.batch_id - 1}, reverse=True):
        undo_batch(empty_engine, batch, ADMIN)
    assert data_tables(empty_engine) == after_divisions


def test_a_township_user_undoes_only_its_own_loads_and_sees_only_its_townships_history(empty_engine, tmp_path):
    from access.users import add_user

    load_paths([write_divisions(tmp_path)], empty_engine, loaded_by="admin_desk")
    add_user(empty_engine, username="qs_clerk", role="乡镇", township_code=QINGSHI, password="Qs-clerk-2026",
             actor="测试")
    [mine] = load_paths([write_xlsx(tmp_path / "青石.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})], empty_engine,
                        loaded_by="qs_clerk")
    qingshi = Actor("qs_clerk", "乡镇", QINGSHI)
    history = load_history(empty_engine, Scope(role="乡镇", township_code=QINGSHI))
    assert history["batch_id"].tolist() == [mine.batch_id] and history["ledger_label"].tolist() == ["问题线索台账"]
    assert len(load_history(empty_engine, Scope.county())) == 2
    with pytest.raises(DeskError, match="不是您加载的"):
        undo_batch(empty_engine, 1, qingshi)
    with pytest.raises(DeskError, match="只有管理员或乡镇用户"):
        undo_batch(empty_engine, mine.batch_id, Actor("leader", "县领导"))
    assert undo_batch(empty_engine, mine.batch_id, qingshi).rows_removed == 1


def test_a_county_admin_undoes_only_its_countys_batches(empty_engine, tmp_path):
    """A 管理员 of another county cannot undo 示范县's load by its number (the desk lists only its own)."""
    load_paths([write_divisions(tmp_path)], empty_engine, loaded_by="admin_desk")
    [july] = load_paths([write_xlsx(tmp_path / "七月.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})], empty_engine,
                        county_code="990101")
    before = data_tables(empty_engine)
    with pytest.raises(DeskError, match="只能撤销本县的批次"):
        undo_batch(empty_engine, july.batch_id, Actor("lx_admin", "管理员", county_code="990102"))
    assert data_tables(empty_engine) == before
    assert undo_batch(empty_engine, july.batch_id, Actor("sf_admin", "管理员", county_code="990101")).rows_removed == 1


def test_reporting_status_arrived_late_missing_not_due_and_zero_reports(empty_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], empty_engine)
    [july] = load_paths([write_xlsx(tmp_path / "七月.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})], empty_engine)
    july_period = Period.month(2024, 7)

    def status(township: str, kind: str = "clues", as_of=dt.date(2024, 8, 20)) -> str:
        table = reporting_status(empty_engine, Scope.county(), period=july_period, as_of=as_of)
        row = table[(table["township_code"] == township) & (table["ledger_kind"] == kind)]
        return row["reporting_status"].item()

    assert status(QINGSHI) == "迟报"  # loaded today, long after 2024-08-05
    with empty_engine.begin() as conn:  # as if the clerk had loaded it on 2 August 2024
        conn.execute(update(schema.load_batches).where(schema.load_batches.c.batch_id == july.batch_id)
                     .values(loaded_at=dt.datetime(2024, 8, 2, 9, 30)))
        rebuild_summaries(conn)  # a row changed by hand: the arrivals summary is rebuilt, as rebuild-summaries does
    assert status(QINGSHI) == "已报送"
    assert status(BAIMA) == "未报送" and status(BAIMA, as_of=dt.date(2024, 8, 5)) == "未到期"
    assert status(BAIMA, "satisfaction", as_of=dt.date(2024, 10, 6)) == "未报送"  # 2024Q3's survey, due 10-05
    baima_clerk = Actor("bm_clerk", "乡镇", BAIMA)
    with pytest.raises(DeskError, match="只能为本乡镇"):
        declare_zero_report(empty_engine, baima_clerk, township_code=QINGSHI, ledger_kind="clues",
                            period_code="2024-07")
    assert declare_zero_report(empty_engine, baima_clerk, township_code=BAIMA, ledger_kind="clues",
                               period_code="2024-07")
    assert not declare_zero_report(empty_engine, ADMIN, township_code=BAIMA, ledger_kind="clues",
                                   period_code="2024-07")  # declared once
    assert status(BAIMA) == "零报告" and status(BAIMA, "cases") == "未报送"
    own = reporting_status(empty_engine, Scope(role="乡镇", township_code=BAIMA), period=july_period)
    assert set(own["township_code"]) == {BAIMA} and len(own) == 5  # four monthly ledgers and the quarter's survey


def test_a_survey_loaded_alone_reports_its_quarter_and_its_undo_takes_it_back(empty_engine, tmp_path):
    """报送情况 reads the arrivals summary: a load of the survey alone rebuilds it, and so does its undo."""
    from tests.ledger_files import SATISFACTION_HEADER, satisfaction_row

    load_paths([write_divisions(tmp_path)], empty_engine)
    [survey] = load_paths([write_xlsx(tmp_path / "测评.xlsx", {"测评": (SATISFACTION_HEADER, [satisfaction_row()])})],
                          empty_engine)
    assert survey.committed and survey.rows_loaded == 1

    def survey_status() -> dict[str, str]:
        table = reporting_status(empty_engine, Scope.county(), period=Period.month(2024, 7), as_of=dt.date(2024, 10, 6))
        rows = table[table["ledger_kind"] == "satisfaction"]
        return dict(zip(rows["township_name"], rows["reporting_status"]))

    assert survey_status()["城关街道"] == "迟报" and survey_status()["白马乡"] == "未报送"  # loaded today, due 10-05
    undo_batch(empty_engine, survey.batch_id, ADMIN)
    assert survey_status()["城关街道"] == "未报送"


def test_the_desks_rejected_rows_are_read_only_by_who_may_see_that_load(empty_engine, tmp_path):
    """Rejected rows keep a ledger's values (who was reported): the desk lists and downloads them only
    for the loader's township's users, the county's 管理员 and a 管理员 of no county."""
    import io

    from openpyxl import load_workbook

    from data_pipeline.desk import rejected_lines
    from data_pipeline.rejects import rejects_workbook_bytes

    load_paths([write_divisions(tmp_path)], empty_engine)
    bad = clue_row(2, 受理日期="2024-13-01")
    [own] = load_paths([write_xlsx(tmp_path / "青石镇.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), bad])})],
                       empty_engine, loaded_by="qs_clerk", own_township=QINGSHI, county_code="990101")
    [county] = load_paths([write_xlsx(tmp_path / "全县.xlsx", {"线索": (CLUE_HEADER, [clue_row(3), bad])})],
                          empty_engine, loaded_by="admin_desk", county_code="990101")
    assert own.rows_rejected == county.rows_rejected == 1
    both = (own.batch_id, county.batch_id)

    def files_read_by(actor: Actor) -> list[str]:
        return sorted(rejected_lines(empty_engine, both, actor=actor)["文件"])

    assert files_read_by(Actor("qs_clerk", "乡镇", QINGSHI, "990101")) == ["青石镇.xlsx"]
    assert files_read_by(Actor("bm_clerk", "乡镇", BAIMA, "990101")) == []  # another township's clerk
    assert files_read_by(Actor("admin_desk", "管理员", None, "990101")) == ["全县.xlsx", "青石镇.xlsx"]
    assert files_read_by(Actor("prefecture_admin", "管理员")) == ["全县.xlsx", "青石镇.xlsx"]
    assert files_read_by(Actor("lx_admin", "管理员", None, "990102")) == []  # another county's 管理员
    assert files_read_by(Actor("leader", "县领导", None, "990101")) == []
    download = rejects_workbook_bytes(empty_engine, batch_ids=both, actor=Actor("lx_admin", "管理员", None, "990102"))
    sheet = load_workbook(io.BytesIO(download)).active
    assert sheet.max_row == 1  # the header line only: nothing of 990101's rejected rows


def test_a_township_users_load_rejects_the_rows_of_other_townships(empty_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], empty_engine)
    from tests.ledger_files import PEOPLE_HEADER, person_row

    ledgers = write_xlsx(tmp_path / "青石镇七月.xlsx", {
        "线索": (CLUE_HEADER, [clue_row(1), clue_row(2, 所属乡镇="白马乡", **{"所属村(社区)": "白马村"})]),
        "案件": (CASE_HEADER, [case_row("AJ-1"), case_row("AJ-9", 所属乡镇="白马乡", **{"所属村(社区)": "白马村"})]),
        "人员": (PEOPLE_HEADER, [person_row("AJ-1", "王某"), person_row("AJ-9", "赵某")])})
    reports = load_paths([ledgers], empty_engine, loaded_by="qs_clerk", own_township=QINGSHI)
    assert [(r.ledger_kind, r.rows_loaded, r.rows_rejected) for r in reports] == [
        ("clues", 1, 1), ("cases", 1, 1), ("case_people", 1, 1)]
    assert all(any(m.endswith("：不属于本乡镇") for m in r.rejections) for r in reports)
    with empty_engine.connect() as conn:
        assert conn.execute(select(schema.clues.c.township_code)).scalars().all() == [QINGSHI]
        assert conn.execute(select(schema.case_people.c.case_id)).scalars().all() == ["AJ-1"]
    from tests.ledger_files import DIVISION_HEADER, DIVISION_ROWS

    own_villages = write_xlsx(tmp_path / "青石镇区划.xlsx", {"区划": (DIVISION_HEADER, DIVISION_ROWS[2:4])})
    [divisions] = load_paths([own_villages], empty_engine, loaded_by="qs_clerk", own_township=QINGSHI)
    assert divisions.rows_loaded == 0 and divisions.rejections[0].endswith("区划名录只能由管理员加载")


def test_the_desk_loads_a_divisions_file_first_whatever_order_the_files_were_chosen_in(empty_engine, tmp_path):
    """The clues name places only the 区划名录 chosen after them defines: loaded first, they would all be rejected."""
    from data_pipeline.desk import load_uploads

    clues = write_xlsx(tmp_path / "七月线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])})
    progress = []
    reports = load_uploads(empty_engine, [clues, write_divisions(tmp_path)], ADMIN,
                           on_file=lambda done, total: progress.append((done, total)))
    assert [(r.ledger_kind, r.rows_loaded, r.rows_rejected) for r in reports] == [("divisions", 6, 0), ("clues", 2, 0)]
    assert progress == [(1, 2), (2, 2)]
