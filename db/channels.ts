// Channels besides e-mail: the robots' shared send counts (rate limit), the notices' channel
// outbox, and the channel fake's inbox.
import type { Queryable } from './pool.js';

// ---------------------------------------------------------------------------------- rate limit

/**
 * Holds the robot's window until the transaction ends, so that two workers counting the same
 * robot take turns. The second key keeps these locks apart from the other advisory locks.
 */
export async function lockRobotWindow(client: Queryable, robot: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(7310022, hashtext($1))', [robot]);
}

export interface RobotWindow {
  /** Messages sent within the window. */
  sent: number;
  /** Milliseconds until the oldest of them leaves the window (0 when none). */
  freesInMs: number;
}

/** The robot's sends within the last `windowMs`, by the database's clock (the same for every worker). */
export async function robotWindow(client: Queryable, robot: string, windowMs: number): Promise<RobotWindow> {
  const { rows } = await client.query<{ sent: number; frees_in_ms: number }>(
    `SELECT count(*)::int AS sent,
            coalesce(ceil(extract(epoch FROM min(sent_at) + $2 * interval '1 millisecond' - clock_timestamp()) * 1000), 0)::int AS frees_in_ms
     FROM channel_robot_sends WHERE robot = $1 AND sent_at > clock_timestamp() - $2 * interval '1 millisecond'`,
    [robot, windowMs],
  );
  return { sent: rows[0].sent, freesInMs: Math.max(rows[0].frees_in_ms, 0) };
}

/** Counts one message for the robot now, and forgets its sends that have left the window. */
export async function recordRobotSend(client: Queryable, robot: string, windowMs: number): Promise<void> {
  await client.query(
    `WITH gone AS (DELETE FROM channel_robot_sends WHERE robot = $1 AND sent_at <= clock_timestamp() - $2 * interval '1 millisecond')
     INSERT INTO channel_robot_sends (robot, sent_at) VALUES ($1, clock_timestamp())`,
    [robot, windowMs],
  );
}

// ---------------------------------------------------------------------------------- the notices' outbox

export interface NewChannelOutboxMessage {
  noticeId: number;
  key: string;
  channel: InboxChannel;
  recipient: string;
  taskIds: string[];
  message: unknown;
}

/** Queues a message a notice owes on a channel, in the notice's transaction; a repeated key is a no-op. */
export async function insertChannelOutboxMessage(tx: Queryable, m: NewChannelOutboxMessage): Promise<void> {
  await tx.query(
    `INSERT INTO channel_outbox (notice_id, key, channel, recipient, task_ids, message)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
    [m.noticeId, m.key, m.channel, m.recipient, m.taskIds, JSON.stringify(m.message)],
  );
}

export interface ChannelOutboxRow {
  id: number;
  notice_id: number;
  key: string;
  channel: InboxChannel;
  recipient: string;
  task_ids: string[];
  message: Record<string, unknown>;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
}

/** The channel messages of these notices still pending, each counted as one more attempt, in the order queued. */
export async function claimPendingChannelMessages(db: Queryable, noticeIds: number[]): Promise<ChannelOutboxRow[]> {
  const { rows } = await db.query<ChannelOutboxRow>(
    `UPDATE channel_outbox SET attempts = attempts + 1 WHERE notice_id = ANY ($1) AND status = 'pending'
     RETURNING id, notice_id, key, channel, recipient, task_ids, message, status, attempts`,
    [noticeIds],
  );
  return rows.sort((a, b) => a.id - b.id);
}

/** The provider accepted it: never sent again. */
export async function markChannelMessageSent(db: Queryable, id: number, providerId: string | undefined): Promise<void> {
  await db.query(
    `UPDATE channel_outbox SET status = 'sent', sent_at = now(), provider_id = $2, last_code = NULL, last_error = NULL WHERE id = $1`,
    [id, providerId ?? null],
  );
}

/** A failure: transient keeps the message pending (tried again), permanent closes it. */
export async function recordChannelFailure(db: Queryable, id: number, f: { code: string; message: string; permanent: boolean }): Promise<void> {
  await db.query(
    `UPDATE channel_outbox SET last_code = $2, last_error = $3, status = CASE WHEN $4 THEN 'failed' ELSE status END
     WHERE id = $1 AND status = 'pending'`,
    [id, f.code, f.message, f.permanent],
  );
}

export interface ChannelFailureRow {
  channel: InboxChannel;
  recipient: string;
  last_code: string;
  last_error: string;
  document_number: string;
  kind: string;
}

/** Messages refused for good of the campaign's notices issued in [from, to), by notice and order queued. */
export async function listChannelFailures(db: Queryable, campaignId: string, from: string, to: string): Promise<ChannelFailureRow[]> {
  const { rows } = await db.query<ChannelFailureRow>(
    `SELECT c.channel, c.recipient, c.last_code, coalesce(c.last_error, '') AS last_error, n.document_number, n.kind
     FROM channel_outbox c JOIN notices n ON n.id = c.notice_id
     WHERE n.campaign_id = $1 AND c.status = 'failed' AND n.issued_at >= $2 AND n.issued_at < $3
     ORDER BY n.issued_at, c.id`,
    [campaignId, from, to],
  );
  return rows;
}

// ---------------------------------------------------------------------------------- the fake's inbox

export type InboxChannel = 'sms' | 'wecom' | 'dingtalk';

export interface ReceivedChannelMessage {
  channel: InboxChannel;
  /** Identifies the message: the same key again is a redelivery. */
  messageKey: string;
  target: string;
  mentions: string[];
  title: string;
  body: string;
  payload: unknown;
}

/** Keeps a message the channel fake accepted; the same key again counts one more delivery. */
export async function storeChannelMessage(db: Queryable, m: ReceivedChannelMessage): Promise<void> {
  await db.query(
    `INSERT INTO channel_inbox (channel, message_key, target, mentions, title, body, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (message_key) DO UPDATE SET deliveries = channel_inbox.deliveries + 1`,
    [m.channel, m.messageKey, m.target, m.mentions, m.title, m.body, JSON.stringify(m.payload)],
  );
}

export interface ChannelInboxRow {
  id: number;
  channel: InboxChannel;
  message_key: string;
  target: string;
  mentions: string[];
  title: string;
  body: string;
  payload: Record<string, unknown>;
  deliveries: number;
  received_at: Date;
}

/** What the channel fake accepted, oldest first; optionally one channel only. */
export async function listChannelInbox(db: Queryable, filter: { channel?: InboxChannel } = {}): Promise<ChannelInboxRow[]> {
  const { rows } = await db.query<ChannelInboxRow>(
    'SELECT * FROM channel_inbox WHERE ($1::text IS NULL OR channel = $1) ORDER BY id',
    [filter.channel ?? null],
  );
  return rows;
}
