-- Where each API stream of each configured source stands: the cursor the next sync starts from (written in the
-- same transaction as the rows it covers, so a crash never leaves a gap or a duplicate), and how the last sync went.
create table sync_state (
    source varchar not null,
    stream varchar not null,
    cursor varchar,
    last_sync_at timestamp,
    last_outcome varchar,
    last_error varchar,
    records bigint,
    primary key (source, stream)
);
