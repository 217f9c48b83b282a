// Signed unit links: what a link carries, and every way a link is refused.
import { describe, expect, it } from 'vitest';
import { signUnitLink, unitLinkFor, verifyUnitLink } from '../../activities/unit-links.js';

const SECRET = 'unit-link-secret-for-tests-0123';
const link = { campaignId: 'beihai-2021', taskId: 'resettlement-estates', unitId: 'public-utilities', expiresAt: new Date('2021-09-30T16:00:00Z') };
const before = new Date('2021-06-01T00:00:00Z');

describe('unit links', () => {
  it('carry campaign, task, unit and expiry, and verify with the same secret', () => {
    const token = signUnitLink(link, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnitLink(token, SECRET, before)).toEqual({ ok: true, link });
  });

  it('are refused when altered, signed with another secret, expired or malformed', () => {
    const token = signUnitLink(link, SECRET);
    const [payload, signature] = token.split('.');
    const other = signUnitLink({ ...link, taskId: 'lanes' }, SECRET).split('.')[0];
    expect(verifyUnitLink(`${other}.${signature}`, SECRET, before)).toMatchObject({ ok: false, problem: 'badSignature' });
    // Any other spelling of the signature, even one that decodes to the same bytes, is refused.
    for (const c of ['A', 'B', 'C', 'D']) {
      const respelled = `${payload}.${signature.slice(0, -1)}${c}`;
      expect(verifyUnitLink(respelled, SECRET, before).ok).toBe(respelled === token);
    }
    const middle = signature.length >> 1;
    const flipped = `${payload}.${signature.slice(0, middle)}${signature[middle] === 'x' ? 'y' : 'x'}${signature.slice(middle + 1)}`;
    expect(verifyUnitLink(flipped, SECRET, before)).toMatchObject({ ok: false, problem: 'badSignature' });
    expect(verifyUnitLink(token, 'another-secret-0123456789', before)).toMatchObject({ ok: false, problem: 'badSignature' });
    expect(verifyUnitLink(token, SECRET, link.expiresAt)).toMatchObject({ ok: false, problem: 'expired', message: '链接已过期，请联系创建办重新发送' });
    for (const bad of ['', 'abc', 'a.b.c', `${payload}.`, '<script>.x', 'x'.repeat(2000)]) {
      expect(verifyUnitLink(bad, SECRET, before)).toMatchObject({ ok: false, problem: 'malformed' });
    }
    // A payload that is not ours, correctly signed, is still refused.
    const foreign = Buffer.from(JSON.stringify({ taskId: 'x' })).toString('base64url');
    const forged = signUnitLink(link, SECRET).replace(payload, foreign);
    expect(verifyUnitLink(forged, SECRET, before).ok).toBe(false);
  });

  it('refuse a short secret, and build the address a mail carries', () => {
    expect(() => signUnitLink(link, 'short')).toThrow(/LINK_SECRET/);
    const url = unitLinkFor(
      { publicUrl: 'https://chuangwen.example.org/', secret: SECRET },
      { campaignId: link.campaignId, taskId: link.taskId, unitId: link.unitId, deadline: new Date('2021-06-30T16:00:00Z') },
    );
    expect(url).toMatch(/^https:\/\/chuangwen\.example\.org\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const check = verifyUnitLink(url.split('/u/')[1], SECRET, before);
    expect(check.ok && check.link.expiresAt.toISOString()).toBe('2021-09-28T16:00:00.000Z');
  });
});
