"""The clerk's load: every row accounted for, loads idempotent, a failed load leaves no trace."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import openpyxl
import pytest
from sqlalchemy import MetaData, inspect, select, text

from data_pipeline import load as load_module
from data_pipeline.load import load_paths
from data_pipeline.rejects import export_rejects
from tests.ledger_files import (
    CASE_HEADER,
    CLUE_HEADER,
    PEOPLE_HEADER,
    RECTIFICATION_HEADER,
    SATISFACTION_HEADER,
    case_row,
    clue_row,
    person_row,
    rectification_row,
    satisfaction_row,
    write_divisions,
    write_xlsx,
)
from warehouse import schema


def table_contents(engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what 'the warehouse is unchanged' means."""
    tables = MetaData()
    tables.reflect(engine)  # every table in the file, not only those the schema declares
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for name, table in tables.tables.items()}


def checksum(engine) -> str:
    return hashlib.sha256(repr(table_contents(engine)).encode()).hexdigest()


def messy_clue_file(folder, name="青石镇问题线索台账.xlsx"):
    """Rows 1-12 at Excel rows 4-8, 11-15, 18-19 (two title rows, header, blank pairs); 合计 at 20."""
    rows = [clue_row(i) for i in range(1, 9)]
    rows += [
        clue_row(9, 受理日期="2024-13-01"),                                  # bad date
        clue_row(10, clue_id="XS-2024-0002"),                               # repeats row of 0002
        clue_row(11, 办理状态="办结"),                                        # 办结 without 办结日期
        clue_row(12, 线索来源="电话", 管理等级="紫", **{"涉及金额(万元)": -3}),  # three failures in one row
    ]
    return write_xlsx(folder / name, {"线索": (CLUE_HEADER, rows)}, title="青石镇问题线索台账", total_row=True,
                      blank_every=5)


def test_rows_read_equal_loaded_plus_rejected_plus_structural(county):
    folder, engine = county
    path = messy_clue_file(folder)
    [report] = load_paths([path], engine)
    sheet_rows = openpyxl.load_workbook(path)["线索"].max_row
    assert report.rows_read == sheet_rows
    assert report.rows_read == report.rows_loaded + report.rows_rejected + report.rows_structural
    assert (report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (8, 4, 1)
    # 2 title rows, header, 合计, blank rows after rows 5 and 10 (2 each)
    assert report.rows_structural == 2 + 1 + 1 + 4
    with engine.connect() as conn:
        batch = conn.execute(select(schema.load_batches).where(schema.load_batches.c.batch_id == report.batch_id)
                             ).mappings().one()
        assert conn.execute(text("SELECT count(*) FROM clues")).scalar_one() == 8
    assert (batch["rows_read"], batch["rows_loaded"], batch["rows_rejected"], batch["rows_structural"],
            batch["rows_duplicate"]) == (report.rows_read, 8, 4, report.rows_structural, 1)


def test_every_failure_of_a_row_has_its_own_reason_naming_file_row_and_column(county):
    folder, engine = county
    [report] = load_paths([messy_clue_file(folder)], engine)
    where = "「青石镇问题线索台账.xlsx」工作表“线索”"
    messages = report.rejections
    assert f"{where}第14行“受理日期”：无法识别的日期“2024-13-01”" in messages
    assert f"{where}第15行“线索编号”：与第5行的线索编号重复" in messages
    assert f"{where}第18行“办结日期”：办理状态为“办结”时必须填写办结日期" in messages
    row_19 = [m for m in messages if m.startswith(f"{where}第19行")]
    assert len(row_19) == 3
    assert any("“线索来源”：“电话”不在可选值中" in m for m in row_19)
    assert any("“管理等级”：“紫”不在可选值中（可选：红、黄、蓝）" in m for m in row_19)
    assert any("“涉及金额(万元)”：不能为负数" in m for m in row_19)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.rejected_rows.c.source_row_number, schema.rejected_rows.c.column_name)
                              .where(schema.rejected_rows.c.source_row_number == 19)).all()
    assert sorted(c for _, c in stored) == ["涉及金额(万元)", "管理等级", "线索来源"]


