-- grain: one row per customer whose per-customer marts an incremental build must rebuild: the owners of records
-- that loads after the last build ($since) inserted or changed (staging keeps each row's load_id for this), the
-- customers an edited comment or reply left, everyone the identity rebuild gave or took a record (new records,
-- merges, splits), those with a post that left the last 90 days since the last build, and the authors of posts
-- staff corrected since
with changed_records as (
    select record_key from stg_customers where load_id > $since
    union all
    select record_key from stg_purchases where load_id > $since
    union all
    select record_key from stg_tickets where load_id > $since
    union all
    select record_key from stg_social_posts where load_id > $since and not is_from_company
),

changed_tickets as (
    -- a new or edited comment changes its ticket's history
    select tickets.record_key
    from stg_ticket_comments as comments
    inner join stg_tickets as tickets on tickets.source = comments.source and tickets.ticket_id = comments.ticket_id
    where comments.load_id > $since
),

answered_posts as (
    -- the brand's replies belong to the history of the customer whose post they answer
    select posts.record_key
    from stg_social_posts as replies
    inner join stg_social_posts as posts on posts.source = replies.source and posts.post_id = replies.in_reply_to
    where replies.load_id > $since and replies.is_from_company
),

moved_events as (
    -- an edited comment or post may now hang under another ticket or post, or be a reply no more: where it was, in
    -- the timeline not yet rebuilt, changes too (records that tell who a person is move in `moved` below)
    select timeline.customer_id
    from customer_timeline as timeline
    inner join stg_ticket_comments as comments
        on comments.source = timeline.source and comments.comment_id = timeline.source_id
    where comments.load_id > $since and timeline.kind in ('comment', 'ticket_replied')
    union all
    select timeline.customer_id
    from customer_timeline as timeline
    inner join stg_social_posts as posts
        on posts.source = timeline.source and posts.post_id = timeline.source_id
    where posts.load_id > $since and timeline.kind = 'social_post'
),

crossed_window as (
    -- the posting times that crossed the 90 days' edge between the last build and this one (least / greatest: a
    -- build dated before the last one brings posts back in)
    select least(previous.built_at, this.built_at) - interval 90 day as crossed_from,
           greatest(previous.built_at, this.built_at) - interval 90 day as crossed_until
    from _previous_build as previous, model_build as this
),

aged_posts as (
    -- a customer's 90-day sentiment (customer_profiles) changes when one of their posts crosses that edge: every
    -- other customer's figures are the same whenever they are worked out, so no calendar forces a full build
    select timeline.customer_id
    from customer_timeline as timeline, crossed_window
    where timeline.kind = 'social_post'
        and timeline.author_type = 'customer'
        and timeline.occurred_at >= crossed_window.crossed_from
        and timeline.occurred_at < crossed_window.crossed_until
),

corrected_posts as (
    -- posts staff corrected (or whose correction they undid) since the last build: their sentiment, intent and
    -- urgency change in their author's marts and inbox rows
    select post_key as record_key
    from classification_corrections
    where correction_id > (select max(through_id) from corrections_built)
),

owners as (
    -- who owns those records now: the identity just resolved (customer_sources is rebuilt from it, after)
    select assignments.customer_id
    from identity_nodes as nodes
    inner join identity_assignments as assignments using (node)
    where nodes.record_key in (
        select record_key from changed_records
        union all select record_key from changed_tickets
        union all select record_key from answered_posts
        union all select record_key from corrected_posts
    )
),

moved as (
    -- a record new, gone, or with another owner: both owners, before and after (a restaged record has a new node
    -- number: its old one is gone, its new one new, so both its owners come out)
    select unnest([now_.customer_id, before.customer_id]) as customer_id
    from identity_assignments as now_
    full outer join _previous_owners as before using (node)
    where now_.customer_id is distinct from before.customer_id
)

select customer_id from owners
union
select customer_id from moved_events
union
select customer_id from aged_posts
union
select customer_id from moved where customer_id is not null
