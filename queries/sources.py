"""Data sources: per source rows, last load and outcome, and the quarantine."""

from __future__ import annotations

import pandas as pd

from connectors.status import quarantined_rows, source_status
from queries.connection import cursor
from store import Connection


def sources(con: Connection | None = None) -> pd.DataFrame:
    """Per source and kind: rows held, last load time and outcome, rows in quarantine."""
    return source_status(cursor(con))


def quarantine(source: str | None = None, limit: int = 1000, con: Connection | None = None) -> pd.DataFrame:
    """Refused rows with their reasons, newest load first."""
    return quarantined_rows(cursor(con), source, limit)
