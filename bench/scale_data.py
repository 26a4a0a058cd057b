"""Synthetic raw data for the scale benchmark, made in DuckDB SQL from `range()` and `hash()`: deterministic, fast."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from data import demo_text
from store import Connection


# ASCII only: DuckDB's jaro_winkler_similarity works on bytes, the baselines' Python one on characters. The demo's
# names, folded to ASCII, plus a few surnames: 150 × 160 names make two strangers share a full name with
# p ≈ 4e-5, about the rate of real British names.
def ascii_name(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("'", "").replace("-", "")


FIRST_NAMES = tuple(ascii_name(n) for n in demo_text.FIRST_NAMES)
LAST_NAMES = tuple(ascii_name(n) for n in demo_text.LAST_NAMES) + ("Quinn", "Doyle", "Reid", "Ross", "Stewart",
                                                                  "Burns")
# (city, postcode area): the postcode is the area plus hashed district, sector and unit (~190k codes per area)
CITIES = (("London", "N"), ("London", "SE"), ("Leeds", "LS"), ("Manchester", "M"), ("Bristol", "BS"),
          ("Edinburgh", "EH"), ("Glasgow", "G"), ("Cardiff", "CF"), ("Birmingham", "B"), ("Sheffield", "S"),
          ("Newcastle", "NE"), ("Bath", "BA"), ("York", "YO"), ("Norwich", "NR"), ("Belfast", "BT"))
STREETS = ("Mill Lane", "Station Road", "Church Street", "Victoria Road", "Park Avenue", "High Street", "Queens Road",
           "Manor Way", "Orchard Close", "Hawthorn Drive", "Beech Grove", "Kings Road", "Albert Street", "Meadow View",
           "Chapel Lane", "Bridge Street", "Willow Crescent", "Granville Terrace", "Heather Gardens", "Fern Bank")
DOMAINS = ("gmail.com", "yahoo.co.uk", "hotmail.co.uk", "outlook.com", "icloud.com", "btinternet.com")
PRODUCTS = (("Ridgeline 2P Tent", "TNT-2P", "tents"), ("Summit 35L Pack", "PCK-35", "packs"),
            ("Alpine Gas Stove", "CKG-STOVE", "cooking"), ("Beacon 900 Headlamp", "LGT-900", "lighting"),
            ("Storm Shell Jacket", "JKT-STORM", "clothing"), ("Fellwalker Boots", "BTS-FELL", "footwear"))
SHORT_PRODUCTS = ("tent", "pack", "stove", "headlamp", "jacket", "boots")

# Customers' own words, each template filled with every product (product-minor order: the ticket generator picks
# a subject and a description about the same product): 60 × 6 = 360 distinct texts.
COMPLAINTS = (
    "My {p} arrived with a broken zip. Really disappointed.", "The {p} leaked on the first night out. Not impressed.",
    "Still waiting for my {p}, it has been two weeks now.", "Third email about the {p} and still no answer.",
    "The {p} fell apart after one trip, absolute rubbish.", "You sent me the wrong size {p} again.",
    "Delivery of the {p} was a nightmare, the courier left it in the rain.",
    "Charged twice for the {p}. Please sort this out.", "The {p} smells of chemicals, can't use it.",
    "Returned the {p} a month ago and still no refund.", "Worst customer service ever, the {p} is useless.",
    "The {p} is nothing like the photos. Feels cheap.", "Why is the {p} out of stock again? So frustrating.",
    "The strap on my {p} snapped on day two.", "Very unhappy with the {p}, want my money back.",
)
QUESTIONS = (
    "Does the {p} come in a bigger size?", "How do I clean the {p} without damaging it?",
    "Is the {p} suitable for winter camping?", "Can I still return the {p} if I opened the box?",
    "When will the {p} be back in stock?", "Do you ship the {p} to Ireland?",
    "Is there a warranty on the {p}?", "What is the difference between the {p} and last year's model?",
    "Can I collect the {p} from the Leeds store?", "Is the {p} waterproof or just water resistant?",
    "How heavy is the {p} exactly?", "Any discount on the {p} for club members?",
    "Where can I find spare parts for the {p}?", "Has my order for the {p} shipped yet?",
    "Is the {p} vegan friendly?",
)
PRAISE = (
    "Love my new {p}, survived a week in the Highlands!", "The {p} is brilliant, best purchase this year.",
    "Huge thanks for the quick swap on my {p}, great service.", "Took the {p} up Snowdon, performed perfectly.",
    "Really impressed with the {p}, worth every penny.", "Five stars for the {p}, would buy again.",
    "The {p} arrived a day early and looks great.", "Third season with the {p} and still going strong.",
    "My kids adore the {p}, thank you!", "Fantastic quality on the {p}, well done.",
    "The {p} kept me dry through a proper storm. Amazing.", "Great advice in store about the {p}, cheers.",
    "So happy with the {p}, recommending you to everyone.", "Lovely packaging and the {p} is perfect.",
    "The {p} is light, tough and good value. Happy customer.",
)
IDEAS = (
    "Would love the {p} in a brighter colour.", "I wish the {p} had a pocket for a phone.",
    "Please add a repair kit to the {p}.", "Suggestion: sell spare pegs with the {p}.",
    "It would be great if the {p} came in a kids size.", "Could you make the {p} a bit lighter?",
    "Idea: a rental scheme for the {p} would be fab.", "Would love a women's fit of the {p}.",
    "Please add a hanging loop to the {p}.", "I wish the {p} packed down smaller.",
    "Suggestion: a recycled version of the {p}.", "It would be great if the {p} had reflective trim.",
    "Would love a matching bag for the {p}.", "Could you make the {p} in olive green?",
    "Idea: sell the {p} as a bundle with a stove.",
)
FOLLOW_UPS = ("Any update on this please?", "Thanks, that worked.", "I have attached the photos you asked for.",
              "Still not fixed, sorry.", "Great, thank you for your help!", "Can someone call me instead?",
              "The tracking link does not work.", "Ok, I will wait for the replacement.")
AGENT_REPLIES = ("Thanks for getting in touch, we are looking into this now.",
                 "Sorry about that! A replacement is on its way.", "We have issued a full refund to your card.",
                 "Could you send us a photo of the problem please?", "Your order has shipped, here is the tracking.",
                 "We have passed this on to our warehouse team.", "Happy to help, let us know if anything else.",
                 "Apologies for the delay, we are very busy this week.", "Internal note: check stock before replying.",
                 "Marking this as solved, reply to reopen.")
BRAND_REPLIES = ("Sorry to hear that! Please DM us your order number.", "Thanks so much, we love to hear it!",
                 "Great question, our team will get back to you shortly.", "Thanks for the idea, passed on!",
                 "Oh no, that should not happen. Check your DMs.", "Glad it kept you dry out there!")
SUBJECTS = ("Problem with my {p}", "Where is my {p}?", "Refund for {p}", "Question about the {p}",
            "Wrong item: {p}", "Damaged {p}", "Exchange {p} for another size", "Warranty claim: {p}")
NETWORKS = ("twitter", "facebook", "instagram", "mastodon")

NOW = datetime(2026, 11, 1, 6)


def filled(templates: tuple[str, ...]) -> list[str]:
    return [t.format(p=p) for t in templates for p in SHORT_PRODUCTS]


def vocabulary() -> dict[str, list[str]]:
    """Every list the generator draws from, passed to DuckDB as parameters."""
    troubles = filled(COMPLAINTS) + filled(QUESTIONS)
    return {"firsts": list(FIRST_NAMES), "lasts": list(LAST_NAMES), "cities": [c for c, _ in CITIES],
            "areas": [a for _, a in CITIES], "streets": list(STREETS), "domains": list(DOMAINS),
            "products": [p for p, _, _ in PRODUCTS], "skus": [s for _, s, _ in PRODUCTS],
            "categories": [c for _, _, c in PRODUCTS], "posts": troubles + filled(PRAISE) + filled(IDEAS),
            "troubles": troubles, "follow_ups": list(FOLLOW_UPS) + troubles, "agent": list(AGENT_REPLIES),
            "brand": list(BRAND_REPLIES), "subjects": filled(SUBJECTS), "networks": list(NETWORKS)}


MACROS = """
    create or replace temp macro _u(i, salt) as (hash(i, salt) % 1000003) / 1000003.0;
    create or replace temp macro _n(i, salt, n) as (hash(i, salt) % n)::bigint;
    create or replace temp macro _pick(l, i, salt) as l[1 + (hash(i, salt) % len(l))::bigint];
    create or replace temp macro _ago(i, salt, days) as timestamp '{now}' - to_seconds(_n(i, salt, days * 86400));
    create or replace temp macro _mobile(national, written_local) as
        case when written_local then '0' || substr(national, 1, 4) || ' ' || substr(national, 5)
             else '+44 ' || substr(national, 1, 4) || ' ' || substr(national, 5) end;
