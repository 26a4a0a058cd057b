-- grain: one row per (record, key) that ties a record holding a shared family key to the one family member it
-- names: "Aoife Matthews" writing from matthewsfamily@ is Aoife, not her husband
with ambiguous as (
    select key from identity_ambiguous_keys
),

contacts as (
    select n.node, n.record_key, n.first_name, k.key
    from identity_nodes as n, unnest(n.keys) as k(key)
    where n.kind = 'customers' and k.key in (select key from ambiguous)
),

holders as (
    select n.node, n.first_name, k.key
    from identity_nodes as n, unnest(n.keys) as k(key)
    where n.kind <> 'customers' and n.first_name is not null and k.key in (select key from ambiguous)
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
