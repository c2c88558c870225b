"""A clerk loads ledgers whose headers are spelled the townships' way: rules read them, a unit is
converted, an unknown header is refused with a suggestion, and a confirmed mapping is remembered."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from data_pipeline.headers import (
    HeaderMappings,
    header_mappings,
    parse_map_option,
    resolve_headers,
    save_header_mappings,
    saved_header_mappings,
    spelling,
)
from data_pipeline.ledgers import LEDGER_BY_NAME, LEDGER_KINDS
from data_pipeline.load import load_paths
from data_pipeline.reader import LedgerReadError, read_ledger
from tests.ledger_files import (
    CASE_HEADER,
    CLUE_HEADER,
    DIVISION_HEADER,
    DIVISION_ROWS,
    case_row,
    clue_row,
    write_csv,
    write_divisions,
    write_xlsx,
)
from tests.test_pipeline_cli import assert_one_line_error, run_cli
from warehouse import schema

# (ledger kind, the header as a township writes it, the contract's header)
REAL_SPELLINGS = [
    ("divisions", "乡镇(街道)代码", "乡镇代码"),
    ("divisions", "乡镇（街道）代码", "乡镇代码"),
    ("divisions", "乡镇编码", "乡镇代码"),
    ("divisions", "村（社区）名称", "村名称"),
    ("divisions", "村(居)名称", "村名称"),
    ("divisions", "村（社区）代码", "村代码"),
    ("divisions", "户籍人口（人）", "户籍人口"),
    ("divisions", "经度(°)", "经度"),
    ("clues", "受理日期（年月日）", "受理日期"),
    ("clues", "受理时间(yyyy-mm-dd)", "受理日期"),
    ("clues", "受理日期（如2024-07-03）", "受理日期"),
    ("clues", "线索编码", "线索编号"),
    ("clues", "线索\n编号", "线索编号"),
    ("clues", "受理\r\n日期", "受理日期"),
    ("clues", "受理日期_x000D_\n", "受理日期"),
    ("clues", "*线索编号", "线索编号"),
    ("clues", "【必填】线索来源", "线索来源"),
    ("clues", "线索来源　", "线索来源"),
    ("clues", "是否挂牌督办", "挂牌督办"),
    ("clues", "挂牌督办", "挂牌督办"),
    ("clues", "挂牌督办（是/否）", "挂牌督办"),
    ("clues", "办理进度", "办理状态"),
    ("clues", "办理状态（在办/办结）", "办理状态"),
    ("clues", "办结时间", "办结日期"),
    ("clues", "所在乡镇", "所属乡镇"),
    ("clues", "所属乡镇（街道）", "所属乡镇"),
    ("clues", "所属村（社区）", "所属村(社区)"),
    ("clues", "管理等级（红/黄/蓝）", "管理等级"),
    ("clues", "涉及金额（元）", "涉及金额(万元)"),
    ("cases", "典型案例", "是否典型案例"),
    ("cases", "是否典型案例", "是否典型案例"),
    ("cases", "案件编码", "案件编号"),
    ("cases", "立案时间", "立案日期"),
    ("cases", "追缴资金（元）", "追缴资金(万元)"),
    ("cases", "追缴资金/千元", "追缴资金(万元)"),
    ("cases", "追缴资金(万元)", "追缴资金(万元)"),
    ("cases", "处理人数（人）", "处理人数"),
    ("case_people", "移送司法", "是否移送司法"),
    ("rectification", "整改进度", "整改状态"),
    ("rectification", "反复出现", "是否反复出现"),
    ("rectification", "完成时间", "完成日期"),
    ("rectification", "责任村（社区）", "责任村(社区)"),
    ("satisfaction", "所在乡镇", "乡镇"),
    ("satisfaction", "样本量（人）", "样本量"),
    # spellings the synonym table once listed one by one, now read by the rules
    ("divisions", "乡镇（街道）", "乡镇名称"),
    ("divisions", "村(社区)代码", "村代码"),
    ("divisions", "村（社区）", "村名称"),
    ("divisions", "县（市、区）", "县名称"),
    ("clues", "受理时间", "受理日期"),
    ("clues", "乡镇(街道)", "所属乡镇"),
    ("clues", "所在村", "所属村(社区)"),
    ("clues", "涉及金额", "涉及金额(万元)"),
    ("clues", "金额（万元）", "涉及金额(万元)"),
    ("cases", "追缴资金", "追缴资金(万元)"),
    ("cases", "追缴资金（万元）", "追缴资金(万元)"),
    ("cases", "处理人数(人)", "处理人数"),
    ("cases", "结案时间", "结案日期"),
    ("rectification", "反馈时间", "反馈日期"),
    ("rectification", "销号时间", "销号日期"),
    ("rectification", "所属村(社区)", "责任村(社区)"),
    ("platform_usage", "乡镇（街道）", "乡镇"),
]


@pytest.mark.parametrize(("kind", "written", "standard"), REAL_SPELLINGS)
def test_real_header_spellings_resolve_to_the_contract(kind, written, standard):
    resolution = resolve_headers([written], LEDGER_BY_NAME[kind])
    assert resolution.columns == {standard: 0}


@pytest.mark.parametrize(("kind", "written", "suggested"), [
    ("clues", "办理情况", "办理状态"),          # a different word: suggested, never applied by itself
    ("clues", "线索编号(系统生成)", "线索编号"),  # a qualifier that may change the meaning stays
    ("clues", "督办", "挂牌督办"),
    ("cases", "追缴资金(人)", "追缴资金(万元)"),  # a unit that cannot be money
])
def test_a_header_the_rules_do_not_resolve_is_only_suggested(kind, written, suggested):
    resolution = resolve_headers([written], LEDGER_BY_NAME[kind])
    assert resolution.columns == {}
    [suggestion] = resolution.suggestions()
    assert suggestion.standard == suggested


def test_the_rules_keep_the_one_synonym_table_unambiguous():
    """No two fields of a ledger kind are spelled alike once the rules apply to the contract's names."""
    for kind in LEDGER_KINDS:
        seen: dict[str, str] = {}
        for f in kind.fields:
            for name in (f.header, *f.synonyms):
                stem = spelling(name).stem
                assert seen.setdefault(stem, f.header) == f.header, (kind.name, name, seen[stem], f.header)


