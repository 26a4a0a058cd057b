-- grain: one row per customer: their profile row as one JSON text, for reading one customer at a time, and the
-- store-wide figures their talking points compare against. A lookup then decompresses one column's block instead
-- of one per profile column (~35), which is most of a cold read; the figures are the same on every row, so they
-- are stored once per block and cost the lookup no join.
with profiles as (
    select * from customer_profiles
),

stats as (
    select ltv_top_decile from customer_stats
),

final as (
    select
        profiles.customer_id,
        to_json(profiles) as card,
        stats.ltv_top_decile
    from profiles
    cross join stats
)

select * from final
order by customer_id
