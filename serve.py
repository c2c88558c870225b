"""The server: the dashboard (dashboard.py) behind the sign-in page and its session gate.

``streamlit run serve.py`` (``make run`` does) serves it; ``access.web`` says how signing in works.
"""

import streamlit as st

from access.web import middleware, routes

app = st.App("dashboard.py", routes=routes(), middleware=middleware())