@pytest.mark.parametrize("written", ["反映人（实名）", "举报人\n电话", "联系电话(手机)", "是否实名举报人", "反映人/联系电话",
                                     "反映人及联系方式"])
def test_whistleblower_columns_are_dropped_whatever_their_spelling(tmp_path, written):
    header = [written if h == "反映人" else h for h in CLUE_HEADER]
    rows = [clue_row(1, 反映人="王大妈")]
    [sheet] = read_ledger(write_xlsx(tmp_path / "线索.xlsx", {"线索": (header, rows)}))
    assert "王大妈" not in sheet.raw.to_string()
    with pytest.raises(ValueError, match="反映人信息列"):
        parse_map_option(f"{written}=被反映人")


@pytest.fixture
def county(tmp_path, empty_engine):
    folder = tmp_path / "in"
    folder.mkdir()
    [report] = load_paths([write_divisions(folder)], empty_engine)
    assert report.rows_loaded == 6
    return folder, empty_engine


def test_a_clue_ledger_in_the_townships_spellings_loads_whole(county):
    folder, engine = county
    spelled = {"线索编号": "线索编码", "受理日期": "受理日期\n（年月日）", "所属乡镇": "所在乡镇",
               "所属村(社区)": "所属村（社区）", "挂牌督办": "是否挂牌督办", "办理状态": "办理进度",
               "办结日期": "办结时间", "涉及金额(万元)": "涉及金额（元）"}
    header = [spelled.get(h, h) for h in CLUE_HEADER]
    rows = [clue_row(1, 挂牌督办="是", **{"涉及金额(万元)": 15000}),
            clue_row(2, 办理状态="办结", 办结日期="2024-08-01", **{"涉及金额(万元)": "2,500"})]
    xlsx = write_xlsx(folder / "线索.xlsx", {"线索": (header, rows)}, title="青石镇问题线索台账")
    csv = write_csv(folder / "线索.csv", header, [clue_row(3, **{"涉及金额(万元)": "800"})], encoding="gbk")
    reports = load_paths([xlsx, csv], engine)
    assert [(r.rows_loaded, r.rows_rejected) for r in reports] == [(2, 0), (1, 0)], [r.rejections for r in reports]
    with engine.connect() as conn:
        clues = {r.clue_id: r for r in conn.execute(select(schema.clues))}
    assert clues["XS-2024-0001"].is_supervised is True and clues["XS-2024-0001"].township_code == "990101101"
    assert clues["XS-2024-0002"].handling_status == "办结" and str(clues["XS-2024-0002"].closed_date) == "2024-08-01"
    assert [float(clues[k].amount_wan_yuan) for k in sorted(clues)] == [1.5, 0.25, 0.08]
    assert "「涉及金额」按元换算为万元（÷10000，万元保留2位小数）" in reports[0].notes


