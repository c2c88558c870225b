"""The marks every export carries: file names, the 数据截至 line, the watermark, the toolbar config."""

from __future__ import annotations

import re
from datetime import date, datetime

from config import settings

_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def file_name(title: str, extension: str) -> str:
    """Return a Chinese file name for ``title``: characters Windows forbids become "_"."""
    stem = _UNSAFE_IN_FILE_NAME.sub("_", title.strip()).strip("_.") or "导出"
    return f"{stem}.{extension.lstrip('.')}"


def plotly_config(title: str) -> dict:
    """Return the ``st.plotly_chart`` config whose camera button saves "<title>.png" at print scale.

    Pass it as ``st.plotly_chart(fig, config=plotly_config("各乡镇整改完成率"))``.
    """
    stem = file_name(title, "png")[: -len(".png")]
    return {
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2},
        "displaylogo": False,
    }


def as_of_line(as_of: date | None) -> str:
    """Return "数据截至 2024-09-30" (or "" when the date is unknown)."""
    if as_of is None:
        return ""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    return f"数据截至 {as_of.isoformat()}"


def watermark_line(user_name: str, when: datetime) -> str:
    """Return the export watermark: the settings text, who exported, and when."""
    return f"{settings.get('watermark_text')}  {user_name}  {when:%Y-%m-%d %H:%M}"


def unit_suffix(unit: str | None) -> str:
    """Return "（单位：万元）" for a unit, "" for none."""
    return f"（单位：{unit}）" if unit else ""
