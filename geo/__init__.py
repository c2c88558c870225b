"""Boundaries (``python -m geo load-boundaries``), the offline folium heat map and its assets."""
