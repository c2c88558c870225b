"""线索热力图 — written by the [geo] work; this placeholder keeps the navigation whole until then."""

import streamlit as st

st.title("线索热力图")
st.info("村级问题线索热力图正在建设中。")
