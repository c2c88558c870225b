"""Signing in, in a real browser: nothing without a session, a deep link comes back after signing in,
a reload keeps the session, signing out ends every tab, and typed payloads run nothing."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser import served_app, sign_in, wait_for_page
from tests.signed_in import TEST_PASSWORD, ensure_test_user

pytestmark = pytest.mark.browser
QINGSHI = "990101101"
PAGES = ("", "cases", "rectification", "satisfaction", "ranking", "heatmap", "bulletin")


@pytest.fixture(scope="module")
def unsigned_server(sample_db_url, tmp_path_factory):
    from warehouse.engine import get_engine

    ensure_test_user(get_engine(sample_db_url), "乡镇", QINGSHI, username="qingshi_browser")
    with served_app(sample_db_url, tmp_path_factory.mktemp("access") / "server.log", signed_in_role=None) as url:
        yield url


def sign_in_form_shown(page) -> None:
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert "/auth/sign-in" in page.url


@pytest.mark.parametrize("query", ["", "?township=柳河乡&granularity=季&period=2024年第三季度"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_url_without_a_session_shows_the_sign_in_form_and_no_data(unsigned_server, page, path, query):
    page.goto(f"{unsigned_server}/{path}{query}")
    sign_in_form_shown(page)
    body = page.locator("body").inner_text()
    assert "柳河乡" not in body and "线索数" not in body
    assert not any("/_stcore/stream" in url for url in page.requested_urls)


def test_media_uploads_and_the_app_socket_are_refused_without_a_session(unsigned_server, page):
    for path in ("/media/0123456789abcdef.png", "/_stcore/upload_file/x/y"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned_server + path, timeout=10)
        assert refused.value.code == 401
    page.goto(f"{unsigned_server}/auth/sign-in")
    opened = page.evaluate("""url => new Promise(done => {
        const socket = new WebSocket(url);
        socket.onopen = () => done('opened');
        socket.onclose = event => done('closed ' + event.code);
        setTimeout(() => done('timeout'), 5000);
    })""", unsigned_server.replace("http", "ws") + "/_stcore/stream")
    assert opened.startswith("closed")


def test_without_auth_configured_nothing_about_single_sign_on_appears(unsigned_server, page):
    page.goto(f"{unsigned_server}/cases")
    sign_in_form_shown(page)
    assert "统一身份认证" not in page.locator("body").inner_text()
    page.goto(f"{unsigned_server}/auth/sso/start?next=%2Fcases")  # typed in anyway: back to the form
    sign_in_form_shown(page)
    page.context.add_cookies([{"name": "_streamlit_user", "value": "forged", "url": unsigned_server}])
    page.goto(f"{unsigned_server}/cases")  # st.login's cookie means nothing here
    sign_in_form_shown(page)
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_township_user_signs_in_from_a_deep_link_and_sees_only_its_township(unsigned_server, page, browser):
    page.goto(f"{unsigned_server}/cases?township=柳河乡&granularity=季&period=2024年第三季度")
    sign_in_form_shown(page)
    sign_in(page, "qingshi_browser", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
    assert "/cases" in page.url
    expect(page.get_by_text("青石镇 · 2024年第三季度")).to_be_visible()
    sidebar = page.locator("[data-testid=stSidebar]").inner_text()
    assert "柳河乡" not in sidebar and "整改推进" in sidebar
    assert "用户管理" not in sidebar and "审计日志" not in sidebar  # the 管理员's pages are not in its navigation
    cookie = next(c for c in page.context.cookies() if c["name"] == "dashboard_session")
    assert cookie["httpOnly"] and cookie["value"] not in page.url
    page.goto(f"{unsigned_server}/users")  # the 管理员's page, typed into the address bar
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="用户管理")).to_have_count(0)
    expect(page.get_by_text("没有找到页面“users”，或您没有查看它的权限；已为您打开总览。")).to_be_visible()
    assert "Page not found" not in page.locator("body").inner_text()  # not Streamlit's English dialog
    page.goto(f"{unsigned_server}/overview")  # the default page by its own id, as a bookmark may hold it
    wait_for_page(page, "总览")
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and "没有找到页面" not in body
    page.goto(f"{unsigned_server}/cases?township=柳河乡&granularity=季&period=2024年第三季度")
    expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
    page.reload()  # a reload keeps the session
    expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
    other_tab = page.context.new_page()
    other_tab.goto(f"{unsigned_server}/")
    expect(other_tab.get_by_role("heading", name="总览")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="退出登录").click()  # sign out in the first tab …
    expect(page.get_by_text("请先登录")).to_be_visible(timeout=30_000)
    other_tab.get_by_text("月", exact=True).first.click()  # … the other tab is out at its next rerun
    expect(other_tab.get_by_text("请先登录")).to_be_visible(timeout=30_000)
    other_tab.reload()
    sign_in_form_shown(other_tab)


@pytest.mark.parametrize("payload", ["' OR '1'='1' --", "<img src=x onerror=alert(1)>", "admin'; DROP TABLE users; --"])
def test_payloads_typed_into_the_form_change_nothing_and_run_no_script(unsigned_server, page, payload):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{unsigned_server}/")
    sign_in(page, payload, payload)
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误，或账号已停用。")
    assert page.get_by_label("用户名").input_value() == payload  # shown back as text
    assert page.locator("form img").count() == 0 and not dialogs
    sign_in(page, "qingshi_browser", TEST_PASSWORD)  # the users table is still there
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=30_000)


def test_two_users_alternating_in_two_browsers_never_see_each_others_results(unsigned_server, browser,
                                                                             sample_db_url):
    """The one cache is shared by every session; the scope in its key keeps a 乡镇 user out of the county's rows."""
    from warehouse.engine import get_engine

    ensure_test_user(get_engine(sample_db_url), "纪委", username="jiwei_browser")
    view = "/?granularity=季&period=2024年第三季度"
    county, township = browser.new_context(locale="zh-CN"), browser.new_context(locale="zh-CN")
    try:
        first, second = county.new_page(), township.new_page()
        for tab, name in ((first, "jiwei_browser"), (second, "qingshi_browser")):
            tab.goto(unsigned_server + view)
            sign_in(tab, name, TEST_PASSWORD)
        for _ in range(2):  # alternate: each rerun reads from the cache the other one has just filled
            for tab in (first, second):
                tab.reload()
                expect(tab.get_by_role("heading", name="总览")).to_be_visible(timeout=30_000)
                expect(tab.get_by_text("截至2024-09-30尚未办结")).to_be_visible(timeout=30_000)
            county_text = first.locator("[data-testid=stMain]").inner_text()
            township_text = second.locator("[data-testid=stMain]").inner_text()
            assert "全县 · 2024年第三季度" in county_text and "柳河乡" in county_text
            assert "青石镇 · 2024年第三季度" in township_text and "柳河乡" not in township_text.split("逾期整改事项")[0]
    finally:
        county.close()
        township.close()


