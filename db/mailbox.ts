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
  parts: MailPart[];
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

/** An attachment or inline picture as the sink saw it (not its bytes). */
export interface MailPart {
  contentType: string;
  /** Content-ID without its angle brackets (an inline picture's `cid:`), or null. */
  contentId: string | null;
  fileName: string | null;
  size: number;
  inline: boolean;
}

export interface ReceivedMail {
  messageId: string;
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string;
  cc: string;
  subject: string;
  text: string;
  html: string;
  parts: MailPart[];
}

/** Keeps a message the sink received; the same Message-ID again counts one more delivery. */
export async function storeReceivedMail(db: Queryable, m: ReceivedMail): Promise<void> {
  await db.query(
    `INSERT INTO mailbox (message_id, envelope_from, envelope_to, from_header, to_header, cc_header, subject, text_body, html_body, parts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (message_id) DO UPDATE SET deliveries = mailbox.deliveries + 1`,
    [m.messageId, m.envelopeFrom, m.envelopeTo, m.from, m.to, m.cc, m.subject, m.text, m.html, JSON.stringify(m.parts)],
  );
}

/** How many messages the sink has stored. */
export async function countMailbox(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailbox');
  return rows[0].n;
}
