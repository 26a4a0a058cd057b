-- grain: one row: figures about all customers that rules about one customer compare against
with profiles as (
    select * from customer_profiles
),

final as (
    select
        quantile_cont(lifetime_value, 0.9) filter (where order_count > 0) as ltv_top_decile,
        count(*) as customer_count,
        count(*) filter (where is_prospect) as prospect_count
    from profiles
)

select * from final
