// The console's mailbox: what the embedded SMTP sink received, newest first.
import type { MailboxRow } from '../mailbox.js';
import type { Queryable } from '../pool.js';

/** A message as the mailbox lists it (no bodies). */
export type MailListRow = Omit<MailboxRow, 'text_body' | 'html_body' | 'parts'>;

/** One page of messages, newest first, optionally only those to one address; each with the number of all that match. */
export async function listMailRows(
  db: Queryable,
  to: string | null,
  page: { limit: number; offset: number },
): Promise<(MailListRow & { total: number })[]> {
  const { rows } = await db.query<MailListRow & { total: number }>(
    `SELECT id, message_id, from_header, to_header, cc_header, envelope_to, subject, received_at, deliveries,
            count(*) OVER () AS total
     FROM mailbox WHERE ($1::text IS NULL OR $1 = ANY (envelope_to))
     ORDER BY id DESC LIMIT ${page.limit} OFFSET ${page.offset}`,
    [to],
  );
  return rows;
}

export async function findMailRow(db: Queryable, id: number): Promise<MailboxRow | undefined> {
  const { rows } = await db.query<MailboxRow>('SELECT * FROM mailbox WHERE id = $1', [id]);
  return rows[0];
}
