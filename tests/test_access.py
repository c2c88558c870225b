"""Sign-in, sessions and users: Argon2id, throttling, idle and absolute limits, fail closed, audited."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from access import users
from access.passwords import PasswordError
from access.sessions import check_session, end_session, start_session
from access.signin import FAILED, LOCKED, MAX_FAILURES, SSO_NO_NAME, SSO_REFUSED, SignInResult, sign_in, sign_in_sso
from tests.conftest import PROJECT_ROOT
from tests.metrics_fixture import B, build_metrics_warehouse
from warehouse import schema

PASSWORD = "Qingshi2026"


@pytest.fixture
def engine(empty_engine):
    build_metrics_warehouse(empty_engine)
    users.add_user(empty_engine, username="QingShi", role="乡镇", township_code=B, password=PASSWORD,
                   actor="管理员甲", display_name="青石镇纪委")
    return empty_engine


def audit(engine, action: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit_events).order_by(schema.audit_events.c.event_id)).mappings().all()
    return [{**r, "detail": json.loads(r["detail"])} for r in rows if action is None or r["action"] == action]


def every_stored_text(engine) -> str:
    """Every value of every table, as text: where a password must never be."""
    parts = []
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            parts.extend(str(row) for row in conn.execute(select(table)))
    return "\n".join(parts)


def test_a_user_is_stored_with_an_argon2id_hash_and_the_change_is_audited(engine):
    with engine.connect() as conn:
        stored = conn.execute(select(schema.users).where(schema.users.c.username == "qingshi")).mappings().one()
    assert stored["password_hash"].startswith("$argon2id$") and stored["role"] == "乡镇"
    assert (stored["township_code"], stored["created_by"], stored["is_active"]) == (B, "管理员甲", True)
    (added,) = audit(engine, "user_change")
    assert added["user_name"] == "管理员甲" and added["detail"] == {
        "change": "add", "username": "qingshi", "role": "乡镇", "township_code": B, "county_code": B[:6]}
    assert PASSWORD not in every_stored_text(engine)


@pytest.mark.parametrize(("role", "township", "message"), [
    ("乡镇", None, "乡镇用户必须用 --township 指定所属乡镇"),
    ("乡镇", "990101999", "乡镇代码“990101999”不在区划名录中"),
    ("纪委", B, "纪委用户不属于某个乡镇"),
    ("书记", None, "未知角色：书记"),
])
def test_a_user_without_a_valid_role_and_township_is_refused(engine, role, township, message):
    with pytest.raises(users.UserError, match=message):
        users.add_user(engine, username="new", role=role, township_code=township, password=PASSWORD, actor="甲")


def test_a_weak_password_and_a_taken_name_are_refused(engine):
    with pytest.raises(PasswordError, match="至少 8 位"):
        users.add_user(engine, username="new", role="纪委", password="a1", actor="甲")
    with pytest.raises(users.UserError, match="用户名“qingshi”已存在"):
        users.add_user(engine, username="qingshi", role="纪委", password=PASSWORD, actor="甲")


def test_signing_in_starts_a_session_whose_scope_is_the_users_township(engine):
    result = sign_in(engine, " QINGSHI ", PASSWORD, "10.0.0.8")
    assert result.message == "" and result.token
    signed_in = check_session(engine, result.token)
    assert signed_in.scope().township_code == B and signed_in.scope().role == "乡镇"
    assert signed_in.scope().user_name == "青石镇纪委"
    with engine.connect() as conn:
        stored = conn.execute(select(schema.user_sessions.c.token_sha256)).scalars().all()
    assert result.token not in stored and len(stored) == 1  # only the token's hash is kept
    (event,) = audit(engine, "sign_in")
    assert event["user_name"] == "qingshi" and event["detail"] == {"client": "10.0.0.8", "method": "password"}


def test_an_unknown_name_and_a_wrong_password_read_the_same(engine):
    assert sign_in(engine, "nobody", PASSWORD, "10.0.0.8").message == FAILED
    assert sign_in(engine, "qingshi", "wrong-password-1", "10.0.0.9").message == FAILED
    assert [e["user_name"] for e in audit(engine, "sign_in_failed")] == ["nobody", "qingshi"]
    assert "wrong-password-1" not in every_stored_text(engine)


def test_the_sixth_attempt_in_five_minutes_is_refused_even_with_the_right_password(engine):
    for _ in range(MAX_FAILURES):
        assert sign_in(engine, "qingshi", "wrong-password-1", "10.0.0.8").token is None
    refused = sign_in(engine, "qingshi", PASSWORD, "10.0.0.20")  # another client: the name is locked
    assert (refused.token, refused.message) == (None, LOCKED)
    assert sign_in(engine, "nobody", PASSWORD, "10.0.0.8").message == LOCKED  # and so is the client
    assert len(audit(engine, "sign_in_failed")) == MAX_FAILURES and len(audit(engine, "sign_in_locked")) == 2
    with engine.begin() as conn:  # five minutes later the failures have aged out of the window
        conn.execute(update(schema.sign_in_attempts).values(
            attempted_at=schema.sign_in_attempts.c.attempted_at - timedelta(minutes=6)))
    assert sign_in(engine, "qingshi", PASSWORD, "10.0.0.8").token


def test_a_session_ends_when_idle_too_long_or_too_old(engine, monkeypatch):
    token = start_session(engine, "qingshi")
    now = datetime.now()
    assert check_session(engine, token, now=now + timedelta(minutes=29)) is not None
    assert check_session(engine, token, now=now + timedelta(minutes=29 + 31)) is None  # 31 idle minutes
    assert check_session(engine, token) is None  # and it stays ended
    monkeypatch.setenv("DASHBOARD_SESSION_IDLE_MINUTES", "600")
    old = start_session(engine, "qingshi")
    assert check_session(engine, old, now=now + timedelta(hours=8, minutes=1)) is None  # past the 8 hours


def test_sign_out_or_disabling_the_user_ends_every_session(engine):
    first, second = start_session(engine, "qingshi"), start_session(engine, "qingshi")
    assert end_session(engine, first) == "qingshi"
    assert check_session(engine, first) is None and check_session(engine, second) is None  # every tab
    assert end_session(engine, second) is None  # already out: nothing more to end or to audit
    assert [e["user_name"] for e in audit(engine, "sign_out")] == ["qingshi"]  # one row per sign-out
    third = start_session(engine, "qingshi")
    users.set_active(engine, "qingshi", False, actor="管理员甲")
    assert check_session(engine, third) is None
    assert sign_in(engine, "qingshi", PASSWORD, "10.0.0.8").message == FAILED
    users.set_active(engine, "qingshi", True, actor="管理员甲")
    assert sign_in(engine, "qingshi", PASSWORD, "10.0.0.8").token
    assert [e["detail"]["change"] for e in audit(engine, "user_change")] == ["add", "disable", "enable"]


def test_a_township_user_whose_township_is_gone_cannot_sign_in_or_keep_a_session(engine):
    token = start_session(engine, "qingshi")
    with engine.begin() as conn:  # the township is no longer in the warehouse's 区划名录
        conn.execute(update(schema.users).values(township_code="990101999"))
    assert check_session(engine, token) is None  # fail closed: never the county view
    assert sign_in(engine, "qingshi", PASSWORD, "10.0.0.8").token is None


def test_a_user_the_identity_provider_signed_in_gets_the_warehouse_users_session_and_scope(engine):
    result = sign_in_sso(engine, " QingShi ", "10.0.0.8")  # the claim's value, as the provider spells it
    signed_in = check_session(engine, result.token)
    assert result.message == "" and signed_in.username == "qingshi"
    assert signed_in.scope().role == "乡镇" and signed_in.scope().township_code == B  # the warehouse's, not a claim's
    (event,) = audit(engine, "sign_in")
    assert event["user_name"] == "qingshi" and event["detail"] == {"client": "10.0.0.8", "method": "sso"}
    for _ in range(MAX_FAILURES):  # the password throttle is the password's: it does not lock the provider out
        sign_in(engine, "qingshi", "wrong-password-1", "10.0.0.8")
    assert sign_in_sso(engine, "qingshi", "10.0.0.8").token


def test_an_unknown_disabled_or_township_less_user_of_the_provider_is_refused_and_audited(engine):
    assert sign_in_sso(engine, "stranger", "10.0.0.8") == SignInResult(None, SSO_REFUSED.format(name="stranger"))
    assert sign_in_sso(engine, None, "10.0.0.8").message == SSO_NO_NAME  # the claim is missing
    assert sign_in_sso(engine, ["qingshi"], "10.0.0.8").message == SSO_NO_NAME  # or not text
    users.set_active(engine, "qingshi", False, actor="管理员甲")
    assert sign_in_sso(engine, "qingshi", "10.0.0.8").token is None
    users.set_active(engine, "qingshi", True, actor="管理员甲")
    with engine.begin() as conn:  # the township is no longer in the warehouse's 区划名录: fail closed
        conn.execute(update(schema.users).values(township_code="990101999"))
    assert sign_in_sso(engine, "qingshi", "10.0.0.8").message == SSO_REFUSED.format(name="qingshi")
    failures = audit(engine, "sign_in_failed")
    assert [e["user_name"] for e in failures] == ["stranger", "（空）", "（空）", "qingshi", "qingshi"]
    assert {e["detail"]["method"] for e in failures} == {"sso"} and not audit(engine, "sign_in")
    with engine.connect() as conn:
        assert conn.execute(select(schema.user_sessions)).first() is None


def test_st_logins_cookie_is_read_only_when_streamlit_signed_it_and_only_just_after(monkeypatch):
    import time

    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    from access import sso

    def cookie(claims: dict, secret: str | None = None) -> dict[str, str]:
        signed = create_signed_value(secret or get_cookie_secret(), "_streamlit_user", json.dumps(claims))
        return {"_streamlit_user": signed.decode()}

    claims = {"preferred_username": "qingshi", "is_logged_in": True, "provider": "default"}
    fresh = cookie(claims)
    assert sso.identity(fresh) == claims
    assert sso.identity(cookie(claims, secret="another-secret-0123456789")) is None  # not signed by this server
    assert sso.identity({"_streamlit_user": fresh["_streamlit_user"][:-3] + "abc"}) is None  # tampered
    assert sso.identity(cookie({**claims, "is_logged_in": False})) is None
    assert sso.identity({}) is None
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + sso.HANDOFF.total_seconds() + 60)
    assert sso.identity(fresh) is None  # set by the callback too long ago: no session from an old cookie


def test_an_error_st_login_answers_in_english_reaches_the_user_as_the_sign_in_page_in_chinese():
    import asyncio

    from starlette.responses import PlainTextResponse

    from access.web import SSO_UNAVAILABLE, SessionGate

    async def st_login_without_its_provider(scope, receive, send):  # what Streamlit's /auth/login answers then
        await PlainTextResponse("Authentication error", status_code=400)(scope, receive, send)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/auth/login", "query_string": b"provider=x",
             "headers": [(b"cookie", b"dashboard_sso_next=%2Fcases")], "scheme": "http", "server": ("127.0.0.1", 80)}
    asyncio.run(SessionGate(st_login_without_its_provider)(scope, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:]).decode("utf-8")
    assert start["status"] == 503 and len([m for m in sent if m["type"] == "http.response.start"]) == 1
    assert SSO_UNAVAILABLE in body and "Authentication error" not in body
    assert 'name="next" value="/cases"' in body  # the page asked for is still the one to go back to


def test_a_password_reset_ends_the_sessions_and_only_the_new_password_works(engine):
    token = start_session(engine, "qingshi")
    users.reset_password(engine, "qingshi", "Another2027", actor="管理员甲")
    assert check_session(engine, token) is None
    assert sign_in(engine, "qingshi", PASSWORD, "10.0.0.8").token is None
    assert sign_in(engine, "qingshi", "Another2027", "10.0.0.8").token
    assert "Another2027" not in every_stored_text(engine)


def _cli(db_dir, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"DASHBOARD_DATA_DIR": str(db_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "access", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=env, timeout=120)


def test_the_command_line_adds_lists_disables_and_says_what_is_wrong_in_one_chinese_line(tmp_path):
    from warehouse.engine import get_engine

    build_metrics_warehouse(get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}"))
    added = _cli(tmp_path, "add-user", "--username", "wang", "--role", "乡镇", "--township", B,
                 "--display-name", "王乡镇", "--password-stdin", stdin="Wang-2026\n")
    assert added.returncode == 0 and added.stdout.strip() == f"已新增用户 wang（乡镇，{B}）"
    listed = _cli(tmp_path, "list-users")
    assert listed.stdout.strip() == f"wang\t王乡镇\t乡镇\t{B}\t启用"
    refused = _cli(tmp_path, "add-user", "--username", "li", "--role", "乡镇", "--password-stdin", stdin="Li-2026x\n")
    assert refused.returncode == 1 and refused.stderr.strip() == "错误：乡镇用户必须用 --township 指定所属乡镇的 9 位代码"
    assert "Traceback" not in refused.stderr
    assert _cli(tmp_path, "disable-user", "wang").stdout.strip() == "已停用用户 wang"
    missing = _cli(tmp_path, "reset-password", "zhao", "--password-stdin", stdin="Zhao-2026\n")
    assert missing.returncode == 1 and missing.stderr.strip() == "错误：没有用户“zhao”"


def test_demo_users_are_made_for_the_embedded_sample_only(tmp_path):
    from warehouse.engine import get_engine

    build_metrics_warehouse(get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}"))
    with get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}").begin() as conn:  # the demo 乡镇 is 青石镇
        conn.execute(update(schema.townships).where(schema.townships.c.township_code == B)
                     .values(township_code="990101101"))
    first = _cli(tmp_path, "demo-users")
    assert first.returncode == 0, first.stderr
    assert "乡镇　　 用户名 qingshi  密码 Qingshi2026" in first.stdout and "admin" in first.stdout
    assert _cli(tmp_path, "demo-users").stdout == ""  # printed once: nothing new the second time
    configured = subprocess.run([sys.executable, "-m", "access", "demo-users"], capture_output=True, text=True,
                                cwd=PROJECT_ROOT, timeout=120,
                                env={"DASHBOARD_DB_URL": f"sqlite:///{tmp_path / 'other.sqlite'}",
                                     "DASHBOARD_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert configured.returncode == 1 and "不创建演示用户" in configured.stderr


def test_a_configured_warehouse_will_not_serve_without_a_cookie_secret_in_the_environment(tmp_path):
    env = {"DASHBOARD_DB_URL": f"sqlite:///{tmp_path / 'county.sqlite'}", "DASHBOARD_DATA_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    started = subprocess.run([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
                              "--server.port", "0"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env,
                             timeout=120)
    assert started.returncode == 2
    assert "必须在环境变量 STREAMLIT_SERVER_COOKIE_SECRET 中设置 Cookie 密钥" in started.stderr


def test_a_countys_manager_manages_its_county_only_and_never_a_prefecture_user(engine):
    from tests.metrics_fixture import SECOND_TOWNSHIPS, add_second_county

    add_second_county(engine)
    users.add_user(engine, username="city", role="市级", password=PASSWORD, actor="命令行")  # the server's CLI
    users.add_user(engine, username="neighbour", role="乡镇", township_code=SECOND_TOWNSHIPS[1][0],
                   password=PASSWORD, actor="命令行")
    mine = "990101"
    assert [u.username for u in users.list_users(engine, within_county=mine)] == ["qingshi"]
    with pytest.raises(users.UserError, match="不能设置市级用户"):
        users.add_user(engine, username="boss", role="市级", password=PASSWORD, actor="管理员甲", within_county=mine)
    with pytest.raises(users.UserError, match="只能管理本县的用户"):
        users.add_user(engine, username="spy", role="乡镇", township_code=SECOND_TOWNSHIPS[0][0], password=PASSWORD,
                       actor="管理员甲", within_county=mine)
    with pytest.raises(users.UserError, match="只能管理本县的用户"):  # the page's county field, tampered with
        users.add_user(engine, username="spy", role="纪委", county_code="990102", password=PASSWORD,
                       actor="管理员甲", within_county=mine)
    for change in (lambda: users.set_active(engine, "neighbour", False, actor="管理员甲", within_county=mine),
                   lambda: users.reset_password(engine, "city", "Another-2026", actor="管理员甲", within_county=mine),
                   lambda: users.change_role(engine, "qingshi", "市级", actor="管理员甲", within_county=mine)):
        with pytest.raises(users.UserError):
            change()
    added = users.add_user(engine, username="leader2", role="县领导", password=PASSWORD, actor="管理员甲",
                           within_county=mine)
    with engine.connect() as conn:
        assert added.county_code == mine and users.get_user(conn, "neighbour").is_active  # untouched
