"""The sign-in page and single sign-on's hand-over, sign-out, and the gate that keeps every URL behind a session.

Why this way: a Streamlit script cannot set a cookie (``st.context.cookies`` only reads the cookies
of the request that opened the session), and ``st.login`` keeps a signed 30-day cookie of its own
with no server-side session to end. Streamlit 1.67's ``st.App`` (Starlette underneath) takes
routes and middleware, so the sign-in is an ordinary HTML form posted to ``/auth/sign-in``: on
success the response sets the HttpOnly cookie ``dashboard_session`` (a random token; the
warehouse keeps its hash) and redirects to the page asked for. ``SessionGate`` sends any page
request without a valid session to the sign-in page (a deep link comes back to itself after it),
and refuses the WebSocket, media and upload URLs outright. The script checks the same session
again on every rerun (``ui.frame``), so a sign-out or a disabled account ends every tab at its
next rerun. ``serve.py`` puts it together; ``streamlit run serve.py`` runs it.

Single sign-on (``access.sso``), when ``[auth]`` is configured: the page also links
统一身份认证登录 (``/auth/sso/start``, which goes on to st.login's ``/auth/login``); Streamlit's
``/oauth2callback`` sets st.login's cookie and redirects to the root; the gate sends a page request
that carries that cookie and no valid session to ``/auth/sso``, which starts the same session as
the form does and deletes st.login's cookies. Every path here follows ``server.baseUrlPath``.
"""

from __future__ import annotations

import html
import logging
import secrets
from urllib.parse import quote, unquote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from access import sso
from access.sessions import COOKIE_NAME, check_session, end_session
from access.signin import sign_in, sign_in_sso
from config import settings

logger = logging.getLogger(__name__)

# every path below is under the app's base path (server.baseUrlPath): see url()
SIGN_IN_PATH = "/auth/sign-in"
SIGN_OUT_PATH = "/auth/sign-out"
SSO_START_PATH = "/auth/sso/start"  # → st.login's /auth/login → the provider → /oauth2callback → the root
SSO_PATH = "/auth/sso"  # where the gate sends st.login's cookie to become a session
CSRF_COOKIE = "dashboard_csrf"
SSO_NEXT_COOKIE = "dashboard_sso_next"  # the page to go back to, kept across the provider's round trip
# what needs a session: the app's WebSocket, media (charts' images, downloads) and uploads
DATA_PREFIXES = ("/_stcore/stream", "/media/", "/_stcore/upload_file")
# what carries no data: the sign-in pages (ours and st.login's), health checks, the bundled scripts and styles
ST_LOGIN_PATHS = ("/auth/login", "/auth/logout", "/oauth2callback")  # Streamlit's own
OPEN_PREFIXES = ("/auth/", "/oauth2callback", "/_stcore/", "/static/", "/app/static/", "/component/", "/favicon")
DATABASE_DOWN = "数据库暂时无法连接，请稍后重试或联系管理员。"
SSO_UNAVAILABLE = "统一身份认证暂时无法使用，请用用户名和密码登录或联系管理员。"
SSO_INCOMPLETE = "统一身份认证未完成或已超时，请重新登录。"