def test_a_division_list_headed_the_countys_way_loads(tmp_path, empty_engine):
    header = ["县名称", "乡镇(街道)代码", "乡镇（街道）名称", "村（社区）代码", "村（社区）名称", "村类型", "经度", "纬度",
              "户籍人口（人）"]
    path = write_xlsx(tmp_path / "示范县区划名录.xlsx", {"区划": (header, DIVISION_ROWS)}, title="示范县区划名录")
    [report] = load_paths([path], empty_engine)
    assert (report.committed, report.rows_loaded, report.rows_rejected) == (True, 6, 0), report.error
    with empty_engine.connect() as conn:
        villages = dict(conn.execute(select(schema.villages.c.village_code, schema.villages.c.village_name)).all())
        townships = dict(conn.execute(select(schema.townships.c.township_code, schema.townships.c.township_name)).all())
    assert villages["990101101202"] == "石桥村" and townships["990101001"] == "城关街道"


def test_a_division_list_headed_the_countys_way_loads_from_the_cli(tmp_path):
    header = ["乡镇(街道)代码", "乡镇名称", "村代码", "村（社区）名称", "村类型"]
    rows = [[r[1], r[2], r[3], r[4], r[5]] for r in DIVISION_ROWS]
    path = write_xlsx(tmp_path / "区划名录.xlsx", {"区划": (header, rows)})
    result = run_cli("load", str(path), db=tmp_path / "w.sqlite")
    assert result.returncode == 0, result.stderr
    assert "7=6+0+1 ✓" in result.stdout


def test_money_in_yuan_is_stored_in_wan_yuan_and_the_summary_says_so(county, tmp_path):
    folder, engine = county
    header = [{"追缴资金(万元)": "追缴资金（元）"}.get(h, h) for h in CASE_HEADER]
    rows = [case_row("AJ-1", **{"追缴资金(万元)": 25000}), case_row("AJ-2", **{"追缴资金(万元)": "１２，３４５"}),
            case_row("AJ-3", **{"追缴资金(万元)": "两万"})]
    path = write_xlsx(folder / "案件.xlsx", {"案件": (header, rows)})
    [report] = load_paths([path], engine)
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert report.notes == ["「追缴资金」按元换算为万元（÷10000，万元保留2位小数）"]
    assert report.rejections == ["「案件.xlsx」工作表“案件”第4行“追缴资金(万元)”：无法识别的数值“两万”"]  # as typed
    with engine.connect() as conn:
        funds = dict(conn.execute(select(schema.cases.c.case_id, schema.cases.c.recovered_funds_wan_yuan)).all())
    assert {k: float(v) for k, v in funds.items()} == {"AJ-1": 2.5, "AJ-2": 1.23}

    # the clerk's summary, at the command line
    path2 = write_xlsx(tmp_path / "案件2.xlsx", {"案件": (header, [case_row("AJ-9", **{"追缴资金(万元)": 80000})])})
    db = tmp_path / "cli.sqlite"
    assert run_cli("load", str(write_divisions(tmp_path, "区划.xlsx")), db=db).returncode == 0
    result = run_cli("load", str(path2), db=db)
    assert result.returncode == 0, result.stderr
    assert "「案件2.xlsx」工作表“案件”：「追缴资金」按元换算为万元（÷10000，万元保留2位小数）" in result.stdout


def odd_clue_file(path, clue_ids=(1, 2)):
    """A clue ledger with a header no rule reads: 办理情况 for 办理状态."""
    header = ["办理情况" if h == "办理状态" else h for h in CLUE_HEADER]
    return write_xlsx(path, {"线索": (header, [clue_row(i) for i in clue_ids])}, title="青石镇问题线索台账")


