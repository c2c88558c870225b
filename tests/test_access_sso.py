"""Single sign-on in a real browser, through st.login and a real OIDC provider (oauth2-mock-server):
a warehouse user comes in with the warehouse's role and township, an unknown or disabled one is
refused in Chinese and sees no data, signing out ends it, and st.login's cookie never outlives the
hand-over. The app is served at a base path too."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from access.users import set_active
from tests.browser import served_app, sign_in
from tests.oidc_provider import running_provider
from tests.signed_in import ensure_test_user
from warehouse.schema import audit_events

pytestmark = pytest.mark.browser
QINGSHI = "990101101"
ST_LOGIN_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as running:
        yield running


@pytest.fixture(scope="module")
def warehouse(sample_db_url):
    from warehouse.engine import get_engine

    engine = get_engine(sample_db_url)
    ensure_test_user(engine, "乡镇", QINGSHI, username="qingshi_sso")
    ensure_test_user(engine, "纪委", username="disabled_sso")
    set_active(engine, "disabled_sso", False, actor="测试")
    return engine


def _serve(provider, sample_db_url, folder, base_path: str = ""):
    secrets = provider.auth_secrets(folder / "secrets.toml", base_path)  # outside the project: nothing left behind
    return served_app(sample_db_url, folder / "server.log", signed_in_role=None, base_path=base_path,
                      extra_env={"STREAMLIT_SECRETS_FILES": str(secrets)})


@pytest.fixture(scope="module")
def sso_server(provider, warehouse, sample_db_url, tmp_path_factory):
    with _serve(provider, sample_db_url, tmp_path_factory.mktemp("sso")) as url:
        yield url


def cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def last_audit_event(engine, user_name: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(audit_events).where(audit_events.c.user_name == user_name)
                           .order_by(audit_events.c.event_id.desc())).mappings().first()
    return {**row, "detail": json.loads(row["detail"])}


def sign_in_through_the_provider(page) -> None:
    expect(page.get_by_label("用户名")).to_be_visible()  # the password form stays, with the other way beside it
    page.get_by_role("link", name="统一身份认证登录").click()


def test_a_township_user_signs_in_through_sso_from_a_deep_link_and_sees_only_its_township(sso_server, provider,
                                                                                          warehouse, page):
    provider.signs_in_as(sub="u-1001", preferred_username="qingshi_sso", name="青石镇 纪检委员")
    page.goto(f"{sso_server}/cases?granularity=季&period=2024年第三季度")
    sign_in_through_the_provider(page)
    expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
    assert page.url.startswith(f"{sso_server}/cases")  # the deep link came back through the provider
    assert any(url.startswith(f"{provider.url}/authorize") for url in page.requested_urls)
    expect(page.get_by_text("青石镇 · 2024年第三季度")).to_be_visible()
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("当前用户：测试乡镇（乡镇）")).to_be_visible()  # the warehouse's role and name
    assert "柳河乡" not in sidebar.inner_text() and "用户管理" not in sidebar.inner_text()
    cookies = cookie_names(page)
    assert "dashboard_session" in cookies and not cookies & set(ST_LOGIN_COOKIES)  # one session, st.login's is gone
    event = last_audit_event(warehouse, "qingshi_sso")
    assert event["action"] == "sign_in" and event["detail"]["method"] == "sso"
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("请先登录")).to_be_visible(timeout=30_000)
    page.reload()  # the session has ended: the sign-in page, not the provider's identity again
    expect(page.get_by_label("用户名")).to_be_visible()
    assert "/auth/sign-in" in page.url
    assert last_audit_event(warehouse, "qingshi_sso")["action"] == "sign_out"


@pytest.mark.parametrize("username", ["stranger", "disabled_sso"])
def test_a_user_unknown_to_the_warehouse_or_disabled_is_refused_in_chinese_and_sees_no_data(sso_server, provider,
                                                                                            warehouse, page, username):
    provider.signs_in_as(sub=f"u-{username}", preferred_username=username)
    page.goto(f"{sso_server}/?township=柳河乡")
    sign_in_through_the_provider(page)
    expect(page.get_by_role("alert")).to_have_text(
        f"统一身份认证用户“{username}”未开通本看板账号或账号已停用，请联系管理员。")
    body = page.locator("body").inner_text()
    assert "柳河乡" not in body and "线索数" not in body and "Traceback" not in body
    assert not cookie_names(page) & {"dashboard_session", *ST_LOGIN_COOKIES}
    assert not any("/_stcore/stream" in url for url in page.requested_urls)
    event = last_audit_event(warehouse, username)
    assert event["action"] == "sign_in_failed" and event["detail"]["method"] == "sso"
    page.goto(f"{sso_server}/")  # nothing is left to sign in with
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_provider_that_refuses_leaves_the_user_on_the_sign_in_page_told_so_in_chinese(sso_server, provider, page):
    provider.signs_in_as(error="access_denied")  # the person cancelled at the provider
    page.goto(f"{sso_server}/cases")
    sign_in_through_the_provider(page)
    expect(page.get_by_role("alert")).to_have_text("统一身份认证未完成或已超时，请重新登录。")
    assert page.locator("input[name=next]").input_value() == "/cases"  # the deep link is still the way back
    assert not cookie_names(page) & {"dashboard_session", "dashboard_sso_next", *ST_LOGIN_COOKIES}
    page.reload()  # said once
    expect(page.get_by_role("alert")).to_have_count(0)


def test_st_logins_cookie_alone_opens_no_data_and_sign_out_clears_it(sso_server, page):
    page.context.add_cookies([{"name": name, "value": "forged", "url": sso_server} for name in ST_LOGIN_COOKIES])
    for path in ("/media/0123456789abcdef.png", "/_stcore/upload_file/x/y"):
        request = urllib.request.Request(sso_server + path, headers={"Cookie": "_streamlit_user=forged"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    page.goto(f"{sso_server}/")  # a forged cookie is not st.login's: refused, and deleted
    expect(page.get_by_role("alert")).to_have_text("统一身份认证未完成或已超时，请重新登录。")
    assert not cookie_names(page) & set(ST_LOGIN_COOKIES)
    page.context.add_cookies([{"name": name, "value": "left-over", "url": sso_server} for name in ST_LOGIN_COOKIES])
    page.goto(f"{sso_server}/auth/sign-out")
    expect(page.get_by_label("用户名")).to_be_visible()
    assert not cookie_names(page) & {"dashboard_session", *ST_LOGIN_COOKIES}


def test_at_a_base_path_both_ways_of_signing_in_and_the_sign_out_stay_under_it(provider, warehouse, sample_db_url,
                                                                             tmp_path_factory, page):
    with _serve(provider, sample_db_url, tmp_path_factory.mktemp("sso_base"), base_path="/dash") as base_url:
        assert base_url.endswith("/dash")
        page.goto(f"{base_url}/cases?granularity=季&period=2024年第三季度")
        assert "/dash/auth/sign-in?next=%2Fdash%2Fcases" in page.url
        sign_in(page, "qingshi_sso")
        expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
        assert page.url.startswith(f"{base_url}/cases")
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_role("link", name="前往登录页")).to_have_attribute("href", "/dash/auth/sign-in")
        page.reload()  # as the page says: a reload goes to the sign-in page, under the base path
        assert "/dash/auth/sign-in" in page.url
        provider.signs_in_as(sub="u-1001", preferred_username="qingshi_sso")
        sign_in_through_the_provider(page)
        expect(page.get_by_role("heading", name="案件统计")).to_be_visible(timeout=30_000)
        assert page.url.startswith(f"{base_url}/cases")  # the deep link again, through the provider this time
        expect(page.get_by_text("青石镇 · 2024年第三季度")).to_be_visible()
        session = next(c for c in page.context.cookies() if c["name"] == "dashboard_session")
        assert session["path"] == "/dash" and not cookie_names(page) & set(ST_LOGIN_COOKIES)
        for path in ("/dash/media/0123456789abcdef.png", "/dash/_stcore/upload_file/x/y"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base_url.removesuffix("/dash") + path, timeout=10)
            assert refused.value.code == 401
