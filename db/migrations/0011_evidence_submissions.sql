-- 佐证材料 as the task's workflow accepted them: one row per submission, in one of the four forms,
-- naming the files (bytes in evidence_files) it consists of. A file belongs to one submission.

CREATE TABLE evidence_submissions (
  id            bigserial PRIMARY KEY,
  key           text NOT NULL UNIQUE,
  campaign_id   text NOT NULL,
  task_id       text NOT NULL,
  unit_id       text NOT NULL,
  form          text NOT NULL CHECK (form IN ('document', 'photo', 'report', 'dataTable')),
  text          text,
  interim       boolean NOT NULL DEFAULT false,
  submitted_by  text,
  submitted_at  timestamptz NOT NULL,
  FOREIGN KEY (campaign_id, task_id) REFERENCES tasks (campaign_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_submissions_by_task ON evidence_submissions (campaign_id, task_id, submitted_at, id);

CREATE TABLE evidence_submission_files (
  submission_id  bigint NOT NULL REFERENCES evidence_submissions ON DELETE CASCADE,
  file_id        uuid NOT NULL PRIMARY KEY REFERENCES evidence_files ON DELETE CASCADE,
  position       int NOT NULL
);
CREATE INDEX evidence_submission_files_by_submission ON evidence_submission_files (submission_id, position);
