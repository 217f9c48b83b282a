-- 问题点位: what an inspection (上级测评, 自查抽查, 日常巡查, 暗访, 群众反映) finds, point by point, with
-- its photos. A point belongs to one campaign unit and has its own short deadline; the points of
-- one inspection are many (thousands), so they are rows here, not workflows of their own.

CREATE TABLE inspections (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('superiorAssessment', 'selfCheck', 'patrol', 'unannounced', 'publicReport')),
  held_on      date NOT NULL,
  title        text NOT NULL CHECK (title <> ''),
  inspectors   text NOT NULL DEFAULT '',
  -- The problem list it was imported from ('' when entered by hand).
  source_file  text NOT NULL DEFAULT '',
  created_by   text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspections_by_campaign ON inspections (campaign_id, held_on, id);

CREATE TABLE inspection_points (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inspection_id  bigint NOT NULL REFERENCES inspections ON DELETE CASCADE,
  campaign_id    text NOT NULL,
  -- 序号 as the problem list numbers it: unique within its inspection.
  number         int NOT NULL CHECK (number > 0),
  location       text NOT NULL CHECK (location <> ''),
  latitude       double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude      double precision CHECK (longitude BETWEEN -180 AND 180),
  category       text NOT NULL DEFAULT '',
  severity       text NOT NULL CHECK (severity IN ('immediate', 'general', 'complex')),
  description    text NOT NULL CHECK (description <> ''),
  unit_id        text NOT NULL,
  deadline       date NOT NULL,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'returned', 'disputed', 'closed')),
  -- When the unit was sent the point (its 交办); NULL until the inspection's points are dispatched.
  dispatched_at  timestamptz,
  -- The campaign's ladder as it applies to the point: the last rung issued (0: none) and when the
  -- next one is due (NULL: none due, or the point is not open).
  rung           int NOT NULL DEFAULT 0,
  next_rung_at   timestamptz,
  -- Times a re-check (复查) found the fix wanting and returned the point.
  returns        int NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (inspection_id, number),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES units (campaign_id, id)
);
CREATE INDEX inspection_points_by_unit ON inspection_points (campaign_id, unit_id, status, deadline);
CREATE INDEX inspection_points_rung_due ON inspection_points (inspection_id, next_rung_at) WHERE next_rung_at IS NOT NULL;

-- Photos of a point: 整改前 (before) from the inspection, 整改后 (after) from the unit. Kept
-- downscaled (the original is not needed to judge a fix), with a thumbnail for mails and lists.
CREATE TABLE point_photos (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  point_id      bigint NOT NULL REFERENCES inspection_points ON DELETE CASCADE,
  stage         text NOT NULL CHECK (stage IN ('before', 'after')),
  file_name     text NOT NULL,
  content_type  text NOT NULL,
  content       bytea NOT NULL,
  thumbnail     bytea NOT NULL,
  width         int NOT NULL,
  height        int NOT NULL,
  -- From the photo's EXIF, where the camera wrote them.
  taken_at      timestamptz,
  latitude      double precision,
  longitude     double precision,
  sha256        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX point_photos_by_point ON point_photos (point_id, stage, id);

-- What happened to a point and who did it: the unit's answer and dispute, the office's re-check and
-- its decision on a dispute.
CREATE TABLE point_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  point_id     bigint NOT NULL REFERENCES inspection_points ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('answered', 'disputed', 'passed', 'returned', 'disputeUpheld', 'disputeRejected')),
  actor        text NOT NULL DEFAULT '',
  detail       jsonb NOT NULL DEFAULT '{}',
  occurred_at  timestamptz NOT NULL
);
CREATE INDEX point_events_by_point ON point_events (point_id, id);
