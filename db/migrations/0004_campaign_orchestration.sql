-- Campaign orchestration: assessment rounds (每两月实地测评) with their scores and results.

CREATE TABLE assessment_rounds (
  campaign_id    text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  round          int NOT NULL,
  period_start   date NOT NULL,
  period_end     date NOT NULL,
  window_closes  timestamptz NOT NULL,
  published_at   timestamptz,
  PRIMARY KEY (campaign_id, round)
);

-- Scores by item as entered by assessors, or computed from the record where none were entered.
CREATE TABLE assessment_item_scores (
  campaign_id  text NOT NULL,
  round        int NOT NULL,
  unit_id      text NOT NULL,
  item         text NOT NULL,
  score        numeric(5,1) NOT NULL CHECK (score BETWEEN 0 AND 100),
  source       text NOT NULL CHECK (source IN ('entered', 'computed')),
  assessor     text,
  entered_at   timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, round, unit_id, item),
  FOREIGN KEY (campaign_id, round) REFERENCES assessment_rounds ON DELETE CASCADE
);

-- The published result of a round per unit: its score, rank and what last place brought.
CREATE TABLE assessment_scores (
  campaign_id  text NOT NULL,
  round        int NOT NULL,
  unit_id      text NOT NULL,
  score        numeric(5,1) NOT NULL,
  rank         int NOT NULL,
  last         boolean NOT NULL,
  consequence  text,
  PRIMARY KEY (campaign_id, round, unit_id),
  FOREIGN KEY (campaign_id, round) REFERENCES assessment_rounds ON DELETE CASCADE
);

-- 每月定时报送: per unit, month and form, whether the material came by its due day (plus grace).
CREATE TABLE materials_checks (
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  unit_id      text NOT NULL,
  month        text NOT NULL,
  form         text NOT NULL,
  due_date     date NOT NULL,
  on_time      boolean NOT NULL,
  checked_at   timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, unit_id, month, form)
);
