-- grain: one row per social post (source, post_id)
with source as (
    select * from raw_social_posts
),

-- the company's own accounts (config/company.toml, written by the build): their posts are the company's whatever
-- the source said
company_accounts as (
    select network, handle from company_accounts
),

final as (
    select
        'social_posts:' || source || ':' || record_id as record_key,
        source,
        post_id,
        posted_at,
        network,
        network || ':' || lower(regexp_replace(handle, '^.*/|^@', '')) as handle,
        -- shown after an '@' the marts add: a handle exported with its own '@' (Instagram's) must not read '@@x'
        ltrim(trim(handle), '@') as display_handle,
        author_name,
        text,
        -- only web links: a javascript: or data: URL in an export must never become a clickable link
        case when regexp_matches(url, '^https?://[^\s]+$') then url end as url,
        in_reply_to,
        coalesce(likes, 0) as like_count,
        coalesce(shares, 0) as share_count,
        followers as follower_count,
        from_company or exists (
            select 1 from company_accounts c
            where c.network = source.network
              and c.handle = lower(regexp_replace(source.handle, '^.*/|^@|@.*$', '', 'g'))
        ) as is_from_company,
        _load_id as load_id
    from source
)

select * from final
