-- grain: one row per customer: their profile row as one JSON text, for reading one customer at a time. A lookup
-- then decompresses one column's block instead of one per profile column (~35), which is most of a cold read.
with profiles as (
    select * from customer_profiles
),

final as (
    select
        profiles.customer_id,
        to_json(profiles) as card
    from profiles
)

select * from final
order by customer_id
