"""``python -m access``: the users from the command line (the same rules and audit as the 用户管理 page).

    python -m access add-user --username U --role 县领导|纪委|乡镇|管理员|市级 [--township CODE] [--county CODE]
                              [--display-name N] --password-stdin
    python -m access list-users
    python -m access disable-user U          python -m access enable-user U
    python -m access reset-password U --password-stdin
    python -m access demo-users              # the embedded sample only: one user of each role, printed once

Errors are one Chinese line on stderr and exit code 1; the log keeps the details.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from access import users
from access.passwords import PasswordError
from metrics.scope import ROLES

logger = logging.getLogger(__name__)

# the embedded sample's demo users (README, "Demo users"): never created in a configured warehouse
DEMO_USERS = (
    ("leader", "县领导", None, "县领导（演示）", "Leader2026"),
    ("jiwei", "纪委", None, "县纪委（演示）", "Jiwei2026"),
    ("qingshi", "乡镇", "990101101", "青石镇（演示）", "Qingshi2026"),
    ("admin", "管理员", None, "管理员（演示）", "Admin2026"),
)


def _actor() -> str:
    return f"命令行:{getpass.getuser()}"


def _password_from_stdin() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _engine():
    from warehouse.engine import get_engine

    return get_engine()


def create_demo_users(engine) -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; return (username, role, password) of those created."""
    created = []
    existing = {u.username for u in users.list_users(engine)}
    for username, role, township, display_name, password in DEMO_USERS:
        if username in existing:
            continue
        users.add_user(engine, username=username, role=role, password=password, actor="演示数据",
                       township_code=township, display_name=display_name)
        created.append((username, role, password))
    return created


def main(argv: list[str] | None = None) -> int:
    from config import settings
    from config.logs import configure_logging

    configure_logging(stderr=False)
    parser = argparse.ArgumentParser(prog="python -m access", description="看板用户管理")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="新增用户")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--township", help="乡镇用户的 9 位乡镇代码")
    add.add_argument("--county", help="县领导、纪委、管理员所属县的 6 位代码（默认本县 county_code；市级用户不指定）")
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true", required=True, help="从标准输入读取密码（一行）")
    commands.add_parser("list-users", help="列出用户")
    for name, text in (("disable-user", "停用用户（立即结束其全部会话）"), ("enable-user", "重新启用用户")):
        command = commands.add_parser(name, help=text)
        command.add_argument("username")
    reset = commands.add_parser("reset-password", help="重置密码（结束其全部会话）")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", required=True)
    commands.add_parser("demo-users", help="为内置示范县创建各角色的演示用户（仅内置 SQLite）")
    args = parser.parse_args(argv)
    try:
        engine = _engine()
        if args.command == "add-user":
            user = users.add_user(engine, username=args.username, role=args.role, password=_password_from_stdin(),
                                  actor=_actor(), township_code=args.township, display_name=args.display_name,
                                  county_code=args.county)
            print(f"已新增用户 {user.username}（{user.role}{'，' + user.township_code if user.township_code else ''}）")
        elif args.command == "list-users":
            for user in users.list_users(engine):
                state = "启用" if user.is_active else "停用"
                print(f"{user.username}\t{user.display_name}\t{user.role}\t{user.township_code or '—'}\t{state}")
        elif args.command in ("disable-user", "enable-user"):
            user = users.set_active(engine, args.username, args.command == "enable-user", actor=_actor())
            print(f"已{'启用' if user.is_active else '停用'}用户 {user.username}")
        elif args.command == "reset-password":
            user = users.reset_password(engine, args.username, _password_from_stdin(), actor=_actor())
            print(f"已重置用户 {user.username} 的密码，其现有会话均已结束")
        elif args.command == "demo-users":
            if settings.get("db_url"):
                print("错误：已配置 DASHBOARD_DB_URL 的数据仓库不创建演示用户", file=sys.stderr)
                return 1
            created = create_demo_users(engine)
            if created:
                print("已为示范县创建演示用户（仅显示这一次，亦见 README）：")
                for username, role, password in created:
                    print(f"  {role:　<4} 用户名 {username:<8} 密码 {password}")
    except (users.UserError, PasswordError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - one Chinese line for the user, the traceback for the log
        logger.exception("access command %s failed", args.command)
        print("错误：操作失败，详情见日志 dashboard.log", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
