-- the optional LLM provider (config/llm.toml): its answers cached per text, model and prompt version (a rebuild, a
-- new learned model or a restart asks it nothing twice); what each build asked of it; and who classified each post
create table if not exists llm_classifications (
    text_hash varchar not null,
    model varchar not null,
    prompt_version varchar not null,
    intent varchar not null,
    sentiment varchar not null,
    urgency varchar not null,
    urgency_reason varchar not null default '',
    answered_at timestamp not null,
    primary key (text_hash, model, prompt_version)
);

-- one row per build with the provider on: posts it classified, answers taken from the cache, posts the learned model
-- read instead (the endpoint down, slow, or answering something invalid), requests sent, and the last error
create table if not exists llm_runs (
    run_at timestamp not null,
    provider varchar not null,
    model varchar not null,
    classified integer not null,
    cached integer not null,
    fallbacks integer not null,
    requests integer not null,
    last_error varchar not null default ''
);

-- 'model' (the learned classifier), 'llm', or 'fallback' (the learned model, because the LLM gave no answer)
alter table post_classifications add column if not exists classified_by varchar default 'model';