def base_path() -> str:
    """Return the app's ``server.baseUrlPath`` as ``/dash`` (empty when served at the root)."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def url(path: str) -> str:
    """Return ``path`` (one of the paths above, or a page's) under the app's base path."""
    return base_path() + path


def sign_in_url() -> str:
    return url(SIGN_IN_PATH)


def _cookie_path() -> str:
    return base_path() or "/"


def _engine():
    from warehouse.engine import get_engine

    return get_engine()


def _safe_next(target: str | None) -> str:
    """A path of this site to go back to after signing in (never another host)."""
    home = url("/")
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    return target


def client_of(request: Request) -> str:
    """The client's address: the proxy's X-Forwarded-For first hop when the request came from the loopback."""
    host = request.client.host if request.client else "未知"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and host in ("127.0.0.1", "::1"):
        return forwarded.split(",")[0].strip()[:64]
    return host[:64]


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 正风反腐数据看板</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; background: #f5f5f5;
       margin: 0; display: flex; align-items: center; justify-content: center; min-height: 100vh; }}
form {{ background: #fff; padding: 2.5rem 3rem; border-radius: .5rem; box-shadow: 0 2px 12px rgba(0,0,0,.08);
        width: 22rem; }}
h1 {{ font-size: 1.4rem; margin: 0 0 .3rem; color: #222; }}
p.note {{ color: #666; font-size: .9rem; margin: 0 0 1.5rem; }}
label {{ display: block; margin: 1rem 0 .3rem; color: #333; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .55rem .6rem;
        border: 1px solid #ccc; border-radius: .3rem; font-size: 1rem; }}
button {{ margin-top: 1.6rem; width: 100%; padding: .6rem; background: #C0392B; color: #fff; border: 0;
          border-radius: .3rem; font-size: 1.05rem; cursor: pointer; }}
p.error {{ color: #C0392B; margin: 1rem 0 0; }}
p.or {{ color: #999; text-align: center; margin: 1.2rem 0 .6rem; font-size: .9rem; }}
a.sso {{ display: block; text-align: center; padding: .55rem; border: 1px solid #C0392B; border-radius: .3rem;
         color: #C0392B; text-decoration: none; font-size: 1rem; }}
</style></head>
<body><form method="post" action="{action}" autocomplete="off">
<h1>正风反腐数据看板</h1><p class="note">内部资料 注意保密 · 请使用本人账号登录</p>
<label for="username">用户名</label><input id="username" name="username" type="text" value="{username}" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" required>
<input type="hidden" name="next" value="{next}"><input type="hidden" name="csrf" value="{csrf}">
<button type="submit">登录</button>{sso}{message}
</form></body></html>"""


def _sso_link(next_path: str) -> str:
    """The 统一身份认证登录 link, only when single sign-on is configured."""
    if not sso.configured():
        return ""
    href = f"{url(SSO_START_PATH)}?next={quote(next_path, safe='')}"
    return f'<p class="or">或</p><a class="sso" href="{html.escape(href)}">统一身份认证登录</a>'


def _sign_in_form(next_path: str, message: str = "", username: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(16)
    body = _PAGE.format(action=html.escape(url(SIGN_IN_PATH)), username=html.escape(username),
                        next=html.escape(next_path), csrf=html.escape(csrf), sso=_sso_link(next_path),
                        message=f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "")
    response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path=url("/auth/"),
                        secure=bool(settings.get("cookie_secure")))
    return response


def _set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, httponly=True, samesite="lax", path=_cookie_path(),
                        secure=bool(settings.get("cookie_secure")))


async def sign_in_route(request: Request) -> Response:
    """GET: the sign-in form. POST: check the password; on success set the session cookie and go back."""
    if request.method == "GET":
        started = request.cookies.get(SSO_NEXT_COOKIE)
        if started:  # back from the provider without an identity (refused, cancelled, or st.login failed)
            response = _sign_in_form(_safe_next(unquote(started)), SSO_INCOMPLETE, status=401)
            response.delete_cookie(SSO_NEXT_COOKIE, path=url("/auth/"))
            return response
        return _sign_in_form(_safe_next(request.query_params.get("next")))
    form = await request.form()
    next_path = _safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "")[:64]
    if not secrets.compare_digest(str(form.get("csrf") or ""), request.cookies.get(CSRF_COOKIE) or "-"):
        return _sign_in_form(next_path, "页面已过期，请重新登录。", username, status=400)
    try:
        result = await run_in_threadpool(sign_in, _engine(), username, str(form.get("password") or ""),
                                         client_of(request))
    except Exception:  # noqa: BLE001 - the user reads one Chinese line; the log keeps the traceback
        logger.exception("Sign-in failed with an error")
        return _sign_in_form(next_path, DATABASE_DOWN, username, status=503)
    if result.token is None:
        return _sign_in_form(next_path, result.message, username, status=401)
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, result.token)
    return response


async def sso_start_route(request: Request) -> Response:
    """Remember the page asked for, then go to st.login's ``/auth/login`` (and on to the provider)."""
    next_path = _safe_next(request.query_params.get("next"))
    if not sso.configured():
        return RedirectResponse(f"{url(SIGN_IN_PATH)}?next={quote(next_path, safe='')}", status_code=303)
    try:
        target = sso.login_url(base_path())
    except Exception:  # noqa: BLE001 - one Chinese line; the log keeps the traceback
        logger.exception("Single sign-on could not start")
        return _sign_in_form(next_path, SSO_UNAVAILABLE, status=503)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SSO_NEXT_COOKIE, quote(next_path, safe=""), max_age=int(sso.HANDOFF.total_seconds()) * 2,
                        httponly=True, samesite="lax", path=url("/auth/"), secure=bool(settings.get("cookie_secure")))
    return response


