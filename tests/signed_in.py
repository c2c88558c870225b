"""Signed-in test users: a real user row and a real server-side session, as the sign-in page makes them."""

from __future__ import annotations

from access.sessions import start_session
from access.users import add_user, get_user

TEST_PASSWORD = "Test-pass-2026"
_ROLE_NAMES = {"县领导": "test_leader", "纪委": "test_jiwei", "乡镇": "test_township", "管理员": "test_admin",
               "市级": "test_prefecture"}


def ensure_test_user(engine, role: str = "纪委", township_code: str | None = None, username: str | None = None) -> str:
    """Return the username of a user of ``role`` (created on first use) in the warehouse of ``engine``."""
    name = username or (_ROLE_NAMES[role] + (f"_{township_code}" if township_code else ""))
    with engine.connect() as conn:
        exists = get_user(conn, name) is not None
    if not exists:
        add_user(engine, username=name, role=role, password=TEST_PASSWORD, actor="测试",
                 township_code=township_code, display_name=f"测试{role}")
    return name


def session_token(db_url: str, role: str = "纪委", township_code: str | None = None) -> str:
    """Return a fresh session token of a test user of ``role`` in the warehouse at ``db_url``."""
    from warehouse.engine import get_engine

    engine = get_engine(db_url)
    return start_session(engine, ensure_test_user(engine, role, township_code), "测试")
