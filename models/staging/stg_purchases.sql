-- grain: one row per purchase line (source, record_id)
with source as (
    select * from raw_purchases
),

phones as (
    select raw, e164 from phone_numbers
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
        upper(source.currency) as currency,
        case when source.email like '%_@_%' then lower(source.email) end as email,
        phones.e164 as phone,
        source.customer_ref,
        nullif(trim(source.billing_name), '') as billing_name,
        -- a name's first and last words, if not initials ("C. Rossi" names no first name)
        lower(nullif(regexp_extract(trim(source.billing_name), '^([^\s.]{2,})\s', 1), '')) as billing_first_name,
        lower(nullif(regexp_extract(trim(source.billing_name), '\s([^\s.]{2,})$', 1), '')) as billing_last_name,
        source.billing_street,
        source.billing_city,
        upper(replace(source.billing_postcode, ' ', '')) as billing_postcode,
        source.product,
        source.sku,
        lower(source.category) as category,
        source.quantity,
        lower(source.channel) as channel,
        source.status,
        source.status in ('refunded', 'partially_refunded') as is_refund,
        source.status = 'cancelled' as is_cancelled,
        source._load_id as load_id
    from source
    left join phones on phones.raw = source.phone
)

select * from final
