"""Single sign-on through st.login's OIDC flow, handed over to the dashboard's own session.

When ``.streamlit/secrets.toml`` has a complete ``[auth]`` table (redirect_uri, cookie_secret,
client_id, client_secret, server_metadata_url: Streamlit's default provider), the sign-in page
offers 统一身份认证登录. It leads to Streamlit's own ``/auth/login`` (Authlib, PKCE, nonce); the
provider sends the browser back to Streamlit's ``/oauth2callback``, which stores the id_token's
claims in its signed cookie ``_streamlit_user`` and redirects to the app's root. The gate sends a
request carrying that cookie and no valid session to ``/auth/sso`` (``access.web``), which reads
the claims here, lets ``access.signin.sign_in_sso`` map them to a warehouse user and start an
ordinary session, and clears st.login's cookies on every outcome. So st.login's 30-day cookie
never acts as a session: it is read once, only within ``HANDOFF`` of being set, and deleted.

Only Streamlit's helpers touch the cookie (its signing, its chunking, its names), so a change of
their format in a Streamlit upgrade breaks here, in one place, and the SSO tests say so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

logger = logging.getLogger(__name__)

PROVIDER = "default"  # the flat [auth] table; named providers ([auth.<name>]) are not offered
HANDOFF = timedelta(minutes=5)  # st.login's cookie is honoured this long after its callback set it


def _cookie_names() -> tuple[str, str]:
    from streamlit.web.server.starlette.starlette_server_config import TOKENS_COOKIE_NAME, USER_COOKIE_NAME

    return USER_COOKIE_NAME, TOKENS_COOKIE_NAME


def configured() -> bool:
    """Return whether single sign-on is on: a complete ``[auth]`` table and Authlib installed."""
    from streamlit.auth_util import get_secrets_auth_section, is_authlib_installed, validate_auth_credentials
    from streamlit.errors import StreamlitAuthError

    try:
        if not get_secrets_auth_section():
            return False
        validate_auth_credentials(PROVIDER)
    except StreamlitAuthError as error:
        _warn_once(f"[auth] in secrets.toml is incomplete, single sign-on is off: {error}")
        return False
    if not is_authlib_installed():
        _warn_once("[auth] is configured but Authlib is not installed: single sign-on is off")
        return False
    return True


@lru_cache(maxsize=8)
def _warn_once(message: str) -> None:
    logger.warning(message)


def login_url(base: str) -> str:
    """Return Streamlit's ``/auth/login`` URL (under ``base``) with a fresh provider token (valid two minutes)."""
    from streamlit.auth_util import encode_provider_token

    return f"{base}/auth/login?provider={quote(encode_provider_token(PROVIDER), safe='')}"


def has_identity_cookie(cookies: Mapping[str, str]) -> bool:
    return _cookie_names()[0] in cookies


def identity(cookies: Mapping[str, str]) -> dict[str, Any] | None:
    """Return the claims st.login's callback stored in its cookie, or None when the cookie is absent,
    forged, undecodable, or was set longer than ``HANDOFF`` ago."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    secret = get_cookie_secret()
    max_age_days = HANDOFF / timedelta(days=1)

    def signed(name: str) -> bytes | None:
        value = cookies.get(name)
        if not value:
            return None
        return decode_signed_value(secret, name, value.encode("latin-1"), max_age_days=max_age_days)

    raw = get_cookie_with_chunks(signed, _cookie_names()[0])
    if raw is None:
        return None
    try:
        claims = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    return claims


def clear_identity(response, cookies: Mapping[str, str], cookie_path: str) -> None:
    """Delete st.login's cookies (the user's claims, the provider's tokens, and their chunks) on ``response``."""
    user, tokens = _cookie_names()
    names = {user, tokens} | {name for name in cookies for prefix in (user, tokens)
                              if name.startswith(prefix + "_") and name[len(prefix) + 1:].isdigit()}
    for name in sorted(names):
        for path in {cookie_path, "/"}:  # Streamlit sets them at the base path
            response.delete_cookie(name, path=path)
