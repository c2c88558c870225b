"""Run the whole benchmark suite and print one Markdown table, each figure beside its floor from the same run.

    .venv/bin/python -m benchmarks --quick                          # the sample county on SQLite, within a minute
    .venv/bin/python -m benchmarks [--scale county|province] [--db sqlite|postgresql]

The parts, in order: ingest (bench_load), the pages' cold and warm runs (bench_pages), the map
(bench_map), the PNG export and the bulletin (bench_exports), the first visit on a fresh browser
(bench_first_visit) and the load test (bench_sessions, when it is in the tree). ``county`` is the
sample county (sample_data/); ``province`` the 100 counties in benchmarks/out/ (written and loaded on
first use: minutes). ``--db postgresql`` loads a throwaway cluster (tests/postgres_cluster.py).
``--quick`` is the sample county on SQLite with fewer repeats and without the slow parts (the
output says which). The machine's description heads the table; the total time ends it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
import traceback
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.table import Row, machine_description, machine_lines, markdown_table  # noqa: E402
from benchmarks.warehouses import SCALE_LABELS, Warehouses, scale_name  # noqa: E402

# (part, module): each module's run(scale, database, quick, warehouses=…) returns rows
PARTS = (("ingest", "benchmarks.bench_load"), ("pages", "benchmarks.bench_pages"), ("map", "benchmarks.bench_map"),
         ("PNG export and bulletin", "benchmarks.bench_exports"), ("first visit", "benchmarks.bench_first_visit"))
LOAD_TEST = "benchmarks.bench_sessions"  # another worker's part: run(quick, databases) -> list of dicts
QUICK_SKIPS = ("the first visit on a fresh browser (a browser per visit)", "the map's 10x-clues size check",
               "the bulletin with a cold browser start", "the load test's browsers (5 protocol sessions instead, no churn)",
               "repeats: ingest 1 (else 3), warm page runs 2 (else 5), map 3 (else 7), PNG 5 (else 20), bulletin 1 (else 3)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the runner's arguments; ``--quick`` means the sample county on SQLite and refuses any other."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province"), default=None,
                        help="county: the sample county (default); province: the 100 counties")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default=None, help="default sqlite")
    parser.add_argument("--quick", action="store_true",
                        help="the sample county on SQLite, fewer repeats, the slow parts skipped: within a minute")
    args = parser.parse_args(argv)
    if args.quick and (args.scale not in (None, "county") or args.db not in (None, "sqlite")):
        parser.error("--quick is the sample county on SQLite: leave out --scale/--db, or drop --quick")
    args.scale = args.scale or "county"
    args.db = args.db or "sqlite"
    return args


def load_test_rows(quick: bool, database: str) -> list[Row]:
    """Return the load test's rows, or one row saying it is not in this tree."""
    if importlib.util.find_spec(LOAD_TEST) is None:
        return [Row.not_measured("load test", "concurrent sessions (benchmarks/bench_sessions.py)",
                                 "not available in this tree")]
    module = importlib.import_module(LOAD_TEST)
    # --quick: the protocol clients only (5 sessions); the browsers' part alone takes 1.5 minutes here
    return [Row.from_dict(figures) for figures in module.run(quick=quick, databases=[database], browsers=not quick)]


def header(args: argparse.Namespace, description: dict[str, str]) -> str:
    """Return the table's heading: what was run, on which machine, and what --quick left out."""
    lines = [f"## python -m benchmarks --scale {args.scale} --db {args.db}{' --quick' if args.quick else ''}",
             "", f"Scale: {SCALE_LABELS[scale_name(args.scale)]}; database: {args.db}.", "",
             machine_lines(description)]
    if args.quick:
        lines += ["", "Skipped by --quick: " + "; ".join(QUICK_SKIPS) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    description = machine_description()
    rows: list[Row] = []
    failed = []
    with Warehouses() as warehouses:
        for part, module_name in PARTS:
            part_started = time.perf_counter()
            print(f"-- {part} ...", file=sys.stderr, flush=True)
            try:
                module = importlib.import_module(module_name)
                rows += module.run(args.scale, args.db, args.quick, warehouses=warehouses)
            except AssertionError:
                raise  # a run that did not draw its page (PageNotDrawn): no figures rather than wrong ones
            except Exception as error:  # noqa: BLE001 - one part failing (no browser …) leaves the others' figures
                traceback.print_exc()
                failed.append(part)
                rows.append(Row.not_measured(part, part, f"failed: {str(error).splitlines()[0][:200]}"))
            print(f"-- {part}: {time.perf_counter() - part_started:.1f} s", file=sys.stderr, flush=True)
        try:
            rows += load_test_rows(args.quick, args.db)
        except Exception as error:  # noqa: BLE001 - as above
            traceback.print_exc()
            failed.append("load test")
            rows.append(Row.not_measured("load test", "load test", f"failed: {str(error).splitlines()[0][:200]}"))
    total = time.perf_counter() - started
    print()
    print(header(args, description))
    print()
    print(markdown_table(rows))
    print()
    print(f"Total time: {total:.1f} s" + (" (--quick: goal within 60 s)" if args.quick else ""))
    if failed:
        print(f"Parts that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
