-- A contact in one system may name the same person's id in another (Zendesk's external_id holds the CRM id).
alter table raw_customers add column customer_ref varchar;
