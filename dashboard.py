"""The entrypoint: a router and a picture frame.

``streamlit run dashboard.py`` — the global filters (granularity, period, township) and meeting
mode live here, in the sidebar, so they survive page switches and are bound to the URL; each
page then reads them with ``ui.frame.current_frame()``. Page files are ASCII, titles Chinese,
no icons (a ``:material/…:`` icon would fetch a font from a CDN).
"""

import streamlit as st

from ui.frame import NAVIGATION, PAGES, render_frame

st.set_page_config(page_title="正风反腐数据看板", layout="wide", initial_sidebar_state="expanded")

pages = {
    section: [st.Page(PAGES[page_id][1], title=PAGES[page_id][0], url_path=page_id, default=page_id == "overview")
              for page_id in page_ids]
    for section, page_ids in NAVIGATION.items()
}
navigation = st.navigation(pages, position="sidebar")
render_frame()
navigation.run()
