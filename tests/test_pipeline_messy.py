"""A clerk loads the ledgers townships really send: every kind of mess is read correctly."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select

from data_pipeline.load import load_paths
from tests.ledger_files import (
    CLUE_HEADER,
    DIVISION_HEADER,
    DIVISION_ROWS,
    clue_row,
    excel_serial,
    write_csv,
    write_divisions,
    write_xlsx,
)
from warehouse import schema


@pytest.fixture
def county(tmp_path, empty_engine):
    """The small county's divisions, loaded; returns (folder, engine)."""
    folder = tmp_path / "in"
    folder.mkdir()
    [report] = load_paths([write_divisions(folder)], empty_engine)
    assert report.committed and report.rows_loaded == 6
    return folder, empty_engine


def stored_clues(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.clues)).mappings().all()
    return {r["clue_id"]: dict(r) for r in rows}


def test_merged_title_rows_above_the_header_are_structural(county):
    folder, engine = county
    path = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])},
                      title="青石镇问题线索台账（2024年）")
    assert openpyxl.load_workbook(path)["线索"].merged_cells.ranges  # the title really is merged
    [report] = load_paths([path], engine)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_structural) == (5, 2, 0, 3)
    assert set(stored_clues(engine)) == {"XS-2024-0001", "XS-2024-0002"}


def test_total_row_is_structural_not_rejected(county):
    folder, engine = county
    path = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2)])}, total_row=True)
    [report] = load_paths([path], engine)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_structural) == (4, 2, 0, 2)


@pytest.mark.parametrize("label", ["合计", "总计", "小 计", "合计："])
def test_total_row_spellings(county, label):
    folder, engine = county
    rows = [clue_row(1), [label] + [None] * (len(CLUE_HEADER) - 1)]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert (report.rows_loaded, report.rows_rejected, report.rows_structural) == (1, 0, 2)


def test_blank_rows_and_prenumbered_empty_rows_are_structural(county):
    folder, engine = county
    rows = [clue_row(1), [None] * len(CLUE_HEADER), [3] + [None] * (len(CLUE_HEADER) - 1), clue_row(4)]
    path = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)}, blank_every=1)
    [report] = load_paths([path], engine)
    # header, 4 rows each followed by 2 blank ones; the last 2 blank ones are not stored in the file
    assert report.rows_read == openpyxl.load_workbook(path)["线索"].max_row == 11
    assert (report.rows_loaded, report.rows_rejected, report.rows_structural) == (2, 0, 9)


def test_header_synonyms_are_mapped(county):
    folder, engine = county
    header = [{"受理日期": "受理时间", "所属乡镇": "乡镇（街道）", "所属村(社区)": "村（社区）",
               "涉及金额(万元)": "涉及金额（万元）", "挂牌督办": "是否挂牌督办", "办理状态": "状态"}.get(h, h)
              for h in CLUE_HEADER]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (header, [clue_row(1)])})], engine)
    assert report.rows_loaded == 1, report.rejections
    clue = stored_clues(engine)["XS-2024-0001"]
    assert clue["received_date"] == dt.date(2024, 7, 3)
    assert clue["township_code"] == "990101101" and clue["village_code"] == "990101101201"


def test_full_width_digits_and_spaces_in_headers_and_cells(county):
    folder, engine = county
    header = [{"受理日期": "受　理　日　期", "线索编号": " 线索编号 ", "涉及金额(万元)": "涉及金额（万元）"}.get(h, h)
              for h in CLUE_HEADER]
    row = clue_row(1, clue_id="ＸＳ－２０２４－０００１", 受理日期="２０２４－０７－０３", 所属乡镇="　青石镇　",
                   **{"涉及金额(万元)": "１２．５"})
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (header, [row])})], engine)
    assert report.rows_loaded == 1, report.rejections
    clue = stored_clues(engine)["XS-2024-0001"]
    assert clue["received_date"] == dt.date(2024, 7, 3)
    assert float(clue["amount_wan_yuan"]) == 12.5
    assert clue["township_code"] == "990101101"


