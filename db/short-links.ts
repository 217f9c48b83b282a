// Short links for SMS (migration 0023): a random code standing for a signed unit link.
import type { Queryable } from './pool.js';

export interface NewShortLink {
  code: string;
  /** What the code is for (the notice's key and the unit): one code per key. */
  key: string;
  token: string;
  campaignId: string;
  unitId: string;
  expiresAt: Date;
}

/**
 * Stores a code for the key, or finds the one stored before: the code the key already has is
 * answered (the new one is dropped), so a retried notice's SMS carries the same code.
 */
export async function insertShortLink(db: Queryable, link: NewShortLink): Promise<string> {
  const { rows } = await db.query<{ code: string }>(
    `INSERT INTO short_links (code, key, token, campaign_id, unit_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING code`,
    [link.code, link.key, link.token, link.campaignId, link.unitId, link.expiresAt],
  );
  return rows[0].code;
}

/** The token a code stands for, while it has not expired by `now`; undefined otherwise. */
export async function findShortLinkToken(db: Queryable, code: string, now: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ token: string }>('SELECT token FROM short_links WHERE code = $1 AND expires_at > $2', [code, now]);
  return rows[0]?.token;
}
