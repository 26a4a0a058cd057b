"""An unexpected error on a page: the person sees a short message with an error id, the server log the full
traceback under the same id. A traceback names server paths and shows code, which is no business of a browser."""

from __future__ import annotations

import logging
import sys
import uuid

import streamlit as st
from streamlit.navigation.page import StreamlitPage

log = logging.getLogger("rapport.pages")
if not log.handlers:  # Streamlit sets up only its own loggers; ours goes to the server's stderr, as its log does
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def run_page(page: StreamlitPage) -> None:
    """Run the page chosen in the navigation; an exception it lets out is logged and shown as an error id.

    st.stop, st.rerun and st.switch_page raise Streamlit's ScriptControlException, a BaseException and not an
    Exception, so they pass through untouched, as do KeyboardInterrupt and SystemExit."""
    try:
        page.run()
    except Exception:  # noqa: BLE001 - anything else is a bug: the person gets an id, the log the traceback
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s on page %s", error_id, page.url_path or "(the default page)")
        st.error(f"Something went wrong (error {error_id}). It has been logged; tell your administrator this id.",
                 icon=":material/error:")