"""

# One row per person with everything their records are derived from. 1 % share a mailbox and address with the
# person before them (a household: an email key two people share), 2 % also have a web-shop account under a
# misspelt first name (only splink can join it), 35 % post on social media, 60 % of those under a handle the CRM lists.
PEOPLE = """
    create or replace temp table _people as
    with base as (
        select i,
               _pick($firsts, i, 'first') as first_name, _pick($lasts, i, 'last') as last_name,
               _u(i, 'email') < 0.92 as has_email, _u(i, 'phone') < 0.85 as has_phone,
               (7700000000 + i)::varchar as national,
               case when _u(i, 'dob') < 0.8 then date '1945-01-01' + _n(i, 'dob_day', 22000)::int end as birth_date,
               (1 + _n(i, 'house', 240))::varchar || ' ' || _pick($streets, i, 'street') as street,
               _n(i, 'city', len($cities)) + 1 as city_index,
               _pick($domains, i, 'domain') as domain,
               _n(i, 'local', 4) as local_style,
               _pick($networks, i, 'network') as network,
               _u(i, 'listed') < 0.6 as listed,
               _u(i, 'household') < 0.01 and i > 0 as household,
               _u(i, 'dup') < 0.02 as has_webshop_account,
               round($activity * case when _u(i, 'poster') < 0.35 then 1 + _n(i, 'posts', 22) else 0 end)::bigint
                   as post_count,
               round($activity * case when _u(i, 'whale') < 0.01 then 40 + _n(i, 'orders', 80)
                                      else _n(i, 'orders', 17) end)::bigint as order_count,
               round($activity * _n(i, 'tickets', 4))::bigint as ticket_count
        from range($customers) as t(i)
    ),
    addressed as (
        select *,
               $cities[city_index] as city,
               $areas[city_index] || (1 + _n(i, 'district', 28))::varchar || ' ' || _n(i, 'sector', 10)::varchar
                   || chr(65 + _n(i, 'unit1', 26)::int) || chr(65 + _n(i, 'unit2', 26)::int) as postcode,
               lower(first_name) || case local_style when 0 then '.' || lower(replace(last_name, ' ', ''))
                                                     when 1 then '_' || lower(replace(last_name, ' ', ''))
                                                     when 2 then lower(left(last_name, 1)) else '' end
                   || i::varchar || '@' || domain as own_email
        from base
    )
    select i, first_name, has_phone, national, birth_date, network, listed, has_webshop_account and not household
               as has_webshop_account, post_count, order_count, ticket_count,
           case when household then lag(last_name) over w else last_name end as last_name,
           case when household then lag(street) over w else street end as street,
           case when household then lag(city) over w else city end as city,
           case when household then lag(postcode) over w else postcode end as postcode,
           case when household then lag(own_email) over w when has_email then own_email end as email,
           'C' || lpad(i::varchar, 8, '0') as source_id,
           case network when 'twitter' then first_name || '_' || left(replace(last_name, ' ', ''), 3) || i::varchar
                        when 'instagram' then lower(first_name) || '.' || lower(replace(last_name, ' ', '')) || '.'
                                               || i::varchar
                        when 'facebook' then lower(first_name || replace(last_name, ' ', '')) || i::varchar
                        else lower(first_name) || i::varchar || '@mastodon.social' end as handle
    from addressed
    window w as (order by i)
