-- Unit links (the signed /u/… links in mails) can be withdrawn: each (campaign, unit, task) and each
-- (campaign, unit) for the monthly materials (task_id '') has a version. A link carries the version
-- it was issued under and works only while the stored version is the same; bumping the version
-- withdraws every link issued before. A reassignment bumps the former lead unit's task links (in the
-- transaction that records it); an office bumps a unit's links when its contact changes or a link
-- was passed on (`chuangwen link revoke`, POST /api/campaigns/{id}/units/{unitId}/links/revoke).
--
-- Additive: no row means version 0, the version of every link issued before this table existed
-- (their layout carries no version), so links already mailed keep working until they are withdrawn.

CREATE TABLE unit_link_versions (
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  unit_id      text NOT NULL,
  -- '' for the unit's materials link (no task).
  task_id      text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 0 CHECK (version >= 0),
  revoked_at   timestamptz,
  reason       text,
  PRIMARY KEY (campaign_id, unit_id, task_id)
);
