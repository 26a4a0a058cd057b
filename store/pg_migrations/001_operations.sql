-- Operational state staff create while they work, shared by every dashboard replica and the worker when
-- RAPPORT_DATABASE_URL is set: the same tables, columns and column order as the DuckDB store's (005, 006, 009 and
-- 002's identity_decisions), so the same statements write either store.

create sequence audit_id_seq start 1;

create table audit_log (
    audit_id bigint primary key,
    happened_at timestamp not null,
    actor text not null,
    action text not null,
    object_type text not null,
    object_id text not null,
    details text
);
create index audit_log_by_object on audit_log (object_type, object_id);

create table inbox_state (
    post_key text primary key,
    status text not null check (status in ('new', 'in_progress', 'answered', 'closed')),
    assignee text,
    updated_at timestamp not null,
    updated_by text not null,
    answered_at timestamp,
    closed_at timestamp
);

create sequence note_id_seq start 1;

create table inbox_notes (
    note_id bigint primary key,
    post_key text not null,
    body text not null,
    created_at timestamp not null,
    created_by text not null
);

create table handoffs (
    post_key text primary key,
    team text not null,
    note text,
    created_at timestamp not null,
    created_by text not null
);

create table idea_state (
    idea_key text primary key,
    status text not null check (status in ('new', 'under_review', 'planned', 'shipped')),
    updated_at timestamp not null,
    updated_by text not null
);

create sequence identity_decision_id_seq start 1;

create table identity_decisions (
    decision_id bigint primary key,
    action text not null check (action in ('merge', 'split', 'not_duplicate')),
    record_key text,
    customer_id bigint,
    other_customer_id bigint,
    reason text not null,
    decided_by text not null,
    decided_at timestamp not null,
    undone_by text,
    undone_at timestamp
);

create table suppressed_identifiers (
    identifier_hash text primary key,
    kind text not null,
    suppressed_at timestamp not null
);

create sequence erasure_id_seq start 1;

create table erasure_log (
    erasure_id bigint primary key,
    erased_at timestamp not null,
    actor text not null,
    reason text not null,
    records_removed bigint not null,
    identifiers_suppressed bigint not null,
    file_rewritten_at timestamp
);

-- how often each mirrored table changed: a reader compares this with the copy it holds and re-reads only the
-- tables that moved (store/operational.py); bumped by a statement trigger store.operational installs per table
create table operational_changes (
    table_name text primary key,
    version bigint not null default 0
);

create function bump_operational_change() returns trigger language plpgsql as $$
begin
    insert into operational_changes (table_name, version) values (tg_table_name, 1)
    on conflict (table_name) do update set version = operational_changes.version + 1;
    return null;
end $$;

-- work handed to the worker (loads, syncs, builds, data-subject requests, identity decisions): the queue the file
-- spool beside a DuckDB store is without PostgreSQL (connectors/jobs.py)
create table jobs (
    job_id bigserial primary key,
    job jsonb not null,
    submitted_at timestamp not null default (now() at time zone 'utc'),
    started_at timestamp,
    finished_at timestamp,
    result jsonb
);

-- the worker's heartbeat and the snapshot it publishes (one row per worker name; one worker per deployment)
create table workers (
    name text primary key,
    pid integer not null,
    host text not null,
    beat_at timestamp not null,
    snapshot text,
    published_at timestamp
);
