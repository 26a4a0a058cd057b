-- grain: one row per pair of customers splink finds alike but not sure enough to link; staff decide
with matches as (
    select * from identity_matches
),

customers as (
    select distinct component, customer_id from identity_assignments
),

dismissed as (
    select least(customer_id, other_customer_id) as customer_id,
           greatest(customer_id, other_customer_id) as other_customer_id
    from identity_decisions
    where action = 'not_duplicate' and undone_at is null
),

pairs as (
    select
        least(l.customer_id, r.customer_id) as customer_id,
        greatest(l.customer_id, r.customer_id) as other_customer_id,
        matches.match_probability,
        matches.reasons
    from matches
    inner join customers as l on l.component = matches.cluster_id_l
    inner join customers as r on r.component = matches.cluster_id_r
    where l.customer_id <> r.customer_id
),

final as (
    select
        customer_id,
        other_customer_id,
        max(match_probability) as match_probability,
        arg_max(reasons, match_probability) as reasons
    from pairs
    where (customer_id, other_customer_id) not in (select (customer_id, other_customer_id) from dismissed)
    group by customer_id, other_customer_id
)

select * from final
order by match_probability desc
