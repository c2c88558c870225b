"""The server's log: one file under the data folder; the clerk still reads one Chinese line.

A CLI's failure is one Chinese line on stderr and its traceback in ``dashboard.log``; no row
contents (a whistleblower, a name) and no statement parameters ever reach the log.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from config.logs import LOG_FILE_NAME, configure_logging
from tests.ledger_files import CLUE_HEADER, clue_row, write_divisions, write_xlsx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root_logger():
    """The root logger as the test found it: handlers, level."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def run(module: str, *args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env["DASHBOARD_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_chinese_line(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_configure_logging_writes_to_dashboard_log_in_the_data_folder(tmp_path, monkeypatch, root_logger):
    data_dir = tmp_path / "新建数据目录"
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DASHBOARD_LOG_LEVEL", "warning")
    path = configure_logging()
    assert path == data_dir / LOG_FILE_NAME and data_dir.is_dir()  # the folder is made
    logging.getLogger("tests.somewhere").info("not at WARNING")
    logging.getLogger("tests.somewhere").warning("Ledger %s not read", "青石镇.xlsx")
    for handler in root_logger.handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(" WARNING tests.somewhere: Ledger 青石镇.xlsx not read")
    assert lines[0][:4].isdigit() and lines[0][4] == "-"  # begins with the time


def test_configure_logging_twice_attaches_its_handlers_once(tmp_path, monkeypatch, root_logger):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    configure_logging()
    before = list(root_logger.handlers)
    configure_logging()
    assert root_logger.handlers == before
    files = [h for h in root_logger.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert [Path(h.baseFilename) for h in files] == [tmp_path / LOG_FILE_NAME]
    assert any(type(h) is logging.StreamHandler for h in root_logger.handlers)  # and stderr
    assert root_logger.level == logging.INFO  # the default log_level


def test_a_failed_statement_is_logged_without_its_parameters(tmp_path, monkeypatch, root_logger):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    path = configure_logging(stderr=False)
    engine = create_engine("sqlite://")
    row = {"case_id": "A-1", "name": "王大锤"}  # not on a line the traceback quotes
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (case_id TEXT PRIMARY KEY, person_name TEXT)"))
        conn.execute(text("INSERT INTO people VALUES (:case_id, :name)"), row)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people VALUES (:case_id, :name)"), row)
    except IntegrityError:
        logging.getLogger("tests.load").exception("Load failed")
    logged = path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "UNIQUE constraint failed" in logged
    assert "王大锤" not in logged and "parameters hidden" in logged


def test_an_export_that_loses_its_as_of_stamp_to_a_database_error_says_so_in_the_log(caplog):
    import streamlit as st

    from metrics.scope import Scope
    from ui import downloads
    from ui.frame import _FRAME_KEY

    class FrameWithoutDatabase:
        engine_url = "sqlite://"
        scope = Scope.county(user_name="钱纪检")

        @property
        def as_of(self):
            raise OperationalError("SELECT max(received_date) FROM clues", {}, Exception("database is locked"))

    st.session_state[_FRAME_KEY] = FrameWithoutDatabase()
    try:
        with caplog.at_level(logging.WARNING, logger="ui.downloads"):
            assert downloads._context() == ("sqlite://", "钱纪检", None)  # the buttons still work
    finally:
        del st.session_state[_FRAME_KEY]
    (record,) = [r for r in caplog.records if r.name == "ui.downloads"]
    assert "no 数据截至 stamp" in record.getMessage() and record.exc_info[0] is OperationalError


def test_a_file_that_is_not_a_ledger_is_one_chinese_line_and_a_traceback_in_the_log(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "年龄"])
    workbook.active.append(["张三", 30])
    workbook.save(tmp_path / "通讯录.xlsx")
    result = run("data_pipeline", "load", str(tmp_path / "通讯录.xlsx"), "--db", f"sqlite:///{tmp_path / 'w.sqlite'}",
                 data_dir=tmp_path / "data")
    assert_one_chinese_line(result, "不是可识别的台账")
    logged = (tmp_path / "data" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "WARNING data_pipeline.load: File 通讯录.xlsx not read" in logged
    assert "Traceback" in logged and "LedgerReadError" in logged
    assert "张三" not in logged  # the rows are never logged


def test_a_bad_path_and_a_corrupt_file_leave_their_tracebacks_in_the_log(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"线索": (CLUE_HEADER, [clue_row(1)])})
    (tmp_path / "损坏.xlsx").write_bytes(good.read_bytes()[:2000])
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    assert_one_chinese_line(run("data_pipeline", "load", str(tmp_path / "不存在.xlsx"), "--db", db,
                                data_dir=tmp_path / "data"), "文件不存在")
    assert_one_chinese_line(run("data_pipeline", "load", str(tmp_path / "损坏.xlsx"), "--db", db,
                                data_dir=tmp_path / "data"), "无法读取")
    logged = (tmp_path / "data" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "File 不存在.xlsx not read" in logged and "File 损坏.xlsx not read" in logged
    assert logged.count("Traceback") >= 2


def test_a_loaded_ledger_logs_its_counts_never_its_whistleblower(tmp_path):
    write_divisions(tmp_path)
    write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(1, 反映人="赵举报", 联系电话="13900001111"),
        clue_row(2, 受理日期="2024-02-30", 反映人="钱举报", 联系电话="13900002222"),  # rejected
    ])})
    result = run("data_pipeline", "load", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'w.sqlite'}",
                 data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    logged = (tmp_path / "data" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "INFO data_pipeline.load: Loaded 线索.xlsx (clues)" in logged and "3 rows read, 1 loaded, 1 rejected" in logged
    for secret in ("赵举报", "钱举报", "13900001111", "13900002222", "李某"):
        assert secret not in logged


def test_a_boundary_file_that_is_missing_is_one_chinese_line_and_a_traceback_in_the_log(tmp_path):
    result = run("geo", "load-boundaries", str(tmp_path / "乡镇界线.geojson"), "--level", "township",
                 "--db", f"sqlite:///{tmp_path / 'w.sqlite'}", data_dir=tmp_path / "data")
    assert_one_chinese_line(result, "错误：")
    logged = (tmp_path / "data" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "geo.__main__: Boundary file 乡镇界线.geojson not loaded" in logged and "Traceback" in logged
