"""The data desk in a real browser: a 管理员 uploads a messy ledger set and reads the summary and the
rejects, a 乡镇 user's file loses another township's rows, an .exe and an oversized file are refused in
Chinese, and a batch is undone from the history."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser import save_screenshot, served_app, sign_in, wait_for_page
from tests.ledger_files import CASE_HEADER, CLUE_HEADER, case_row, clue_row, write_csv, write_divisions, write_xlsx
from tests.signed_in import ensure_test_user
from tests.test_pipeline_load import messy_clue_file

pytestmark = pytest.mark.browser
QINGSHI = "990101101"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A served app on a small county warehouse (its 区划名录 loaded), uploads limited to 1 MB."""
    from data_pipeline.load import load_paths
    from warehouse.engine import get_engine

    folder = tmp_path_factory.mktemp("desk")
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    engine = get_engine(url)
    load_paths([write_divisions(folder)], engine)
    ensure_test_user(engine, "管理员", username="desk_admin")
    ensure_test_user(engine, "乡镇", QINGSHI, username="desk_qingshi")
    with served_app(url, folder / "server.log", signed_in_role=None,
                    extra_env={"DASHBOARD_DESK_UPLOAD_LIMIT_MB": "1"}) as base_url:
        yield base_url, url, folder


def sign_in_to_the_desk(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/desk")
    sign_in(page, username)
    wait_for_page(page, "数据报送")


def upload(page, paths) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(p) for p in paths])
    for path in paths:
        expect(page.get_by_text(path.name).first).to_be_visible(timeout=30_000)


def test_a_manager_uploads_a_messy_ledger_set_and_reads_the_summary_and_the_rejects(desk, page, tmp_path):
    from openpyxl import load_workbook

    base_url, _url, _folder = desk
    clues = messy_clue_file(tmp_path)  # title rows, blank rows, 合计, 4 bad rows
    cases = write_csv(tmp_path / "青石镇案件台账.csv", CASE_HEADER, [case_row("AJ-1"), case_row("AJ-2")],
                      encoding="gbk", title="青石镇案件台账")
    sign_in_to_the_desk(page, base_url, "desk_admin")
    upload(page, [clues, cases])
    page.get_by_role("button", name="开始加载").click()
    expect(page.get_by_text("本次加载结果")).to_be_visible(timeout=60_000)
    wait_for_page(page, "数据报送")
    summary = page.locator("[data-testid=stTable]").inner_text()
    assert "青石镇问题线索台账.xlsx" in summary and "青石镇案件台账.csv" in summary
    assert "20=8+4+8 ✓" in summary and "4=2+0+2 ✓" in summary  # read = loaded + rejected + structural
    expect(page.get_by_text("拒收行（6条原因）")).to_be_visible()
    save_screenshot(page, "desk_upload")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=re.compile("^下载拒收行")).click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    reasons = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "无法识别的日期“2024-13-01”" in reasons and len(reasons) == 6


