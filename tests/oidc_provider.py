"""A real OIDC provider for the single sign-on tests: oauth2-mock-server (npm) run by Node.js.

``tests/oidc/package.json`` pins it; ``make test`` installs it with ``npm ci`` into
``tests/oidc/node_modules`` (gitignored), and ``running_provider`` does the same when a bare
``pytest`` run finds it missing. ``tests/oidc/provider.js`` starts it on a free loopback port;
``provider.signs_in_as(preferred_username="…")`` says who the next sign-in at the provider is
(the claims go into the id_token it signs). Without Node.js the SSO tests skip; with ``CI=true``
they fail instead, as the browser tests do without chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import free_port, stop_app

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "dashboard", "client-secret-of-the-tests"


def require_node() -> str:
    """Return the path of ``node``; skip (or fail with CI=true) when Node.js is not installed."""
    node = shutil.which("node")
    if node:
        return node
    message = "Node.js is not installed (apt-get install nodejs npm): the SSO tests need its OIDC provider"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but " + message)
    pytest.skip(message)


def install_provider() -> None:
    """Install the pinned oauth2-mock-server with ``npm ci`` unless it is installed."""
    if (OIDC_DIR / "node_modules" / "oauth2-mock-server" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("tests/oidc/node_modules is missing and npm is not installed (apt-get install npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=OIDC_DIR, check=True,
                   timeout=300)


@dataclass(frozen=True)
class OidcProvider:
    url: str  # the issuer, http://127.0.0.1:<port>

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def signs_in_as(self, **claims) -> None:
        """Make the provider's next sign-in that of a person with these id_token claims."""
        request = urllib.request.Request(f"{self.url}/test/identity", data=json.dumps(claims).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def auth_secrets(self, path: Path, base_path: str = "") -> Path:
        """Write a secrets.toml whose ``[auth]`` signs in through this provider; return its path."""
        path.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{{port}}{base_path}/oauth2callback"\n'
            'cookie_secret = "cookie-secret-of-the-sso-tests-0123456789"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n', encoding="utf-8")
        return path


def _wait_for_discovery(provider: OidcProvider, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(provider.metadata_url, timeout=2) as response:
                if json.load(response).get("issuer") == provider.url:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling a server that is starting, not waiting in a test
    raise TimeoutError(f"the OIDC provider did not answer at {provider.metadata_url}")


@contextmanager
def running_provider(log_path: Path | None = None) -> Iterator[OidcProvider]:
    """Run the provider on a free loopback port for the block; stop it (its own process group) afterwards."""
    node = require_node()
    install_provider()
    port = free_port()
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([node, "provider.js", str(port)], cwd=OIDC_DIR, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    provider = OidcProvider(f"http://127.0.0.1:{port}")
    try:
        _wait_for_discovery(provider, process)
        yield provider
    finally:
        stop_app(process)  # its own process group, as the app's servers
        if log_path:
            log.close()
