"""What the store holds per source: rows, last load and its outcome, rows in quarantine."""

from __future__ import annotations

import pandas as pd

from connectors.schema import KINDS
from store import Connection


def source_status(con: Connection) -> pd.DataFrame:
    """One row per (source, kind) ever loaded: rows held, last load time and outcome, rejected rows."""
    held = " union all ".join(f"select source, '{k.name}' as kind, count(*) as row_count from {k.table} group by source"
                              for k in KINDS.values())
    return con.execute(f"""
        with held as ({held}),
        last_load as (
            select source, kind, max(finished_at) as last_load_at,
                   arg_max(outcome, load_id) as last_outcome, arg_max(error, load_id) as last_error
            from load_log group by source, kind
        ),
        rejected as (select source, kind, count(*) as rejected_rows from quarantine group by source, kind)
        select l.source, l.kind, coalesce(h.row_count, 0) as row_count, l.last_load_at, l.last_outcome,
               coalesce(r.rejected_rows, 0) as rejected_rows, l.last_error
        from last_load l
        left join held h using (source, kind)
        left join rejected r using (source, kind)
        order by l.source, l.kind
    """).df()


def quarantined_rows(con: Connection, source: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The quarantine, newest load first, in file order."""
    return con.execute("""
        select source, kind, file, line_number, reason, raw_record, quarantined_at
        from quarantine where $source is null or source = $source
        order by load_id desc, file, line_number limit $limit
    """, {"source": source, "limit": limit}).df()
