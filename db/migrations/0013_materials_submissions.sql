-- 每月定时报送 without a task: a unit that leads no task sends its monthly materials through the
-- unit portal (a link scoped to the unit only), into the same record as task evidence, with no
-- task: task_id NULL in evidence_submissions and in evidence_files. The campaign's materials check
-- reads every submission of a form in its period, of either kind (db/reports.ts formsSubmitted).
--
-- Additive: rows of task evidence are left as they are, and workers of the previous release, which
-- always write a task, keep working; their formsSubmitted already counts rows without a task.

ALTER TABLE evidence_files ALTER COLUMN task_id DROP NOT NULL;
ALTER TABLE evidence_submissions ALTER COLUMN task_id DROP NOT NULL;

-- The keys (campaign_id, task_id) → tasks hold nothing for a row without a task (MATCH SIMPLE), so
-- a submission also names a unit of its campaign, and a file its campaign, and goes with it. A
-- submission's unit is always one (the workflow or the portal checked it); a file is uploaded before
-- the task's workflow checks the unit, and is only kept with its campaign. NOT VALID: rows written
-- before are neither re-checked nor scanned; every row written from now on is checked.
ALTER TABLE evidence_submissions
  ADD CONSTRAINT evidence_submissions_unit_fkey FOREIGN KEY (campaign_id, unit_id) REFERENCES units (campaign_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE evidence_files
  ADD CONSTRAINT evidence_files_campaign_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE NOT VALID;

-- Monthly materials are never 阶段性 (interim is about a task's verification).
ALTER TABLE evidence_submissions
  ADD CONSTRAINT evidence_submissions_materials_not_interim CHECK (task_id IS NOT NULL OR NOT interim) NOT VALID;

-- A unit's materials of a month (the portal page, the console's table).
CREATE INDEX evidence_submissions_materials ON evidence_submissions (campaign_id, unit_id, submitted_at) WHERE task_id IS NULL;
