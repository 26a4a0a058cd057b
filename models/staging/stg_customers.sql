-- grain: one row per CRM contact (source, source_id)
with source as (
    select * from raw_customers
),

-- a name in one field ("Dr. Jo Park Jr.", "Park, Jo", a help desk's user name) read by nameparser (models/names.py):
-- only where a first or last name field is missing, so a contact that has both keeps them as written
named as (
    select
        *,
        case when name is not null and (first_name is null or last_name is null)
             then person_name_parts(name) end as name_parts
    from source
),

phones as (
    select raw, hint, e164 from phone_numbers
),

renamed as (
    select
        'customers:' || source || ':' || record_id as record_key,
        source,
        source_id,
        coalesce(name, nullif(concat_ws(' ', first_name, last_name), '')) as full_name,
        coalesce(first_name, name_parts.given_name) as first_name,
        coalesce(last_name, name_parts.family_name) as last_name,
        [lower(e) for e in string_split_regex(email, '[;,\s]+') if e like '%_@_%'] as listed_emails,
        [p for p in string_split_regex(phone, '\s*[;,/]\s*') if p <> ''] as raw_phones,
        -- where the contact is (country, else locale, else time zone): its numbers are read there (models/phones.py)
        contact_phone_hint(country, locale, time_zone) as phone_hint,
        company,
        street,
        city,
        upper(replace(postcode, ' ', '')) as postcode,
        country,
        birth_date,
        created_at,
        lower(segment) as segment,
        customer_ref,
        [h for h in [
            'twitter:' || lower(regexp_replace(twitter, '^.*/|^@', '')),
            'facebook:' || lower(regexp_replace(facebook, '^.*/|^@', '')),
            'instagram:' || lower(regexp_replace(instagram, '^.*/|^@', '')),
            'linkedin:' || lower(regexp_replace(linkedin, '^.*/in/|/$|^@', '', 'g')),
            'mastodon:' || lower(regexp_replace(mastodon, '^@', '')),
            'tiktok:' || lower(regexp_replace(tiktok, '^.*/|^@', ''))
        ] if h is not null and not h like '%:'] as handles,
        _load_id as load_id
    from named
),

contact_phones as (
    select
        listed.record_key,
        -- sorted: a list aggregate's order depends on threads, and every build must give the same row
        list_sort(list(distinct phones.e164) filter (where phones.e164 is not null)) as phones
    from (select record_key, phone_hint as hint, unnest(raw_phones) as raw from renamed) as listed
    left join phones using (raw, hint)
    group by listed.record_key
),

final as (
    select
        renamed.* exclude (raw_phones, listed_emails, phone_hint),
        -- each address once, in the order written: the first is the contact's main one (list_distinct reorders)
        coalesce(list_filter(listed_emails, lambda e, i: list_position(listed_emails, e) = i), []) as emails,
        coalesce(contact_phones.phones, []) as phones
    from renamed
    left join contact_phones using (record_key)
)

select * from final
