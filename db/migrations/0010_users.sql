-- The console's own records: accounts (管理员 admin, 领导 leader), their sessions, and the evidence
-- files (佐证材料) units upload through their signed links.

CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  name           text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  display_name   text NOT NULL DEFAULT '',
  role           text NOT NULL CHECK (role IN ('admin', 'leader')),
  -- argon2id, PHC string format
  password_hash  text NOT NULL,
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz
);

-- Server-side sessions of the console, so several console processes share them.
CREATE TABLE console_sessions (
  id          text PRIMARY KEY,
  data        jsonb NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- 佐证材料 in the four forms: 正式发文 document, 图片资料 photo, 说明报告 report, 数据表格 dataTable.
CREATE TABLE evidence_files (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id    text NOT NULL,
  task_id        text NOT NULL,
  unit_id        text NOT NULL,
  form           text NOT NULL CHECK (form IN ('document', 'photo', 'report', 'dataTable')),
  file_name      text NOT NULL,
  content_type   text NOT NULL,
  size_bytes     int NOT NULL,
  sha256         text NOT NULL,
  description    text NOT NULL DEFAULT '',
  content        bytea NOT NULL,
  uploaded_at    timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (campaign_id, task_id) REFERENCES tasks (campaign_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_files_by_task ON evidence_files (campaign_id, task_id, uploaded_at);
