-- grain: one row per customer: customer_cards.sql for Spark. DuckDB's to_json(row) has no Spark twin: Spark writes
-- a struct of the row's columns, with its NULLs kept (queries.results.json_row reads every column) and timestamps
-- in ISO form with a 'T' (which json_row parses as DuckDB's space-separated ones)
with profiles as (
    select * from customer_profiles
),

stats as (
    select ltv_top_decile from customer_stats
),

final as (
    select
        profiles.customer_id,
        to_json(struct(profiles.*), map('ignoreNullFields', 'false')) as card,
        stats.ltv_top_decile
    from profiles
    cross join stats
)

select * from final
order by customer_id
