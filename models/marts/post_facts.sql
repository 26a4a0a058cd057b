-- grain: one row per post a customer wrote: when, where, how it felt, and when the brand first replied
with posts as (
    select * from customer_timeline where kind = 'social_post' and author_type = 'customer'
),

replies as (
    select customer_id, in_reply_to, min(occurred_at) as brand_replied_at
    from customer_timeline
    where kind = 'social_post' and author_type = 'company'
    group by customer_id, in_reply_to
),

final as (
    select
        posts.event_id,
        posts.customer_id,
        profiles.display_name,
        profiles.segment,
        posts.occurred_at,
        posts.network,
        posts.channel,
        posts.title,
        posts.body,
        posts.url,
        posts.sentiment,
        replies.brand_replied_at,
        date_diff('minute', posts.occurred_at, replies.brand_replied_at) as first_response_minutes
    from posts
    inner join customer_profiles as profiles using (customer_id)
    left join replies on replies.customer_id = posts.customer_id and replies.in_reply_to = posts.ref_id
)

select * from final
order by occurred_at