def test_an_unrecognised_sheet_names_the_closest_kind_the_missing_header_and_a_suggestion(tmp_path):
    db = tmp_path / "w.sqlite"
    assert run_cli("load", str(write_divisions(tmp_path)), db=db).returncode == 0
    header = ["督办情况" if h == "挂牌督办" else h for h in CLUE_HEADER]
    header = ["办理情况" if h == "办理状态" else h for h in header]
    header[header.index("受理日期")] = "收件日子"
    write_xlsx(tmp_path / "线索.xlsx", {"线索": (header, [clue_row(1)])}, title="青石镇问题线索台账")
    result = run_cli("load", str(tmp_path / "线索.xlsx"), db=db)
    assert_one_line_error(result, "「线索.xlsx」无法读取：不是可识别的台账")
    line = result.stderr.strip()
    assert "工作表“线索”第3行的表头最接近问题线索台账" in line
    assert "缺少必填表头“受理日期”“挂牌督办”“办理状态”" in line
    assert "“办理情况”（最接近“办理状态”）" in line and "“督办情况”（最接近“挂牌督办”）" in line
    assert line.endswith("如核对无误，可用 --map 原表头=标准表头 确认："
                         "--map 收件日子=受理日期 --map 督办情况=挂牌督办 --map 办理情况=办理状态")
    assert "反映人" not in line.replace("被反映人", "")  # whistleblower columns are not even listed


def test_read_ledger_carries_the_mismatch_for_a_page(tmp_path):
    with pytest.raises(LedgerReadError) as raised:
        read_ledger(odd_clue_file(tmp_path / "线索.xlsx"))
    mismatch = raised.value.mismatch
    assert mismatch.kind.name == "clues" and mismatch.missing == ("办理状态",)
    assert [(s.header, s.standard) for s in mismatch.suggestions] == [("办理情况", "办理状态")]


def test_map_makes_a_sheet_load_and_the_saved_mapping_serves_next_month(tmp_path):
    db = tmp_path / "w.sqlite"
    assert run_cli("load", str(write_divisions(tmp_path)), db=db).returncode == 0
    july = odd_clue_file(tmp_path / "青石镇7月线索.xlsx")
    refused = run_cli("load", str(july), db=db)
    assert_one_line_error(refused, "「青石镇7月线索.xlsx」", "--map 办理情况=办理状态")

    loaded = run_cli("load", str(july), "--map", "办理情况=办理状态", "--by", "县纪委张三", db=db)
    assert loaded.returncode == 0, loaded.stderr
    assert "5=2+0+3 ✓" in loaded.stdout
    assert "表头“办理情况”按本次确认的对应关系读作“办理状态”" in loaded.stdout
    assert "已保存表头对应关系（问题线索台账）：“办理情况”→“办理状态”" in loaded.stdout

    august = odd_clue_file(tmp_path / "青石镇8月线索.xlsx", clue_ids=(3, 4, 5))
    next_month = run_cli("load", str(august), db=db)
    assert next_month.returncode == 0, next_month.stderr
    assert "6=3+0+3 ✓" in next_month.stdout
    assert "表头“办理情况”按本县已保存的对应关系读作“办理状态”" in next_month.stdout
    assert "已保存" not in next_month.stdout.replace("本县已保存", "")

    from warehouse.engine import get_engine

    engine = get_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        [stored] = conn.execute(select(header_mappings)).mappings().all()
        events = [json.loads(d) for (d,) in conn.execute(
            select(schema.audit_events.c.detail).where(schema.audit_events.c.action == "header_mapping"))]
        statuses = conn.execute(select(schema.clues.c.handling_status)).scalars().all()
    assert (stored["county_code"], stored["ledger_kind"], stored["source_header"], stored["standard_header"],
            stored["created_by"]) == ("990101", "clues", "办理情况", "办理状态", "县纪委张三")
    assert events == [{"县": "990101", "对应关系": {"问题线索台账": {"办理情况": "办理状态"}}}]
    assert statuses == ["在办"] * 5


def test_a_bad_map_option_is_one_line(tmp_path):
    result = run_cli("load", str(tmp_path), "--map", "办理情况=不存在的表头", db=tmp_path / "w.sqlite")
    assert_one_line_error(result, "“不存在的表头”不是任何台账的标准表头")
    assert result.returncode == 2
    assert_one_line_error(run_cli("load", str(tmp_path), "--map", "办理情况", db=tmp_path / "w.sqlite"),
                          "--map 应写作 原表头=标准表头")


def test_a_map_option_no_sheet_used_is_said(tmp_path):
    db = tmp_path / "w.sqlite"
    result = run_cli("load", str(write_divisions(tmp_path)), "--map", "办理情况=办理状态", db=db)
    assert result.returncode == 0, result.stderr
    assert "--map 办理情况=办理状态 未用上：已入库的工作表中没有表头“办理情况”" in result.stdout


