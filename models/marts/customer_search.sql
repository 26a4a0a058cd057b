-- grain: one row per (customer, searchable term): names, emails, phones, handles, order and ticket numbers
with profiles as (
    select customer_id, display_name, emails, phones, handles from customer_profiles
),

terms as (
    select customer_id, 'name' as field, lower(display_name) as term from profiles
    union all
    select customer_id, 'email', unnest(emails) from profiles
    union all
    select customer_id, 'phone', unnest(phones) from profiles
    union all
    select customer_id, 'handle', regexp_replace(unnest(handles), '^[^:]*:', '') from profiles
    union all
    select customer_id, 'order', lower(ref_id) from customer_timeline where kind = 'purchase'
    union all
    select customer_id, 'ticket', lower(ref_id) from customer_timeline where kind = 'ticket_opened'
),

final as (
    select distinct customer_id, field, term
    from terms
    where term is not null and term <> ''
)

select * from final
order by term
