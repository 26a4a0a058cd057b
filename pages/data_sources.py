"""Data sources: what each source loaded and when, the rows refused and why, identity figures, the classifier's
quality on labelled posts, and uploads."""

import streamlit as st

from components.duplicates import duplicates_table
from components.frame import enter_page
from components.llm_status import llm_section
from components.model_quality import model_quality_section
from components.safe import download_csv
from components.tables import data_table
from connectors.files import FatalLoadError
from connectors.mapping import MappingError
from connectors.schema import KINDS
from queries import actions, customers, llm, model_quality, sources

viewer = enter_page("pages/data_sources.py", "data_sources")
UPLOAD_OUTCOME = "upload-outcome"  # what the last load said, kept across the run that redraws the page after it


def load_chosen_file(kind: str, mapping: str, source: str, upload) -> tuple[bool, str]:
    """Load the uploaded file; whether it loaded, and its summary or the reason it did not."""
    chosen = None if mapping.startswith("(") else mapping
    try:
        with st.spinner("Loading and refreshing the profiles…"):
            result = actions.load_upload(viewer, kind, upload.name, upload.getvalue(), source.strip() or None, chosen)
    except (FatalLoadError, MappingError, ValueError) as error:
        return False, str(error)
    return True, "\n".join([result.summary(), *result.warnings])


def show_upload_outcome(outcome: tuple[bool, str] | None) -> None:
    if outcome is None:
        return
    loaded, said = outcome
    if loaded:
        st.success("Loaded, and the profiles are refreshed.", icon=":material/check_circle:")
    else:
        st.error("Nothing was loaded; the store is as it was.", icon=":material/error:")
    st.text(said)  # names the uploaded file and its columns: customer-supplied text


st.title("Data sources")
served = sources.deployment(viewer)
if served is not None:  # a replica: what it serves, and whether the worker that publishes it is alive
    health = (f"alive (heartbeat {served['worker_seconds']:.0f} s ago, {served['worker_host']})"
              if served["worker_alive"] else "not running: loads, syncs and rebuilds wait for it")
    st.caption(f"Serving snapshot {served['snapshot']}, published {served['snapshot_minutes']:.0f} min ago. "
               f"Worker: {health}.")
st.caption("Every file and system Rapport loads from, the rows it refused, and how identities were resolved.")

loaded = sources.sources(viewer)
if loaded.empty:
    st.info("Nothing loaded yet. Upload a file below, or run `python -m rapport load KIND PATH`.")
else:
    data_table(loaded, column_config={
        "source": "Source", "kind": "Kind", "row_count": st.column_config.NumberColumn("Rows", format="%d"),
        "last_load_at": st.column_config.DatetimeColumn("Last load", format="YYYY-MM-DD HH:mm"),
        "last_outcome": "Outcome", "rejected_rows": st.column_config.NumberColumn("Rejected", format="%d"),
        "last_error": "Last error"})

st.header("API sources")
configured = actions.configured_sources(viewer)
synced = actions.sync_status(viewer)
if not configured:
    st.caption("No API sources configured. Copy sources.example.toml to sources.toml, fill it in and export the "
               "tokens it names; set RAPPORT_SYNC_MINUTES to have the dashboard sync by itself.")
else:
    if not synced.empty:
        data_table(synced, column_config={
            "last_sync_at": st.column_config.DatetimeColumn("Last sync", format="YYYY-MM-DD HH:mm"),
            "last_outcome": "Outcome", "last_error": "Error", "records": "Records", "cursor": "Cursor"})
    if viewer.may("sync") and st.button("Sync now", icon=":material/sync:", key="sync-now"):
        with st.status("Pulling what changed and refreshing the profiles…") as box:
            shown = st.empty()  # records, pages, any wait for a rate limit and why; plain text
            results = actions.sync_now(viewer, progress=lambda status: shown.text(status.line()))
            box.update(label="Sync finished", state="complete" if all(r.outcome == "ok" for r in results) else
                       "error", expanded=False)
        st.text("\n".join(result.summary() for result in results))

st.header("Identity resolution")
figures = sources.identity_figures(viewer)
columns = st.columns(4)
columns[0].metric("Customer profiles", f"{figures['profiles']:,}")
columns[1].metric("Source records", f"{figures['records']:,}")
columns[2].metric("Merge rate", f"{figures['merge_rate']:.0%}", help="1 − profiles ÷ records")
columns[3].metric("Possible duplicates waiting", f"{figures['possible_duplicates']:,}")
phones = sources.phone_readings(viewer)
st.caption(f"Phone numbers: {phones['fallback']:,} of {phones['numbers']:,} were read with the fallback region, "
           f"{phones['region']} (RAPPORT_PHONE_REGION): written without a country code on a record naming no "
           "country they can be a number in.")
data_table(sources.link_methods(viewer))
if figures["possible_duplicates"] and viewer.may("merge_split"):
    st.caption("Possible duplicates: splink finds these profiles alike but is not sure enough to merge. Open one to "
               "merge them or say they are different people, in its identity panel.")
    duplicates_table(customers.possible_duplicates(viewer))

model_quality_section(model_quality.model_quality(viewer))
llm_section(llm.llm_status(viewer))

st.header("Quarantine")
rejected = sources.quarantine(viewer)
if rejected.empty:
    st.success("No refused rows: every row of every file loaded.")
else:
    st.caption("Rows a load refused, with the reason. Fix the file and load it again: its entries are replaced.")
    data_table(rejected, column_config={
        "raw_record": st.column_config.TextColumn("Original row", width="large")})
    download_csv(rejected, "quarantine.csv", viewer, key="quarantine-csv")

if not viewer.may("upload"):
    st.stop()
st.header("Load a file")
shipped = sources.mappings(viewer)
with st.form("upload"):
    kind = st.selectbox("Kind", list(KINDS))
    mapping = st.selectbox("Mapping", ["(columns already have Rapport's names)"] + sorted(shipped),
                           help="A shipped mapping for a known export, e.g. a Shopify orders CSV.")
    source = st.text_input("Source name", placeholder="default: the mapping's, else the kind")
    upload = st.file_uploader("File", type=["csv", "tsv", "txt", "json", "jsonl", "ndjson", "parquet"])
    submitted = st.form_submit_button("Load", icon=":material/upload:")
if submitted:
    if upload is None:
        st.warning("Choose a file first.")
    else:
        st.session_state[UPLOAD_OUTCOME] = load_chosen_file(kind, mapping, source, upload)
        st.rerun()  # run again, so the sources and quarantine above show what this load did
show_upload_outcome(st.session_state.pop(UPLOAD_OUTCOME, None))
