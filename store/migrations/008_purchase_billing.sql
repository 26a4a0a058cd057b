-- An order's billing name and address: identity evidence for an order whose email or phone links it to nobody, or
-- to a family's shared mailbox (models/identity/identity_records.sql).
alter table raw_purchases add column billing_name varchar;
alter table raw_purchases add column billing_street varchar;
alter table raw_purchases add column billing_city varchar;
alter table raw_purchases add column billing_postcode varchar;
