-- when the store file was rewritten after an erasure: DuckDB leaves deleted rows' bytes in the blocks it frees, so
-- an erasure is complete only once the store has been copied into a fresh file (store.rewrite); NULL until then
alter table erasure_log add column if not exists file_rewritten_at timestamp;
