// Signed unit links: what a link carries, and every way a link is refused.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUnitLink, unitLinkFor, verifyUnitLink } from '../../services/unit-links.js';

const SECRET = 'unit-link-secret-for-tests-0123456789';
const link = { campaignId: 'beihai-2021', taskId: 'resettlement-estates', unitId: 'public-utilities', expiresAt: new Date('2021-09-30T16:00:00Z') };
const before = new Date('2021-06-01T00:00:00Z');

describe('unit links', () => {
  it('carry campaign, task, unit, expiry and link version, and verify with the same secret', () => {
    const token = signUnitLink(link, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnitLink(token, SECRET, before)).toEqual({ ok: true, link: { ...link, version: 0 } });
    const third = signUnitLink({ ...link, version: 3 }, SECRET);
    expect(verifyUnitLink(third, SECRET, before)).toEqual({ ok: true, link: { ...link, version: 3 } });
    expect(() => signUnitLink({ ...link, version: -1 }, SECRET)).toThrow();
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
    expect(verifyUnitLink(token, 'another-secret-0123456789-0123456789', before)).toMatchObject({ ok: false, problem: 'badSignature' });
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
    // Valid 30 days after its deadline.
    const check = verifyUnitLink(url.split('/u/')[1], SECRET, before);
    expect(check.ok && check.link.expiresAt.toISOString()).toBe('2021-07-30T16:00:00.000Z');
  });

  it('still verify the first layout, without a version, as version 0, so links already mailed work until withdrawn', () => {
    // Signed as the first release did: [1, campaign, task, unit, expiry], HMAC over context and payload.
    const payload = Buffer.from(JSON.stringify([1, link.campaignId, link.taskId, link.unitId, link.expiresAt.getTime() / 1000])).toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`chuangwen/unit-link/v1.${payload}`).digest('base64url');
    expect(verifyUnitLink(`${payload}.${mac}`, SECRET, before)).toEqual({ ok: true, link: { ...link, version: 0 } });
    // Signed now: layout 2 with its scope and version.
    const [now] = signUnitLink({ ...link, version: 2 }, SECRET).split('.');
    expect(JSON.parse(Buffer.from(now, 'base64url').toString())).toEqual([2, link.campaignId, link.taskId, link.unitId, link.expiresAt.getTime() / 1000, 'task', 2]);
  });

  it('scope a unit only for its monthly materials, without a task, and cannot be turned into a task link', () => {
    const materials = { scope: 'materials' as const, campaignId: link.campaignId, unitId: 'public-utilities', expiresAt: link.expiresAt };
    const token = signUnitLink(materials, SECRET);
    expect(verifyUnitLink(token, SECRET, before)).toEqual({ ok: true, link: { ...materials, version: 0 } });
    expect(verifyUnitLink(token, SECRET, link.expiresAt)).toMatchObject({ ok: false, problem: 'expired' });
    const [payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual([2, link.campaignId, null, 'public-utilities', link.expiresAt.getTime() / 1000, 'materials', 0]);
    // Another unit, or a task put in, under the same signature: refused.
    for (const fields of [
      [1, link.campaignId, null, 'enforcement', link.expiresAt.getTime() / 1000, 'materials'],
      [1, link.campaignId, link.taskId, 'public-utilities', link.expiresAt.getTime() / 1000],
      [1, link.campaignId, link.taskId, 'public-utilities', link.expiresAt.getTime() / 1000, 'materials'],
    ]) {
      const altered = `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${signature}`;
      expect(verifyUnitLink(altered, SECRET, before)).toMatchObject({ ok: false, problem: 'badSignature' });
    }
    // Correctly signed but not a layout of ours (a task and a scope, no task and no scope, another scope): malformed.
    const sign = (fields: unknown[]) => {
      const p = Buffer.from(JSON.stringify(fields)).toString('base64url');
      return `${p}.${createHmac('sha256', SECRET).update(`chuangwen/unit-link/v1.${p}`).digest('base64url')}`;
    };
    const expires = link.expiresAt.getTime() / 1000;
    for (const fields of [
      [1, link.campaignId, link.taskId, 'u', expires, 'materials'],
      [1, link.campaignId, null, 'u', expires],
      [1, link.campaignId, null, 'u', expires, 'everything'],
      [1, link.campaignId, '', 'u', expires],
      [2, link.campaignId, null, 'u', expires, 'materials'],
      [2, link.campaignId, link.taskId, 'u', expires, 'task', -1],
      [2, link.campaignId, link.taskId, 'u', expires, 'task', '1'],
      [2, link.campaignId, null, 'u', expires, 'task', 0],
      [3, link.campaignId, link.taskId, 'u', expires, 'task', 0],
    ]) {
      expect(verifyUnitLink(sign(fields), SECRET, before)).toMatchObject({ ok: false, problem: 'malformed' });
    }
    // A mail's materials link: valid 30 days from its deadline (the day the materials are due).
    const url = unitLinkFor(
      { publicUrl: 'https://chuangwen.example.org', secret: SECRET },
      { scope: 'materials', campaignId: link.campaignId, unitId: 'public-utilities', deadline: new Date('2021-06-25T16:00:00Z') },
    );
    const check = verifyUnitLink(url.split('/u/')[1], SECRET, before);
    expect(check).toMatchObject({ ok: true, link: { scope: 'materials', unitId: 'public-utilities', expiresAt: new Date('2021-07-25T16:00:00Z') } });
    expect(check.ok && check.link.taskId).toBeUndefined();
  });
});