def test_saved_mappings_api(empty_engine):
    with empty_engine.begin() as conn:
        saved = save_header_mappings(conn, "990101", {"clues": {"办理 情况": "办理状态"}, "cases": {"时间": "立案时间"}},
                                     "管理员")
        assert saved == {"clues": {"办理情况": "办理状态"}, "cases": {"时间": "立案日期"}}
        assert save_header_mappings(conn, "990101", {"clues": {"办理情况": "办理状态"}}, "管理员") == {}
        with pytest.raises(ValueError, match="不是问题线索台账的标准表头"):
            save_header_mappings(conn, "990101", {"clues": {"x": "立案日期"}}, "管理员")
        with pytest.raises(ValueError, match="反映人信息列"):
            save_header_mappings(conn, "990101", {"clues": {"举报人": "被反映人"}}, "管理员")
        assert saved_header_mappings(conn, "990101") == {"cases": {"时间": "立案日期"}, "clues": {"办理情况": "办理状态"}}
        assert saved_header_mappings(conn, "990102") == {}
        audits = conn.execute(select(schema.audit_events).where(schema.audit_events.c.action == "header_mapping")).all()
    assert len(audits) == 1  # saving the same mapping again changed nothing and audited nothing


def test_a_saved_mapping_applies_to_its_own_kind_only(tmp_path):
    mappings = HeaderMappings(saved={"cases": {"时间": "立案日期"}})
    assert resolve_headers(["时间"], LEDGER_BY_NAME["cases"], mappings).columns == {"立案日期": 0}
    assert resolve_headers(["时间"], LEDGER_BY_NAME["clues"], mappings).columns == {}
    # a confirmed mapping names a standard header; each kind that has it reads it
    confirmed = HeaderMappings(confirmed={"镇名": "所属乡镇"})
    assert resolve_headers(["镇名"], LEDGER_BY_NAME["clues"], confirmed).columns == {"所属乡镇": 0}
    assert resolve_headers(["镇名"], LEDGER_BY_NAME["satisfaction"], confirmed).columns == {"乡镇": 0}


def test_an_exact_header_wins_over_a_rule(tmp_path):
    """A sheet with both 受理日期 and 受理时间 reads 受理日期 for the field; 受理时间 is left unread."""
    resolution = resolve_headers(["受理时间", "受理日期"], LEDGER_BY_NAME["clues"])
    assert resolution.columns["受理日期"] == 1


def test_header_spellings_of_the_contract_are_untouched(tmp_path):
    """Every canonical header and synonym still reads exactly as before the rules."""
    for kind in LEDGER_KINDS:
        for f in kind.fields:
            for name in (f.header, *f.synonyms):
                assert resolve_headers([name], kind).columns == {f.header: 0}, (kind.name, name)


def test_divisions_keep_their_exact_headers(tmp_path):
    [sheet] = read_ledger(write_xlsx(tmp_path / "区划.xlsx", {"区划": (DIVISION_HEADER, DIVISION_ROWS)}))
    assert sheet.kind.name == "divisions" and sheet.notes == [] and sheet.mapped == {}


def test_an_optional_column_left_unread_is_said_and_can_be_mapped_on_a_forced_reload(tmp_path):
    db = tmp_path / "w.sqlite"
    assert run_cli("load", str(write_divisions(tmp_path)), db=db).returncode == 0
    header = ["结办时间" if h == "办结日期" else h for h in CLUE_HEADER]
    path = write_xlsx(tmp_path / "线索.xlsx", {"线索": (header, [clue_row(1), clue_row(2, 办理状态="办结",
                                                                                        办结日期="2024-08-01")])})
    first = run_cli("load", str(path), db=db)
    assert first.returncode == 0, first.stderr
    assert ("「线索.xlsx」工作表“线索”：表头“结办时间”未对应标准表头，该列未读入（最接近“办结日期”，"
            "如确认可用 --map 结办时间=办结日期）") in first.stdout
    assert "3=1+1+1 ✓" in first.stdout  # 办结 without a 办结日期: the column was not read

    again = run_cli("load", str(path), "--map", "结办时间=办结日期", db=db)
    assert "已加载，跳过" in again.stdout and "请加 --force" in again.stdout

    forced = run_cli("load", str(path), "--map", "结办时间=办结日期", "--force", db=db)
    assert forced.returncode == 0, forced.stderr
    assert "3=2+0+1 ✓" in forced.stdout and "已保存表头对应关系（问题线索台账）：“结办时间”→“办结日期”" in forced.stdout
