-- Data-subject requests (GDPR art. 17, CCPA deletion). Neither table holds personal data.

-- identifiers of erased people, hashed: sha256 of the identity key text (`email:ana@example.com`,
-- `phone:+447700900123`, `phone:7700900123` (national number), `handle:instagram:ana.hikes`, `ref:C1`) or of a
-- source record (`tickets:desk:T1`). A load refuses rows carrying one of them and counts them as suppressed.
create table suppressed_identifiers (
    identifier_hash varchar primary key,
    kind varchar not null,
    suppressed_at timestamp not null
);

create sequence erasure_id_seq start 1;

-- one row per erasure: who did it and why (the reason is staff text and must not name the person), and counts
create table erasure_log (
    erasure_id bigint primary key,
    erased_at timestamp not null,
    actor varchar not null,
    reason varchar not null,
    records_removed bigint not null,
    identifiers_suppressed bigint not null
);

-- rows a load refused because they carry a suppressed identifier
alter table load_log add column suppressed bigint;
