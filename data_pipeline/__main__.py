"""Command line: ``python -m data_pipeline load [--map 原表头=标准表头 …]|rejects|sample``.

``--map`` confirms that a header the reader could not place is a standard header; the mappings a
committed sheet used are saved for the county (``data_pipeline.headers``), so the next file with
the same headers loads without them.

Exit status 0 when every load committed (rejected rows are normal and reported); 1 when a file
could not be read or its load was rolled back; 2 for a usage or unexpected error. Every failure
is one Chinese line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import unicodedata
from pathlib import Path

from config.logs import configure_logging

# under ``python -m`` __name__ is "__main__"; the spec keeps the module's own name for the log
logger = logging.getLogger(__spec__.name if __spec__ else __name__)

MAX_PRINTED_REJECTIONS = 50



def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def summary_table(reports) -> str:
    """Return the per-file summary; 核对 shows 读取 = 入库 + 拒收 + 结构行 for every sheet."""
    from data_pipeline.desk import SUMMARY_HEADERS, summary_line

    lines = [summary_line(r) for r in reports]
    widths = [max(_width(h), *(_width(line[i]) for line in lines)) if lines else _width(h)
              for i, h in enumerate(SUMMARY_HEADERS)]
    numeric = {3, 4, 5, 6, 7, 8}
    out = ["  ".join(_pad(h, widths[i], i in numeric) for i, h in enumerate(SUMMARY_HEADERS))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(_pad(cell, widths[i], i in numeric) for i, cell in enumerate(line)) for line in lines]
    out.append("核对：读取行数 = 入库 + 拒收 + 结构行（标题、表头、空行、合计）；重复行计入拒收；未变化行计入入库。")
    return "\n".join(out)


def _confirmed_mappings(options: list[str]) -> dict[str, str]:
    """Return the ``--map 原表头=标准表头`` options as source → standard; ValueError (Chinese) for a bad one."""
    from data_pipeline.headers import parse_map_option

    confirmed: dict[str, str] = {}
    for option in options:
        source, standard = parse_map_option(option)
        if confirmed.get(source, standard) != standard:
            raise ValueError(f"--map 对“{source}”给了两个标准表头：“{confirmed[source]}”和“{standard}”")
        confirmed[source] = standard
    return confirmed


def _save_confirmed(engine, reports, confirmed: dict[str, str], county_code: str, actor: str) -> None:
    """Save the --map mappings that a committed sheet used, per ledger kind, and say what became of each."""
    from data_pipeline.desk import used_confirmed_mappings
    from data_pipeline.headers import save_header_mappings
    from data_pipeline.ledgers import LEDGER_BY_NAME

    used = used_confirmed_mappings(reports, confirmed)
    with engine.begin() as conn:
        saved = save_header_mappings(conn, county_code, used, actor)
    for kind, pairs in saved.items():
        shown = "、".join(f"“{s}”→“{h}”" for s, h in pairs.items())
        print(f"已保存表头对应关系（{LEDGER_BY_NAME[kind].label}）：{shown}；本县以后载入相同表头时自动使用")
    skipped = any(r.skipped for r in reports)
    for source, standard in confirmed.items():
        if not any(source in pairs for pairs in used.values()):
            print(f"--map {source}={standard} 未用上：已入库的工作表中没有表头“{source}”"
                  + ("（已载入过的文件已跳过；要按此对应关系重新载入，请加 --force）" if skipped else ""))


def _command_load(args) -> int:
    from config import settings
    from data_pipeline.headers import HeaderMappings, saved_header_mappings
    from data_pipeline.load import load_paths
    from warehouse.engine import get_engine

    try:
        confirmed = _confirmed_mappings(args.map)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    engine = get_engine(args.db)
    if args.county and not (args.county.isdigit() and len(args.county) == 6):
        print(f"错误：--county 应为 6 位县代码，现为“{args.county}”", file=sys.stderr)
        return 2
    county_code = args.county or str(settings.get("county_code"))
    with engine.begin() as conn:
        saved = saved_header_mappings(conn, county_code)
    reports = load_paths([Path(p) for p in args.paths], engine, loaded_by=args.by, progress=args.progress,
                         force=args.force, mappings=HeaderMappings(confirmed=confirmed, saved=saved),
                         county_code=args.county)
    if not reports:
        print("错误：没有找到可载入的台账文件（.xlsx 或 .csv）", file=sys.stderr)
        return 1
    if any(not r.error for r in reports):
        print(summary_table(reports))
    for r in reports:
        for note in r.notes:
            print(f"「{r.file_name}」" + (f"工作表“{r.sheet_name}”" if r.sheet_name else "") + f"：{note}")
    if confirmed:
        _save_confirmed(engine, reports, confirmed, county_code, args.by)
    printed = 0
    for r in reports:
        for warning in r.warnings:
            if warning != "已加载，跳过":
                print(f"「{r.file_name}」{warning}")
    total_rejections = sum(r.rows_rejected for r in reports if r.committed and not r.skipped)
    if total_rejections:
        print(f"拒收 {total_rejections} 行，原因如下（全部拒收行可用 python -m data_pipeline rejects --out 拒收行.xlsx 导出）：")
        for r in reports:
            for message in r.rejections:
                if printed < MAX_PRINTED_REJECTIONS:
                    print("  " + message)
                printed += 1
        if printed > MAX_PRINTED_REJECTIONS:
            print(f"  ……另有 {printed - MAX_PRINTED_REJECTIONS} 条原因未显示")
    failed = []
    for r in reports:
        if r.error and r.error not in failed:
            failed.append(r.error)
    for error in failed:
        print(error, file=sys.stderr)
    return 1 if failed else 0


def _command_rejects(args) -> int:
    from data_pipeline.rejects import export_rejects
    from warehouse.engine import get_engine

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"错误：导出文件应为 .xlsx：{out}", file=sys.stderr)
        return 2
    count = export_rejects(get_engine(args.db), out, args.batch, exported_by=args.by)
    print(f"已导出拒收行 {count} 条：{out}")
    return 0


def _command_sample(args) -> int:
    try:
        from data_pipeline.sample import write_sample
    except ImportError:
        logger.exception("Sample generator could not be imported")
        print("错误：样例数据生成器（data_pipeline/sample/）尚不可用", file=sys.stderr)
        return 2
    written = write_sample(Path(args.out), counties=args.counties, seed=args.seed)
    print(f"已生成样例台账 {len(written)} 个文件：{args.out}")
    return 0


def _command_template(args) -> int:
    from data_pipeline.templates import UnknownLedgerKind, ledger_kind, write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"错误：模板文件应为 .xlsx：{out}", file=sys.stderr)
        return 2
    try:
        kind = ledger_kind(args.kind)
    except UnknownLedgerKind as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    write_template(kind, out)
    print(f"已生成{kind.label}填报模板：{out}")
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one Chinese line instead of argparse's usage dump
        self.exit(2, f"错误：命令参数有误（{message}）。用法：python -m data_pipeline load 文件或目录… [--map 原表头=标准表头] | "
                     "rejects --out 文件.xlsx [--batch N] | sample --out 目录\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m data_pipeline", description="台账入库、拒收行导出与样例数据生成")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    load = commands.add_parser("load", help="载入台账文件或目录（.xlsx/.csv）")
    load.add_argument("paths", nargs="+", help="台账文件或目录（递归）")
    load.add_argument("--db", default=None, help="数据库连接串（默认：DASHBOARD_DB_URL、secrets.toml 或内置 SQLite）")
    load.add_argument("--by", default="命令行", help="操作人（写入审计日志）")
    load.add_argument("--progress", action="store_true", help="显示进度条")
    load.add_argument("--county", default=None, metavar="县代码",
                      help="只按该县（6 位代码）的区划解析地名，其他县的行拒收（一个数据库存放多个县时必填）")
    load.add_argument("--force", action="store_true", help="重新载入已载入过的文件（如补充区划名录后重载拒收的台账）")
    load.add_argument("--map", action="append", default=[], metavar="原表头=标准表头",
                      help="确认表头对应关系（可多次给出），如 --map 办理情况=办理状态；入库后为本县保存，下次自动使用")
    load.set_defaults(handler=_command_load)

    rejects = commands.add_parser("rejects", help="导出拒收行（.xlsx）")
    rejects.add_argument("--out", required=True, help="导出文件 .xlsx")
    rejects.add_argument("--batch", type=int, default=None, help="只导出某一批次（默认：每个文件最近一次载入）")
    rejects.add_argument("--db", default=None, help="数据库连接串")
    rejects.add_argument("--by", default="命令行", help="操作人（写入审计日志与水印）")
    rejects.set_defaults(handler=_command_rejects)

    sample = commands.add_parser("sample", help="生成示范县样例台账")
    sample.add_argument("--out", required=True, help="输出目录")
    sample.add_argument("--counties", type=int, default=1, help="县的个数（基准测试用 100）")
    sample.add_argument("--seed", type=int, default=20230101, help="随机种子")
    sample.set_defaults(handler=_command_sample)

    from data_pipeline.ledgers import LEDGER_KINDS

    kinds = " ".join(f"{k.label}（{k.name}）" for k in LEDGER_KINDS)
    template = commands.add_parser("template", help=f"生成台账填报模板（.xlsx）：{kinds}")
    template.add_argument("kind", metavar="台账", help=f"台账种类，中文名或英文名：{kinds}")
    template.add_argument("--out", required=True, help="模板文件 .xlsx")
    template.set_defaults(handler=_command_template)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging(stderr=False)  # stderr is the clerk's: one Chinese line, the traceback goes to the file
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        logger.warning("Interrupted: %s", args.command)
        print("已中断", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        logger.exception("Command %s failed", args.command)
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        print(f"错误：{text[0] if text else type(exc).__name__}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
