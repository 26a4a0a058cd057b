-- grain: one row per customer: who they are, what they bought, how support went, what they say about us
with build as (
    select built_at from model_build
),

sources as (
    select * from customer_sources
),

timeline as (
    select * from customer_timeline
),

contacts as (
    select sources.customer_id, c.*
    from stg_customers as c
    inner join sources using (record_key)
),

contact_counts as (
    select customer_id, count(*) as contact_count from contacts group by customer_id
),

contact_facts as (
    -- most customers have one CRM contact, and what the aggregates below say of one row is the row itself: only
    -- customers with several contacts are aggregated (the ten arg_max over every contact cost ~4 s at 1M)
    select
        contacts.customer_id,
        contacts.full_name as contact_name,
        contacts.first_name,
        contacts.last_name,
        coalesce(contacts.emails, []) as emails,
        coalesce(contacts.phones, []) as phones,
        coalesce(contacts.handles, []) as handles,
        contacts.company,
        contacts.street,
        contacts.city,
        contacts.postcode,
        contacts.country,
        contacts.birth_date,
        contacts.created_at as contact_created_at,
        contacts.segment
    from contacts
    inner join contact_counts using (customer_id)
    where contact_counts.contact_count = 1

    union all

    select
        customer_id,
        arg_max(full_name, latest) as contact_name,
        arg_max(first_name, latest) as first_name,
        arg_max(last_name, latest) as last_name,
        flatten(list(emails)) as emails,
        flatten(list(phones)) as phones,
        flatten(list(handles)) as handles,
        arg_max(company, latest) filter (where company is not null) as company,
        arg_max(street, latest) filter (where street is not null) as street,
        arg_max(city, latest) filter (where city is not null) as city,
        arg_max(postcode, latest) filter (where postcode is not null) as postcode,
        arg_max(country, latest) filter (where country is not null) as country,
        max(birth_date) as birth_date,
        min(created_at) as contact_created_at,
        arg_max(segment, latest) filter (where segment is not null) as segment
    from (
        -- a contact without a date counts as the oldest, not as none (arg_max passes over a NULL key); equals by
        -- record, so every build picks the same
        select *, (coalesce(created_at, '-infinity'::timestamp), record_key) as latest from contacts
    )
    where customer_id in (select customer_id from contact_counts where contact_count > 1)
    group by customer_id
),

purchase_keys as (
    select sources.customer_id, list(distinct p.email) filter (where p.email is not null) as emails,
           list(distinct p.phone) filter (where p.phone is not null) as phones,
           -- ties (orders of one day, from a source without times) by record: every build picks the same
           arg_max(p.billing_name, (p.ordered_at, p.record_key)) filter (where p.billing_name is not null)
               as billing_name,
           arg_max({'street': p.billing_street, 'city': p.billing_city, 'postcode': p.billing_postcode,
                    'country': p.billing_country}, (p.ordered_at, p.record_key))
               filter (where coalesce(p.billing_street, p.billing_city, p.billing_postcode) is not null)
               as billing_address
    from stg_purchases as p
    inner join sources using (record_key)
    group by sources.customer_id
),

ticket_facts as (
    select
        sources.customer_id,
        list(distinct t.requester_email) filter (where t.requester_email is not null) as emails,
        list(distinct t.requester_phone) filter (where t.requester_phone is not null) as phones,
        list(distinct t.requester_handle) filter (where t.requester_handle is not null) as handles,
        arg_max(t.requester_name, t.created_at) as requester_name,
        count(*) filter (where t.is_open) as open_ticket_count,
        count(*) as ticket_count,
        count(*) filter (where t.is_satisfied) as satisfied_count,
        count(*) filter (where not t.is_satisfied) as dissatisfied_count,
        median(date_diff('minute', t.created_at, t.solved_at)) as median_resolution_minutes
    from stg_tickets as t
    inner join sources using (record_key)
    group by sources.customer_id
),

first_replies as (
    -- Zendesk's first reply time: ticket created -> first public comment by an agent
    select
        customer_id,
        ref_id,
        min(occurred_at) filter (where kind = 'ticket_opened') as opened_at,
        min(occurred_at) filter (where kind = 'ticket_replied') as first_reply_at
    from timeline
    where kind in ('ticket_opened', 'ticket_replied')
    group by customer_id, ref_id
),

response_facts as (
    select customer_id, median(date_diff('minute', opened_at, first_reply_at)) as median_first_response_minutes
    from first_replies
    where first_reply_at is not null and opened_at is not null
    group by customer_id
),