def test_every_date_spelling_means_the_same_day(county):
    folder, engine = county
    spellings = ["2024-07-03", "2024/7/3", "2024.7.3", "2024年7月3日", excel_serial(dt.date(2024, 7, 3)),
                 dt.datetime(2024, 7, 3, 9, 30), dt.date(2024, 7, 3), "45476"]
    rows = [clue_row(i, 受理日期=spelling) for i, spelling in enumerate(spellings, start=1)]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rows_loaded == len(spellings), report.rejections
    assert {c["received_date"] for c in stored_clues(engine).values()} == {dt.date(2024, 7, 3)}


def test_excel_serial_dates_from_number_cells_and_csv_text(county):
    folder, engine = county
    serial = excel_serial(dt.date(2023, 1, 31))
    assert serial == 44957
    xlsx = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1, 受理日期=serial)])})
    csv = write_csv(folder / "线索.csv", CLUE_HEADER, [clue_row(2, 受理日期=f"{serial}.0")])
    reports = load_paths([xlsx, csv], engine)
    assert [r.rows_loaded for r in reports] == [1, 1], [r.rejections for r in reports]
    assert {c["received_date"] for c in stored_clues(engine).values()} == {dt.date(2023, 1, 31)}


def test_impossible_date_is_rejected_naming_the_cell(county):
    folder, engine = county
    path = write_xlsx(folder / "示范县线索台账.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2, 受理日期="2024-13-01")])},
                      title="线索台账")
    [report] = load_paths([path], engine)
    assert report.rows_rejected == 1
    assert report.rejections == ["「示范县线索台账.xlsx」工作表“线索”第5行“受理日期”：无法识别的日期“2024-13-01”"]


def test_codes_typed_as_numbers(county):
    folder, engine = county
    rows = [clue_row(1, clue_id=20240001, 所属乡镇=990101101, **{"所属村(社区)": 990101101201.0}),
            clue_row(2, clue_id="20240002.0", 所属乡镇="990101101.0")]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rows_loaded == 2, report.rejections
    clues = stored_clues(engine)
    assert clues["20240001"]["township_code"] == "990101101"
    assert clues["20240001"]["village_code"] == "990101101201"
    assert "20240002.0" in clues  # a text id keeps its text: only floats lose '.0'


def test_divisions_with_numeric_codes(tmp_path, empty_engine):
    rows = [[r[0], float(r[1]), r[2], int(r[3]), *r[4:]] for r in DIVISION_ROWS]
    path = write_xlsx(tmp_path / "区划.xlsx", {"区划": (DIVISION_HEADER, rows)})
    [report] = load_paths([path], empty_engine)
    assert report.rows_loaded == 6, report.rejections
    with empty_engine.connect() as conn:
        codes = set(conn.execute(select(schema.villages.c.village_code)).scalars())
    assert "990101001001" in codes


def test_division_codes_whose_digits_name_no_kind_are_rejected(tmp_path, empty_engine):
    rows = [list(r) for r in DIVISION_ROWS]
    rows[0][1], rows[0][3] = "990101600", "990101600001"  # 600: no kind of township (001-599 are)
    rows[1][3] = "990101001000"  # 000: the township itself, not a village
    path = write_xlsx(tmp_path / "区划.xlsx", {"区划": (DIVISION_HEADER, rows)})
    [report] = load_paths([path], empty_engine)
    assert (report.rows_loaded, report.rows_rejected) == (4, 2)
    assert report.rejections == [
        "「区划.xlsx」工作表“区划”第2行“乡镇代码”：乡镇代码“990101600”的第7-9位“600”不在001-599之间"
        "（001-099街道、100-199镇、200-399乡、400-599类似乡级单位）",
        "「区划.xlsx」工作表“区划”第3行“村代码”：村代码“990101001000”的第10-12位“000”不在001-599之间"
        "（001-199居委会（社区）、200-399村委会、400-499类似居委会、500-599类似村委会）",
    ]


