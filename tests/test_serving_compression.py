"""The embedded default sends its scripts and styles gzip-compressed (Streamlit leaves /static/ out of gzip)."""

from __future__ import annotations

import gzip
import re
import urllib.request

import pytest

from tests.browser import SIGNED_IN

pytestmark = pytest.mark.browser


def fetch(url: str, token: str, gzip_ok: bool) -> tuple[dict, bytes]:
    from access.sessions import COOKIE_NAME

    headers = {"Cookie": f"{COOKIE_NAME}={token}", **({"Accept-Encoding": "gzip"} if gzip_ok else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_the_main_bundle_is_sent_compressed_once_and_identical_when_unpacked(app_server):
    token = SIGNED_IN[app_server]
    _, index = fetch(f"{app_server}/", token, gzip_ok=False)
    bundle = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', index).group(1).decode()
    plain_headers, plain = fetch(f"{app_server}/{bundle}", token, gzip_ok=False)
    assert "content-encoding" not in plain_headers and len(plain) > 100_000  # Streamlit's main bundle
    for _ in range(2):  # the second answer comes from the cache of compressed bundles
        headers, packed = fetch(f"{app_server}/{bundle}", token, gzip_ok=True)
        assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
        assert int(headers["content-length"]) == len(packed) < len(plain) / 3
        assert gzip.decompress(packed) == plain
    assert headers["cache-control"] == "public, immutable, max-age=31536000"  # Streamlit marks hashed bundles