def test_loading_the_same_file_twice_changes_nothing(county):
    folder, engine = county
    path = messy_clue_file(folder)
    load_paths([path], engine)
    before = checksum(engine)
    [again] = load_paths([path], engine)
    assert again.skipped and again.committed and again.warnings == ["已加载，跳过"]
    assert checksum(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_batches")).scalar_one() == 2  # divisions + clues


def test_a_corrected_row_replaces_the_stored_one_by_its_key(county):
    folder, engine = county
    load_paths([write_xlsx(folder / "v1.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])})], engine)
    corrected = [clue_row(1), clue_row(2, 办理状态="办结", 办结日期="2024-08-01", 管理等级="红")]
    [report] = load_paths([write_xlsx(folder / "v2.xlsx", {"线索": (CLUE_HEADER, corrected)})], engine)
    assert (report.rows_loaded, report.rows_unchanged) == (2, 1)
    with engine.connect() as conn:
        rows = conn.execute(select(schema.clues.c.clue_id, schema.clues.c.handling_status, schema.clues.c.closed_date,
                                   schema.clues.c.management_level, schema.clues.c.batch_id)
                            .order_by(schema.clues.c.clue_id)).all()
    assert [tuple(r[:4]) for r in rows] == [("XS-2024-0001", "在办", None, "黄"),
                                            ("XS-2024-0002", "办结", dt.date(2024, 8, 1), "红")]
    assert rows[1].batch_id == report.batch_id


def test_a_load_failing_half_way_leaves_the_warehouse_exactly_as_it_was(county, monkeypatch):
    folder, engine = county
    load_paths([write_xlsx(folder / "first.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})], engine)
    before = table_contents(engine)
    monkeypatch.setattr(load_module, "WRITE_CHUNK", 2)
    real_writer = load_module._write_chunk_sqlite
    calls = []

    def fail_after_first_chunk(conn, table, columns, chunk):
        calls.append(len(chunk))
        if len(calls) > 1:
            raise RuntimeError("磁盘已满")
        real_writer(conn, table, columns, chunk)

    monkeypatch.setattr(load_module, "_write_chunk_sqlite", fail_after_first_chunk)
    rows = [clue_row(i) for i in range(2, 8)] + [clue_row(8, 受理日期="昨天")]
    [report] = load_paths([write_xlsx(folder / "second.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert calls == [2, 2]  # the first chunk was written inside the transaction, then it failed
    assert not report.committed
    assert report.error == "「second.xlsx」入库失败，已回滚，数据库未改动：磁盘已满"
    assert table_contents(engine) == before  # clues, load_batches, rejected_rows, audit_events alike


def test_a_database_error_rolls_back_the_file(county):
    folder, engine = county
    from tests.ledger_files import DIVISION_HEADER

    with engine.begin() as conn:  # a trigger stands in for any failure inside the database
        conn.exec_driver_sql("CREATE TRIGGER no_long_names BEFORE UPDATE ON townships "
                             "WHEN NEW.township_name = '青石新镇' BEGIN SELECT RAISE(ABORT, '名称未经批准'); END")
    before = table_contents(engine)
    rows = [["示范县", "990101101", "青石新镇", "990101101201", "青石村", "行政村", None, None, None]]
    [report] = load_paths([write_xlsx(folder / "区划修订.xlsx", {"区划": (DIVISION_HEADER, rows)})], engine)
    assert report.error == "「区划修订.xlsx」入库失败，已回滚，数据库未改动：名称未经批准"
    assert table_contents(engine) == before


def test_whistleblower_identity_is_never_stored_printed_or_exported(county, tmp_path, capsys):
    folder, engine = county
    secret_name, secret_phone = "举报人王秘密", "13912345678"
    rows = [clue_row(1, 反映人=secret_name, 联系电话=secret_phone),
            clue_row(2, 受理日期="不是日期", 反映人=secret_name, 联系电话=secret_phone)]  # a rejected row too
    header = [h if h != "联系电话" else "联系电话（手机）" for h in CLUE_HEADER]
    path = write_xlsx(folder / "线索.xlsx", {"线索": (header, rows)})
    from data_pipeline.__main__ import main

    assert main(["load", str(path), "--db", str(engine.url)]) == 0
    out = tmp_path / "拒收行.xlsx"
    assert main(["rejects", "--out", str(out), "--db", str(engine.url)]) == 0
    printed = capsys.readouterr()
    assert "拒收 1 行" in printed.out
    for secret in (secret_name, secret_phone):
        assert secret not in printed.out + printed.err
        for table, rows_of_table in table_contents(engine).items():
            for row in rows_of_table:
                assert not any(secret in str(value) for value in row), (table, row)
        cells = [str(c.value) for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
        assert not any(secret in cell for cell in cells)
    for suffix in ("", "-wal"):  # nor anywhere in the database files, free pages included
        try:
            with open(engine.url.database + suffix, "rb") as fh:
                assert secret_name.encode() not in fh.read()
        except FileNotFoundError:
            pass


def test_rejects_export_holds_file_sheet_row_column_reason_then_the_original_columns(county, tmp_path):
    folder, engine = county
    [report] = load_paths([messy_clue_file(folder)], engine)
    out = tmp_path / "拒收行.xlsx"
    assert export_rejects(engine, out) == 6  # 1 + 1 + 1 + 3 reasons
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["文件", "工作表", "行号", "列", "原因"]
    assert header[5:8] == ["线索编号", "受理日期", "线索来源"]
    assert "反映人" not in header and "联系电话" not in header
    first = [c.value for c in sheet[2]]
    assert first[:5] == ["青石镇问题线索台账.xlsx", "线索", 14, "受理日期", "无法识别的日期“2024-13-01”"]
    assert first[header.index("受理日期")] == "2024-13-01"
    assert "内部资料 注意保密" in sheet.oddHeader.center.text  # the printed page's watermark
    with engine.connect() as conn:
        exports = conn.execute(select(schema.audit_events.c.detail).where(schema.audit_events.c.action == "export")
                               ).scalars().all()
    assert [json.loads(d)["行数"] for d in exports] == [6]
    assert export_rejects(engine, tmp_path / "批次.xlsx", batch_id=report.batch_id) == 6
    assert export_rejects(engine, tmp_path / "空.xlsx", batch_id=999) == 0


def test_divisions_fill_counties_and_townships(county):
    _, engine = county
    with engine.connect() as conn:
        townships = conn.execute(select(schema.townships.c.township_code, schema.townships.c.township_name,
                                        schema.townships.c.township_kind, schema.townships.c.county_code)
                                 .order_by(schema.townships.c.township_code)).all()
        counties = conn.execute(select(schema.counties)).all()
        audit = conn.execute(select(schema.audit_events.c.action, schema.audit_events.c.detail)).all()
    assert [tuple(t) for t in townships] == [("990101001", "城关街道", "街道", "990101"),
                                             ("990101101", "青石镇", "镇", "990101"),
                                             ("990101201", "白马乡", "乡", "990101")]
    assert [tuple(c) for c in counties] == [("990101", "示范县")]
    assert audit[0].action == "load" and json.loads(audit[0].detail)["入库"] == 6


def test_a_village_code_must_start_with_its_township_code(tmp_path, empty_engine):
    from tests.ledger_files import DIVISION_HEADER, DIVISION_ROWS

    rows = DIVISION_ROWS + [["示范县", "990101101", "青石镇", "990101201203", "错码村", "行政村", None, None, None]]
    [report] = load_paths([write_xlsx(tmp_path / "区划.xlsx", {"区划": (DIVISION_HEADER, rows)})], empty_engine)
    assert report.rows_rejected == 1
    assert report.rejections == ["「区划.xlsx」工作表“区划”第8行“村代码”：村代码“990101201203”的前9位应为其乡镇代码“990101101”"]


def test_rectification_rules(county):
    folder, engine = county
    rows = [rectification_row("ZG-1"),
            rectification_row("ZG-2", 整改状态="已完成"),
            rectification_row("ZG-3", 整改状态="已销号", 完成日期="2024-05-01"),
            rectification_row("ZG-4", 整改时限="2024-03-01"),
            rectification_row("ZG-5", 整改状态="已销号", 完成日期="2024-05-01", 销号日期="2024-06-01")]
    [report] = load_paths([write_xlsx(folder / "整改.xlsx", {"整改": (RECTIFICATION_HEADER, rows)})], engine)
    assert report.rows_loaded == 2
    assert report.rejections == [
        "「整改.xlsx」工作表“整改”第3行“完成日期”：整改状态为“已完成”或“已销号”时必须填写完成日期",
        "「整改.xlsx」工作表“整改”第4行“销号日期”：整改状态为“已销号”时必须填写销号日期",
        "「整改.xlsx」工作表“整改”第5行“整改时限”：整改时限（2024-03-01）早于反馈日期（2024-04-01）",
    ]


def test_survey_parts_must_add_up_and_awareness_fit_the_sample(county):
    folder, engine = county
    rows = [satisfaction_row(),
            satisfaction_row(乡镇="青石镇", 满意=71),
            satisfaction_row(乡镇="白马", 测评期间="2024年第三季度", 知晓监督平台=101),
            satisfaction_row(乡镇="城关", 测评期间="2024-Q4", 样本量=-1, 满意=-1, 基本满意=0, 不满意=0, 不了解=0)]
    [report] = load_paths([write_xlsx(folder / "满意度.xlsx", {"测评": (SATISFACTION_HEADER, rows)})], engine)
    assert report.rows_loaded == 1
    assert "「满意度.xlsx」工作表“测评”第3行“样本量”：满意、基本满意、不满意、不了解之和（101）不等于样本量（100）" in report.rejections
    assert "「满意度.xlsx」工作表“测评”第4行“知晓监督平台”：知晓监督平台（101）大于样本量（100）" in report.rejections
    assert "「满意度.xlsx」工作表“测评”第5行“样本量”：不能为负数" in report.rejections
    with engine.connect() as conn:
        assert conn.execute(select(schema.satisfaction_surveys.c.survey_year, schema.satisfaction_surveys.c.survey_quarter,
                                   schema.satisfaction_surveys.c.township_code)).all() == [(2024, 3, "990101001")]


def test_people_count_mismatch_is_a_warning_not_a_rejection(county, capsys):
    folder, engine = county
    cases = write_xlsx(folder / "案件.xlsx", {"案件": (CASE_HEADER, [case_row("AJ-1", 处理人数=2), case_row("AJ-2")])})
    people = write_xlsx(folder / "人员.xlsx", {"人员": (PEOPLE_HEADER, [
        person_row("AJ-1", "张某"), person_row("AJ-2", "李某"), person_row("AJ-2", "赵某", 处理形态="第二种形态",
                                                                        处分种类="党纪警告")])})
    from data_pipeline.__main__ import main

    assert main(["load", str(people), str(cases), "--db", str(engine.url)]) == 0  # people given first
    out = capsys.readouterr().out
    assert "「人员.xlsx」警告：案件“AJ-1”处理人数为2，处理人员台账中有1人" in out
    assert "「人员.xlsx」警告：案件“AJ-2”处理人数为1，处理人员台账中有2人" in out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_people")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM rejected_rows")).scalar_one() == 0


@pytest.mark.postgres
def test_the_same_load_and_a_metric_aggregate_on_postgresql(pg_engine, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_divisions(folder)
    write_xlsx(folder / "案件.xlsx", {"案件": (CASE_HEADER, [
        case_row("AJ-1", **{"追缴资金(万元)": 10.26}), case_row("AJ-2", 所属乡镇="白马", **{"所属村(社区)": "石桥"}),
        case_row("AJ-3", 所属乡镇="990101101", **{"追缴资金(万元)": "1,000.5"}), case_row("AJ-4", 立案日期="2024-02-30"),
    ])}, title="示范县案件台账", total_row=True)
    messy_clue_file(folder)
    reports = load_paths([folder], pg_engine)
    assert all(r.committed and r.balanced for r in reports)
    assert [(r.ledger_kind, r.rows_loaded, r.rows_rejected) for r in reports] == [
        ("divisions", 6, 0), ("cases", 3, 1), ("clues", 8, 4)]
    with pg_engine.connect() as conn:
        by_township = conn.execute(text(
            "SELECT township_code, count(*), sum(recovered_funds_wan_yuan) FROM cases GROUP BY township_code "
            "ORDER BY township_code")).all()
        villages = dict(conn.execute(text("SELECT case_id, village_code FROM cases")).all())
    assert [(code, n, float(total)) for code, n, total in by_township] == [
        ("990101101", 2, 1010.76), ("990101201", 1, 2.5)]
    assert villages["AJ-2"] == "990101201202"
    before = checksum(pg_engine)
    assert all(r.skipped for r in load_paths([folder], pg_engine))
    assert checksum(pg_engine) == before


@pytest.mark.postgres
def test_a_failed_load_rolls_back_on_postgresql(pg_engine, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    load_paths([write_divisions(folder)], pg_engine)
    before = table_contents(pg_engine)
    monkeypatch.setattr(load_module, "WRITE_CHUNK", 1)
    real_writer = load_module._write_chunk_postgresql
    calls = []

    def fail_second(conn, table, columns, chunk, *how):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("连接中断")
        real_writer(conn, table, columns, chunk, *how)

    monkeypatch.setattr(load_module, "_write_chunk_postgresql", fail_second)
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])})],
                          pg_engine)
    assert report.error == "「线索.xlsx」入库失败，已回滚，数据库未改动：连接中断"
    assert table_contents(pg_engine) == before


def test_a_file_rejected_for_want_of_divisions_loads_with_force_once_they_arrive(tmp_path, empty_engine):
    clues = write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})
    [first] = load_paths([clues], empty_engine)
    assert (first.rows_loaded, first.rows_rejected) == (0, 1)
    load_paths([write_divisions(tmp_path)], empty_engine)
    [skipped] = load_paths([clues], empty_engine)
    assert skipped.skipped
    [forced] = load_paths([clues], empty_engine, force=True)
    assert (forced.skipped, forced.rows_loaded, forced.rows_rejected) == (False, 1, 0)


def test_coordinates_out_of_range_and_bad_codes_in_the_divisions(tmp_path, empty_engine):
    from tests.ledger_files import DIVISION_HEADER

    rows = [["示范县", "990101101", "青石镇", "990101101201", "青石村", "行政村", 117.1, 31.1, 100],
            ["示范县", "990101101", "青石镇", "990101101202", "石桥村", "行政村", 31.1, 117.1, 100],
            ["示范县", "99010110", "青石镇", "990101101203", "河口村", "村", None, None, -5]]
    [report] = load_paths([write_xlsx(tmp_path / "区划.xlsx", {"区划": (DIVISION_HEADER, rows)})], empty_engine)
    assert report.rows_loaded == 1
    assert report.rejections == [
        "「区划.xlsx」工作表“区划”第3行“纬度”：应在-90到90之间",
        "「区划.xlsx」工作表“区划”第4行“乡镇代码”：乡镇代码应为9位数字，实为“99010110”",
        "「区划.xlsx」工作表“区划”第4行“村类型”：“村”不在可选值中（可选：行政村、社区、类似居委会、类似村委会）",
        "「区划.xlsx」工作表“区划”第4行“户籍人口”：不能为负数",
    ]


def test_the_clerk_fixes_the_rejects_file_and_loads_it_back(county, tmp_path):
    folder, engine = county
    load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2, 受理日期="7月3日")])})],
               engine)
    fixed = tmp_path / "拒收行_已改.xlsx"
    export_rejects(engine, fixed)
    workbook = openpyxl.load_workbook(fixed)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("受理日期") + 1, value="2024-07-03")
    workbook.save(fixed)
    [report] = load_paths([fixed], engine)
    assert (report.ledger_kind, report.rows_loaded, report.rows_rejected) == ("clues", 1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(schema.clues.c.received_date).where(schema.clues.c.clue_id == "XS-2024-0002")
                            ).scalar_one() == dt.date(2024, 7, 3)


