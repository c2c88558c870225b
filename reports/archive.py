"""The export audit trail and the bulletin archive (warehouse tables audit_events, bulletin_archive).

Written with SQLAlchemy Core statements (bound parameters, no SQL text). Every export a user
takes is one ``audit_events`` row (action 'export'); every bulletin generated is one
``bulletin_archive`` row holding the exact bytes, so a re-download is byte-for-byte the same file,
stamped with the county it reports on: a user lists and fetches its scope's bulletins only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import Engine, desc, insert, select

from metrics.scope import Scope
from warehouse.audit import ACTORS_COUNTY, county_of_user, record_event, write_event
from warehouse.schema import audit_events, bulletin_archive

EXPORT_ACTION = "export"
BULLETIN_ACTION = "bulletin"


def record_export(engine: Engine, user_name: str, *, kind: str, title: str, file_name: str,
                  size_bytes: int, county_code: str | None | object = ACTORS_COUNTY, **extra) -> None:
    """Write the audit row of one export (kind: png/xlsx/docx/pptx); ``county_code``: the county whose
    data it holds (the page's scope's; None: every county's), by default the exporting user's."""
    detail = {"kind": kind, "title": title, "file_name": file_name, "bytes": size_bytes, **extra}
    record_event(engine, user_name, EXPORT_ACTION, detail, county_code)


AUDIT_ACTIONS = {
    "sign_in": "登录", "sign_in_failed": "登录失败", "sign_in_locked": "登录被锁定", "sign_out": "退出登录",
    "user_change": "用户变更", "export": "导出", "bulletin": "生成季通报", "load": "导入台账",
    "undo": "撤销批次", "zero_report": "零报告",
}


def _in_scope(scope: Scope) -> list:
    """The WHERE conditions of the audit rows a scope may read: a county's rows for a county's user, every
    row for a scope of no county (an admin of the whole prefecture)."""
    if scope.role != "管理员":
        raise PermissionError("只有管理员可以查看审计日志")
    return [] if scope.county_code is None else [audit_events.c.county_code == scope.county_code]


def audit_log(engine: Engine, scope: Scope, *, user_name: str | None = None, action: str | None = None,
              first_day: date | None = None, last_day: date | None = None, limit: int = 2000) -> pd.DataFrame:
    """Return DataFrame[event_time, user_name, action, action_label, detail]: the audit rows of the scope's
    county that match, newest first (at most ``limit``); detail is the JSON text as stored.

    A row is a county's when its ``county_code`` is that county, stamped when it was written
    (``warehouse.audit``): the county the action was about (a load's or undone batch's county, a
    零报告's township's, a header mapping's, the added or changed user's, the county whose data was
    exported), else the actor's county (sign-in, sign-out, a CLI load without ``--county``; an actor
    who is no user, the configured county's). A county's 管理员 reads only those (so never a row of
    another county, nor a 市级 user's activity across counties); a 管理员 of no county reads every row."""
    a = audit_events.c
    where = _in_scope(scope)
    if user_name:
        where.append(a.user_name == user_name)
    if action:
        where.append(a.action == action)
    if first_day:
        where.append(a.event_time >= datetime.combine(first_day, time.min))
    if last_day:
        where.append(a.event_time <= datetime.combine(last_day, time.max))
    with engine.connect() as conn:
        rows = conn.execute(select(a.event_time, a.user_name, a.action, a.detail).where(*where)
                            .order_by(desc(a.event_id)).limit(limit)).all()
    table = pd.DataFrame(rows, columns=["event_time", "user_name", "action", "detail"])
    table.insert(3, "action_label", [AUDIT_ACTIONS.get(value, value) for value in table["action"]])
    return table


def audit_users(engine: Engine, scope: Scope) -> list[str]:
    """Return every user name of the audit rows the scope may read (``audit_log``), sorted (the page's filter)."""
    with engine.connect() as conn:
        return sorted(conn.execute(select(audit_events.c.user_name).where(*_in_scope(scope)).distinct()).scalars())


@dataclass(frozen=True)
class ArchivedBulletin:
    bulletin_id: int
    generated_at: datetime
    generated_by: str
    quarter_label: str
    township_code: str | None
    file_name: str
    file_sha256: str
    size_bytes: int
    county_code: str | None = None  # the county it reports on; None: every county's (a 市级 user's 全市 bulletin)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def archive_bulletin(engine: Engine, *, data: bytes, generated_by: str, quarter_label: str,
                     township_code: str | None, file_name: str,
                     county_code: str | None | object = ACTORS_COUNTY) -> int:
    """Store a generated bulletin's bytes with who/when/parameters/hash and the county it reports on; return
    its archive id. The county is the township's when there is one, else ``county_code`` (the generating
    scope's; None: every county's; by default the generating user's, ``warehouse.audit.county_of_user``);
    the audit row, written in the same transaction, belongs to the same county."""
    generated_by = generated_by or "未知用户"
    with engine.begin() as conn:
        if township_code:
            county_code = township_code[:6]
        elif county_code is ACTORS_COUNTY:
            county_code = county_of_user(conn, generated_by)
        result = conn.execute(
            insert(bulletin_archive).values(
                generated_at=datetime.now(),
                generated_by=generated_by,
                quarter_label=quarter_label,
                township_code=township_code,
                county_code=county_code,
                file_name=file_name,
                file_sha256=sha256(data),
                file_bytes=data,
            )
        )
        bulletin_id = int(result.inserted_primary_key[0])
        write_event(conn, generated_by, BULLETIN_ACTION, {
            "bulletin_id": bulletin_id, "quarter": quarter_label, "township_code": township_code,
            "file_name": file_name, "sha256": sha256(data), "bytes": len(data),
        }, county_code)
    return bulletin_id


def _bulletins_in_scope(scope: Scope, township_code: str | None = None) -> list:
    """The WHERE conditions of the archived bulletins a scope may read: a 乡镇 user's township's, a county
    user's county's (its county-wide bulletins and its townships'), only the township asked for when it is
    in the scope, and every row (every county's, and the 全市 ones of no county) for a scope of no county."""
    place = scope.narrowed_to(township_code)
    if place is None:
        return []
    if len(place) == 9:
        return [bulletin_archive.c.township_code == place]
    return [bulletin_archive.c.county_code == place]


def list_bulletins(engine: Engine, scope: Scope, *, township_code: str | None = None,
                   limit: int = 100) -> list[ArchivedBulletin]:
    """Return the archived bulletins the scope may read (``_bulletins_in_scope``), newest first: a 乡镇
    user's township's, a county user's county's, every county's for a 市级 user (its chosen county's after
    ``Scope.in_county``); ``township_code`` narrows to that township's when it is in the scope."""
    columns = [c for c in bulletin_archive.c if c.name != "file_bytes"]
    statement = (select(*columns).where(*_bulletins_in_scope(scope, township_code))
                 .order_by(desc(bulletin_archive.c.bulletin_id)).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(statement).mappings().all()
    sizes = _sizes(engine, [r["bulletin_id"] for r in rows])
    return [
        ArchivedBulletin(
            bulletin_id=r["bulletin_id"], generated_at=r["generated_at"], generated_by=r["generated_by"],
            quarter_label=r["quarter_label"], township_code=r["township_code"], file_name=r["file_name"],
            file_sha256=r["file_sha256"], size_bytes=sizes.get(r["bulletin_id"], 0), county_code=r["county_code"],
        )
        for r in rows
    ]


def _sizes(engine: Engine, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    from sqlalchemy import func

    with engine.connect() as conn:
        rows = conn.execute(
            select(bulletin_archive.c.bulletin_id, func.length(bulletin_archive.c.file_bytes))
            .where(bulletin_archive.c.bulletin_id.in_(ids))
        ).all()
    return {int(i): int(n or 0) for i, n in rows}


def archived_bytes(engine: Engine, scope: Scope, *, bulletin_id: int) -> bytes:
    """Return the stored bytes of an archived bulletin the scope may read (``list_bulletins``), verified
    against its stored SHA-256. Another county's (or township's) bulletin raises the same LookupError as
    an id never archived, so a user cannot learn which ids exist outside its scope."""
    with engine.connect() as conn:
        row = conn.execute(
            select(bulletin_archive.c.file_bytes, bulletin_archive.c.file_sha256)
            .where(bulletin_archive.c.bulletin_id == bulletin_id, *_bulletins_in_scope(scope))
        ).one_or_none()
    if row is None:
        raise LookupError(f"归档中没有编号为 {bulletin_id} 的通报")
    data = bytes(row.file_bytes)
    if sha256(data) != row.file_sha256:
        raise ValueError(f"归档通报 {bulletin_id} 的校验值不符，文件可能已损坏")
    return data
