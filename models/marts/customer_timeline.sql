-- grain: one row per event in a customer's history (an order, a refund, a ticket opened or solved, a comment,
-- a social post or the brand's reply to one), physically ordered by customer so one history is one short scan
with sources as (
    select record_key, customer_id from customer_sources
),

sentiment as (
    select text_hash, compound from sentiment_scores
),

corrected_sentiment as (
    -- a post's sentiment as staff corrected it, in the middle of its band (VADER's: from 0.05 positive, to -0.05
    -- negative), which every reader of a score averages or bands (models/corrections.py)
    select
        post_key as record_key,
        case value when 'positive' then 0.5 when 'negative' then -0.5 else 0.0 end as compound
    from current_corrections
    where field = 'sentiment'
),

purchase_lines as (
    select sources.customer_id, stg_purchases.*
    from stg_purchases
    inner join sources using (record_key)
),

order_totals as (
    -- most orders have one line: what a line-by-line aggregate would say of them is the line itself, so the slow
    -- aggregates (an ordered string_agg, mode) only run on the orders with more lines, below
    select
        customer_id,
        source,
        order_id,
        count(*) as line_count,
        min(ordered_at) as ordered_at,
        -- what the order came to: its total, given once per order and repeated on each line, else its lines' sum
        coalesce(max(order_total), sum(amount)) as amount,
        -- what was refunded: the amount the shop says (a part, for a partial refund), else the lines refunded
        -- whole (the order's total when all were); unknown for a partial refund that names no amount
        coalesce(
            max(refunded_amount) filter (where refunded_amount > 0),
            case when bool_and(status = 'refunded') then coalesce(max(order_total), sum(amount)) end,
            sum(amount) filter (where status = 'refunded')
        ) as refunded_amount,
        any_value(coalesce(product, sku)) as first_product,
        -- lines of one price: the last by record, so every build (and engine) names the same product
        arg_max(product, (amount, record_key)) as main_product,
        any_value(category) as first_category,
        any_value(channel) as channel,
        any_value(currency) as currency,
        any_value(status) as first_status,
        bool_or(is_refund) or coalesce(max(refunded_amount), 0) > 0 as has_refund
    from purchase_lines
    group by customer_id, source, order_id
),

multi_line_orders as (
    select
        sources.customer_id,
        p.source,
        p.order_id,
        string_agg(coalesce(p.product, p.sku), ', ' order by p.line_id) as products,
        -- ordered: a tie goes to the first in name order, so every build agrees (unordered, either could win)
        mode(p.category order by p.category) as category,
        mode(p.status order by p.status) as status
    from stg_purchases as p
    inner join sources using (record_key)
    where (p.source, p.order_id) in (select (source, order_id) from order_totals where line_count > 1)
    group by sources.customer_id, p.source, p.order_id
),

orders as (
    select
        t.customer_id,
        t.source,
        t.order_id,
        t.ordered_at,
        t.amount,
        t.refunded_amount,
        case when t.line_count = 1 then t.first_product else m.products end as products,
        t.main_product,
        case when t.line_count = 1 then t.first_category else m.category end as category,
        t.channel,
        t.currency,
        case when t.line_count = 1 then t.first_status else m.status end as status,
        t.has_refund
    from order_totals as t
    left join multi_line_orders as m
        on m.customer_id = t.customer_id and m.source = t.source and m.order_id = t.order_id
),

purchase_events as (
    select
        'purchase:' || source || ':' || order_id as event_id,
        customer_id,
        ordered_at as occurred_at,
        'purchase' as kind,
        coalesce(channel, source) as channel,
        'Order ' || order_id as title,
        products as body,
        amount::double as amount,
        null::double as sentiment,
        source,
        order_id as source_id,
        null as url,
        order_id as ref_id,
        status,
        'customer' as author_type,
        true as is_public,
        null as network,
        null as in_reply_to,
        category,
        main_product as product,
        null as satisfaction,
        currency
    from orders
),

refund_events as (
    -- exports carry no refund time; the refund is placed just after its order. A partial refund names an amount,
    -- not the items it was for: its event names no product or category rather than the order's main one
    select
        'refund:' || source || ':' || order_id as event_id,
        customer_id,
        ordered_at + interval 1 second as occurred_at,
        'refund' as kind,
        coalesce(channel, source) as channel,
        case when status = 'partially_refunded' then 'Partial refund of order ' else 'Refund of order ' end
            || order_id as title,
        products as body,
        refunded_amount::double as amount,
        null::double as sentiment,
        source,
        order_id as source_id,
        null as url,
        order_id as ref_id,
        status,
        'company' as author_type,
        true as is_public,
        null as network,
        null as in_reply_to,
        case when status <> 'partially_refunded' then category end as category,
        case when status <> 'partially_refunded' then main_product end as product,
        null as satisfaction,
        currency
    from orders
    where has_refund
),

tickets as (
    select sources.customer_id, stg_tickets.*
    from stg_tickets
    inner join sources using (record_key)
),

ticket_opened_events as (
    select
        'ticket_opened:' || tickets.source || ':' || ticket_id as event_id,
        customer_id,
        created_at as occurred_at,
        'ticket_opened' as kind,
        channel,
        coalesce(subject, 'Ticket ' || ticket_id) as title,
        description as body,
        null::double as amount,
        sentiment.compound as sentiment,
        tickets.source,
        ticket_id as source_id,
        null as url,
        ticket_id as ref_id,
        status,
        'customer' as author_type,
        true as is_public,
        null as network,
        null as in_reply_to,
        null as category,
        null as product,
        case is_satisfied when true then 'good' when false then 'bad' end as satisfaction,
        null as currency
    from tickets
    left join sentiment on sentiment.text_hash = md5(tickets.description)
),

ticket_solved_events as (
    select
        'ticket_solved:' || source || ':' || ticket_id as event_id,
        customer_id,
        solved_at as occurred_at,
        'ticket_solved' as kind,
        channel,
        'Solved: ' || coalesce(subject, 'ticket ' || ticket_id) as title,
        null as body,
        null::double as amount,
        null::double as sentiment,
        source,
        ticket_id as source_id,
        null as url,
        ticket_id as ref_id,
        status,
        'agent' as author_type,
        true as is_public,
        null as network,
        null as in_reply_to,
        null as category,
        null as product,
        case is_satisfied when true then 'good' when false then 'bad' end as satisfaction,
        null as currency
    from tickets
    where solved_at is not null
),

comment_events as (
    select
        'comment:' || c.source || ':' || c.comment_id as event_id,
        t.customer_id,
        c.created_at as occurred_at,
        case when c.author_type = 'agent' and c.is_public then 'ticket_replied' else 'comment' end as kind,
        t.channel,
        coalesce(t.subject, 'Ticket ' || t.ticket_id) as title,
        c.body,
        null::double as amount,
        case when c.author_type = 'customer' then sentiment.compound end as sentiment,
        c.source,
        c.comment_id as source_id,
        null as url,
        c.ticket_id as ref_id,
        t.status,
        c.author_type,
        c.is_public,
        null as network,
        null as in_reply_to,
        null as category,
        null as product,
        null as satisfaction,
        null as currency
    from stg_ticket_comments as c
    inner join tickets as t on t.source = c.source and t.ticket_id = c.ticket_id
    left join sentiment on sentiment.text_hash = md5(c.body)
),

posts as (
    select sources.customer_id, stg_social_posts.*
    from stg_social_posts
    inner join sources using (record_key)
),

brand_replies as (
    -- the brand's answers belong in the history of the customer they answered
    select posts.customer_id, reply.*
    from stg_social_posts as reply
    inner join posts on posts.source = reply.source and posts.post_id = reply.in_reply_to
    where reply.is_from_company
),

post_events as (
    select
        'post:' || p.source || ':' || p.post_id as event_id,
        p.customer_id,
        p.posted_at as occurred_at,
        'social_post' as kind,
        p.network as channel,
        p.network || ' post by @' || p.display_handle as title,
        p.text as body,
        null::double as amount,
        case when not p.is_from_company then coalesce(corrected.compound, sentiment.compound) end as sentiment,
        p.source,
        p.post_id as source_id,
        p.url,
        p.post_id as ref_id,
        null as status,
        case when p.is_from_company then 'company' else 'customer' end as author_type,
        true as is_public,
        p.network,
        p.in_reply_to,
        null as category,
        null as product,
        null as satisfaction,
        null as currency
    from (select * from posts union all by name select * from brand_replies) as p
    left join sentiment on sentiment.text_hash = md5(p.text)
    left join corrected_sentiment as corrected on corrected.record_key = p.record_key
),

final as (
    select * from purchase_events
    union all select * from refund_events
    union all select * from ticket_opened_events
    union all select * from ticket_solved_events
    union all select * from comment_events
    union all select * from post_events
)

select
    *,
    -- the columns a history is read with, packed into one JSON array (queries.customers unpacks it): a cold read
    -- of one customer then loads one column's blocks instead of eighteen's (json_array: the text to_json(row(...))
    -- gives, in 6 s instead of 11 at 1M)
    json_array(
        kind, channel, title, body, amount, sentiment, source, source_id, url, ref_id, status, author_type,
        is_public, network, in_reply_to, category, product, satisfaction, currency
    ) as packed
from final
-- by customer only: readers sort one customer's few events themselves, and sorting 20M rows on time and event id
-- too cost ~18 s more at 1M
order by customer_id