post_facts as (
    select
        sources.customer_id,
        list(distinct p.handle) as handles,
        arg_max(p.author_name, p.posted_at) as author_name,
        arg_max(p.display_handle, p.posted_at) as display_handle,
        max(p.follower_count) as followers,
        count(*) as post_count
    from stg_social_posts as p
    inner join sources using (record_key)
    group by sources.customer_id
),

refunds as (
    select customer_id, source, ref_id, amount as refunded
    from timeline
    where kind = 'refund'
),

orders as (
    -- each order net of what was refunded of it (a partial refund takes its amount off, no more)
    select
        purchases.customer_id,
        purchases.ref_id,
        purchases.occurred_at,
        -- in cents, as the sum below
        greatest(purchases.amount::decimal(18, 2) - coalesce(refunds.refunded::decimal(18, 2), 0), 0) as amount,
        purchases.status,
        purchases.currency
    from timeline as purchases
    left join refunds using (customer_id, source, ref_id)
    where purchases.kind = 'purchase' and purchases.status <> 'cancelled'
),

value_by_currency as (
    -- what the customer kept paying for in each currency they paid in: amounts in two currencies are never added
    select
        customer_id,
        currency,
        sum(amount::decimal(18, 2)) filter (where status in ('paid', 'partially_refunded', 'pending')) as amount
    from orders
    group by customer_id, currency
),

currency_facts as (
    select
        customer_id,
        list({'currency': currency, 'amount': amount} order by amount desc, currency)
            filter (where amount is not null) as lifetime_values,
        -- the currency most of their money came in: the one their single figures (average order) are read in
        arg_max(currency, coalesce(amount, 0)) as currency,
        count(distinct currency) as currency_count
    from value_by_currency
    group by customer_id
),

order_gaps as (
    select customer_id, date_diff('day', lag(occurred_at) over (partition by customer_id order by occurred_at),
                                  occurred_at) as gap_days
    from orders
),

