"""Rapport's frame: page setup and navigation; every screen lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Rapport", page_icon=":material/diversity_3:", layout="wide")

navigation = st.navigation([
    st.Page("pages/data_sources.py", title="Data sources", icon=":material/database:", default=True),
])
st.sidebar.caption("Rapport — every customer on one screen")
navigation.run()
