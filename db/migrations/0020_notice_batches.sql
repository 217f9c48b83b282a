-- A rung notice gathered per unit and day (docs/notices.md): the lapses of one unit on one civil day
-- share one numbered notice. The notice row exists from the first lapse (its number taken); the
-- batch stays open for more tasks until its sender seals it, then the outbox is queued.
CREATE TABLE notice_batches (
  notice_id       bigint PRIMARY KEY REFERENCES notices ON DELETE CASCADE,
  -- campaign, lead unit, notice kind, rung, civil day and recipients: what makes tasks share a letter
  gather_key      text NOT NULL,
  -- the member whose activity opened the batch and sends it
  sender_key      text NOT NULL UNIQUE,
  opened_at       timestamptz NOT NULL DEFAULT now(),
  last_joined_at  timestamptz NOT NULL DEFAULT now(),
  sealed_at       timestamptz
);
-- At most one open batch per gather: a task lapsing after the seal opens the next one.
CREATE UNIQUE INDEX notice_batches_open ON notice_batches (gather_key) WHERE sealed_at IS NULL;

-- One row per task in a batch, keyed by the task's own notice key: a retry never joins twice.
CREATE TABLE notice_batch_members (
  key         text PRIMARY KEY,
  notice_id   bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
  task_id     text NOT NULL,
  -- what the task's workflow asked for (rung details, deduction, wording), rendered at the seal
  request     jsonb NOT NULL,
  joined_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notice_batch_members_by_notice ON notice_batch_members (notice_id, joined_at, key);
