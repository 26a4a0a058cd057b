"""The model build: raw tables → staging → identity → marts, in one transaction so readers never see half."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from models import classify, corrections
from models.classifier.retrain import follow_model_file, retrain_if_due
from models.company import write_company_accounts
from models.ideas import build_ideas
from models.identity.resolve import resolve_identities
from models.inbox import build_social_inbox
from models.increments import remember_previous_build, stage_changes, touch_customers, update_marts
from models.llm.apply import ask_llm, settings_pinned, with_llm
from models.names import register_name_parser
from models.phones import default_region, refresh_phone_numbers
from models.sentiment import score_new_texts
from models.serving import build_id, database_file, publish_documents
from models.sql import MODELS_DIR, run_layer, run_model
from store import Connection, has_table, transaction
from store.documents import documents_path, restore, retire

# bump when a model's shape changes: a store built by an older Rapport is rebuilt when the dashboard starts
MODEL_VERSION = 23
log = logging.getLogger(__name__)
# a store whose data did not change is still refreshed this often: posts leave the last 90 days as the calendar
# moves (a customer's 90-day sentiment, the social inbox)
MAX_MODEL_AGE = timedelta(hours=24)
# once identity's highest node number is this many times its records, the next refresh renumbers them in a full build
SPARSE_NODES = 2
# the newest load that changed a raw table: a model built after it is up to date with the data
LAST_CHANGING_LOAD = """
    select coalesce(max(load_id), 0) from load_log where outcome = 'ok' and (inserted > 0 or updated > 0)
"""
# read one customer at a time, by id
LOOKUP_TABLES = ("customer_profiles", "customer_cards", "customer_timeline")
# marts in dependency order: the timeline feeds the profiles, the profiles feed the stats, search and facts, the
# profiles and stats feed the cards
MARTS = ("customer_timeline", "customer_profiles", "customer_stats", "customer_cards", "customer_search",
         "ticket_facts", "post_facts")


@dataclass
class BuildReport:
    """How long each step took and how big the result is; for an incremental build, how many customers it redid."""

    seconds: dict[str, float] = field(default_factory=dict)
    customers: int = 0
    events: int = 0
    touched: int | None = None  # None: a full build
    announce: Callable[[str], None] | None = field(default=None, repr=False)  # told each step as it begins

    def summary(self) -> str:
        steps = ", ".join(f"{name} {secs:.1f}s" for name, secs in self.seconds.items())
        built = (f"built {self.customers:,} customers" if self.touched is None
                 else f"rebuilt {self.touched:,} of {self.customers:,} customers")
        return f"{built} and {self.events:,} timeline events ({steps})"


def build(con: Connection, now: datetime | None = None, changed_since: int | None = None,
          identity_changed: bool = True, step: Callable[[str], None] | None = None) -> BuildReport:
    """Rebuild every model from the raw tables; the old models stay visible to readers until this commits.

    With `changed_since` (the load the current models were built through) the build is incremental: staging
    restages only the raw rows loaded since, identity is resolved whole as always, and customer_sources, the
    per-customer marts and the social inbox are rewritten only for the customers that the loads after it or the new
    identity touched (models.increments) or whose posts left the last 90 days since the last build; the others keep
    their rows, which a full build would give again (`full_built_at`: when the models were last built whole).
    Without `identity_changed` (no load and no staff decision since: only the calendar moved) identity is left as
    it is, which at a million customers saves a minute. `step` is told the name of each step as it begins (a
    progress display).
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    report = BuildReport(announce=step)
    with settings_pinned(), documents_replaced(con, report):
        build_models(con, now, changed_since, identity_changed, report)
    return report


@contextmanager
def documents_replaced(con: Connection, report: BuildReport) -> Iterator[None]:
    """Around a build on either engine: the point-read documents are not served while DuckDB changes under them
    (readers read DuckDB meanwhile); a build that fails serves the old ones again, one that commits publishes its
    own (whole, or only the touched customers' after an incremental build)."""
    db_file, previous = database_file(con), build_id(con)
    if db_file:
        retire(documents_path(db_file))
    try:
        yield
    except BaseException:
        if db_file:
            restore(documents_path(db_file))
        raise
    if db_file:
        timed(report, "documents", publish_or_warn, con, db_file, previous, report.touched is not None)


