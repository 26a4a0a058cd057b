-- grain: one row per customer id ever issued, with the profile it opens today (ids of merged profiles redirect)
with recursive current_ids as (
    select distinct customer_id from identity_assignments
),

chains(requested_id, customer_id, hops) as (
    select customer_id, customer_id, 0 from current_ids
    union all
    select old_customer_id, customer_id, 1
    from customer_id_redirects
    where old_customer_id not in (select customer_id from current_ids)
),

resolved as (
    -- a redirect may point at an id that itself moved on: follow it to an id that is current
    select c.requested_id, coalesce(r.customer_id, c.customer_id) as customer_id
    from chains as c
    left join customer_id_redirects as r
        on r.old_customer_id = c.customer_id and c.customer_id not in (select customer_id from current_ids)
),

final as (
    select requested_id, customer_id
    from resolved
    where customer_id in (select customer_id from current_ids)
)

select * from final