def test_a_township_users_downloads_hold_only_its_township_with_names_masked_and_its_watermark(unsigned_server, page,
                                                                                              sample_db_url):
    """Every table and chart export of 总览, and the map's HTML, taken by a 乡镇 user of 青石镇."""
    import io

    from openpyxl import load_workbook

    from metrics.places import township_options
    from metrics.scope import Scope
    from warehouse.engine import get_engine

    towns = township_options(get_engine(sample_db_url), Scope.county())
    others = [name for name in towns["township_name"] if name != "青石镇"]
    page.goto(f"{unsigned_server}/?granularity=季&period=2024年第三季度")
    sign_in(page, "qingshi_browser", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("截至2024-09-30尚未办结")).to_be_visible(timeout=30_000)
    wait_for_page(page, "总览")
    buttons = (page.locator("[data-testid=stDownloadButton] button")
               .filter(has_text=re.compile("^下载(表格|数据)$")).filter(visible=True))  # not in a closed expander
    # the backlog's 下载表格, the overdue chart's 下载数据, the villages' 下载表格
    expect(buttons.nth(2)).to_be_visible(timeout=30_000)
    masked_columns = 0
    for index in range(buttons.count()):
        button = buttons.nth(index)
        with page.expect_download(timeout=60_000) as download:
            button.click()
        sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        text = "\n".join(cells)
        assert "内部资料 注意保密" in text and "测试乡镇" in text, download.value.suggested_filename
        leaked = [name for name in others if name in text]
        assert not leaked, (download.value.suggested_filename, leaked)
        header = [str(c.value) for c in sheet[4]]
        if "被反映人" in header:
            column = header.index("被反映人")
            names = [row[column] for row in sheet.iter_rows(min_row=5, values_only=True) if row[column]]
            assert names and all("*" in name for name in names)
            masked_columns += 1
    assert masked_columns >= 1  # the red and supervised backlog's 被反映人 was among them
    page.goto(f"{unsigned_server}/heatmap?granularity=季&period=2024年第三季度")
    wait_for_page(page, "线索热力图")
    try:
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile("^下载离线地图")).click()
    except PlaywrightTimeoutError:  # say what the button showed instead of a download
        raise AssertionError(page.locator("[data-testid=stDownloadButton]").last.inner_text()) from None
    document = open(download.value.path(), encoding="utf-8").read()
    assert "内部资料 注意保密" in document and "青石镇" in document
    assert not [name for name in others if name in document]


def test_an_unreachable_database_reads_as_one_chinese_line_on_a_deep_link(page, tmp_path):
    """The first request of a fresh server is a deep link (its page runs alone): still no traceback."""
    import socket

    from access.sessions import COOKIE_NAME

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe closes
    url = f"postgresql+psycopg://dash:secret@127.0.0.1:{port}/county"
    with served_app(url, tmp_path / "server.log", signed_in_role=None) as base_url:
        page.context.add_cookies([{"name": COOKIE_NAME, "value": "a-session-the-server-cannot-check",
                                   "url": base_url}])
        page.goto(f"{base_url}/cases?township=柳河乡")
        expect(page.get_by_text("数据库暂时无法连接，请稍后重试或联系管理员。")).to_be_visible(timeout=30_000)
        body = page.locator("body").inner_text()
        assert "OperationalError" not in body and "Traceback" not in body and str(port) not in body
        assert "This app has encountered an error" not in body
