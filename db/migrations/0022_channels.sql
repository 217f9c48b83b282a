-- Channels besides e-mail (domain/channels.ts, services/channels/).

-- Messages sent per group robot, for the rate limit the robot services impose (20 a minute per
-- robot): every worker counts the same rows. `robot` is a hash of the webhook, whose query is a
-- credential. Rows older than the window are deleted as new ones come.
CREATE TABLE channel_robot_sends (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  robot    text NOT NULL,
  sent_at  timestamptz NOT NULL
);
CREATE INDEX channel_robot_sends_by_robot ON channel_robot_sends (robot, sent_at);

-- What the embedded stack's channel fake (stack/channel-fakes.ts) accepted: SMS and robot
-- messages, shown in the console beside the SMTP sink's mailbox. The same message again counts
-- one more delivery, so a message sent twice shows.
CREATE TABLE channel_inbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel      text NOT NULL CHECK (channel IN ('sms', 'wecom', 'dingtalk')),
  message_key  text NOT NULL UNIQUE,
  -- SMS: the numbers; a robot: its key or token, shortened.
  target       text NOT NULL,
  -- Mobiles mentioned (@) in a robot message.
  mentions     text[] NOT NULL DEFAULT '{}',
  title        text NOT NULL DEFAULT '',
  body         text NOT NULL,
  -- The request as received (JSON body, or the SMS parameters without the signature).
  payload      jsonb NOT NULL,
  deliveries   int NOT NULL DEFAULT 1,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- The channel messages each notice owes besides its e-mail (services/channels/delivery.ts),
-- stored in the notice's own transaction, keyed <noticeKey>/sms/<mobile>, /wecom/<unit>,
-- /dingtalk/<unit>: a retried activity sends only what is still pending. `message` is the planned
-- message as sent (a robot's webhook is as secret as the definition that holds it).
CREATE TABLE channel_outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notice_id    bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
  key          text NOT NULL UNIQUE,
  channel      text NOT NULL CHECK (channel IN ('sms', 'wecom', 'dingtalk')),
  -- Who it is for, as the office reads it: a person and mobile, or a unit's group.
  recipient    text NOT NULL,
  -- The tasks the notice is about: a permanent failure is shown on each one's timeline.
  task_ids     text[] NOT NULL DEFAULT '{}',
  message      jsonb NOT NULL,
  -- pending (not yet accepted; a transient failure keeps it pending), sent, or failed for good.
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts     int NOT NULL DEFAULT 0,
  provider_id  text,
  last_code    text,
  last_error   text,
  sent_at      timestamptz
);
CREATE INDEX channel_outbox_by_notice ON channel_outbox (notice_id);
