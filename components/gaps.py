"""Missing values in a data grid: the grid draws a missing value as a grey "None", which reads as data; a table
shows a dash (or nothing, for text) instead."""

from __future__ import annotations

import pandas as pd

DASH = "—"


def with_gaps_shown(frame: pd.DataFrame, numbers: dict[str, str] | None = None,
                    texts: tuple[str, ...] = ()) -> pd.DataFrame:
    """The frame with each of `numbers` (column → format, e.g. "{:.0f}") as text and a dash where a value is
    missing, and each of `texts` with an empty string there."""
    shown = frame.copy()
    for column, form in (numbers or {}).items():
        shown[column] = [DASH if pd.isna(value) else form.format(value) for value in frame[column]]
    for column in texts:
        shown[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return shown
