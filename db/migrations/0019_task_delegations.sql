-- 转办: a task's lead unit hands part of it to one of its sub-units (街道 → 社区, 局 → 科室). The
-- sub-unit answers to the lead unit; the task, its deadline and its ladder stay the lead unit's. A
-- row is written with the task's 'delegated' event (same transaction), and closed by the sub-unit's
-- 完成 or ended by a reassignment, withdrawal, 销号 or the campaign's end. An open row past its due
-- date is overdue and is listed in the lead unit's weekly 催办.
--
-- The sub-unit's link to its part is versioned in unit_link_versions under task_id
-- 'delegation:<task id>', apart from any link it has to the task itself.

CREATE TABLE task_delegations (
  campaign_id    text NOT NULL,
  task_id        text NOT NULL,
  seq            integer NOT NULL CHECK (seq > 0),
  lead_unit      text NOT NULL,
  sub_unit       text NOT NULL,
  part           text NOT NULL,
  due            date NOT NULL,
  delegated_at   timestamptz NOT NULL,
  delegated_by   text,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'ended')),
  last_report_at timestamptz,
  completed_at   timestamptz,
  ended_at       timestamptz,
  ended_reason   text,
  PRIMARY KEY (campaign_id, task_id, seq),
  FOREIGN KEY (campaign_id, task_id) REFERENCES tasks (campaign_id, id) ON DELETE CASCADE
);
CREATE INDEX task_delegations_open_by_lead ON task_delegations (campaign_id, lead_unit, due) WHERE status = 'open';
