-- Operational state staff create in the dashboard: the social inbox's statuses, assignments, notes and hand-offs,
-- the status of product ideas, and an audit log of every change. Builds read these tables and never rewrite them.

create sequence audit_id_seq start 1;

create table audit_log (
    audit_id bigint primary key,
    happened_at timestamp not null,
    actor varchar not null,
    action varchar not null,
    object_type varchar not null,
    object_id varchar not null,
    details varchar
);

-- one row per social post someone has acted on; posts without a row are "new"
create table inbox_state (
    post_key varchar primary key,
    status varchar not null check (status in ('new', 'in_progress', 'answered', 'closed')),
    assignee varchar,
    updated_at timestamp not null,
    updated_by varchar not null,
    answered_at timestamp,
    closed_at timestamp
);

create sequence note_id_seq start 1;

create table inbox_notes (
    note_id bigint primary key,
    post_key varchar not null,
    body varchar not null,
    created_at timestamp not null,
    created_by varchar not null
);

-- a social post handed off as a ticket-like event on the author's timeline
create table handoffs (
    post_key varchar primary key,
    team varchar not null,
    note varchar,
    created_at timestamp not null,
    created_by varchar not null
);

create table idea_state (
    idea_key varchar primary key,
    status varchar not null check (status in ('new', 'under_review', 'planned', 'shipped')),
    updated_at timestamp not null,
    updated_by varchar not null
);

-- intent, urgency and explanation per distinct post text, for the classifier version that produced them
create table post_classifications (
    text_hash varchar not null,
    rules_version varchar not null,
    intent varchar not null,
    urgency varchar not null,
    explanation varchar not null,
    primary key (text_hash, rules_version)
);
