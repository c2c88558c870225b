"""Benchmark: the validated load of the 100-county clue ledger (~1M rows) vs a naive load.

    .venv/bin/python benchmarks/bench_load.py            # SQLite and PostgreSQL
    .venv/bin/python benchmarks/bench_load.py --sqlite-only --repeats 3

Generates the sample (``python -m data_pipeline sample --counties 100``) into benchmarks/out/
when absent. Each measurement runs in its own process so its peak memory (ru_maxrss) is its own:

- naive:    ``pd.read_csv`` + ``DataFrame.to_sql`` of the same file, no validation at all;
- pipeline: ``load_paths`` of the clue ledger (header detection, normalisation, validation,
            place resolution, rejected rows, upsert, audit) after the divisions are loaded.

Prints rows/s, seconds, the process's CPU time and peak memory, and the pipeline/naive time
ratio of the same run; with ``--repeats N`` the fastest of N runs (a shared machine is noisy).
Goals (docs/bench/load.md): ≥ 50,000 validated rows/s into SQLite; ratio ≤ 2. ``run()`` returns the
same figures as rows for ``python -m benchmarks`` (its county scale: the sample county's clue ledger,
an .xlsx of a few thousand rows, where the fixed costs weigh more).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.table import Row  # noqa: E402
from benchmarks.warehouses import SAMPLE, data_dir, scale_name  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
LEDGERS = OUT / "ledgers"
CLUES = LEDGERS / "基准100县问题线索台账.csv"
DIVISIONS = LEDGERS / "基准100县区划名录.csv"


def ensure_sample() -> None:
    if not (CLUES.exists() and DIVISIONS.exists()):
        data_dir("province")


def ledger_files(scale: str) -> tuple[Path, Path]:
    """Return (the clue ledger, the 区划名录) of a scale."""
    if scale_name(scale) == "100":
        ensure_sample()
        return CLUES, DIVISIONS
    return SAMPLE / "ledgers" / "示范县问题线索台账.xlsx", SAMPLE / "ledgers" / "示范县区划名录.xlsx"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_naive(url: str, clues: Path) -> dict:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    start = time.perf_counter()
    frame = pd.read_csv(clues) if clues.suffix == ".csv" else pd.read_excel(clues)
    frame.to_sql("clues_naive", engine, if_exists="replace", index=False, chunksize=50_000)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"rows": len(frame), "seconds": seconds}


def run_pipeline(url: str, clues: Path, divisions: Path) -> dict:
    from data_pipeline.load import load_paths
    from warehouse.engine import get_engine

    engine = get_engine(url)
    [divisions_report] = load_paths([divisions], engine)
    assert divisions_report.committed, divisions_report.error
    start = time.perf_counter()
    [report] = load_paths([clues], engine)
    seconds = time.perf_counter() - start
    assert report.committed, report.error
    assert report.balanced
    return {"rows": report.rows_loaded + report.rows_rejected, "loaded": report.rows_loaded,
            "rejected": report.rows_rejected,
            "seconds": seconds}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(kind: str, url: str, clues: str, divisions: str) -> None:
    cpu_before = cpu_seconds()
    result = run_naive(url, Path(clues)) if kind == "naive" else run_pipeline(url, Path(clues), Path(divisions))
    # this process's CPU (user+sys) for the whole child, the setup included; the database
    # server's own CPU (PostgreSQL) is not in it
    result["cpu_seconds"] = cpu_seconds() - cpu_before
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def measure(kind: str, url_for_run, repeats: int, files: tuple[Path, Path] = (CLUES, DIVISIONS)) -> dict:
    """Return the fastest of ``repeats`` runs (each in a fresh process and a fresh database) of ``files``
    (the clue ledger, the 区划名录)."""
    runs = []
    for attempt in range(repeats):
        url = url_for_run(f"{kind}{attempt}")
        completed = subprocess.run([sys.executable, __file__, "--child", kind, url, *map(str, files)],
                                   capture_output=True, text=True, cwd=ROOT)
        if url.startswith("sqlite:///"):  # about 0.5 GB each: keep the disk free between runs
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        if completed.returncode != 0:
            raise SystemExit(f"{kind} 失败：{completed.stderr.strip().splitlines()[-1:]}")
        runs.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    best["all_seconds"] = [round(r["seconds"], 1) for r in runs]
    return best


def report_line(database: str, kind: str, result: dict) -> str:
    rate = result["rows"] / result["seconds"]
    runs = "、".join(map(str, result["all_seconds"]))
    return (f"{database:<11} {kind:<9} {result['rows']:>9,d} 行  {result['seconds']:7.1f} s  "
            f"{rate:>9,.0f} 行/s  本进程 CPU {result['cpu_seconds']:6.1f} s  峰值内存 {result['peak_mb']:6.0f} MB"
            f"  （各次：{runs} s）")


def run(scale: str = "county", database: str = "sqlite", quick: bool = False, *, warehouses=None) -> list[Row]:
    """Return the rows of the validated load of the scale's clue ledger into ``database`` beside a naive
    ``read_csv``/``read_excel`` + ``to_sql`` of the same file (goal: ≤ 2x its time; ≥ 50,000 rows/s for the
    100 counties on SQLite); the fastest of 3 runs each (1 with ``quick`` or at the province scale)."""
    scale = scale_name(scale)
    files = ledger_files(scale)
    repeats = 1 if quick or scale == "100" else 3
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        if database == "sqlite":
            def make_url(name):
                return f"sqlite:///{Path(folder) / name}.sqlite"
        else:
            cluster = warehouses.cluster_for_load() if warehouses else None
            if cluster is None:
                raise ValueError("the PostgreSQL load needs the runner's warehouses (a cluster)")
            make_url = cluster.create_database
        naive = measure("naive", make_url, repeats, files)
        pipeline = measure("pipeline", make_url, repeats, files)
    rate = pipeline["rows"] / pipeline["seconds"]
    what = (f"{files[0].name}: {pipeline['rows']:,d} rows ({pipeline['rejected']:,d} rejected), "
            f"fastest of {repeats}")
    return [
        Row.beside_floor("ingest", f"validated load, {what} (floor: naive load, {naive['rows'] / naive['seconds']:,.0f} rows/s)",
                         pipeline["seconds"], naive["seconds"], "s", max_ratio=2),
        Row.against("ingest", f"validated rows/s, peak memory {pipeline['peak_mb']:,.0f} MB", rate, "rows/s",
                    at_least=50_000 if scale == "100" and database == "sqlite" else None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=1, help="runs per measurement; the fastest is reported")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "URL", "CLUES", "DIVISIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    ensure_sample()
    print(f"文件：{CLUES.relative_to(ROOT)}（{CLUES.stat().st_size / 1e6:.0f} MB）")
    lines, ratios = [], []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        targets = [("SQLite", lambda name: f"sqlite:///{Path(folder) / name}.sqlite")]
        cluster = None
        if not args.sqlite_only:
            from tests.postgres_cluster import PostgresCluster

            cluster = PostgresCluster().start()
            targets.append(("PostgreSQL", cluster.create_database))
        try:
            for database, make_url in targets:
                naive = measure("naive", make_url, args.repeats)
                pipeline = measure("pipeline", make_url, args.repeats)
                lines += [report_line(database, "naive", naive), report_line(database, "pipeline", pipeline)]
                ratio = pipeline["seconds"] / naive["seconds"]
                ratios.append(f"{database}: 校验入库耗时 / 直接入库耗时 = {ratio:.2f}"
                              f"（入库 {pipeline['loaded']:,d} 行，拒收 {pipeline['rejected']:,d} 行）")
                print(lines[-2], lines[-1], ratios[-1], sep="\n", flush=True)
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
