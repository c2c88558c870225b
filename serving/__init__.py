"""What the server adds around Streamlit besides signing in (``access.web``): compressed static files."""
