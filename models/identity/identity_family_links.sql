-- grain: one row per (record, key) that ties a record holding a shared family key to the one family member it
-- names: "Aoife Matthews" writing from matthewsfamily@ is Aoife, not her husband
with ambiguous as (
    select key from identity_ambiguous_keys
),

-- unnest in the select list, not a lateral `from n, unnest(n.keys)`: DuckDB runs the lateral form 100 times slower
contact_keys as (
    select node, record_key, first_name, unnest(keys) as key
    from identity_nodes
    where kind = 'customers'
),

holder_keys as (
    select node, first_name, unnest(keys) as key
    from identity_nodes
    where kind <> 'customers' and first_name is not null
),

contacts as (
    select node, record_key, first_name, key
    from contact_keys
    where key in (select key from ambiguous)
),

holders as (
    select node, first_name, key
    from holder_keys
    where key in (select key from ambiguous)
),

named as (
    select holders.node, any_value(contacts.record_key) as contact_record_key
    from holders
    inner join contacts
        on contacts.key = holders.key and jaro_winkler_similarity(holders.first_name, contacts.first_name) >= 0.92
    group by holders.node, holders.key
    having count(*) = 1
),

final as (
    select node, 'contact:' || contact_record_key as key from named
    union
    select contacts.node, 'contact:' || contacts.record_key
    from contacts
    where contacts.record_key in (select contact_record_key from named)
)

select * from final
