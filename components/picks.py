"""Picks that drive a drill-down: a point clicked on a chart, or a row ticked in a table, sets the drill-down's select
boxes. They are set through session state in a callback, before the page runs again: a select box with a key keeps
its own value and ignores a changed `index`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

# how to read a select box's value from a picked Plotly point: "x", "y", or an index into the point's custom data
PointField = str | int


def picked_points(event: Any) -> list[dict]:
    """The points of a Plotly selection event, as Streamlit keeps it in session state (an object or a dict)."""
    if event is None:
        return []
    selection = event.get("selection", {}) if isinstance(event, Mapping) else getattr(event, "selection", None)
    points = selection.get("points", []) if isinstance(selection, Mapping) else getattr(selection, "points", [])
    return list(points or [])


def point_value(point: Mapping, field: PointField) -> Any:
    """One field of a picked point: its x or y, or the custom data at an index (the raw, unescaped label)."""
    if isinstance(field, int):
        custom = point.get("customdata") or []
        return custom[field] if len(custom) > field else None
    return point.get(field)


def follow_chart_pick(chart_key: str, boxes: Mapping[str, PointField],
                      convert: Mapping[str, Callable[[Any], Any]] | None = None) -> None:
    """Set each select box in `boxes` (its key → the point's field) from the first point picked on the chart."""
    points = picked_points(st.session_state.get(chart_key))
    if not points:
        return  # a cleared selection leaves the drill-down where the person left it
    for box_key, field in boxes.items():
        value = point_value(points[0], field)
        if value is not None:
            st.session_state[box_key] = (convert or {}).get(box_key, lambda v: v)(value)


def chart_pick(chart_key: str, boxes: Mapping[str, PointField],
               convert: Mapping[str, Callable[[Any], Any]] | None = None) -> Callable[[], None]:
    """An `on_select` callback for st.plotly_chart(key=chart_key): see follow_chart_pick."""
    return partial(follow_chart_pick, chart_key, boxes, convert)


def follow_row_pick(table_key: str, rows: pd.DataFrame, column: str, box_key: str) -> None:
    """Set the select box `box_key` to `column` of the row ticked in the table (the frame it was drawn from)."""
    state = st.session_state.get(table_key)
    selection = state.get("selection", {}) if isinstance(state, Mapping) else getattr(state, "selection", None)
    ticked = selection.get("rows", []) if isinstance(selection, Mapping) else getattr(selection, "rows", [])
    if ticked and 0 <= ticked[0] < len(rows):
        st.session_state[box_key] = rows.iloc[ticked[0]][column]


def row_pick(table_key: str, rows: pd.DataFrame, column: str, box_key: str) -> Callable[[], None]:
    """An `on_select` callback for st.dataframe(key=table_key, selection_mode="single-row"): see follow_row_pick."""
    return partial(follow_row_pick, table_key, rows, column, box_key)


def as_week(value: Any) -> pd.Timestamp:
    """A week as the drill-down's select box holds it, from the week a point carries (Plotly sends it as text)."""
    return pd.Timestamp(value)
