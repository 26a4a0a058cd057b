"""Talking points: what to say first, each with the events it comes from one click away."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.timeline import timeline_table
from models.talking_points import TalkingPoint

PRIORITY_MARKS = {1: "🔴", 2: "🟠", 3: "🟡", 4: "🔵", 5: "⚪"}


def talking_points_list(points: list[TalkingPoint], events: pd.DataFrame, role: str) -> None:
    """Points for the role first; sentences quote customers, so they are drawn as plain text."""
    if not points:
        st.info("Nothing stands out for this customer right now: no open issues, recent orders or posts.")
        return
    for index, point in enumerate(points):
        mark = PRIORITY_MARKS.get(point.priority, "•")
        for_role = role in point.audience or role == "anyone"
        with st.container(border=True, key=f"point-{index}"):
            st.text(f"{mark} {point.sentence}" + ("" if for_role else "  (for other roles)"))
            if point.cites:
                with st.expander(f"Show the {len(point.cites)} event(s) this comes from"):
                    timeline_table(events[events["event_id"].isin(point.cites)], key=f"cites-{index}")