"""

CUSTOMERS = """
    insert into raw_customers by name
    select 'crm' as source, source_id as record_id, source_id, first_name, last_name, email,
           case when has_phone then _mobile(national, false) end as phone, street, city, postcode,
           'United Kingdom' as country, birth_date, _ago(i, 'created', 1500) as created_at,
           _pick(['customer', 'customer', 'customer', 'lead', 'vip'], i, 'seg') as segment,
           case when listed and network = 'twitter' then '@' || handle end as twitter,
           case when listed and network = 'facebook' then 'https://facebook.com/' || handle end as facebook,
           case when listed and network = 'instagram' then handle end as instagram,
           case when listed and network = 'mastodon' then '@' || handle end as mastodon,
           md5(concat_ws(chr(31), source_id, first_name, last_name, email, birth_date)) as _row_hash,
           $load_id as _load_id, 'bench/crm_contacts.csv' as _file, $now as _loaded_at
    from _people
    union all by name
    select 'webshop' as source, 'W' || source_id as record_id, 'W' || source_id as source_id,
           case when length(first_name) > 4 then left(first_name, length(first_name) - 1) else first_name || 'e' end
               as first_name,
           last_name, lower(left(first_name, 1)) || '.' || lower(replace(last_name, ' ', '')) || '@work.example'
               as email,
           street, city, postcode, 'United Kingdom' as country, birth_date,
           _ago(i, 'shop_created', 900) as created_at, 'customer' as segment, md5('W' || source_id) as _row_hash,
           $load_id as _load_id, 'bench/webshop_accounts.csv' as _file, $now as _loaded_at
    from _people where has_webshop_account
