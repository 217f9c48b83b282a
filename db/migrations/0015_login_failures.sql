-- Failed console logins, per account name: a name with too many recent failures is refused for a
-- while, whatever address the attempts come from. In the database, so that every console process
-- counts the same attempts.
CREATE TABLE login_failures (
  id         bigserial PRIMARY KEY,
  user_name  text NOT NULL,
  address    text NOT NULL DEFAULT '',
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_name ON login_failures (user_name, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
