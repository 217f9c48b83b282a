-- 通讯录: the office's own units and people, kept once across campaigns. Nothing here is deleted:
-- an entry that no longer holds is retired (retired_on set, kept for the record and for old
-- exports), and can be restored. Text fields an office has not filled are '' rather than NULL, as
-- in users.display_name.

CREATE TABLE directory_units (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- 全称: how a unit is found on re-import when its 编号 is not given.
  name              text NOT NULL UNIQUE CHECK (name <> ''),
  -- 简称, as plans write them (区城管局, 城管局).
  short_names       text[] NOT NULL DEFAULT '{}',
  kind              text NOT NULL CHECK (kind IN ('department', 'street', 'community', 'enterprise', 'other')),
  -- Deeper cycles are refused by the code that writes (under an advisory lock), this one by the row.
  parent_id         bigint REFERENCES directory_units (id) CHECK (parent_id <> id),
  -- 主要负责人 and 联系人: name, post (职务), e-mail and mobile.
  principal_name    text NOT NULL DEFAULT '',
  principal_post    text NOT NULL DEFAULT '',
  principal_email   text NOT NULL DEFAULT '',
  principal_mobile  text NOT NULL DEFAULT '',
  contact_name      text NOT NULL DEFAULT '',
  contact_post      text NOT NULL DEFAULT '',
  contact_email     text NOT NULL DEFAULT '',
  contact_mobile    text NOT NULL DEFAULT '',
  retired_on        date,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_units_by_parent ON directory_units (parent_id);

CREATE TABLE directory_people (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (name <> ''),
  post        text NOT NULL DEFAULT '',
  unit_id     bigint REFERENCES directory_units (id),
  email       text NOT NULL DEFAULT '',
  mobile      text NOT NULL DEFAULT '',
  retired_on  date,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_people_by_unit ON directory_people (unit_id);

-- 领导职务: 组长 groupLeader, 常务副组长 executiveDeputy, 副组长 deputyLeader, 分管领导
-- responsibleLeader (the names of the campaign definition's leader roles), held by a person; a
-- 分管领导 is in charge of units. Units are never deleted, so the array cannot point nowhere.
CREATE TABLE directory_posts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('groupLeader', 'executiveDeputy', 'deputyLeader', 'responsibleLeader')),
  person_id   bigint NOT NULL REFERENCES directory_people (id),
  unit_ids    bigint[] NOT NULL DEFAULT '{}',
  retired_on  date,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (role, person_id)
);
