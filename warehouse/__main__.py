"""``python -m warehouse``: the warehouse's schema from the command line.

    python -m warehouse upgrade      # to the newest revision (an earlier release's warehouse is stamped first)
    python -m warehouse current      # the revision the warehouse is at, and this release's
    python -m warehouse rebuild-summaries   # the pages' summaries from the facts (after rows were changed by hand)

The warehouse is the configured one (``DASHBOARD_DB_URL``, else the embedded SQLite file). Errors are
one Chinese line on stderr and exit code 1; the log keeps the details.
"""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger(__name__)
_ACTIONS = {"upgrade": "仓库结构升级", "current": "仓库结构查询", "rebuild-summaries": "汇总表重建"}


def main(argv: list[str] | None = None) -> int:
    from config.logs import configure_logging

    configure_logging(stderr=False)
    parser = argparse.ArgumentParser(prog="python -m warehouse", description="数据仓库结构（迁移）")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="升级到最新的仓库结构版本")
    commands.add_parser("current", help="显示仓库当前的结构版本")
    commands.add_parser("rebuild-summaries", help="按明细数据重建页面使用的汇总表（手工改动数据后使用）")
    args = parser.parse_args(argv)
    try:
        from sqlalchemy import create_engine

        from warehouse.engine import database_url, redacted_url
        from warehouse.migrate import current_revision, head_revision, upgrade

        url = database_url()
        engine = create_engine(url)  # not get_engine: that refuses a warehouse behind this release
        try:
            if args.command == "upgrade":
                before, after = upgrade(engine)
                if before == after:
                    print(f"仓库结构已是最新版本（{after}）：{redacted_url(url)}")
                else:
                    print(f"仓库结构已从 {before or '空库或未标记版本的仓库'} 升级到 {after}：{redacted_url(url)}")
            elif args.command == "rebuild-summaries":
                from metrics.summaries import rebuild_summaries

                with engine.begin() as conn:
                    rebuild_summaries(conn)
                print(f"汇总表已按明细数据重建：{redacted_url(url)}")
            else:
                print(f"仓库结构版本：{current_revision(engine) or '未标记'}；本程序：{head_revision()}")
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - one Chinese line; the traceback goes to the log
        logger.exception("python -m warehouse %s failed", args.command)
        print(f"错误：{_ACTIONS[args.command]}失败：{str(error).splitlines()[0][:300]}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
