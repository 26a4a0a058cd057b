-- grain: one row per key that two different people share (a family email or phone); such a key links nothing
with contact_keys as (
    select
        record_key,
        unnest(keys) as key,
        first_name,
        birth_date
    from identity_records
    where kind = 'customers'
),

shared_by_different_people as (
    select distinct a.key
    from contact_keys as a
    inner join contact_keys as b
        on a.key = b.key and a.record_key < b.record_key
    where (a.key like 'email:%' or a.key like 'phone:%')
        and jaro_winkler_similarity(a.first_name, b.first_name) < 0.8
        and a.birth_date is distinct from b.birth_date
),

-- two shops may both number an order #1195: then a mention of it says nothing about who wrote it
order_numbers_in_several_sources as (
    select key
    from (select unnest(keys) as key, source from identity_records where kind = 'purchases')
    where key like 'order:%'
    group by key
    having count(distinct source) > 1
),

final as (
    select key from shared_by_different_people
    union
    select key from order_numbers_in_several_sources
)

select * from final
