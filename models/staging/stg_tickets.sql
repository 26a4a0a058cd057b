-- grain: one row per help-desk ticket (source, ticket_id)
with source as (
    select * from raw_tickets
),

phones as (
    -- a ticket says nothing of where its requester is: the number is read as written, else in the default region
    select raw, e164 from phone_numbers where hint = ''
),

final as (
    select
        'tickets:' || source.source || ':' || source.record_id as record_key,
        source.source,
        source.ticket_id,
        source.created_at,
        case when source.requester_email like '%_@_%' then lower(source.requester_email) end as requester_email,
        phones.e164 as requester_phone,
        -- a handle only identifies someone together with its network, which the ticket's channel names
        case when source.requester_handle is not null and source.channel is not null
             then source.channel || ':' || lower(regexp_replace(source.requester_handle, '^.*/|^@', ''))
        end as requester_handle,
        source.customer_ref,
        source.requester_name,
        source.channel,
        source.subject,
        source.description,
        source.status,
        source.status in ('new', 'open', 'pending', 'hold') as is_open,
        source.priority,
        source.group_name,
        source.assignee,
        source.first_response_at,
        source.solved_at,
        source.updated_at,
        case
            when source.satisfaction in ('good', '4', '5') then true
            when source.satisfaction in ('bad', '1', '2', '3') then false
        end as is_satisfied,
        coalesce(source.reopens, 0) as reopen_count,
        source._load_id as load_id
    from source
    left join phones on phones.raw = source.requester_phone
)

select * from final
