"""A protocol-level Streamlit client: one browser tab's WebSocket, no rendering, to time the servers alone.

    .venv/bin/python benchmarks/ws_client.py http://127.0.0.1:8501 --token TOKEN [--page rectification]

What a browser tab does on the wire, and nothing else: it opens ``/_stcore/stream`` (subprotocol
``streamlit``; the tab's cookies, ``dashboard_session`` for the sign-in gate and the frame, and behind nginx
``dashboard_route`` for its stickiness, sent as the ``Cookie`` header), sends a ``BackMsg`` with
``rerun_script`` naming the page (``page_name``: the page's URL path, ``""`` for 总览) and the query string,
and reads ``ForwardMsg``s until ``script_finished`` says the run finished successfully. A run that ends
early for a rerun (``st.switch_page``, a widget's first value) is followed to its end, as the browser would.
The XSRF token Streamlit reads from the subprotocol header matters only for st.login's cookie, which this
client never has, so it sends none.

Timed, from the ``rerun_script`` sent: the first chart element (a delta whose element is a plotly chart,
or a component instance: the heat map's ``st_folium``), and the script finished. Counted: every element
by kind, and the errors: an ``exception`` element, or a text holding one of the frame's error lines
(``ERROR_MARKERS``: 数据库暂时无法连接 / 本页暂时无法显示, 请先登录, a role refused, a bad setting). An
``st.error`` alone is not one: 总览 shows 未按期报送的乡镇 and 建议约谈 that way, as content. The text of every
markdown, heading, alert and metric label is kept, and each selectbox's options and value (the sidebar's 乡镇
and 统计期间), so a caller can check whose view and which filters a session was shown.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

CHART_ELEMENTS = ("plotly_chart", "component_instance", "bidi_component", "deck_gl_json_chart", "vega_lite_chart")
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
# ui.frame's lines for a failed run, a missing session, a refused page and a bad setting
ERROR_MARKERS = ("暂时无法", "请先登录", "无权使用", "看板配置有误")


@dataclass
class PageRun:
    """What one page run sent: its timings (s, from the rerun request), elements, errors and texts."""

    page: str
    first_chart: float | None = None
    finished: float | None = None
    elements: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    selects: dict[str, tuple[list[str], str]] = field(default_factory=dict)  # label → (options, shown value)
    runs: int = 0  # script runs until the one that finished (a rerun asked by the page counts)

    @property
    def charts(self) -> int:
        return sum(self.elements.get(kind, 0) for kind in CHART_ELEMENTS)


def stream_url(base_url: str) -> str:
    """Return the WebSocket URL of the app at ``base_url`` (http://host:port[/base])."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"


def _element_texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind == "markdown":
        return [element.markdown.body]
    if kind == "heading":
        return [element.heading.body]
    if kind == "alert":
        return [element.alert.body]
    if kind == "metric":
        return [element.metric.label]
    return []


class StreamlitSession:
    """One tab's session on the server: ``async with StreamlitSession(url, cookies) as s: await s.run("")``."""

    def __init__(self, base_url: str, cookies: dict[str, str], *, timeout: float = 120.0) -> None:
        self.url = stream_url(base_url)
        self.cookies = cookies
        self.timeout = timeout
        self.origin = f"{urlsplit(base_url).scheme}://{urlsplit(base_url).netloc}"
        self._socket = None

    async def __aenter__(self) -> StreamlitSession:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self._socket = await asyncio.wait_for(
            connect(self.url, subprotocols=["streamlit"], additional_headers={"Cookie": cookie},
                    origin=self.origin, max_size=None, open_timeout=self.timeout, compression=None),
            self.timeout)
        return self

    async def __aexit__(self, *_exc) -> None:
        await self._socket.close()

    async def run(self, page: str, query_string: str = "") -> PageRun:
        """Ask for a run of ``page`` (its URL path, "" for the home page); return what it sent once finished."""
        request = BackMsg()
        request.rerun_script.query_string = query_string
        request.rerun_script.page_name = page
        result = PageRun(page)
        started = time.perf_counter()
        await self._socket.send(request.SerializeToString())
        deadline = started + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"page {page!r}: no script_finished within {self.timeout:.0f} s")
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self._socket.recv(), remaining))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                element_kind = element.WhichOneof("type")
                result.elements[element_kind] = result.elements.get(element_kind, 0) + 1
                result.texts.extend(_element_texts(element))
                if element_kind == "selectbox":
                    box = element.selectbox
                    options = list(box.options)
                    shown = box.raw_value if box.set_value else (options[box.default] if options else "")
                    result.selects[box.label] = (options, shown)
                if element_kind in CHART_ELEMENTS and result.first_chart is None:
                    result.first_chart = time.perf_counter() - started
                if element_kind == "exception":
                    result.errors.append(f"exception: {element.exception.type}: {element.exception.message}")
                result.errors.extend(text for text in _element_texts(element)
                                     if any(marker in text for marker in ERROR_MARKERS))
            elif kind == "page_not_found":
                result.errors.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                result.runs += 1
                if message.script_finished == FINISHED:
                    result.finished = time.perf_counter() - started
                    return result
                if message.script_finished == ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR:
                    result.errors.append("compile error")
                    result.finished = time.perf_counter() - started
                    return result
                # FINISHED_EARLY_FOR_RERUN: the next run is on its way, keep reading


async def open_pages(base_url: str, cookies: dict[str, str], pages: list[tuple[str, str]],
                     timeout: float = 120.0) -> list[PageRun]:
    """Open one session and run each (page, query string) in turn, as a user clicking through; return the runs."""
    async with StreamlitSession(base_url, cookies, timeout=timeout) as session:
        return [await session.run(page, query) for page, query in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--token", required=True, help="a dashboard_session token (access.sessions.start_session)")
    parser.add_argument("--route", help="a dashboard_route cookie (behind nginx)")
    parser.add_argument("--page", action="append", help="page URL path ('' for 总览); repeatable")
    parser.add_argument("--query", default="", help="query string, e.g. granularity=季&period=2024年第三季度")
    args = parser.parse_args()
    from access.sessions import COOKIE_NAME

    cookies = {COOKIE_NAME: args.token, **({"dashboard_route": args.route} if args.route else {})}
    pages = [(page, args.query) for page in (args.page or [""])]
    for run in asyncio.run(open_pages(args.base_url, cookies, pages)):
        first = f"{run.first_chart:.3f}" if run.first_chart is not None else "-"
        print(f"{run.page or '(总览)'}: first chart {first} s, finished {run.finished:.3f} s, {run.charts} charts, "
              f"{sum(run.elements.values())} elements, {run.runs} run(s), errors {run.errors or 'none'}")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
