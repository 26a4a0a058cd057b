-- why the classifier found a post urgent (safety, fraud_account, deadline, public_escalation, vulnerability; empty
-- when it is not): routing rules can send each reason to its own team and clock
alter table post_classifications add column if not exists urgency_reason varchar default '';