purchase_facts as (
    select
        customer_id,
        -- what the customer kept paying for, net of refunds: refunded and cancelled orders do not count. Summed in
        -- cents (the shops' decimals): a sum of doubles depends on the order threads add them in, and the last
        -- digit would change from one build to the next
        sum(amount) filter (where status in ('paid', 'partially_refunded', 'pending'))
            as lifetime_value,
        count(*) as order_count,
        min(occurred_at) as first_purchase_at,
        max(occurred_at) as last_purchase_at
    from orders
    group by customer_id
),

cadence as (
    select customer_id, median(gap_days) as purchase_cadence_days
    from order_gaps
    where gap_days is not null
    group by customer_id
),

sentiment_facts as (
    select
        customer_id,
        -- summed in decimals (VADER's four places): a sum of doubles depends on the order threads add them in,
        -- and the last digit of an average would change from one build to the next. The exact sum is divided as
        -- doubles, which every engine rounds alike (DuckDB's avg of a decimal divides in long double, which Spark's
        -- JVM has not: at 20,000 customers two averages differed between the engines in the last digit)
        sum(sentiment::decimal(18, 4)) filter (where kind = 'social_post')::double
            / count(sentiment) filter (where kind = 'social_post') as sentiment_overall,
        sum(sentiment::decimal(18, 4)) filter (
            where kind = 'social_post' and occurred_at >= (select built_at from build) - interval 90 day
        )::double / count(sentiment) filter (
            where kind = 'social_post' and occurred_at >= (select built_at from build) - interval 90 day
        ) as sentiment_90d
    from timeline
    where author_type = 'customer'
    group by customer_id
),

customer_activity as (
    select customer_id, occurred_at, channel, kind
    from timeline
    where author_type = 'customer' and kind in ('ticket_opened', 'comment', 'social_post', 'purchase')
),

channel_uses as (
    -- where they reach out to us: tickets, comments and posts; a shop's sales channel is not a way to talk
    select customer_id, channel, count(*) as uses, max(occurred_at) as last_used
    from customer_activity
    where channel is not null and kind <> 'purchase'
    group by customer_id, channel
),

preferred_channels as (
    -- the most used; a tie goes to the one used last, then by name, so every build gives the same answer
    select customer_id, arg_max(channel, (uses, last_used, channel)) as preferred_channel
    from channel_uses
    group by customer_id
),

channel_facts as (
    select customer_id, max(occurred_at) as last_contact_at
    from customer_activity
    group by customer_id
),

active_windows as (
    -- the three-hour window in which most of a customer's own activity falls
    select customer_id, window_start, count(*) as events
    from customer_activity,
        unnest(range(0, 24)) as w(window_start)
    where (hour(occurred_at) - window_start + 24) % 24 < 3
    group by customer_id, window_start
),

active_hours as (
    select customer_id,
           case when max(events) >= 3
                then lpad(arg_max(window_start, (events, -window_start))::varchar, 2, '0') || '–'
                     || lpad(((arg_max(window_start, (events, -window_start)) + 3) % 24)::varchar, 2, '0') || 'h'
           end as active_hours
    from active_windows
    group by customer_id
),

customers as (
    select distinct customer_id from sources
),

addresses as (
    -- where a customer lives: their contact's address, else (a web-shop customer) the one they last paid from;
    -- never a contact's street with an order's postcode
    select
        customers.customer_id,
        case when coalesce(c.street, c.city, c.postcode) is not null
             then {'street': c.street, 'city': c.city, 'postcode': c.postcode, 'country': c.country}
             else b.billing_address end as address
    from customers
    left join contact_facts as c using (customer_id)
    left join purchase_keys as b using (customer_id)
),

final as (
    select
        customers.customer_id,
        coalesce(contact_facts.contact_name, ticket_facts.requester_name, purchase_keys.billing_name,
                 post_facts.author_name,
                 '@' || post_facts.display_handle, (coalesce(purchase_keys.emails, []))[1],
                 'Customer ' || customers.customer_id) as display_name,
        contact_facts.first_name,
        contact_facts.last_name,
        list_sort(list_distinct(flatten([coalesce(contact_facts.emails, []), coalesce(purchase_keys.emails, []),
                                         coalesce(ticket_facts.emails, [])]))) as emails,
        list_sort(list_distinct(flatten([coalesce(contact_facts.phones, []), coalesce(purchase_keys.phones, []),
                                         coalesce(ticket_facts.phones, [])]))) as phones,
        list_sort(list_distinct(flatten([coalesce(contact_facts.handles, []), coalesce(post_facts.handles, []),
                                         coalesce(ticket_facts.handles, [])]))) as handles,
        contact_facts.company,
        addresses.address.street,
        addresses.address.city,
        addresses.address.postcode,
        coalesce(addresses.address.country, contact_facts.country) as country,
        contact_facts.birth_date,
        least(contact_facts.contact_created_at, purchase_facts.first_purchase_at) as customer_since,
        coalesce(contact_facts.segment, case when purchase_facts.order_count > 0 then 'customer' end) as segment,
        contact_facts.customer_id is null and purchase_facts.customer_id is null as is_prospect,
        -- for ranking only when they paid in several currencies: people read lifetime_values
        coalesce(purchase_facts.lifetime_value, 0)::double as lifetime_value,
        coalesce(currency_facts.lifetime_values, []) as lifetime_values,
        currency_facts.currency,
        coalesce(currency_facts.currency_count, 0) as currency_count,
        coalesce(purchase_facts.order_count, 0) as order_count,
        (purchase_facts.lifetime_value / nullif(purchase_facts.order_count, 0))::double as avg_order_value,
        purchase_facts.first_purchase_at,
        purchase_facts.last_purchase_at,
        cadence.purchase_cadence_days::double as purchase_cadence_days,
        coalesce(ticket_facts.open_ticket_count, 0) as open_ticket_count,
        coalesce(ticket_facts.ticket_count, 0) as ticket_count,
        response_facts.median_first_response_minutes::double as median_first_response_minutes,
        ticket_facts.median_resolution_minutes::double as median_resolution_minutes,
        (ticket_facts.satisfied_count
            / nullif(ticket_facts.satisfied_count + ticket_facts.dissatisfied_count, 0))::double as csat,
        coalesce(ticket_facts.satisfied_count + ticket_facts.dissatisfied_count, 0) as csat_responses,
        sentiment_facts.sentiment_overall,
        sentiment_facts.sentiment_90d,
        coalesce(post_facts.post_count, 0) as post_count,
        post_facts.followers,
        preferred_channels.preferred_channel,
        active_hours.active_hours,
        channel_facts.last_contact_at
    from customers
    left join contact_facts using (customer_id)
    left join purchase_keys using (customer_id)
    left join addresses using (customer_id)
    left join ticket_facts using (customer_id)
    left join response_facts using (customer_id)
    left join post_facts using (customer_id)
    left join purchase_facts using (customer_id)
    left join currency_facts using (customer_id)
    left join cadence using (customer_id)
    left join sentiment_facts using (customer_id)
    left join channel_facts using (customer_id)
    left join preferred_channels using (customer_id)
    left join active_hours using (customer_id)
)

select * from final
order by customer_id
