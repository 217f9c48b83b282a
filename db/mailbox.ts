import type { Queryable } from './pool.js';

export interface MailboxRow {
  id: number;
  message_id: string;
  envelope_to: string[];
  from_header: string;
  to_header: string;
  cc_header: string;
  subject: string;
  text_body: string;
  html_body: string;
  deliveries: number;
  received_at: Date;
}

/** What the embedded SMTP sink received, oldest first; optionally only mail to one address. */
export async function listMailbox(db: Queryable, filter: { to?: string; limit?: number } = {}): Promise<MailboxRow[]> {
  const { rows } = await db.query<MailboxRow>(
    `SELECT * FROM mailbox WHERE ($1::text IS NULL OR $1 = ANY (envelope_to)) ORDER BY id LIMIT $2`,
    [filter.to ?? null, filter.limit ?? 10_000],
  );
  return rows;
}