def test_gbk_csv(county):
    folder, engine = county
    path = write_csv(folder / "线索_gbk.csv", CLUE_HEADER, [clue_row(1, 问题摘要="低保金被冒领")], encoding="gbk",
                     title="青石镇问题线索台账")
    assert "低保".encode("gbk") in path.read_bytes()
    [report] = load_paths([path], engine)
    assert report.rows_loaded == 1, report.rejections
    assert stored_clues(engine)["XS-2024-0001"]["summary"] == "低保金被冒领"


def test_utf8_bom_csv(county):
    folder, engine = county
    path = write_csv(folder / "线索_bom.csv", CLUE_HEADER, [clue_row(1)], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    [report] = load_paths([path], engine)
    assert report.rows_loaded == 1, report.rejections
    assert report.rows_structural == 1  # the header; the BOM did not hide it


@pytest.mark.parametrize("spelling", ["青石镇", "青石", " 青石镇 ", "青 石 镇", "990101101", "ＱＳ"])
def test_township_name_variants(county, spelling):
    folder, engine = county
    path = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1, 所属乡镇=spelling)])})
    [report] = load_paths([path], engine)
    if spelling == "ＱＳ":
        assert report.rows_rejected == 1
        assert "无法识别的乡镇“ＱＳ”" in report.rejections[0]  # as the clerk typed it
    else:
        assert report.rows_loaded == 1, report.rejections
        assert stored_clues(engine)["XS-2024-0001"]["township_code"] == "990101101"


def test_village_names_resolve_within_their_township(county):
    folder, engine = county
    rows = [clue_row(1, 所属乡镇="青石", **{"所属村(社区)": "石桥"}),
            clue_row(2, 所属乡镇="白马乡", **{"所属村(社区)": "石桥村委会"}),
            clue_row(3, 所属乡镇="城关街道", **{"所属村(社区)": "新村"}),
            clue_row(4, 所属乡镇="城关", **{"所属村(社区)": "东门"}),
            clue_row(5, 所属乡镇="白马乡", **{"所属村(社区)": "青石村"})]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    clues = stored_clues(engine)
    assert clues["XS-2024-0001"]["village_code"] == "990101101202"
    assert clues["XS-2024-0002"]["village_code"] == "990101201202"
    assert clues["XS-2024-0003"]["village_code"] == "990101001201"
    assert clues["XS-2024-0004"]["village_code"] == "990101001001"
    assert report.rejections == ["「线索.xlsx」工作表“线索”第6行“所属村(社区)”：在白马乡的区划名录中找不到村（社区）“青石村”"]


def test_an_ambiguous_short_name_is_rejected_not_guessed(county):
    folder, engine = county
    extra = [["示范县", "990101202", "青石乡", "990101202201", "上坪村", "行政村", None, None, None]]
    load_paths([write_xlsx(folder / "区划补充.xlsx", {"区划": (DIVISION_HEADER, extra)})], engine)
    rows = [clue_row(1, 所属乡镇="青石", **{"所属村(社区)": None}), clue_row(2, 所属乡镇="青石乡", **{"所属村(社区)": None})]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rows_loaded == 1 and report.rows_rejected == 1
    assert "对应多个乡镇，无法确定" in report.rejections[0]
    assert stored_clues(engine)["XS-2024-0002"]["township_code"] == "990101202"


def test_a_workbook_with_several_ledger_sheets_loads_divisions_first(tmp_path, empty_engine):
    path = write_xlsx(tmp_path / "汇总.xlsx", {
        "说明": (["填表说明"], [["请按模板填写"]]),
        "线索": (CLUE_HEADER, [clue_row(1)]),
        "区划": (DIVISION_HEADER, DIVISION_ROWS),
    })
    reports = load_paths([path], empty_engine)
    assert [(r.sheet_name, r.rows_loaded, r.rows_rejected) for r in reports] == [("区划", 6, 0), ("线索", 1, 0)]
    assert stored_clues(empty_engine)["XS-2024-0001"]["township_code"] == "990101101"


