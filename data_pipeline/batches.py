"""The desk's writes besides a load: undo a batch (撤销本批次) and declare a 零报告.

Undo, in one transaction: the rows the batch wrote go, the rows it replaced come back exactly as
they were (the load copied them to ``replaced_<table>`` before replacing them, batch_id
included), its rejected rows go, and ``batch_undos`` records who undid it. A batch whose rows a
later batch has since replaced cannot be undone before that later one: undoing it would bring back
rows older than what the later batch replaced, so the clerk is told which batch to undo first.

Who may: a 管理员 any batch and any township's 零报告; a 乡镇 user the batches it loaded itself and
its own township's 零报告. Every undo and every 零报告 is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from data_pipeline.ledgers import LEDGER_BY_NAME
from metrics.summaries import counties_of_batch, rebuild_summaries
from warehouse import schema
from warehouse.audit import ACTORS_COUNTY, write_event


class DeskError(Exception):
    """A desk action refused, with the reason in Chinese (shown to the user as it is)."""


@dataclass(frozen=True)
class Actor:
    """Who acts at the desk: the signed-in user's username, role and township (乡镇 only)."""

    username: str
    role: str
    township_code: str | None = None
    county_code: str | None = None  # a county user's county: its loads resolve places there only

    def may_act_for(self, township_code: str) -> bool:
        return self.role == "管理员" or (self.role == "乡镇" and self.township_code == township_code)


@dataclass(frozen=True)
class UndoReport:
    batch_id: int
    file_name: str
    rows_removed: int
    rows_restored: int


def undo_batch(engine: Engine, batch_id: int, actor: Actor) -> UndoReport:
    """Undo load batch ``batch_id`` in one transaction; raise DeskError (Chinese) when it may not be."""
    if actor.role not in ("管理员", "乡镇"):
        raise DeskError("只有管理员或乡镇用户可以撤销批次")
    batches = schema.load_batches
    with engine.begin() as conn:
        batch = conn.execute(select(batches).where(batches.c.batch_id == batch_id)).mappings().first()
        if batch is None:
            raise DeskError(f"没有第{batch_id}批次")
        if conn.execute(select(schema.batch_undos.c.batch_id).where(schema.batch_undos.c.batch_id == batch_id)).first():
            raise DeskError(f"第{batch_id}批次已撤销")
        if actor.role != "管理员" and batch["loaded_by"] != actor.username:
            raise DeskError(f"第{batch_id}批次不是您加载的，只能撤销自己加载的批次")
        later = sorted({row for kept in schema.REPLACED_ROWS.values() for row in conn.execute(
            select(kept.c.replaced_by_batch_id).where(kept.c.batch_id == batch_id).distinct()).scalars()})
        if later:
            named = "、".join(f"第{b}批次" for b in later)
            raise DeskError(f"第{batch_id}批次的部分数据已被{named}更新，请先撤销{named}")
        touched = counties_of_batch(conn, batch_id)  # before its rows and the rows it replaced move
        if actor.county_code and ({batch["county_code"]} | touched) - {None, actor.county_code}:
            raise DeskError(f"第{batch_id}批次含其他县的数据，只能撤销本县的批次")
        removed = restored = 0
        try:
            for table in reversed(schema.LOADED_TABLES):  # children first: villages before townships
                removed += conn.execute(delete(table).where(table.c.batch_id == batch_id)).rowcount
            for table in schema.LOADED_TABLES:  # parents first
                kept = schema.REPLACED_ROWS[table.name]
                names = [c.name for c in table.columns]
                wanted = kept.c.replaced_by_batch_id == batch_id
                count = conn.execute(select(func.count()).select_from(kept).where(wanted)).scalar_one()
                if count:  # (INSERT … SELECT's rowcount is not reliable across drivers)
                    conn.execute(insert(table).from_select(names, select(*[kept.c[n] for n in names]).where(wanted)))
                    restored += count
                conn.execute(delete(kept).where(kept.c.replaced_by_batch_id == batch_id))
        except IntegrityError as exc:
            raise DeskError(f"第{batch_id}批次无法撤销：其他批次的数据仍引用本批次的乡镇或村") from exc
        rebuild_summaries(conn, touched)
        conn.execute(delete(schema.rejected_rows).where(schema.rejected_rows.c.batch_id == batch_id))
        conn.execute(insert(schema.batch_undos).values(batch_id=batch_id, undone_at=dt.datetime.now(),
                                                      undone_by=actor.username))
        write_event(conn, actor.username, "undo", {
            "批次": batch_id, "文件": batch["file_name"], "台账": _kind_label(batch["ledger_kind"]),
            "删除": removed, "恢复": restored}, batch["county_code"] or ACTORS_COUNTY)
    return UndoReport(batch_id=batch_id, file_name=batch["file_name"], rows_removed=removed, rows_restored=restored)


def declare_zero_report(engine: Engine, actor: Actor, *, township_code: str, ledger_kind: str,
                        period_code: str) -> bool:
    """Record a 零报告 (本期无新增) for one township, ledger and period; return False if it was already there."""
    if not actor.may_act_for(township_code):
        raise DeskError("只能为本乡镇报送零报告")
    if ledger_kind not in LEDGER_BY_NAME:
        raise DeskError(f"没有这种台账：{ledger_kind}")
    reports = schema.zero_reports
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(schema.townships)
                        .where(schema.townships.c.township_code == township_code)).scalar_one() == 0:
            raise DeskError(f"没有代码为{township_code}的乡镇")
        exists = conn.execute(select(reports.c.township_code).where(
            reports.c.township_code == township_code, reports.c.ledger_kind == ledger_kind,
            reports.c.period_code == period_code)).first()
        if exists:
            return False
        conn.execute(insert(reports).values(township_code=township_code, ledger_kind=ledger_kind,
                                            period_code=period_code, declared_at=dt.datetime.now(),
                                            declared_by=actor.username))
        write_event(conn, actor.username, "zero_report", {
            "乡镇代码": township_code, "台账": _kind_label(ledger_kind), "期间": period_code}, township_code[:6])
    return True


def _kind_label(name: str) -> str:
    return LEDGER_BY_NAME[name].label if name in LEDGER_BY_NAME else name
