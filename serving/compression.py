"""Compressed static files for the embedded default: Streamlit leaves its bundles out of gzip.

Streamlit's own gzip middleware skips ``/static/`` on purpose (compressing every response costs
CPU and memory). A township office on a thin intranet link pays for every megabyte at each first
visit, so this middleware compresses the text bundles (scripts, styles, JSON, SVG) once per path and
keeps the result: Streamlit's bundles are named by their hash and never change while the process
runs, so each is compressed once, not per request. Behind nginx (``deploy/``) nginx does the same.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

COMPRESSED_TYPES = ("text/javascript", "application/javascript", "text/css", "application/json", "image/svg+xml")
MINIMUM_SIZE = 1024
MAX_CACHED = 256  # bundles kept compressed (Streamlit ships ~150 files)


class CompressedStatic:
    """ASGI middleware: GET ``…/static/…`` of a text type, asked for with gzip, answered compressed (cached)."""

    def __init__(self, app):
        self.app = app
        self._cache: OrderedDict[str, tuple[list, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope.get("method") != "GET" or "/static/" not in scope.get("path", "")
                or b"gzip" not in dict(scope.get("headers") or []).get(b"accept-encoding", b"")
                or any(name == b"range" for name, _ in scope.get("headers") or [])):
            return await self.app(scope, receive, send)
        path = scope["path"]
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None:
                self._cache.move_to_end(path)
        if cached is not None:
            return await _send(send, 200, *cached)
        start: dict = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, capture)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"").decode("latin-1")
        status = start.get("status", 500)
        already = any(k.lower() == b"content-encoding" for k, _ in headers)
        if status != 200 or already or len(body) < MINIMUM_SIZE or not content_type.startswith(COMPRESSED_TYPES):
            return await _send(send, status, headers, bytes(body))
        # off the event loop: a 500 KB bundle takes tens of milliseconds, once per process
        compressed = await run_in_threadpool(gzip.compress, bytes(body), compresslevel=6, mtime=0)
        headers = [*headers, (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        with self._lock:
            self._cache[path] = (headers, compressed)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        await _send(send, 200, headers, compressed)


async def _send(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
