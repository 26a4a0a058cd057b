-- grain: one row per (customer, searchable term): customer_search.sql for Spark, which refuses a generator
-- (unnest, explode) nested inside another expression: each list is exploded in a subquery first, then its terms
-- are worked out exactly as the DuckDB file does
with profiles as (
    select customer_id, display_name, emails, phones, handles from customer_profiles
),

name_words as (
    select customer_id, explode(split(lower(display_name), '[\\s,.]+')) as word from profiles
),

emails as (
    select customer_id, explode(emails) as email from profiles
),

phones as (
    select customer_id, explode(phones) as phone from profiles
),

handles as (
    select customer_id, explode(handles) as handle from profiles
),

terms as (
    select customer_id, 'name' as field, lower(display_name) as term from profiles
    union all
    select customer_id, 'name', word from name_words
    union all
    select customer_id, 'email', email from emails
    union all
    select customer_id, 'phone', phone from phones
    union all
    -- the last nine digits find a number however it was written: with +44, with the trunk 0, or neither
    select customer_id, 'phone', right(regexp_replace(phone, '\\D', ''), 9) from phones
    union all
    select customer_id, 'handle', regexp_replace(handle, '^[^:]*:', '') from handles
    union all
    select customer_id, 'order', trim(leading '#' from lower(ref_id)) from customer_timeline where kind = 'purchase'
    union all
    select customer_id, 'ticket', trim(leading '#' from lower(ref_id)) from customer_timeline where kind = 'ticket_opened'
),

final as (
    select distinct terms.customer_id, terms.field, terms.term, profiles_value.lifetime_value
    from terms
    inner join (select customer_id, lifetime_value from customer_profiles) as profiles_value using (customer_id)
    where terms.term is not null and length(terms.term) >= 2
)

select * from final
order by term
