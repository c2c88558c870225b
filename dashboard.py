"""The entrypoint: a router and a picture frame.

``streamlit run dashboard.py`` — the global filters (granularity, period, township) and meeting
mode live here, in the sidebar, so they survive page switches and are bound to the URL; each
page then reads them with ``ui.frame.current_frame()``. Page files are ASCII, titles Chinese,
no icons (an icon from the Material font would be fetched from a CDN). The pages and their
groups are declared in ``ui.frame`` (PAGES, NAVIGATION, MEETING_AGENDA). After a run that imported
modules, what the process has loaded is frozen out of the garbage collector's walks (``ui.process``).
"""

from ui.frame import errors_shown_in_chinese, navigation, render_frame
from ui.process import freeze_loaded_modules

try:
    page = navigation()
    with errors_shown_in_chinese(page.url_path or "overview"):
        render_frame()
        page.run()
finally:  # also when the run stopped (the sign-in form, st.stop) or switched page
    freeze_loaded_modules()
