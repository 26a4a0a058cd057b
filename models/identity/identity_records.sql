-- grain: one row per source record that tells who a person is, with the keys that can link it to others
with customers as (
    select
        record_key,
        'customers' as kind,
        source,
        source_id,
        full_name as display_name,
        lower(first_name) as first_name,
        lower(last_name) as last_name,
        birth_date,
        postcode,
        lower(city) as city,
        lower(street) as street,
        split_part(emails[1], '@', 1) as email_local,
        -- coalesce: a contact without an email must still link by its phone and handles
        ['email:' || e for e in coalesce(emails, [])]
            || ['phone:' || p for p in coalesce(phones, [])]
            || ['handle:' || h for h in coalesce(handles, [])]
            || ['ref:' || source_id]
            || [k for k in ['ref:' || customer_ref] if k is not null] as keys
    from stg_customers
),

purchases as (
    select
        record_key,
        'purchases' as kind,
        source,
        record_id as source_id,
        -- who paid, and where: what links an order whose email is new, or a family's shared mailbox
        billing_name as display_name,
        billing_first_name as first_name,
        billing_last_name as last_name,
        null::date as birth_date,
        billing_postcode as postcode,
        lower(billing_city) as city,
        lower(billing_street) as street,
        split_part(email, '@', 1) as email_local,
        [k for k in ['email:' || email, 'phone:' || phone, 'ref:' || customer_ref,
                     case when regexp_matches(order_id, '^#\d{3,}$') then 'order:' || order_id end]
         if k is not null] as keys
    from stg_purchases
),

tickets as (
    select
        record_key,
        'tickets' as kind,
        source,
        ticket_id as source_id,
        requester_name as display_name,
        lower(nullif(split_part(trim(requester_name), ' ', 1), '')) as first_name,
        lower(nullif(regexp_extract(trim(requester_name), '\s([^\s.]{2,})$', 1), '')) as last_name,
        null::date as birth_date,
        null as postcode,
        null as city,
        null as street,
        split_part(requester_email, '@', 1) as email_local,
        [k for k in ['email:' || requester_email, 'phone:' || requester_phone, 'handle:' || requester_handle,
                     'ref:' || customer_ref] if k is not null]
            || ['order:' || m for m in regexp_extract_all(concat_ws(' ', subject, description), '(#\d{3,})\b', 1)]
            as keys
    from stg_tickets
),

social_posts as (
    select
        record_key,
        'social_posts' as kind,
        source,
        post_id as source_id,
        author_name as display_name,
        -- only a full name ("Ingrid Lloyd", not "Ingrid L." or "Mia 🌲") is worth comparing
        case when regexp_matches(trim(author_name), '^\S+\s.*[^\s.]{2,}$')
             then lower(split_part(trim(author_name), ' ', 1)) end as first_name,
        lower(nullif(regexp_extract(trim(author_name), '\s([^\s.]{2,})$', 1), '')) as last_name,
        null::date as birth_date,
        null as postcode,
        null as city,
        null as street,
        null as email_local,
        -- "charged twice for #1195": an order number the author mentions is theirs
        ['handle:' || handle] || ['order:' || m for m in regexp_extract_all(text, '(#\d{3,})\b', 1)] as keys
    from stg_social_posts
    where not is_from_company
),

final as (
    select * from customers
    union all by name
    select * from purchases
    union all by name
    select * from tickets
    union all by name
    select * from social_posts
)

-- node: the record's number in the identity graph. A full build numbers the records in key order; an incremental
-- one keeps the numbers of the records it did not restage and numbers the others after the last (models.increments)
select row_number() over (order by record_key) - 1 as node, * from final
order by record_key
