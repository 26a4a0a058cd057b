-- Raw tables: one per canonical source kind, one row per (source, record_id), values typed and validated by the
-- loader. Every raw row carries where it came from (_load_id, _file) and a hash of its values, so a re-load can tell
-- inserted, updated and unchanged rows apart.

create sequence if not exists load_id_seq start 1;

create table raw_customers (
    source varchar not null,
    record_id varchar not null,
    source_id varchar not null,
    name varchar,
    first_name varchar,
    last_name varchar,
    email varchar,
    phone varchar,
    company varchar,
    street varchar,
    city varchar,
    postcode varchar,
    country varchar,
    birth_date date,
    created_at timestamp,
    segment varchar,
    twitter varchar,
    facebook varchar,
    instagram varchar,
    linkedin varchar,
    mastodon varchar,
    tiktok varchar,
    _row_hash varchar not null,
    _load_id bigint not null,
    _file varchar,
    _loaded_at timestamp not null
);

create table raw_purchases (
    source varchar not null,
    record_id varchar not null,
    order_id varchar not null,
    line_id varchar,
    ordered_at timestamp not null,
    amount decimal(18, 2) not null,
    currency varchar,
    email varchar,
    phone varchar,
    customer_ref varchar,
    product varchar,
    sku varchar,
    category varchar,
    quantity bigint,
    channel varchar,
    status varchar not null,
    _row_hash varchar not null,
    _load_id bigint not null,
    _file varchar,
    _loaded_at timestamp not null
);

create table raw_tickets (
    source varchar not null,
    record_id varchar not null,
    ticket_id varchar not null,
    created_at timestamp not null,
    requester_email varchar,
    requester_phone varchar,
    requester_handle varchar,
    customer_ref varchar,
    requester_name varchar,
    channel varchar,
    subject varchar,
    description varchar,
    status varchar not null,
    priority varchar,
    group_name varchar,
    assignee varchar,
    first_response_at timestamp,
    solved_at timestamp,
    updated_at timestamp,
    satisfaction varchar,
    reopens bigint,
    _row_hash varchar not null,
    _load_id bigint not null,
    _file varchar,
    _loaded_at timestamp not null
);

create table raw_ticket_comments (
    source varchar not null,
    record_id varchar not null,
    comment_id varchar,
    ticket_id varchar not null,
    created_at timestamp not null,
    author_type varchar not null,
    author varchar,
    body varchar not null,
    public boolean not null,
    _row_hash varchar not null,
    _load_id bigint not null,
    _file varchar,
    _loaded_at timestamp not null
);

create table raw_social_posts (
    source varchar not null,
    record_id varchar not null,
    post_id varchar not null,
    posted_at timestamp not null,
    network varchar not null,
    handle varchar not null,
    text varchar not null,
    author_name varchar,
    url varchar,
    in_reply_to varchar,
    likes bigint,
    shares bigint,
    followers bigint,
    from_company boolean not null,
    _row_hash varchar not null,
    _load_id bigint not null,
    _file varchar,
    _loaded_at timestamp not null
);

-- Rows a load refused, with the reason. Re-loading a file replaces that file's entries, so the quarantine always
-- shows what is wrong with the latest version of each file.
create table quarantine (
    load_id bigint not null,
    source varchar not null,
    kind varchar not null,
    file varchar not null,
    line_number bigint,
    raw_record varchar,
    reason varchar not null,
    quarantined_at timestamp not null
);

-- One row per load attempt, successful or not.
create table load_log (
    load_id bigint primary key,
    source varchar not null,
    kind varchar not null,
    file varchar,
    started_at timestamp not null,
    finished_at timestamp,
    outcome varchar not null,
    inserted bigint,
    updated bigint,
    unchanged bigint,
    rejected bigint,
    error varchar
);
