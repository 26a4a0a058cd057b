-- State that every model build reads and no build may lose: phone numbers already parsed, sentiment already
-- scored, the customer ids handed out (so deep links keep working), and staff decisions about identities.

create table phone_numbers (
    raw varchar primary key,
    e164 varchar,
    region varchar not null
);

create table sentiment_scores (
    text_hash varchar primary key,
    compound double not null
);

create sequence customer_id_seq start 1;

-- every customer id ever issued, and the source record it is anchored to: a cluster containing the anchor keeps
-- the id, whatever else joins or leaves it
create table customer_ids (
    customer_id bigint primary key,
    anchor_record_key varchar not null,
    issued_at timestamp not null
);

-- ids that no longer stand alone (their profile merged into another) and where they lead now
create table customer_id_redirects (
    old_customer_id bigint primary key,
    customer_id bigint not null,
    redirected_at timestamp not null
);

-- staff decisions: merge two profiles, split a record out of one, or dismiss a suggested duplicate;
-- undoing sets undone_at and keeps the row, so the history stays auditable
create sequence identity_decision_id_seq start 1;

create table identity_decisions (
    decision_id bigint primary key,
    action varchar not null check (action in ('merge', 'split', 'not_duplicate')),
    record_key varchar,
    customer_id bigint,
    other_customer_id bigint,
    reason varchar not null,
    decided_by varchar not null,
    decided_at timestamp not null,
    undone_by varchar,
    undone_at timestamp
);
