-- A campaign's definition without its task list: what every notice and look-up reads (office,
-- units, leaders, escalation, calendar). A definition of 10,000 tasks is about 2 MB of jsonb, and
-- reading it whole for each notice made the notice cost grow with the size of the campaign.
-- Nullable, so that workers of the previous release can still insert campaigns during a rollout;
-- readers fall back to the definition.

ALTER TABLE campaigns ADD COLUMN settings jsonb;
UPDATE campaigns SET settings = definition - 'tasks';
