-- An order's total and what was refunded of it (exports and APIs give both once per order, not per line), and
-- where it was shipped; a contact's locale and time zone, which are all a help desk may know of where they live.
alter table raw_purchases add column if not exists order_total decimal(18, 2);
alter table raw_purchases add column if not exists refunded_amount decimal(18, 2);
alter table raw_purchases add column if not exists shipping_country varchar;
alter table raw_customers add column if not exists locale varchar;
alter table raw_customers add column if not exists time_zone varchar;

-- A national number means another number in each country ("030 1234567" is Berlin in DE, nothing in GB): a
-- reading belongs to the written number and what its record says of where it is (`hint`: a country, locale or
-- time zone), and records how it was read. The old table is only a cache of phonenumbers' readings: the next build
-- parses every number again.
drop table if exists phone_numbers;
create table phone_numbers (
    raw varchar not null,
    hint varchar not null,            -- '' when the record says nothing of where it is
    e164 varchar,
    region varchar not null,          -- the region the number was read in
    read_with varchar not null,       -- international (its own +code), record (the record's region), fallback
    default_region varchar not null,  -- RAPPORT_PHONE_REGION at the time: a fallback reading depends on it
    primary key (raw, hint)
);

-- What a record says of where it is, as the key of its phone's reading: written once here, used by the phone parser
-- (models/phones.py) and by the staging models that look the readings up, so the two cannot drift apart. Parts are
-- joined with '|', the first that names a region wins; a locale and a time zone are marked as such.
create or replace macro order_phone_hint(billing_country, shipping_country) as
    coalesce(concat_ws('|', trim(billing_country), trim(shipping_country)), '');
create or replace macro contact_phone_hint(country, locale, time_zone) as
    coalesce(concat_ws('|', trim(country), 'locale:' || trim(locale), 'tz:' || trim(time_zone)), '');
