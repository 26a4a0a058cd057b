-- grain: one row per ticket: who, which channel, when opened, first answered and solved, and how it was rated;
-- leadership figures add these up instead of walking the whole timeline
with events as (
    select * from customer_timeline
    where kind in ('ticket_opened', 'ticket_replied', 'ticket_solved')
),

tickets as (
    select
        source,
        ref_id,
        any_value(customer_id) as customer_id,
        any_value(channel) as channel,
        min(occurred_at) filter (where kind = 'ticket_opened') as opened_at,
        min(occurred_at) filter (where kind = 'ticket_replied') as first_reply_at,
        max(occurred_at) filter (where kind = 'ticket_solved') as solved_at,
        any_value(title) filter (where kind = 'ticket_opened') as subject,
        any_value(status) filter (where kind = 'ticket_opened') as status,
        any_value(satisfaction) filter (where kind = 'ticket_opened') as satisfaction
    from events
    group by source, ref_id
),

final as (
    select
        -- named, not tickets.*: after a join `using` Spark puts the joined column first
        tickets.source,
        tickets.ref_id,
        tickets.customer_id,
        tickets.channel,
        tickets.opened_at,
        tickets.first_reply_at,
        tickets.solved_at,
        tickets.subject,
        tickets.status,
        tickets.satisfaction,
        profiles.segment,
        profiles.display_name,
        date_diff('minute', opened_at, first_reply_at) as first_response_minutes,
        date_diff('minute', opened_at, solved_at) as resolution_minutes,
        case when channel in ('twitter', 'facebook', 'instagram', 'mastodon', 'linkedin', 'tiktok')
             then 'social' else channel end as channel_group
    from tickets
    inner join customer_profiles as profiles using (customer_id)
    where opened_at is not null
)

select * from final
order by opened_at
