"""Data sources: per source rows, last load and outcome, and the quarantine."""

from __future__ import annotations

import pandas as pd

from connectors.status import quarantined_rows, source_status
from models.phones import WRITTEN_PHONES_SQL, default_region
from queries.access import Viewer
from queries.connection import cursor
from store import Connection


def sources(viewer: Viewer, con: Connection | None = None) -> pd.DataFrame:
    """Per source and kind: rows held, last load time and outcome, rows in quarantine."""
    viewer.require_page("data_sources")
    return source_status(cursor(con))


def quarantine(viewer: Viewer, source: str | None = None, limit: int = 1000,
               con: Connection | None = None) -> pd.DataFrame:
    """Refused rows with their reasons, newest load first."""
    viewer.require_page("data_sources")
    return quarantined_rows(cursor(con), source, limit)


def identity_figures(viewer: Viewer, con: Connection | None = None) -> dict:
    """How identity resolution went: profiles, records, the share of records merged, duplicates waiting."""
    viewer.require_page("data_sources")
    profiles, records, linked, duplicates = cursor(con).execute("""
        select (select count(*) from customer_profiles), (select count(*) from customer_sources),
               (select count(*) from customer_sources where link_method <> 'single'),
               (select count(*) from possible_duplicates)
    """).fetchall()[0]
    return {"profiles": profiles, "records": records, "merge_rate": 1 - profiles / records if records else 0.0,
            "linked_records": linked, "possible_duplicates": duplicates}


def phone_readings(viewer: Viewer, con: Connection | None = None) -> dict:
    """How the phone numbers the sources hold were read: how many are numbers, and how many of those were written
    without a country code on a record that names no country (or one where they are no number), so were read in
    the default region (RAPPORT_PHONE_REGION) and may be another country's."""
    viewer.require_page("data_sources")
    numbers, fallback, region = cursor(con).execute(f"""
        with written as ({WRITTEN_PHONES_SQL})
        select count(*), count(*) filter (where p.read_with = 'fallback'), max(p.default_region)
        from (select distinct raw, hint from written where raw <> '') as w
        inner join phone_numbers as p using (raw, hint)
        where p.e164 is not null
    """).fetchall()[0]
    return {"numbers": numbers, "fallback": fallback, "region": region or default_region()}


def link_methods(viewer: Viewer, con: Connection | None = None) -> pd.DataFrame:
    """Records per kind and the way they were linked."""
    viewer.require_page("data_sources")
    return cursor(con).execute("""select kind, link_method, count(*) as records from customer_sources
                                  group by all order by kind, link_method""").df()


def mappings(viewer: Viewer) -> dict[str, str]:
    """Shipped mappings by name, with the kind each loads."""
    viewer.require_page("data_sources")
    from connectors.mapping import MAPPINGS_DIR, load_mapping

    return {path.stem: load_mapping(path).kind.name for path in sorted(MAPPINGS_DIR.glob("*.toml"))}


def deployment(viewer: Viewer) -> dict | None:
    """On a replica (RAPPORT_DATABASE_URL set): the snapshot served and its age in minutes, and the worker's health
    (alive, seconds since its heartbeat, host); None on the one-process dashboard."""
    viewer.require_page("data_sources")
    from connectors.jobs import shared_worker
    from queries.connection import replica
    from store import operational

    if not operational.is_shared():
        return None
    cursor()  # opens the newest snapshot if none is yet
    serving = replica().serving()
    worker = shared_worker(operational.shared_connection()) or {}
    return {"snapshot": serving.path.name, "snapshot_minutes": serving.age_seconds() / 60,
            "worker_alive": bool(worker.get("alive")), "worker_seconds": worker.get("seconds_since"),
            "worker_host": worker.get("host") or "unknown host", "worker_pid": worker.get("pid")}