async def sso_route(request: Request) -> Response:
    """Turn st.login's fresh cookie into a session of the warehouse user it names, or refuse in Chinese.

    st.login's cookies and the remembered page are deleted whatever the outcome, so the cookie is used once."""
    next_path = _safe_next(unquote(request.cookies.get(SSO_NEXT_COOKIE) or ""))
    if not sso.configured():
        response = RedirectResponse(url(SIGN_IN_PATH), status_code=303)
    elif (claims := sso.identity(request.cookies)) is None:
        response = _sign_in_form(next_path, SSO_INCOMPLETE, status=401)
    else:
        username = claims.get(str(settings.get("sso_username_claim")))
        try:
            result = await run_in_threadpool(sign_in_sso, _engine(), username, client_of(request))
        except Exception:  # noqa: BLE001 - the user reads one Chinese line; the log keeps the traceback
            logger.exception("Single sign-on failed with an error")
            result = None
        if result is None:
            response = _sign_in_form(next_path, DATABASE_DOWN, status=503)
        elif result.token is None:
            response = _sign_in_form(next_path, result.message, status=403)
        else:
            response = RedirectResponse(next_path, status_code=303)
            _set_session_cookie(response, result.token)
    sso.clear_identity(response, request.cookies, _cookie_path())
    response.delete_cookie(SSO_NEXT_COOKIE, path=url("/auth/"))
    return response


async def sign_out_route(request: Request) -> Response:
    """End the session (every tab of it at its next rerun), clear its cookie and st.login's, show the form."""
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await run_in_threadpool(end_session, _engine(), token)  # audited there
    response = RedirectResponse(url(SIGN_IN_PATH), status_code=303)
    response.delete_cookie(COOKIE_NAME, path=_cookie_path())
    sso.clear_identity(response, request.cookies, _cookie_path())
    return response


class SessionGate:
    """ASGI middleware: a page without a valid session goes to the sign-in page; data URLs are refused."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        full_path = scope.get("path", "/")
        base = base_path()
        # the rules are written for the paths under the base path; any other path is judged as it is
        path = (full_path[len(base):] or "/") if base and (full_path + "/").startswith(base + "/") else full_path
        needs_data = path.startswith(DATA_PREFIXES)
        if not needs_data and path.startswith(OPEN_PREFIXES):
            if scope["type"] == "http" and path in ST_LOGIN_PATHS:
                return await self._st_login_in_chinese(scope, receive, send)
            return await self.app(scope, receive, send)
        cookies = HTTPConnection(scope).cookies  # an HTTP request or the WebSocket alike
        token = cookies.get(COOKIE_NAME)
        try:
            signed_in = await run_in_threadpool(check_session, _engine(), token) if token else None
        except Exception:  # noqa: BLE001 - the database is down: let the script say so in Chinese
            # the page and its WebSocket go through: the script checks the session again, fails the same
            # way and shows 数据库暂时无法连接 (it can read no data either); media and uploads stay refused
            logger.warning("Session check failed", exc_info=True)
            signed_in = None if path.startswith(("/media/", "/_stcore/upload_file")) else "unknown"
        if signed_in is not None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if needs_data:
            response = PlainTextResponse("请先登录。", status_code=401)
        elif sso.has_identity_cookie(cookies) and sso.configured():  # back from the provider through st.login
            response = RedirectResponse(url(SSO_PATH), status_code=302)
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = full_path + (f"?{query}" if query else "")
            response = RedirectResponse(f"{url(SIGN_IN_PATH)}?next={quote(target, safe='')}", status_code=302)
        await response(scope, receive, send)

    async def _st_login_in_chinese(self, scope, receive, send):
        """Pass a request to st.login's routes; an error they answer in English ("Authentication error", when
        the provider cannot be reached) becomes the sign-in page saying so in Chinese."""
        failed = False

        async def send_unless_failed(message):
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] >= 400:
                failed = True
            if not failed:
                await send(message)

        await self.app(scope, receive, send_unless_failed)
        if failed:
            logger.warning("st.login's %s answered an error: single sign-on is unavailable", scope.get("path"))
            started = HTTPConnection(scope).cookies.get(SSO_NEXT_COOKIE)
            response = _sign_in_form(_safe_next(unquote(started or "")), SSO_UNAVAILABLE, status=503)
            response.delete_cookie(SSO_NEXT_COOKIE, path=url("/auth/"))
            await response(scope, receive, send)


def routes() -> list[Route]:
    """The sign-in routes under the base path (read when serve.py builds the app, after Streamlit's config)."""
    return [Route(url(SIGN_IN_PATH), sign_in_route, methods=["GET", "POST"]),
            Route(url(SIGN_OUT_PATH), sign_out_route, methods=["POST", "GET"]),
            Route(url(SSO_START_PATH), sso_start_route, methods=["GET"]),
            Route(url(SSO_PATH), sso_route, methods=["GET"])]


def middleware() -> list[Middleware]:
    return [Middleware(SessionGate)]
