// The console's mailbox, its second part: SMS and robot messages the channel fake accepted, newest first.
import type { ChannelInboxRow } from '../channels.js';
import type { Queryable } from '../pool.js';

export async function recentChannelMessages(db: Queryable, limit: number): Promise<(ChannelInboxRow & { total: number })[]> {
  const { rows } = await db.query<ChannelInboxRow & { total: number }>(
    'SELECT *, count(*) OVER () AS total FROM channel_inbox ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows;
}
