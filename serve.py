"""The server: the dashboard (dashboard.py) behind the sign-in page and its session gate.

``streamlit run serve.py`` (``make run`` does) serves it; ``access.web`` says how signing in works.
A deployment on a configured warehouse (``DASHBOARD_DB_URL``) must give every process the same
cookie secret in the environment (``STREAMLIT_SERVER_COOKIE_SECRET``), never in a committed file:
without it each process makes up its own and uploads fail behind a load balancer.
"""

import os
import sys

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from access.web import middleware, routes
from config import settings
from serving.compression import CompressedStatic


def _error_in_chinese(error: Exception) -> bool:
    """Any error that escapes a page (the first run of a deep link runs the page file alone): one Chinese line."""
    from ui.frame import show_error_in_chinese

    show_error_in_chinese(error, "a page")
    return True  # Streamlit's own error box is not shown

if settings.get("db_url") and not os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET"):
    print("错误：已配置 DASHBOARD_DB_URL 的部署必须在环境变量 STREAMLIT_SERVER_COOKIE_SECRET 中设置 Cookie 密钥"
          "（各进程相同，勿写入提交的文件）", file=sys.stderr)
    sys.exit(2)

# dashboard.py declares the pages (st.navigation). Left to itself, Streamlit would first discover
# the pages/ folder and run a deep link's page file alone on a fresh server's first request, under
# another page id than navigation's: a file uploaded in that first run was lost at its rerun.
PagesManager.uses_pages_directory = False

app = st.App("dashboard.py", routes=routes(), middleware=[*middleware(), Middleware(CompressedStatic)],
             on_script_error=_error_in_chinese)