def test_a_township_users_upload_rejects_another_townships_rows(desk, page, tmp_path):
    base_url, url, _folder = desk
    mixed = write_xlsx(tmp_path / "青石镇八月线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(101, 受理日期="2024-08-02"),
        clue_row(102, 受理日期="2024-08-03", 所属乡镇="白马乡", **{"所属村(社区)": "白马村"})])})
    sign_in_to_the_desk(page, base_url, "desk_qingshi")
    upload(page, [mixed])
    page.get_by_role("button", name="开始加载").click()
    expect(page.get_by_text("拒收行（1条原因）")).to_be_visible(timeout=60_000)
    wait_for_page(page, "数据报送")
    assert "3=1+1+1 ✓" in page.locator("[data-testid=stTable]").inner_text()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=re.compile("^下载拒收行")).click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert [row[2:5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [(3, "所属乡镇", "不属于本乡镇")]
    from sqlalchemy import select

    from warehouse import schema
    from warehouse.engine import get_engine

    with get_engine(url).connect() as conn:
        stored = conn.execute(select(schema.clues.c.clue_id, schema.clues.c.township_code)
                              .where(schema.clues.c.clue_id.in_(["XS-2024-0101", "XS-2024-0102"]))).all()
    assert stored == [("XS-2024-0101", QINGSHI)]


def test_an_exe_and_an_oversized_file_are_refused_in_chinese(desk, page, tmp_path):
    base_url, _url, _folder = desk
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + b"\0" * 100)
    big = tmp_path / "全年线索.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 10))
    sign_in_to_the_desk(page, base_url, "desk_admin")
    upload(page, [program, big])
    expect(page.get_by_text("「setup.exe」不是台账文件：只接受 .xlsx、.xls、.csv 文件")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("「全年线索.csv」有 1.0 MB，超过上传上限 1 MB，请拆分后再上传")).to_be_visible()
    expect(page.get_by_role("button", name="开始加载")).to_be_disabled()


def test_a_township_users_template_offers_only_its_own_township_and_villages(desk, page):
    from openpyxl import load_workbook

    base_url, _url, _folder = desk
    sign_in_to_the_desk(page, base_url, "desk_qingshi")
    page.get_by_role("tab", name="填报模板").click()
    assert page.get_by_role("button", name="下载区划名录模板").count() == 0  # the county's, a 管理员's
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载问题线索台账模板").click()
    assert download.value.suggested_filename.startswith("青石镇问题线索台账（填报模板）")
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = workbook["问题线索台账"]
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert '"青石镇"' in lists  # its township column offers its own township only
    assert '"青石村,石桥村"' in lists  # and its villages, not 东门社区 or 白马村


def test_a_header_confirmed_once_on_the_desk_is_not_asked_for_next_month(desk, page, tmp_path):
    """线索编号(系统生成) is no spelling rule's: the desk suggests it, the clerk confirms, the county remembers."""
    base_url, _url, _folder = desk
    header = ["线索编号(系统生成)" if h == "线索编号" else h for h in CLUE_HEADER]
    september = write_xlsx(tmp_path / "青石镇九月线索.xlsx", {"线索": (header, [
        clue_row(201, 受理日期="2024-09-02"), clue_row(202, 受理日期="2024-09-03")])})
    october = write_xlsx(tmp_path / "青石镇十月线索.xlsx", {"线索": (header, [clue_row(203, 受理日期="2024-10-08")])})
    sign_in_to_the_desk(page, base_url, "desk_admin")
    upload(page, [september])
    page.get_by_role("button", name="开始加载").click()
    expect(page.get_by_text("确认表头：青石镇九月线索.xlsx")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("最接近问题线索台账，缺少必填表头“线索编号”.*请在下方确认表头后重新加载。$"))
           ).to_be_visible()
    assert page.get_by_text(re.compile("--map")).count() == 0  # the command line's hint is the form here
    choice = page.get_by_role("combobox", name="“线索编号”对应文件中的")
    assert choice.input_value() == "“线索编号(系统生成)”"  # the suggestion, offered not applied
    save_screenshot(page, "desk_mapping")
    page.get_by_role("button", name="确认表头并重新加载").click()
    expect(page.get_by_text("确认表头：青石镇九月线索.xlsx")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-testid=stTable]")).to_contain_text("3=2+0+1 ✓", timeout=60_000)  # 2 rows, the header
    upload(page, [october])
    page.get_by_role("button", name="开始加载").click()
    # the September summary is still on screen until the load's rerun replaces it
    expect(page.locator("[data-testid=stTable]")).to_contain_text("青石镇十月线索.xlsx", timeout=60_000)
    wait_for_page(page, "数据报送")
    assert "2=1+0+1 ✓" in page.locator("[data-testid=stTable]").inner_text()
    assert page.get_by_text("确认表头：青石镇十月线索.xlsx").count() == 0