"""

# one line per order; 70 % from the web shop (email, sometimes upper-cased, or phone), 30 % from the tills
PURCHASES = """
    insert into raw_purchases by name
    with orders as (
        select p.*, i * 128 + k as seq, _u(i * 128 + k, 'till') < 0.3 as till, _u(i * 128 + k, 'key') as key_roll,
               _n(i * 128 + k, 'product', len($products)) + 1 as product_index
        from _people as p, unnest(range(p.order_count)) as t(k)
    ),
    keyed as (
        select *,
               case when till then 'pos' else 'shopify' end as source,
               case when till then 'POS-' || lpad(seq::varchar, 9, '0') else '#' || (100000 + seq)::varchar end
                   as order_id,
               case when email is null then null
                    when till and has_phone and key_roll < 0.6 then null
                    when _u(seq, 'upper') < 0.1 then upper(email) else email end as line_email,
               case when not has_phone then null
                    when till and (email is null or key_roll < 0.6) then _mobile(national, _u(seq, 'fmt') < 0.7)
                    when not till and (email is null or key_roll < 0.3) then _mobile(national, _u(seq, 'fmt') < 0.3)
               end as line_phone
        from orders
    )
    select source, order_id || '|1' as record_id, order_id, '1' as line_id, _ago(seq, 'ordered', 1095) as ordered_at,
           (5 + _n(seq, 'amount', 40000) / 100.0)::decimal(18, 2) as amount, 'GBP' as currency,
           line_email as email, line_phone as phone,
           case when line_email is null and line_phone is null then source_id end as customer_ref,
           -- the web shop knows who paid and where, written as people write it (sometimes in capitals or with an
           -- initial); the tills do not
           case when till then null
                when _u(seq, 'billing') < 0.06 then upper(first_name || ' ' || last_name)
                when _u(seq, 'billing') < 0.08 then left(first_name, 1) || '. ' || last_name
                else first_name || ' ' || last_name end as billing_name,
           case when not till then street end as billing_street, case when not till then city end as billing_city,
           case when not till then postcode end as billing_postcode, case when not till then 'GB' end
               as billing_country,
           $products[product_index] as product, $skus[product_index] as sku, $categories[product_index] as category,
           1 + _n(seq, 'qty', 3) as quantity, case when till then 'store-' || lower(city) else 'web' end as channel,
           _pick(['paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'paid',
                  'paid', 'paid', 'paid', 'paid', 'refunded', 'partially_refunded', 'cancelled', 'pending'],
                 seq, 'status') as status,
           md5(concat_ws(chr(31), order_id, seq)) as _row_hash, $load_id as _load_id, 'bench/orders.csv' as _file,
           $now as _loaded_at
    from keyed
"""

TICKET_PEOPLE = """
    create or replace temp table _tickets as
    select p.*, i * 4 + k as seq, (1000000 + i * 4 + k)::varchar as ticket_id,
           _ago(i * 4 + k, 'opened', 730) - interval 1 day as opened_at,
           _pick(['email', 'email', 'email', 'web', 'web', 'phone', 'social'], i * 4 + k, 'channel') as kind,
           _pick(['solved', 'solved', 'solved', 'solved', 'solved', 'solved', 'solved', 'closed', 'open', 'open',
                  'pending', 'new', 'hold'], i * 4 + k, 'status') as status,
           1 + _n(i * 4 + k, 'comments', 4) as comment_count,
           to_minutes(5 + _n(i * 4 + k, 'gap', 2880)) as gap,
           _n(i * 4 + k, 'product', 6) as product
    from _people as p, unnest(range(p.ticket_count)) as t(k)
