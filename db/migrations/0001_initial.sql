-- Read model and record of chuangwen. Temporal decides what happens next; this is what happened.

CREATE TABLE campaigns (
  id            text PRIMARY KEY,
  title         text NOT NULL,
  time_zone     text NOT NULL,
  start_date    date NOT NULL,
  end_date      date NOT NULL,
  office        jsonb NOT NULL,
  definition    jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'running',
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leaders (
  campaign_id   text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  id            text NOT NULL,
  role          text NOT NULL,
  name          text NOT NULL,
  title         text,
  email         text NOT NULL,
  PRIMARY KEY (campaign_id, id)
);

CREATE TABLE units (
  campaign_id         text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  id                  text NOT NULL,
  name                text NOT NULL,
  kind                text NOT NULL,
  principal           jsonb NOT NULL,
  contact             jsonb NOT NULL,
  responsible_leader  text,
  PRIMARY KEY (campaign_id, id)
);

CREATE TABLE tasks (
  campaign_id         text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  id                  text NOT NULL,
  title               text NOT NULL,
  description         text NOT NULL DEFAULT '',
  lead_unit           text NOT NULL,
  cooperating_units   text[] NOT NULL DEFAULT '{}',
  start_date          date NOT NULL,
  deadline            date NOT NULL,
  status              text NOT NULL DEFAULT 'assigned',
  rung                int NOT NULL DEFAULT 0,
  next_deadline_at    timestamptz,
  last_progress_at    timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, id),
  FOREIGN KEY (campaign_id, lead_unit) REFERENCES units (campaign_id, id)
);

-- Append-only log of everything that happened to a task; `key` makes a retried write a no-op.
CREATE TABLE task_events (
  id            bigserial PRIMARY KEY,
  key           text NOT NULL UNIQUE,
  campaign_id   text NOT NULL,
  task_id       text NOT NULL,
  occurred_at   timestamptz NOT NULL,
  kind          text NOT NULL,
  actor         text,
  detail        jsonb NOT NULL DEFAULT '{}',
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (campaign_id, task_id) REFERENCES tasks (campaign_id, id)
);
CREATE INDEX task_events_by_task ON task_events (campaign_id, task_id, occurred_at, id);

-- Gapless document numbers: one counter per issuing prefix, document word and year.
CREATE TABLE document_sequences (
  prefix        text NOT NULL,
  word          text NOT NULL,
  year          int NOT NULL,
  last_number   int NOT NULL,
  PRIMARY KEY (prefix, word, year)
);

CREATE TABLE notices (
  id               bigserial PRIMARY KEY,
  key              text NOT NULL UNIQUE,
  campaign_id      text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  task_id          text,
  unit_id          text,
  kind             text NOT NULL,
  document_number  text NOT NULL UNIQUE,
  year             int NOT NULL,
  title            text NOT NULL,
  addressees       text NOT NULL,
  body             text NOT NULL,
  recipients       jsonb NOT NULL,
  issued_at        timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notices_by_campaign ON notices (campaign_id, issued_at, id);

-- One row per message owed; delivered at least once, identified by a stable Message-ID.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  notice_id     bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
  message_id    text NOT NULL UNIQUE,
  to_addresses  text[] NOT NULL,
  cc_addresses  text[] NOT NULL DEFAULT '{}',
  subject       text NOT NULL,
  text_body     text NOT NULL,
  html_body     text NOT NULL,
  status        text NOT NULL DEFAULT 'pending',
  attempts      int NOT NULL DEFAULT 0,
  last_error    text,
  sent_at       timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending ON outbox (status) WHERE status <> 'sent';

-- Year-end performance (年终绩效): deductions and scores per unit.
CREATE TABLE performance_ledger (
  id            bigserial PRIMARY KEY,
  key           text NOT NULL UNIQUE,
  campaign_id   text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  unit_id       text NOT NULL,
  year          int NOT NULL,
  points        numeric(6,2) NOT NULL,
  reason        text NOT NULL,
  notice_id     bigint REFERENCES notices,
  occurred_at   timestamptz NOT NULL
);
CREATE INDEX performance_by_unit_year ON performance_ledger (campaign_id, year, unit_id);

-- What the embedded SMTP sink received. A redelivery of the same Message-ID is counted, not stored twice.
CREATE TABLE mailbox (
  id            bigserial PRIMARY KEY,
  message_id    text NOT NULL UNIQUE,
  envelope_from text NOT NULL,
  envelope_to   text[] NOT NULL,
  from_header   text NOT NULL DEFAULT '',
  to_header     text NOT NULL DEFAULT '',
  cc_header     text NOT NULL DEFAULT '',
  subject       text NOT NULL DEFAULT '',
  text_body     text NOT NULL DEFAULT '',
  html_body     text NOT NULL DEFAULT '',
  deliveries    int NOT NULL DEFAULT 1,
  received_at   timestamptz NOT NULL DEFAULT now()
);
