-- grain: one row per purchase line (source, record_id)
with source as (
    select * from raw_purchases
),

phones as (
    select raw, hint, e164 from phone_numbers
),

companies as (
    select
        *,
        regexp_matches(lower(trim(billing_name)), '\s(ltd|limited|llc|inc|plc|gmbh|corp|co)\.?$') as billed_to_company
    from source
),

named as (
    select
        *,
        -- the parts of a billing name worth comparing with a person's, none for a company ("Acme Ltd"): "Ana Silva"
        -- and "C. Rossi" as written (most names: a regular expression is a thousand times quicker); a name with a
        -- comma, a title or more words ("Silva, Ana", "Mrs Silva", "Jo Park Jr.") read by nameparser
        -- (models/names.py), which drops titles and suffixes and turns "Last, First" round
        case when not billed_to_company
                  and regexp_matches(lower(trim(billing_name)), ',|\S\s+\S+\s+\S|^(mr|mrs|ms|miss|mx|dr|prof)\.?\s')
             then person_name_parts(billing_name) end as billing_parts,
        case when not billed_to_company then trim(billing_name) end as billing_person
    from companies
),

final as (
    select
        'purchases:' || source.source || ':' || source.record_id as record_key,
        source.source,
        source.record_id,
        source.order_id,
        source.line_id,
        source.ordered_at,
        source.amount,
        -- order-level money, the same on each of the order's lines: the timeline counts it once per order
        source.order_total,
        source.refunded_amount,
        upper(source.currency) as currency,
        case when source.email like '%_@_%' then lower(source.email) end as email,
        phones.e164 as phone,
        source.customer_ref,
        nullif(trim(source.billing_name), '') as billing_name,
        -- its first and last words; a first name may be an initial ("C. Rossi": c), which tells "Carla" apart
        -- from "Marco" of the same home, never the last name
        lower(case when source.billing_parts is null
                   then nullif(regexp_extract(source.billing_person, '^([^\s.]+)\.?\s', 1), '')
                   else nullif(rtrim(source.billing_parts.given_name, '.'), '') end) as billing_first_name,
        lower(case when source.billing_parts is null
                   then nullif(regexp_extract(source.billing_person, '\s([^\s.]{2,})$', 1), '')
                   else source.billing_parts.family_name end) as billing_last_name,
        source.billing_street,
        source.billing_city,
        upper(replace(source.billing_postcode, ' ', '')) as billing_postcode,
        source.billing_country,
        source.shipping_country,
        source.product,
        source.sku,
        lower(source.category) as category,
        source.quantity,
        lower(source.channel) as channel,
        source.status,
        source.status in ('refunded', 'partially_refunded') as is_refund,
        source.status = 'cancelled' as is_cancelled,
        source._load_id as load_id
    from named as source
    -- read in the country the order was billed to (else shipped to): models/phones.py
    left join phones
        on phones.raw = source.phone
        and phones.hint = order_phone_hint(source.billing_country, source.shipping_country)
)

select * from final
