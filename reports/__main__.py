"""Command line: the same code as the 季通报 page.

    python -m reports bulletin --quarter 2024Q3 [--township CODE] [--county CODE] --out FILE.docx [--db URL] [--user NAME]
    python -m reports deck --week-ending 2024-09-27 --out FILE.pptx [--db URL] [--user NAME]
    python -m reports archive [--county CODE] [--db URL]      # list archived bulletins (every county's)
    python -m reports archive --id 3 --out FILE.docx [--db URL] # the archived bytes, unchanged
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from config.logs import configure_logging

# under ``python -m`` __name__ is "__main__"; the spec keeps the module's own name for the log
logger = logging.getLogger(__spec__.name if __spec__ else __name__)


def _engine(url: str | None):
    """The warehouse at ``url`` (None: the configured one), its townships' chart colours registered as the app
    registers them (``ui.frame``): a bulletin made here draws each township in the colour it has on the pages."""
    from charts import theme
    from metrics.places import township_codes
    from metrics.scope import Scope
    from warehouse.engine import get_engine

    engine = get_engine(url or None)
    theme.register_townships(township_codes(engine, Scope.county())["township_code"])
    return engine


def _scope(user: str, county_code: str | None = None):
    from metrics.scope import Scope

    return Scope.county(user_name=user, role="纪委", county_code=county_code or None)


def _configured_county() -> str:
    from config import settings

    return str(settings.get("county_code"))


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, making its folder first (staff name a new folder per quarter)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    configure_logging(stderr=False)  # stderr is staff's: one Chinese line, the traceback goes to the file
    parser = argparse.ArgumentParser(prog="python -m reports", description="导出季通报与周调度会材料")
    commands = parser.add_subparsers(dest="command", required=True)

    bulletin = commands.add_parser("bulletin", help="生成季通报（.docx）并归档")
    bulletin.add_argument("--quarter", required=True, help="季度，如 2024Q3 或 2024年第三季度")
    bulletin.add_argument("--township", default=None, help="乡镇代码（9 位），缺省为全县")
    bulletin.add_argument("--county", default=None, help="县代码（6 位），缺省为本县 county_code；通报按此县归档")
    bulletin.add_argument("--out", required=True, type=Path)
    bulletin.add_argument("--db", default=None, help="数据库连接串，缺省同看板设置")
    bulletin.add_argument("--user", default="命令行", help="生成人（写入归档与审计日志）")

    deck = commands.add_parser("deck", help="生成周调度会演示文稿（.pptx）")
    deck.add_argument("--week-ending", required=True, type=date.fromisoformat, help="本周最后一天，如 2024-09-27")
    deck.add_argument("--township", default=None)
    deck.add_argument("--out", required=True, type=Path)
    deck.add_argument("--db", default=None)
    deck.add_argument("--user", default="命令行")

    archive = commands.add_parser("archive", help="列出或取回已归档的季通报")
    archive.add_argument("--id", type=int, default=None)
    archive.add_argument("--county", default=None, help="只列出、取回该县（6 位）的归档，缺省为各县")
    archive.add_argument("--out", type=Path, default=None)
    archive.add_argument("--db", default=None)

    args = parser.parse_args(argv)
    try:
        if args.command == "bulletin":
            from reports.bulletin import generate_bulletin

            # a bulletin is one county's (archived as its): the configured one unless --county names another
            scope = _scope(args.user, args.county or _configured_county())
            result = generate_bulletin(_engine(args.db), args.quarter, scope, args.township)
            _write(args.out, result.data)
            print(f"已生成 {args.out}（{len(result.data)} 字节，归档编号 {result.bulletin_id}，SHA-256 {result.sha256}）")
        elif args.command == "deck":
            from reports.archive import record_export
            from reports.deck import build_deck

            engine = _engine(args.db)
            data = build_deck(engine, args.week_ending, _scope(args.user), args.township)
            _write(args.out, data)
            record_export(engine, args.user, kind="pptx", title=f"周调度会（截至{args.week_ending}）",
                          file_name=args.out.name, size_bytes=len(data))
            print(f"已生成 {args.out}（{len(data)} 字节）")
        else:
            from reports.archive import archived_bytes, list_bulletins

            engine = _engine(args.db)
            scope = _scope("命令行", args.county)  # the operator holds the database: every county's unless --county
            if args.id is None:
                for item in list_bulletins(engine, scope):
                    print(f"{item.bulletin_id}\t{item.quarter_label}\t{item.township_code or '全县'}\t"
                          f"{item.generated_at:%Y-%m-%d %H:%M}\t{item.generated_by}\t{item.file_name}\t{item.file_sha256[:12]}")
            else:
                if args.out is None:
                    parser.error("取回归档文件需要 --out")
                _write(args.out, archived_bytes(engine, scope, bulletin_id=args.id))
                print(f"已取回归档 {args.id} → {args.out}")
    except (ValueError, PermissionError, LookupError, RuntimeError) as error:
        logger.warning("Command %s failed", args.command, exc_info=True)
        print(f"错误：{error}", file=sys.stderr)
        return 2
    except OSError as error:  # the output path: a folder that cannot be made, a read-only disk …
        logger.warning("Command %s could not write its file", args.command, exc_info=True)
        print(f"错误：无法写入文件“{error.filename or args.out}”：{error.strerror or error}", file=sys.stderr)
        return 2
    finally:
        from reports.png import _renderer

        if _renderer is not None:
            _renderer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
