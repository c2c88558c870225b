"""Command line: ``python -m geo load-boundaries FILE --level township|village [--county CODE] [...]``.

Errors are one line of Chinese on stderr and a non-zero exit, never a traceback: the clerk
running it is not a programmer.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from config.logs import configure_logging

# under ``python -m`` __name__ is "__main__"; the spec keeps the module's own name for the log
logger = logging.getLogger(__spec__.name if __spec__ else __name__)


class _ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own messages are English
        self.exit(2, f"错误：命令参数有误（{message}）。用法：python -m geo load-boundaries 文件 --level township|village\n")


def _parser() -> argparse.ArgumentParser:
    parser = _ChineseArgumentParser(prog="python -m geo", description="导入乡镇、村边界（GeoJSON、Shapefile、GeoPackage，可为 .zip 压缩包）")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_ChineseArgumentParser)
    load = commands.add_parser("load-boundaries", help="导入一个边界文件")
    load.add_argument("file", type=Path, help="边界文件（.geojson / .shp / .gpkg，或装有其一的 .zip）")
    load.add_argument("--level", required=True, choices=("township", "village"), help="区划级别：township 乡镇，village 村")
    load.add_argument("--code-field", help="代码字段名（默认自动识别 XZQDM、ZLDWDM、乡镇代码、村代码、code 等）")
    load.add_argument("--name-field", help="名称字段名（默认自动识别 XZQMC、ZLDWMC、乡镇名称、村名称、name 等）")
    load.add_argument("--encoding", help="属性表编码（默认自动识别 UTF-8 / GBK / GB18030）")
    load.add_argument("--crs", help="文件的坐标系，如 EPSG:4490、EPSG:4545（文件未声明坐标系时必须指定）")
    load.add_argument("--county", metavar="县代码",
                      help="只匹配该县（6 位代码）的乡镇、村：多县共用仓库时，重名的城关街道等按本县解析（默认匹配全部县）")
    load.add_argument("--db", help="数据库连接串（默认用设置 db_url 或内置 SQLite）")
    load.add_argument("--by", default="命令行", help="操作人（写入审计日志）")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Return the exit status: 0 when the file loaded, 1 when it could not be."""
    configure_logging(stderr=False)  # stderr is the clerk's: one Chinese line, the traceback goes to the file
    args = _parser().parse_args(argv)
    if args.county and not (args.county.isdigit() and len(args.county) == 6):
        print(f"错误：--county 应为 6 位县代码，现为“{args.county}”", file=sys.stderr)
        return 1
    from geo.boundaries import BoundaryError, load_boundary_file

    try:
        from warehouse.engine import get_engine

        engine = get_engine(args.db)
        report = load_boundary_file(
            args.file, args.level, engine,
            code_field=args.code_field, name_field=args.name_field, encoding=args.encoding, crs=args.crs,
            loaded_by=args.by, county_code=args.county,
        )
    except BoundaryError as exc:
        logger.warning("Boundary file %s not loaded", args.file.name, exc_info=True)
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the clerk gets one line, not a traceback
        logger.exception("Boundary file %s not loaded: unexpected error", args.file.name)
        print(f"错误：导入边界失败（{type(exc).__name__}：{str(exc).splitlines()[0] if str(exc) else ''}）", file=sys.stderr)
        return 1
    logger.info("Boundary file %s loaded at %s level", args.file.name, args.level)
    print("\n".join(report.summary_lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