"""

TICKETS = """
    insert into raw_tickets by name
    select 'zendesk' as source, ticket_id as record_id, ticket_id, opened_at as created_at,
           case when email is not null and (kind in ('email', 'web') or not has_phone) then email end
               as requester_email,
           case when has_phone and (email is null or kind = 'phone') then _mobile(national, _u(seq, 'fmt') < 0.5) end
               as requester_phone,
           case when kind = 'social' then handle end as requester_handle,
           case when email is null and not has_phone and kind <> 'social' then source_id end as customer_ref,
           case when _u(seq, 'first_only') < 0.2 then first_name else first_name || ' ' || last_name end
               as requester_name,
           case when kind = 'social' then network else kind end as channel,
           $subjects[1 + product + 6 * _n(seq, 'subject', len($subjects) // 6)] as subject,
           $troubles[1 + product + 6 * _n(seq, 'description', len($troubles) // 6)] as description, status,
           _pick(['low', 'normal', 'normal', 'high', 'urgent'], seq, 'priority') as priority,
           _pick(['Orders', 'Returns', 'Product help'], seq, 'group') as group_name,
           _pick(['Sam', 'Alex', 'Priya'], seq, 'agent') as assignee, opened_at + gap as first_response_at,
           case when status in ('solved', 'closed') then opened_at + gap * (comment_count + 1) end as solved_at,
           opened_at + gap * (comment_count + 1) as updated_at,
           case when status in ('solved', 'closed') then _pick(['good', 'good', 'good', 'bad', null, null], seq, 'csat')
           end as satisfaction,
           case when _u(seq, 'reopened') < 0.05 then 1 else 0 end as reopens,
           md5(concat_ws(chr(31), ticket_id, status)) as _row_hash, $load_id as _load_id,
           'bench/tickets.json' as _file, $now as _loaded_at
    from _tickets
"""

# agents answer first, then the customer, alternately; one agent comment in ten is an internal note
COMMENTS = """
    insert into raw_ticket_comments by name
    with comments as (
        select t.seq, t.ticket_id, t.opened_at, t.gap, t.first_name, k,
               t.ticket_id || '-' || k::varchar as comment_id, k % 2 = 0 as by_agent
        from _tickets as t, unnest(range(t.comment_count)) as c(k)
    )
    select 'zendesk' as source, comment_id as record_id, comment_id, ticket_id, opened_at + gap * (k + 1) as created_at,
           case when by_agent then 'agent' else 'customer' end as author_type,
           case when by_agent then 'Sam' else first_name end as author,
           case when by_agent then _pick($agent, seq * 4 + k, 'agent_body')
                else _pick($follow_ups, seq * 4 + k, 'body') end as body,
           not (by_agent and _u(seq * 4 + k, 'internal') < 0.1) as public,
           md5(comment_id) as _row_hash, $load_id as _load_id, 'bench/ticket_comments.jsonl' as _file,
           $now as _loaded_at
    from comments
"""

# a quarter of customers' posts get a reply from the brand's account
POSTS = """
    insert into raw_social_posts by name
    with posts as (
        select p.*, i * 32 + k as seq, 'p' || (i * 32 + k)::varchar as post_id,
               _ago(i * 32 + k, 'posted', 730) - interval 1 hour as posted_at,
               case when _u(i, 'famous') < 0.02 then 5000 + _n(i, 'followers', 60000)
                    else 10 + _n(i, 'followers', 2000) end as followers
        from _people as p, unnest(range(p.post_count)) as t(k)
    )
    select 'social' as source, post_id as record_id, post_id, posted_at, network, handle,
           _pick($posts, seq, 'text') as text,
           case _n(i, 'author', 5) when 0 then first_name || ' ' || left(last_name, 1) || '.'
                                   when 1 then first_name else first_name || ' ' || last_name end as author_name,
           'https://' || network || '.example/' || post_id as url, _n(seq, 'likes', 50) as likes,
           _n(seq, 'shares', 10) as shares, followers, false as from_company, md5(post_id) as _row_hash,
           $load_id as _load_id, 'bench/social_posts.jsonl' as _file, $now as _loaded_at
    from posts
    union all by name
    select 'social' as source, 'r' || post_id as record_id, 'r' || post_id as post_id,
           posted_at + to_minutes(10 + _n(seq, 'reply_gap', 600)) as posted_at, network, 'FernwoodHelp' as handle,
           _pick($brand, seq, 'reply') as text, 'Fernwood Outdoor' as author_name, post_id as in_reply_to,
           0 as likes, 0 as shares, 12000 as followers, true as from_company, md5('r' || post_id) as _row_hash,
           $load_id as _load_id, 'bench/social_posts.jsonl' as _file, $now as _loaded_at
    from posts where _u(seq, 'replied') < 0.25
"""

TABLES = ("raw_customers", "raw_purchases", "raw_tickets", "raw_ticket_comments", "raw_social_posts")


def generate(con: Connection, customers: int, events_per_customer: float = 20, now: datetime = NOW) -> dict[str, int]:
    """Fill the raw tables of a fresh store with `customers` people and about `events_per_customer` timeline events
    each (orders, refunds, tickets, comments, posts, brand replies); return the rows per raw table."""
    params = {**vocabulary(), "customers": customers, "now": now, "activity": events_per_customer / 20}
    load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
    con.execute(MACROS.replace("{now}", f"{now:%Y-%m-%d %H:%M:%S}"))
    for sql in (PEOPLE, CUSTOMERS, PURCHASES, TICKET_PEOPLE, TICKETS, COMMENTS, POSTS):
        con.execute(sql, used(sql, {**params, "load_id": load_id}))
    con.execute("drop table _people; drop table _tickets")
    counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
    con.execute("""insert into load_log (load_id, source, kind, file, started_at, finished_at, outcome, inserted,
                                         updated, unchanged, rejected, error)
                   select $load_id, 'bench', 'scale', null, $now, $now, 'ok', $rows, 0, 0, 0, null""",
                {"load_id": load_id, "now": now, "rows": sum(counts.values())})
    return counts


# a day's new rows: a thousandth of each raw table (a company with about three years of history)
DAY_SHARE = 0.001
# each copied row gets a new id (and order, ticket, comment or post number) and a time in the day before `now`
DAY_COPIES = {
    "raw_purchases": "record_id || '-d' as record_id, order_id || '-d' as order_id, "
                     "$now - interval 3 hour as ordered_at",
    "raw_tickets": "record_id || '-d' as record_id, ticket_id || '-d' as ticket_id, "
                   "$now - interval 5 hour as created_at",
    "raw_ticket_comments": "record_id || '-d' as record_id, comment_id || '-d' as comment_id, "
                           "$now - interval 1 hour as created_at",
    "raw_social_posts": "record_id || '-d' as record_id, post_id || '-d' as post_id, null as in_reply_to, "
                        "$now - interval 2 hour as posted_at",
}


def add_days_load(con: Connection, now: datetime) -> int:
    """One more load with a day's new records of existing people (copies of sampled rows: their orders, tickets,
    comments and posts), as the next sync would bring; returns the rows added."""
    load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
    added = 0
    for seed, (table, changes) in enumerate(DAY_COPIES.items()):
        rows = max(1, int(con.execute(f"select count(*) from {table}").fetchall()[0][0] * DAY_SHARE))
        added += con.execute(f"""insert into {table}
                                 select * replace ({changes}, $load_id as _load_id)
                                 from {table} using sample reservoir({rows} rows) repeatable ({seed})""",
                             {"load_id": load_id, "now": now}).fetchall()[0][0]
    con.execute("""insert into load_log (load_id, source, kind, file, started_at, finished_at, outcome, inserted,
                                         updated, unchanged, rejected, error)
                   select $load_id, 'bench', 'day', null, $now, $now, 'ok', $rows, 0, 0, 0, null""",
                {"load_id": load_id, "now": now, "rows": added})
    return added


def used(sql: str, params: dict) -> dict:
    """The parameters a statement names: DuckDB refuses unused ones."""
    return {k: v for k, v in params.items() if f"${k}" in sql}
