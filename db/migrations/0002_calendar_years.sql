-- Official holiday schedules (节假日安排) added by administrators for years the bundled data lacks.
CREATE TABLE calendar_years (
  year         int PRIMARY KEY,
  holidays     text[] NOT NULL,
  workdays     text[] NOT NULL DEFAULT '{}',
  source       text,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
