-- An order's billing name and address: identity evidence for an order whose email or phone links it to nobody, or
-- to a family's shared mailbox (models/identity/identity_records.sql), and the address of a web-shop customer.
alter table raw_purchases add column if not exists billing_name varchar;
alter table raw_purchases add column if not exists billing_street varchar;
alter table raw_purchases add column if not exists billing_city varchar;
alter table raw_purchases add column if not exists billing_postcode varchar;
alter table raw_purchases add column if not exists billing_country varchar;
