"""The sign-in page, the sign-out route, and the gate that keeps every page and data URL behind a session.

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
"""

from __future__ import annotations

import html
import logging
import secrets
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from access.sessions import COOKIE_NAME, check_session, end_session
from access.signin import sign_in
from config import settings

logger = logging.getLogger(__name__)

SIGN_IN_PATH = "/auth/sign-in"
SIGN_OUT_PATH = "/auth/sign-out"
CSRF_COOKIE = "dashboard_csrf"
# what needs a session: the app's WebSocket, media (charts' images, downloads) and uploads
DATA_PREFIXES = ("/_stcore/stream", "/media/", "/_stcore/upload_file")
# what carries no data: the sign-in page itself, health checks, the bundled scripts and styles
OPEN_PREFIXES = ("/auth/", "/_stcore/", "/static/", "/app/static/", "/component/", "/favicon")


def _engine():
    from warehouse.engine import get_engine

    return get_engine()


def _safe_next(target: str | None) -> str:
    """A path of this site to go back to after signing in (never another host)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
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
</style></head>
<body><form method="post" action="{action}" autocomplete="off">
<h1>正风反腐数据看板</h1><p class="note">内部资料 注意保密 · 请使用本人账号登录</p>
<label for="username">用户名</label><input id="username" name="username" type="text" value="{username}" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" required>
<input type="hidden" name="next" value="{next}"><input type="hidden" name="csrf" value="{csrf}">
<button type="submit">登录</button>{message}
</form></body></html>"""


def _sign_in_form(next_path: str, message: str = "", username: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(16)
    body = _PAGE.format(action=html.escape(SIGN_IN_PATH), username=html.escape(username), next=html.escape(next_path),
                        csrf=html.escape(csrf),
                        message=f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "")
    response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/auth/",
                        secure=bool(settings.get("cookie_secure")))
    return response


async def sign_in_route(request: Request) -> Response:
    """GET: the sign-in form. POST: check the password; on success set the session cookie and go back."""
    if request.method == "GET":
        return _sign_in_form(_safe_next(request.query_params.get("next")))
    form = await request.form()
    next_path = _safe_next(str(form.get("next") or "/"))
    username = str(form.get("username") or "")[:64]
    if not secrets.compare_digest(str(form.get("csrf") or ""), request.cookies.get(CSRF_COOKIE) or "-"):
        return _sign_in_form(next_path, "页面已过期，请重新登录。", username, status=400)
    try:
        result = await run_in_threadpool(sign_in, _engine(), username, str(form.get("password") or ""),
                                         client_of(request))
    except Exception:  # noqa: BLE001 - the user reads one Chinese line; the log keeps the traceback
        logger.exception("Sign-in failed with an error")
        return _sign_in_form(next_path, "数据库暂时无法连接，请稍后重试或联系管理员。", username, status=503)
    if result.token is None:
        return _sign_in_form(next_path, result.message, username, status=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE_NAME, result.token, httponly=True, samesite="lax", path="/",
                        secure=bool(settings.get("cookie_secure")))
    return response


async def sign_out_route(request: Request) -> Response:
    """End the session (every tab of it at its next rerun), clear the cookie, show the sign-in form."""
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await run_in_threadpool(end_session, _engine(), token)  # audited there
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


class SessionGate:
    """ASGI middleware: a page without a valid session goes to the sign-in page; data URLs are refused."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "/")
        needs_data = path.startswith(DATA_PREFIXES)
        if not needs_data and path.startswith(OPEN_PREFIXES):
            return await self.app(scope, receive, send)
        token = HTTPConnection(scope).cookies.get(COOKIE_NAME)  # an HTTP request or the WebSocket alike
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
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            response = RedirectResponse(f"{SIGN_IN_PATH}?next={quote(target, safe='')}", status_code=302)
        await response(scope, receive, send)


def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in_route, methods=["GET", "POST"]),
            Route(SIGN_OUT_PATH, sign_out_route, methods=["POST", "GET"])]


def middleware() -> list[Middleware]:
    return [Middleware(SessionGate)]