def publish_or_warn(con: Connection, db_file, previous: str | None, touched: bool) -> None:
    """Publish the build's documents; a failure leaves none served (readers read DuckDB), and is logged."""
    try:
        publish_documents(con, db_file, previous, touched)
    except Exception:
        log.exception("the point-read documents were not published; customer pages read DuckDB until next build")


def build_models(con: Connection, now: datetime, changed_since: int | None, identity_changed: bool,
                 report: BuildReport) -> None:
    """The build's one transaction: every model, from the raw tables."""
    with transaction(con):
        if changed_since is not None:
            remember_previous_build(con)
        full_built_at = now if changed_since is None else con.execute(
            "select max(full_built_at) from model_build").fetchall()[0][0]
        write_build_row(con, now, full_built_at)
        timed(report, "phones", refresh_phone_numbers, con)
        timed(report, "company", write_company_accounts, con)
        register_name_parser(con)  # staging reads a name written in one field with it
        if changed_since is None:
            timed(report, "staging", run_layer, con, "staging")
        else:
            timed(report, "staging", stage_changes, con, changed_since)
        if changed_since is not None and not identity_changed:
            report.touched = timed(report, "identity", touch_customers, con, changed_since)
        else:
            report.touched = timed(report, "identity", resolve_identities, con, now, changed_since)
        timed(report, "llm", ask_for_new_posts, con, changed_since is None)
        timed(report, "sentiment", score_new_texts, con)
        if report.touched is None:
            timed(report, "marts", build_marts, con)
            timed(report, "indexes", index_lookups, con, LOOKUP_TABLES)
        else:
            timed(report, "marts", update_touched_marts, con)
        finish_in_store(con, now, report)


def write_build_row(con: Connection, now: datetime, full_built_at: datetime) -> None:
    """model_build: when and by which version of the models they were built, a new build id (what the page caches
    and the served documents belong to), the newest load they hold, when they were last built whole, and the
    region phones were read in."""
    con.execute(f"""create or replace table model_build as
                    select $now::timestamp as built_at, $v as model_version, uuid()::varchar as build_id,
                           ({LAST_CHANGING_LOAD}) as loaded_through,
                           $full::timestamp as full_built_at, $region as phone_region""",
                {"now": now, "v": MODEL_VERSION, "full": full_built_at, "region": default_region()})


def finish_in_store(con: Connection, now: datetime, report: BuildReport) -> None:
    """The steps that read staff's working state, in the store after the marts on either engine: the social inbox
    (inbox state, corrections, routing rules) and ideas; then the corrections are marked as held by the models."""
    timed(report, "social inbox", build_social_inbox, con, now, report.touched is not None)
    timed(report, "ideas", build_ideas, con)
    corrections.mark_built(con)
    report.customers, report.events = con.execute(
        "select (select count(*) from customer_profiles), (select count(*) from customer_timeline)").fetchone()


def ask_for_new_posts(con: Connection, full: bool) -> None:
    """The LLM provider's answers for the posts not yet classified, if one is configured (models.llm); a full
    build asks again about the posts it could not answer before."""
    ask_llm(con, classify.RULES_VERSION, retry_fallbacks=full)


def update_touched_marts(con: Connection) -> None:
    """The per-customer marts of the touched customers, the store-wide ones whole (and their lookup indexes)."""
    index_lookups(con, tuple(t for t in update_marts(con, MARTS) if t in LOOKUP_TABLES))


@dataclass
class Refresh:
    """What refresh() did: the build's report, or why the models were already up to date."""

    report: BuildReport | None = None
    reason: str = ""

    def summary(self) -> str:
        return self.report.summary() if self.report else f"models up to date ({self.reason}): not rebuilt"


