-- The rectification lifecycle: escalation rungs on tasks and notices, notice attachments,
-- and calendar warnings on notices. (Evidence submissions: 0011, after evidence_files exists.)

ALTER TABLE tasks
  ADD COLUMN rung_name           text NOT NULL DEFAULT '',
  ADD COLUMN next_escalation_at  timestamptz,
  ADD COLUMN acknowledge_by      timestamptz;

ALTER TABLE notices
  ADD COLUMN rung              int,
  -- 发文机关 (版头), 落款 and 成文日期 as issued, so the 公文 renders from the row alone.
  ADD COLUMN issuer            text NOT NULL DEFAULT '',
  ADD COLUMN signature         text NOT NULL DEFAULT '',
  ADD COLUMN date_written      text NOT NULL DEFAULT '',
  ADD COLUMN details           jsonb NOT NULL DEFAULT '{}',
  -- Set when a deadline in the notice was computed in a year without a holiday schedule.
  ADD COLUMN calendar_warning  text;
CREATE INDEX notices_by_task ON notices (campaign_id, task_id, issued_at, id);

-- Files sent with a notice (e.g. the task's record attached to an accountability referral).
CREATE TABLE notice_attachments (
  id            bigserial PRIMARY KEY,
  notice_id     bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
  name          text NOT NULL,
  content_type  text NOT NULL,
  content       bytea NOT NULL,
  UNIQUE (notice_id, name)
);
