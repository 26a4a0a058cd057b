-- identity_nodes became a view numbering identity_records (models/identity/resolve.py): a store built before it
-- holds a table of that name, which the view cannot replace
drop table if exists identity_nodes;
