-- Staff corrections of the classifier's reading of a customer's post (intent, urgency, sentiment), made in the
-- social inbox. One row per correction or undo, the newest per post and field wins; every build (full or
-- incremental) applies the current ones over the model's output, and a company model is retrained with them.
-- Builds read these tables and never rewrite them.

create sequence if not exists correction_id_seq start 1;

create table if not exists classification_corrections (
    correction_id bigint primary key,
    post_key varchar not null,  -- 'social_posts:<source>:<post id>', as in inbox_state
    field varchar not null check (field in ('intent', 'urgency', 'sentiment')),
    value varchar,              -- the label a person chose; null: back to the model's reading (an undo)
    previous_value varchar,     -- what the post showed before this row
    model_value varchar,        -- the model's reading when the row was written
    corrected_at timestamp not null,
    corrected_by varchar not null
);

-- the correction in force for each post and field (an undone one is in force no more)
create or replace view current_corrections as
select correction_id, post_key, field, value, previous_value, model_value, corrected_at, corrected_by
from (
    select *, row_number() over (partition by post_key, field order by correction_id desc) as newest
    from classification_corrections
)
where newest = 1 and value is not null;

-- every company model trained with corrections: the newest correction it learnt from, so a refresh can count the
-- new ones and Model quality can leave out the labels the model in use was fitted on
create table if not exists classifier_trainings (
    model_version varchar not null,  -- as the build names it: 'model-' || the file's hash
    trained_at timestamp not null,
    corrections_through bigint not null,
    corrections bigint not null,
    posts bigint not null
);

-- the newest correction the models were last built with: an incremental build rebuilds the customers whose posts
-- were corrected (or a correction undone) since
create table if not exists corrections_built (through_id bigint not null);
insert into corrections_built select 0 where not exists (select 1 from corrections_built);