def refresh(con: Connection, now: datetime | None = None, decided: bool = False,
            step: Callable[[str], None] | None = None, retrain: bool = True) -> Refresh:
    """Bring the models up to date with the raw tables: incrementally after loads that changed records, a staff
    decision on who is who (`decided`: a merge, split or undo), staff corrections of the classifier, or when the
    models are MAX_MODEL_AGE old (posts leave the last 90 days: identity is then left as it is in those two);
    whole when an incremental build cannot give what a full one would (see needs_full_build), such as after the
    company's classifier was retrained (`retrain`: when enough corrections are new to it). A sync that found
    nothing new leaves them as they are (an incremental build after a load resolves identity whole: a minute at
    a million customers)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    follow_model_file()
    if retrain:
        retrain_if_due(con, now)
    with settings_pinned():  # the LLM settings that decide whether to build whole are those the build uses
        return refresh_with(con, now, decided, step)


def refresh_with(con: Connection, now: datetime, decided: bool, step: Callable[[str], None] | None) -> Refresh:
    """refresh()'s choice of build (whole, incremental, none) and the build."""
    if needs_full_build(con):
        return Refresh(build(con, now, step=step))
    built_at, loaded_through, newest = con.execute(
        f"select max(built_at), max(loaded_through), ({LAST_CHANGING_LOAD}) from model_build").fetchall()[0]
    if newest > loaded_through or decided:
        return Refresh(build(con, now, changed_since=loaded_through, step=step))
    if now - built_at >= MAX_MODEL_AGE or corrections.pending(con):
        return Refresh(build(con, now, changed_since=loaded_through, identity_changed=False, step=step))
    return Refresh(reason=f"no new or changed records since the build at {built_at:%Y-%m-%d %H:%M} UTC")


def is_current(con: Connection) -> bool:
    """Whether the store's models exist and were built by this version of the models."""
    found = con.execute("""select count(*) from duckdb_columns()
                           where table_name = 'model_build' and column_name = 'model_version'""").fetchall()[0][0]
    if not found:
        return False
    return con.execute("select max(model_version) from model_build").fetchall()[0][0] == MODEL_VERSION


def scored_by_another_classifier(con: Connection) -> bool:
    """Whether the sentiment and intents were worked out by another classifier than the one in use (the company
    trained its own): every customer's sentiment moves, so only a full build gives what it would."""
    if not has_table(con, "sentiment_scorer"):
        return True
    return con.execute("select max(version) from sentiment_scorer").fetchall()[0][0] != with_llm(classify.RULES_VERSION)


def needs_full_build(con: Connection) -> bool:
    """Whether only a full build brings the models up to date: they are missing or from another version of
    Rapport, phones are now read in another default region (staged numbers keep the old reading until restaged),
    or identity's node numbers have grown sparse (an incremental build numbers restaged records after the highest,
    and the graph's arrays are as long as the highest number)."""
    if not is_current(con) or scored_by_another_classifier(con):
        return True
    region, bound, records = con.execute("""
        select (select max(phone_region) from model_build),
               (select coalesce(max(node), -1) + 1 from identity_records),
               (select count(*) from identity_records)""").fetchall()[0]
    return region != default_region() or bound > SPARSE_NODES * max(records, 1)


def build_marts(con: Connection) -> None:
    for name in MARTS:
        run_model(con, MODELS_DIR / "marts" / f"{name}.sql")


def index_lookups(con: Connection, tables: tuple[str, ...]) -> None:
    """An ART index on the customer id of the tables a profile page reads: a point lookup then touches a few
    rows instead of decompressing a whole row group (profile 8 -> 2 ms, 200 events 8 -> 4 ms at 100k customers)."""
    for table in tables:
        con.execute(f"create index {table}_by_customer on {table} (customer_id)")


def timed(report: BuildReport, step: str, function, *args):
    if report.announce:
        report.announce(step)
    started = time.perf_counter()
    try:
        result = function(*args)
    except Exception as error:
        error.add_note(f"build step: {step}")  # models.__main__ tells which step ran out of memory
        raise
    report.seconds[step] = time.perf_counter() - started
    return result
