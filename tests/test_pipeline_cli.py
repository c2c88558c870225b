"""The clerk at the command line: exit codes and one Chinese line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from tests.ledger_files import CLUE_HEADER, clue_row, write_divisions, write_xlsx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env["DASHBOARD_DATA_DIR"] = str(db.parent)  # its log goes there, not into the project's data/
    return subprocess.run([sys.executable, "-m", "data_pipeline", *args, "--db", f"sqlite:///{db}"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def test_a_good_load_exits_zero_and_prints_the_summary(tmp_path):
    db = tmp_path / "w.sqlite"
    write_divisions(tmp_path)
    write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1), clue_row(2, 受理日期="2024-02-30")])},
               title="线索台账", total_row=True)
    result = run_cli("load", str(tmp_path), db=db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for header in ("文件", "台账", "读取行数", "入库", "拒收", "结构行", "重复", "未变化"):
        assert header in out.splitlines()[0]
    assert "6=6+0+3 ✗" not in out and "9=6+0+3 ✓" in out  # divisions: title, 填报 row, header
    assert "6=1+1+4 ✓" in out
    assert "「线索.xlsx」工作表“线索”第5行“受理日期”：无法识别的日期“2024-02-30”" in out
    again = run_cli("load", str(tmp_path), db=db)
    assert again.returncode == 0 and out.count("✓") == 2 and again.stdout.count("已加载，跳过") == 2


def test_a_missing_file(tmp_path):
    result = run_cli("load", str(tmp_path / "不存在.xlsx"), db=tmp_path / "w.sqlite")
    assert_one_line_error(result, "「不存在.xlsx」", "文件不存在")


def test_a_file_that_is_not_a_ledger(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "年龄"])
    workbook.active.append(["张三", 30])
    workbook.save(tmp_path / "通讯录.xlsx")
    result = run_cli("load", str(tmp_path / "通讯录.xlsx"), db=tmp_path / "w.sqlite")
    assert_one_line_error(result, "「通讯录.xlsx」", "不是可识别的台账")


def test_a_corrupt_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})
    corrupt = tmp_path / "损坏.xlsx"
    corrupt.write_bytes(good.read_bytes()[:2000])
    result = run_cli("load", str(corrupt), db=tmp_path / "w.sqlite")
    assert_one_line_error(result, "「损坏.xlsx」", "无法读取")
    not_zip = tmp_path / "假的.xlsx"
    not_zip.write_text("这不是 Excel 文件")
    assert not zipfile.is_zipfile(not_zip)
    assert_one_line_error(run_cli("load", str(not_zip), db=tmp_path / "w.sqlite"), "「假的.xlsx」")


def test_an_empty_file(tmp_path):
    (tmp_path / "空.csv").write_bytes(b"")
    assert_one_line_error(run_cli("load", str(tmp_path / "空.csv"), db=tmp_path / "w.sqlite"), "「空.csv」", "文件为空")


def test_one_bad_file_among_good_ones_still_loads_the_good_ones(tmp_path):
    db = tmp_path / "w.sqlite"
    write_divisions(tmp_path)
    (tmp_path / "坏.csv").write_text("随便,什么\n1,2\n", encoding="utf-8")
    result = run_cli("load", str(tmp_path), db=db)
    assert_one_line_error(result, "「坏.csv」", "不是可识别的台账")
    assert "区划名录" in result.stdout


def test_rejects_export_from_the_cli(tmp_path):
    db = tmp_path / "w.sqlite"
    write_divisions(tmp_path)
    write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, [clue_row(1, 所属乡镇="火星镇")])})
    assert run_cli("load", str(tmp_path), db=db).returncode == 0
    out = tmp_path / "拒收行.xlsx"
    result = run_cli("rejects", "--out", str(out), db=db)
    assert result.returncode == 0 and "已导出拒收行 1 条" in result.stdout
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("线索.xlsx", "线索", 2, "所属乡镇", "无法识别的乡镇“火星镇”（区划名录中没有此名称或代码）")
    bad = run_cli("rejects", "--out", str(tmp_path / "x.txt"), db=db)
    assert_one_line_error(bad, "xlsx")


def test_binary_garbage_named_csv(tmp_path):
    (tmp_path / "乱码.csv").write_bytes(bytes(range(256)) * 20)
    result = run_cli("load", str(tmp_path / "乱码.csv"), db=tmp_path / "w.sqlite")
    assert_one_line_error(result, "「乱码.csv」", "无法读取")


def test_the_sample_subcommand_writes_ledgers_that_load(tmp_path):
    from data_pipeline.__main__ import main

    assert main(["sample", "--out", str(tmp_path / "sample"), "--seed", "20230101"]) == 0
    ledgers = sorted(p.name for p in (tmp_path / "sample" / "ledgers").iterdir())
    assert "示范县问题线索台账.xlsx" in ledgers and len(ledgers) == 7
    result = run_cli("load", str(tmp_path / "sample" / "ledgers"), db=tmp_path / "w.sqlite")
    assert result.returncode == 0 and "拒收" in result.stdout and "✗" not in result.stdout
