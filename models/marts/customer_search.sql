-- grain: one row per (customer, searchable term): full names and each name word, emails, phones and their last
-- nine digits, handles, order and ticket numbers; sorted by term, so a lookup or prefix reads a sliver of it.
-- Order and ticket numbers are kept without a leading '#': a Shopify order is named '#4607' and people type it
-- with or without the '#', and the search drops a typed one (queries/customers.py, find_customers)
with profiles as (
    select customer_id, display_name, emails, phones, handles from customer_profiles
),

terms as (
    select customer_id, 'name' as field, lower(display_name) as term from profiles
    union all
    select customer_id, 'name', unnest(string_split_regex(lower(display_name), '[\s,.]+')) from profiles
    union all
    select customer_id, 'email', unnest(emails) from profiles
    union all
    select customer_id, 'phone', unnest(phones) from profiles
    union all
    -- the last nine digits find a number however it was written: with +44, with the trunk 0, or neither
    select customer_id, 'phone', right(regexp_replace(unnest(phones), '\D', '', 'g'), 9) from profiles
    union all
    select customer_id, 'handle', regexp_replace(unnest(handles), '^[^:]*:', '') from profiles
    union all
    select customer_id, 'order', ltrim(lower(ref_id), '#') from customer_timeline where kind = 'purchase'
    union all
    select customer_id, 'ticket', ltrim(lower(ref_id), '#') from customer_timeline where kind = 'ticket_opened'
),

-- lifetime value rides along: among equally good hits the more valuable customer comes first, without a join
final as (
    select distinct terms.customer_id, terms.field, terms.term, profiles_value.lifetime_value
    from terms
    inner join (select customer_id, lifetime_value from customer_profiles) as profiles_value using (customer_id)
    where terms.term is not null and length(terms.term) >= 2
)

select * from final
order by term
