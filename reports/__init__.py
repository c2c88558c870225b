"""Exports: chart PNGs (one reused kaleido browser), XLSX tables, the 季通报 .docx, the weekly .pptx.

Import the submodules (``reports.png``, ``reports.xlsx``, ``reports.bulletin``, ``reports.deck``,
``reports.archive``); this package itself stays light so that a page can import
``plotly_config`` without starting a browser or loading python-docx.
"""

from __future__ import annotations

from reports.stamps import plotly_config

__all__ = ["plotly_config"]
