"""The LLM provider's block on the Data sources page: provider, posts it classified, answers from the cache,
fallbacks to the learned model and the last error, all as plain text."""

from __future__ import annotations

import streamlit as st

from queries.llm import LLMStatus


def llm_section(status: LLMStatus) -> None:
    st.header("LLM classifier")
    if not status.configured:
        st.text("Off: the learned model reads every post. The README's \"An LLM provider\" says how to plug in an "
                "endpoint (config/llm.toml).")
        if status.problem:
            st.text(f"The LLM file cannot be used: {status.problem}")
        return
    st.text(f"Provider: {status.provider}, model {status.model}")
    columns = st.columns(4)
    columns[0].metric("Posts classified by it", f"{status.held:,}", help="held now, from every build")
    columns[1].metric("From its cache", f"{status.cached:,}", help="in the last build")
    columns[2].metric("Fallbacks", f"{status.fallbacks:,}",
                      help="posts the learned model read in the last build because the LLM gave no valid answer")
    columns[3].metric("Requests", f"{status.requests:,}", help="sent in the last build")
    if status.last_run_at is None:
        st.text("No build has asked it yet.")
    else:
        st.text(f"Last build {status.last_run_at:%Y-%m-%d %H:%M} UTC: {status.classified:,} posts classified by it, "
                + (f"last error: {status.last_error}" if status.last_error else "no errors"))
