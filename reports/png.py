"""Chart PNGs rendered on the server: one headless Chromium (kaleido) started once and reused.

``fig.write_image`` starts a browser per call (2-2.7 s each). Here one ``kaleido.Kaleido`` lives on
an event loop in a daemon thread for the life of the process; every export is a coroutine
submitted to that loop (``asyncio.run_coroutine_threadsafe``), so Streamlit's script threads can
call ``chart_png`` concurrently and still share the one browser. MathJax is off and plotly.js
is the copy inside the installed plotly package: nothing is fetched from a CDN (intranet).
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import logging
import os
import shutil
import threading
from datetime import date, datetime
from pathlib import Path

import plotly
import plotly.graph_objects as go

from config import settings
from reports.stamps import as_of_line, unit_suffix, watermark_line

logger = logging.getLogger(__name__)

PRINT_SCALE = 2  # 1000x560 CSS px → 2000x1120 px: sharp when printed at A4 width
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 560
RENDER_TIMEOUT_S = 60


def local_plotly_js() -> Path:
    """Return the plotly.min.js shipped inside the installed plotly package."""
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(f"plotly.js 未随 plotly 安装：{path}")
    return path


def browser_path() -> str | None:
    """Return the Chromium kaleido should drive: BROWSER_PATH, else chromium on the PATH."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserMissingError(RuntimeError):
    """No Chromium to render with (the message is Chinese: users read it)."""


class ChartRenderer:
    """One Chromium, opened once, that turns plotly figures into PNG bytes."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._start_lock = threading.Lock()
        self.starts = 0  # how many browsers this renderer has launched (tests read it)
        self.renders = 0

    # --- lifecycle ----------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._kaleido is not None and self.is_browser_alive():
                return
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="kaleido-renderer", daemon=True
                )
                self._thread.start()
            future = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
            self._kaleido = future.result(timeout=RENDER_TIMEOUT_S)
            self.starts += 1

    async def _open(self):
        import kaleido

        if self._kaleido is not None:  # a dead browser: release what is left of it
            try:
                await self._kaleido.close()
            except Exception:  # noqa: BLE001 - it is already gone
                logger.warning("Closing the dead chart browser failed; starting a new one", exc_info=True)
        options = {"mathjax": False, "plotlyjs": local_plotly_js(), "n": 1}
        path = browser_path()
        if not path:
            raise BrowserMissingError("未找到 Chromium 浏览器，无法在服务器端生成图表图片："
                                      "请安装 chromium（apt-get install chromium）或设置环境变量 BROWSER_PATH。")
        options["path"] = path
        k = kaleido.Kaleido(**options)
        await k.open()
        return k

    def is_browser_alive(self) -> bool:
        """Return whether the browser process is still running."""
        process = getattr(self._kaleido, "subprocess", None)
        return process is not None and process.poll() is None

    @property
    def browser_pid(self) -> int | None:
        """Return the Chromium process id (None before the first export)."""
        process = getattr(self._kaleido, "subprocess", None)
        return process.pid if process is not None else None

    def stop(self) -> None:
        """Close the browser and the loop thread (at exit, and in tests)."""
        with self._start_lock:
            if self._loop is None:
                return
            if self._kaleido is not None:
                try:
                    asyncio.run_coroutine_threadsafe(self._kaleido.__aexit__(None, None, None), self._loop).result(timeout=15)
                except Exception:  # noqa: BLE001 - shutting down anyway
                    logger.warning("Closing the chart browser failed at shutdown", exc_info=True)
                self._kaleido = None
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = None
            self._thread = None

    # --- rendering ----------------------------------------------------------------------------
    def render(self, fig: go.Figure | dict, *, width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT,
               scale: float = PRINT_SCALE, image_format: str = "png") -> bytes:
        """Return the PNG (or ``image_format``: svg) bytes of ``fig`` rendered as is."""
        self._ensure_started()
        opts = {"format": image_format, "width": width, "height": height, "scale": scale}
        future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(fig, opts=opts), self._loop)
        png = future.result(timeout=RENDER_TIMEOUT_S)
        self.renders += 1
        return png


_renderer: ChartRenderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> ChartRenderer:
    """Return the process-wide renderer (its browser starts on the first export)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = ChartRenderer()
            atexit.register(_renderer.stop)
        return _renderer


def export_figure(fig: go.Figure | dict, *, title: str, unit: str | None = None, as_of: date | None = None,
                  user_name: str | None = None, exported_at: datetime | None = None,
                  watermark: bool = True) -> dict:
    """Return the figure spec (a dict, as the browser gets it) dressed for export.

    CJK font stack, title with unit, the 数据截至 line as subtitle, and the watermark. The page's
    figure is not changed: ``to_dict`` copies. Working on the dict, not a ``go.Figure``, skips
    plotly's validation (tens of ms per export). ``watermark=False`` (the bulletin's own charts,
    whose document carries the mark in its header) leaves out the diagonal marks.
    """
    font_family = settings.get("chart_font_family")
    spec = fig.to_dict() if isinstance(fig, go.Figure) else copy.deepcopy(fig)
    layout = spec.setdefault("layout", {})
    layout["font"] = {**layout.get("font", {}), "family": font_family}
    layout["title"] = {
        "text": f"<b>{title}</b>{unit_suffix(unit)}",
        "x": 0.02,
        "xanchor": "left",
        "font": {"family": font_family, "size": 20},
        "subtitle": {"text": as_of_line(as_of), "font": {"family": font_family, "size": 13, "color": "#555"}},
    }
    for part in ("legend", "hoverlabel"):
        layout[part] = {**layout.get(part, {}), "font": {**layout.get(part, {}).get("font", {}), "family": font_family}}
    margin = dict(layout.get("margin", {}))
    margin["t"] = max(margin.get("t") or 0, 90)
    layout["margin"] = margin
    if watermark:
        text = watermark_line(user_name or "未知用户", exported_at or datetime.now())
        marks = [
            {
                "text": text,
                "xref": "paper",
                "yref": "paper",
                "x": x,
                "y": y,
                "showarrow": False,
                "textangle": -20,
                "font": {"family": font_family, "size": 15, "color": "rgba(120,120,120,0.22)"},
            }
            for x, y in ((0.2, 0.75), (0.8, 0.25))  # two, apart: the line is long
        ]
        layout["annotations"] = list(layout.get("annotations", [])) + marks
    return spec


def chart_png(fig: go.Figure, *, title: str, unit: str | None = None, as_of: date | None = None,
              user_name: str | None = None, exported_at: datetime | None = None, watermark: bool = True,
              width: int | None = None, height: int | None = None, scale: float = PRINT_SCALE) -> bytes:
    """Return the print-quality PNG of ``fig`` with its title, unit, 数据截至 line and watermark.

    The size is the figure's own (a ranking of 12 townships is taller than a trend), else 1000x560;
    a figure with its own height gets 30 px more for the export's two-line title.
    """
    dressed = export_figure(fig, title=title, unit=unit, as_of=as_of, user_name=user_name,
                            exported_at=exported_at, watermark=watermark)
    width = width or fig.layout.width or DEFAULT_WIDTH
    if not height:
        height = fig.layout.height + 30 if fig.layout.height else DEFAULT_HEIGHT
    return renderer().render(dressed, width=int(width), height=int(height), scale=scale)


def png_size(png: bytes) -> tuple[int, int]:
    """Return (width, height) in pixels read from the PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("不是 PNG 图像")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
