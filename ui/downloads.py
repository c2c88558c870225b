"""Download buttons under every chart and table (PNG, XLSX). Owned by the exports work ([exports]).

Until that lands these render nothing; the pages already call them so that nothing in
``pages/`` changes when they do.
"""

from __future__ import annotations


def chart_download_buttons(fig, table, title: str, key: str) -> None:
    """Render the PNG and XLSX download buttons of one chart (not yet: [exports])."""


def table_download_button(table, title: str, key: str) -> None:
    """Render the XLSX download button of one table (not yet: [exports])."""
