-- grain: one row: customer_stats.sql for Spark. DuckDB's quantile_cont interpolates as lo * (1 - d) + hi * d, Spark's
-- percentile otherwise: the last digit differs (1554.9500000000003 / ...05 on the demo), so the top decile is
-- interpolated here DuckDB's way
with profiles as (
    select * from customer_profiles
),

buyers as (
    select lifetime_value, row_number() over (order by lifetime_value) - 1 as position
    from profiles
    where order_count > 0 and lifetime_value is not null
),

decile as (
    select (count(*) - 1) * 0.9D as at from buyers
),

bounds as (
    select
        decile.at,
        max(case when buyers.position = floor(decile.at) then buyers.lifetime_value end) as low,
        max(case when buyers.position = ceil(decile.at) then buyers.lifetime_value end) as high
    from buyers
    cross join decile
    group by decile.at
),

final as (
    select
        (select case when floor(at) = ceil(at) then low else low * (1 - (at - floor(at))) + high * (at - floor(at)) end
         from bounds) as ltv_top_decile,
        count(*) as customer_count,
        count(*) filter (where is_prospect) as prospect_count
    from profiles
)

select * from final
