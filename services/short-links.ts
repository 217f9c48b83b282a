// Short links for SMS: a signed unit link (/u/<token>, some 150 characters) does not fit in a text
// beside the notice, so the SMS carries /l/<code>, a random code kept in PostgreSQL that redirects
// to the token. The code grants nothing itself: the portal checks the token as ever (signature,
// expiry, version), so a withdrawn link stays dead behind its code.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { insertShortLink } from '../db/short-links.js';
import { verifyUnitLink, type UnitLinkOptions } from './unit-links.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 10 base62 characters: about 60 bits, beyond guessing under the portal's limits on refused links. */
export const SHORT_CODE_LENGTH = 10;
export const SHORT_CODE_PATTERN = /^[0-9A-Za-z]{10}$/;

/** A fresh code from crypto randomness; bytes from 248 on are dropped, so that every character is as likely. */
export function newShortCode(): string {
  let code = '';
  while (code.length < SHORT_CODE_LENGTH) {
    for (const byte of randomBytes(16)) if (byte < 248 && code.length < SHORT_CODE_LENGTH) code += ALPHABET[byte % ALPHABET.length];
  }
  return code;
}

/** The address an SMS carries, e.g. https://chuangwen.example.org/l/4kT9xQ2bZr */
export function shortLinkUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/l/${code}`;
}

/**
 * The short link of a unit link (its full address, signed with `options.secret`) for `key`, one
 * code per key: asked again (a retried notice), the same code. Undefined for a link it cannot read.
 */
export async function shortLinkFor(q: Queryable, options: UnitLinkOptions, key: string, unitLink: string): Promise<string | undefined> {
  const token = unitLink.slice(unitLink.lastIndexOf('/u/') + 3);
  // Read as of the epoch: only its campaign, unit and expiry are taken here; the portal checks it when opened.
  const check = verifyUnitLink(token, options.secret, new Date(0));
  if (!check.ok) return undefined;
  const { campaignId, unitId, expiresAt } = check.link;
  const code = await insertShortLink(q, { code: newShortCode(), key, token, campaignId, unitId, expiresAt });
  return shortLinkUrl(options.publicUrl, code);
}