def test_files_load_in_kind_order_whatever_order_given(tmp_path, empty_engine):
    clues = write_xlsx(tmp_path / "a_线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})
    divisions = write_divisions(tmp_path, "z_区划.xlsx")
    reports = load_paths([clues, divisions], empty_engine)
    assert [r.ledger_kind for r in reports] == ["divisions", "clues"]
    assert reports[1].rows_loaded == 1, reports[1].rejections


def test_a_key_repeated_on_a_second_sheet_of_the_same_file_is_rejected(county):
    folder, engine = county
    path = write_xlsx(folder / "线索.xlsx", {"一季度": (CLUE_HEADER, [clue_row(1), clue_row(2)]),
                                             "二季度": (CLUE_HEADER, [clue_row(3), clue_row(4, clue_id="XS-2024-0002")])})
    reports = load_paths([path], engine)
    assert [(r.sheet_name, r.rows_loaded, r.rows_rejected, r.rows_duplicate) for r in reports] == [
        ("一季度", 2, 0, 0), ("二季度", 1, 1, 1)]
    assert reports[1].rejections == ["「线索.xlsx」工作表“二季度”第3行“线索编号”：与工作表“一季度”第3行的线索编号重复"]
    assert stored_clues(engine)["XS-2024-0002"]["summary"] == "反映第2号问题"


def test_a_csv_with_a_short_title_line_and_a_ragged_row(county):
    folder, engine = county
    lines = ["青石镇问题线索台账", ",".join(CLUE_HEADER)]
    lines += [",".join("" if v is None else str(v) for v in clue_row(i)) for i in (1, 2)]
    lines[-1] += ",多出的一格"
    lines += ["", ",".join("" if v is None else str(v) for v in clue_row(3))]
    path = folder / "线索.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [report] = load_paths([path], engine)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_structural) == (6, 3, 0, 3)
    assert set(stored_clues(engine)) == {"XS-2024-0001", "XS-2024-0002", "XS-2024-0003"}


def test_a_progress_bar_on_request(county, capsys):
    folder, engine = county
    path = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(i) for i in range(1, 4)])})
    load_paths([path], engine, progress=True)
    err = capsys.readouterr().err
    assert "线索.xlsx 问题线索台账 [####################] 100% 3/3" in err


def test_utf16_csv_as_excel_saves_unicode_text(county):
    folder, engine = county
    path = write_csv(folder / "线索_utf16.csv", CLUE_HEADER, [clue_row(1)], encoding="utf-16")
    [report] = load_paths([path], engine)
    assert report.rows_loaded == 1, report.rejections
    assert stored_clues(engine)["XS-2024-0001"]["township_code"] == "990101101"


def test_month_spellings_of_the_platform_ledger(county):
    folder, engine = county
    header = ["统计月份", "乡镇", "访问量", "反映问题数"]
    spellings = ["2024-07", "2024年8月", "2024/9", "202410", dt.date(2024, 11, 15), "2024.12"]
    rows = [[spelling, "城关街道", 100 + i, i] for i, spelling in enumerate(spellings)]
    rows.append(["2024-13", "城关街道", 1, 1])
    [report] = load_paths([write_xlsx(folder / "平台.xlsx", {"平台": (header, rows)})], engine)
    assert (report.ledger_kind, report.rows_loaded, report.rows_rejected) == ("platform_usage", 6, 1)
    assert report.rejections == ["「平台.xlsx」工作表“平台”第8行“月份”：无法识别的月份“2024-13”"]
    with engine.connect() as conn:
        months = conn.execute(select(schema.platform_usage.c.usage_month_date)
                              .order_by(schema.platform_usage.c.usage_month_date)).scalars().all()
    assert months == [dt.date(2024, m, 1) for m in range(7, 13)]


def test_a_person_listed_twice_for_one_case(county):
    from tests.ledger_files import PEOPLE_HEADER, person_row

    folder, engine = county
    rows = [person_row("AJ-1", "张某"), person_row("AJ-1", "李某"), person_row("AJ-1", "张某", 处理形态="第二种形态")]
    [report] = load_paths([write_xlsx(folder / "人员.xlsx", {"人员": (PEOPLE_HEADER, rows)})], engine)
    assert report.rejections == ["「人员.xlsx」工作表“人员”第4行“案件编号”：与第2行的案件编号、姓名重复"]
    assert report.rows_duplicate == 1
