-- grain: one row per ticket comment (source, record_id)
with source as (
    select * from raw_ticket_comments
),

final as (
    select
        'ticket_comments:' || source || ':' || record_id as record_key,
        source,
        record_id as comment_id,
        ticket_id,
        created_at,
        author_type,
        author,
        body,
        public as is_public,
        _load_id as load_id
    from source
)

select * from final