@pytest.mark.postgres
def test_awkward_text_survives_the_copy_into_postgresql(pg_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], pg_engine)
    summary = '他说："补贴，没发"\n第二行\\N 以及 NULL, 全角ＡＢＣ'  # prose keeps its punctuation
    rows = [clue_row(1, 问题摘要=summary, 挂牌督办="是", **{"所属村(社区)": None, "涉及金额(万元)": None}),
            clue_row(2, 问题摘要="NULL", 被反映人=None)]
    [report] = load_paths([write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], pg_engine)
    assert report.rows_loaded == 2, report.rejections
    with pg_engine.connect() as conn:
        stored = {r.clue_id: r for r in conn.execute(select(schema.clues)).all()}
    first, second = stored["XS-2024-0001"], stored["XS-2024-0002"]
    assert first.summary == summary
    assert (first.village_code, first.amount_wan_yuan, first.is_supervised) == (None, None, True)
    assert (second.summary, second.reported_person_name, second.is_supervised) == ("NULL", None, False)
    assert first.received_date == dt.date(2024, 7, 3)


@pytest.mark.postgres
def test_a_corrected_file_upserts_by_key_on_postgresql(pg_engine, tmp_path):
    load_paths([write_divisions(tmp_path)], pg_engine)
    load_paths([write_xlsx(tmp_path / "v1.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])})], pg_engine)
    corrected = [clue_row(1), clue_row(2, 办理状态="办结", 办结日期="2024/8/1"), clue_row(3, 问题摘要='含"引号",逗号')]
    [report] = load_paths([write_xlsx(tmp_path / "v2.xlsx", {"线索": (CLUE_HEADER, corrected)})], pg_engine)
    assert (report.rows_loaded, report.rows_unchanged) == (3, 1)
    with pg_engine.connect() as conn:
        rows = conn.execute(select(schema.clues.c.clue_id, schema.clues.c.handling_status, schema.clues.c.closed_date,
                                   schema.clues.c.summary).order_by(schema.clues.c.clue_id)).all()
    assert [tuple(r) for r in rows] == [
        ("XS-2024-0001", "在办", None, "反映第1号问题"),
        ("XS-2024-0002", "办结", dt.date(2024, 8, 1), "反映第2号问题"),
        ("XS-2024-0003", "在办", None, '含"引号",逗号'),
    ]


def test_a_bulk_load_that_fails_keeps_the_indexes_it_dropped(county, monkeypatch):
    folder, engine = county
    indexes_before = sorted(ix["name"] for ix in inspect(engine).get_indexes("clues"))
    assert indexes_before == sorted(ix.name for ix in schema.clues.indexes) and len(indexes_before) >= 3
    before = table_contents(engine)
    monkeypatch.setattr(load_module, "BULK_INDEX_THRESHOLD", 1)  # treat any load as a bulk load
    monkeypatch.setattr(load_module, "WRITE_CHUNK", 1)
    real_writer = load_module._write_chunk_sqlite
    seen_indexes = []

    def fail_second(conn, table, columns, chunk):
        seen_indexes.append(len(inspect(conn).get_indexes("clues")))
        if len(seen_indexes) > 1:
            raise RuntimeError("写入中断")
        real_writer(conn, table, columns, chunk)

    monkeypatch.setattr(load_module, "_write_chunk_sqlite", fail_second)
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])})],
                          engine)
    assert seen_indexes == [0, 0]  # the indexes really were dropped during the load
    assert report.error.endswith("写入中断")
    assert sorted(ix["name"] for ix in inspect(engine).get_indexes("clues")) == indexes_before
    assert table_contents(engine) == before
    monkeypatch.undo()
    [ok] = load_paths([folder / "线索.xlsx"], engine)
    assert ok.rows_loaded == 2
