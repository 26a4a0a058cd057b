-- grain: one row per source record, mapped to its customer, with how it was linked and why
with nodes as (
    select * from identity_nodes
),

assignments as (
    select * from identity_assignments
),

splits as (
    select record_key, arg_max('split out by ' || decided_by || ': ' || reason, decided_at) as evidence
    from identity_decisions
    where action = 'split' and undone_at is null
    group by record_key
),

shared_keys as (
    -- list_sort, not string_agg(... order by key): an ordered aggregate over 1.5M groups is several times slower
    -- a join, not "key in (...)": the planner then hashes the smaller side (an incremental build's few records)
    select node_keys.node, array_to_string(list_sort(list(node_keys.key)), ', ') as evidence
    from identity_node_keys as node_keys
    inner join _identity_keys as keys using (key)
    where keys.holders > 1
    group by node_keys.node
),

component_links as (
    -- a staff merge explains a link before splink does; among equals the first by text, so every build agrees
    select component_r as component, arg_min(link_method, (link_method <> 'manual', evidence)) as link_method,
           arg_min(evidence, (link_method <> 'manual', evidence)) as evidence
    from (
        select component_l, component_r, link_method, evidence from identity_cluster_links
        union all
        select component_r, component_l, link_method, evidence from identity_cluster_links
    )
    group by component_r
),

primary_components as (
    -- in a cluster of linked components, the component of its first record by key (node numbers follow keys only
    -- in a full build); read only for linked components, the few clusters that have more than one
    select assignments.cluster, arg_min(assignments.component, nodes.record_key) as component
    from assignments
    inner join nodes using (node)
    where assignments.component in (select component from component_links)
    group by assignments.cluster
),

final as (
    select
        assignments.customer_id,
        nodes.source,
        nodes.kind,
        nodes.source_id,
        nodes.record_key,
        case
            when splits.record_key is not null then 'manual'
            when assignments.component <> primary_components.component
                then coalesce(component_links.link_method, 'key')
            when shared_keys.node is not null then 'key'
            else 'single'
        end as link_method,
        case
            when splits.record_key is not null then splits.evidence
            when assignments.component <> primary_components.component
                then coalesce(component_links.evidence, shared_keys.evidence)
            else shared_keys.evidence
        end as evidence
    from nodes
    inner join assignments using (node)
    left join primary_components using (cluster)
    left join splits using (record_key)
    left join shared_keys using (node)
    left join component_links on component_links.component = assignments.component
)

select * from final
-- by customer only: one customer's records are then one short scan; readers order them as they need (sorting on
-- kind, source and source_id too cost ~4 s more at 1M)
order by customer_id
