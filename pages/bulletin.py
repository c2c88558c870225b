"""季通报 — written by the [exports] work; this placeholder keeps the navigation whole until then."""

import streamlit as st

st.title("季通报")
st.info("季度通报生成功能正在建设中。")
