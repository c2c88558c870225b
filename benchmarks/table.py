"""One row of the benchmark table, the machine's description and the Markdown table they print as.

Every part of ``python -m benchmarks`` returns rows: a figure measured beside its floor measured in
the same run (or beside a fixed goal), never a bound asserted by a test.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """A figure of one part (``measured`` in ``unit``), its floor from the same run and the goal it is held to.

    ``ratio`` is measured / floor unless given; ``met`` is None when the row has no goal. A row with
    ``measured`` None says why nothing was measured (``note``: skipped, not available)."""

    part: str
    name: str
    measured: float | None
    unit: str = ""
    floor: float | None = None
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    note: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.ratio is None and self.measured is not None and self.floor:
            object.__setattr__(self, "ratio", self.measured / self.floor)

    @classmethod
    def beside_floor(cls, part: str, name: str, measured: float, floor: float, unit: str, *,
                     max_ratio: float | None = None, note: str = "") -> Row:
        """Return a row held to measured / floor ≤ ``max_ratio`` (no goal when None)."""
        row = cls(part, name, measured, unit, floor, note=note)
        if max_ratio is None or row.ratio is None:
            return row
        return cls(part, name, measured, unit, floor, row.ratio, f"≤ {max_ratio:g}x", row.ratio <= max_ratio, note)

    @classmethod
    def against(cls, part: str, name: str, measured: float, unit: str, *, at_most: float | None = None,
                at_least: float | None = None, floor: float | None = None, note: str = "") -> Row:
        """Return a row held to a fixed bound (``at_most`` or ``at_least``, in ``unit``)."""
        if at_most is not None:
            return cls(part, name, measured, unit, floor, goal=f"≤ {at_most:,g} {unit}".rstrip(),
                       met=measured <= at_most, note=note)
        if at_least is not None:
            return cls(part, name, measured, unit, floor, goal=f"≥ {at_least:,g} {unit}".rstrip(),
                       met=measured >= at_least, note=note)
        return cls(part, name, measured, unit, floor, note=note)

    @classmethod
    def not_measured(cls, part: str, name: str, why: str) -> Row:
        """Return a row saying that ``name`` was not measured in this run, and why."""
        return cls(part, name, None, note=why)

    @classmethod
    def from_dict(cls, figures: dict) -> Row:
        """Return a row from a part's plain dict ({part, name, measured, floor, ratio, unit}, goal and met optional)."""
        known = {k: figures[k] for k in ("part", "name", "measured", "unit", "floor", "ratio", "goal", "met", "note")
                 if k in figures}
        return cls(**known)


def format_number(value: float | None) -> str:
    """Return ``value`` with as many digits as its size warrants (12,345 · 123 · 12.3 · 1.23 · 0.123)."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _with_unit(value: float | None, unit: str) -> str:
    return format_number(value) if value is None or not unit else f"{format_number(value)} {unit}"


def markdown_table(rows: list[Row]) -> str:
    """Return the rows as one Markdown table: part, what, measured, floor, ratio, goal, met."""
    lines = ["| part | what | measured | floor (same run) | ratio | goal | met |",
             "|---|---|---:|---:|---:|---|---|"]
    for row in rows:
        if row.measured is None:
            lines.append(f"| {row.part} | {row.name} | — | — | — | — | not measured: {row.note} |")
            continue
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}x"
        met = {None: "—", True: "yes", False: "**no**"}[row.met]
        name = f"{row.name} ({row.note})" if row.note else row.name
        lines.append(f"| {row.part} | {name} | {_with_unit(row.measured, row.unit)} | "
                     f"{'—' if row.floor is None else _with_unit(row.floor, row.unit)} | {ratio} | "
                     f"{row.goal or '—'} | {met} |")
    return "\n".join(lines)


def _command_output(*command: str) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=PROJECT_ROOT)
    except (OSError, subprocess.SubprocessError):
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def _postgresql_version() -> str:
    from tests.postgres_cluster import find_pg_bin

    folder = find_pg_bin()
    postgres = folder / "postgres" if folder else shutil.which("postgres")
    return _command_output(str(postgres), "--version").removeprefix("postgres ") if postgres else "not installed"


def machine_description() -> dict[str, str]:
    """Return {what: value} of this machine and checkout: cores, memory, OS, Python, SQLite, PostgreSQL, commit."""
    memory = _memory_gib()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    commit = _command_output("git", "log", "-1", "--format=%h %s")
    dirty = _command_output("git", "status", "--porcelain", "--untracked-files=no")
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{memory:.0f} GiB" if memory else "unknown",
        "OS": _os_name(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": _postgresql_version(),
        "load average at start": " ".join(f"{v:.2f}" for v in load) if load else "unknown",
        "commit": (commit or "unknown") + (" (with uncommitted changes)" if dirty else ""),
    }


def machine_lines(description: dict[str, str]) -> str:
    """Return the machine's description as Markdown list lines."""
    return "\n".join(f"- {name}: {value}" for name, value in description.items())
