// Short links in SMS (/l/<code>): the 交办通知's SMS carries one instead of 见邮件; opened, it lands on
// the unit's portal page; a retried send carries the same code; once the office withdraws the
// unit's links, the code opens nothing; an unknown or expired code is a plain 404 page.
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mailer.js';
import { createConsoleServer } from '../../client/server.js';
import { insertCampaign } from '../../db/campaigns.js';
import { listChannelInbox } from '../../db/channels.js';
import { revokeUnitLinks } from '../../db/unit-links.js';
import { definitionSchema } from '../../domain/definition.js';
import { shortLinkFor } from '../../services/short-links.js';
import { startSimulation } from '../../stack/simulation.js';
import { channelFakesEnv, startChannelFakes } from '../../stack/channel-fakes.js';
import { loadChannelConfig } from '../../worker/config.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';
import { LINK_SECRET, SESSION_SECRET } from './support.js';

const SMS_ACCOUNT = { accessKeyId: 'LTAI-short-links-test', accessKeySecret: 'short-links-test-secret-of-the-fake' };
const CONTACT = '13811115555';
const PUBLIC_URL = 'https://chuangwen.test.example.org';
const links = { publicUrl: PUBLIC_URL, secret: LINK_SECRET };

const database = await createTestDatabase();
const fakes = await startChannelFakes(database.db, { sms: SMS_ACCOUNT });
const channels = loadChannelConfig(channelFakesEnv(fakes, SMS_ACCOUNT));
const sim = await startSimulation({ db: database.db, links, channels });
let now = new Date('2035-01-03T02:00:00Z');
const app = createConsoleServer({
  db: database.db,
  temporal: sim.env.client,
  publicUrl: PUBLIC_URL,
  linkSecret: LINK_SECRET,
  sessionSecret: SESSION_SECRET,
  mailboxEnabled: false,
  clock: () => now,
  logger: { level: 'error' },
});
await app.ready();
afterAll(async () => {
  await app.close();
  await sim.stop();
  await fakes.stop();
  await database.drop();
});

describe('short links in SMS', () => {
  it('sends a short link that opens the unit’s task, reuses its code on a retry, and dies with the unit’s links', { timeout: 60_000 }, async () => {
    const base = testDefinition({
      start: '2035-01-02',
      end: '2035-02-28',
      tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-01-10', cooperatingUnits: [] }],
    });
    const def = definitionSchema.parse({
      ...base,
      units: base.units.map((u) => (u.id === 'enforcement' ? { ...u, contact: { ...u.contact, mobile: CONTACT } } : u)),
      delivery: { sms: ['assignment'] },
    });
    await insertCampaign(database.db, def);
    const mailer = createMailer(sim.sink.url);
    const { issueNotice } = createActivities({ db: database.db, mailer, links, channels });
    const key = `short-links/${def.id}/lanes/assignment`;
    const input = {
      key,
      campaignId: def.id,
      taskId: 'lanes',
      kind: 'assignment' as const,
      issuedAt: '2035-01-02T01:00:00.000Z',
      recipients: { to: ['leadUnit.contact' as const], cc: [] },
    };
    // The provider answers "too often" first: the attempt fails, its retry sends the SMS.
    fakes.rateLimit('sms', 1);
    try {
      await expect(issueNotice(input)).rejects.toThrow(/暂未送达/);
      await issueNotice(input);
    } finally {
      mailer.close();
    }

    const sms = (await listChannelInbox(database.db, { channel: 'sms' })).filter((r) => r.target === CONTACT);
    expect(sms.map((r) => r.deliveries)).toEqual([1]);
    const match = new RegExp(`请及时签收办理：${PUBLIC_URL}/l/([0-9A-Za-z]{10})$`).exec(sms[0].body);
    expect(match, sms[0].body).not.toBeNull();
    const code = match![1];
    expect(sms[0].body).not.toContain('见邮件');

    // One code for the notice and unit: asked again (a retried notice), the same one.
    const { rows } = await database.db.query<{ code: string; key: string; unit_id: string }>(
      'SELECT code, key, unit_id FROM short_links WHERE campaign_id = $1',
      [def.id],
    );
    expect(rows).toEqual([{ code, key: `${key}/l/enforcement`, unit_id: 'enforcement' }]);
    const { rows: outbox } = await database.db.query<{ attempts: number; status: string }>(
      `SELECT attempts, status FROM channel_outbox WHERE key = $1`,
      [`${key}/sms/${CONTACT}`],
    );
    expect(outbox).toEqual([{ attempts: 2, status: 'sent' }]);
    const { rows: [{ token }] } = await database.db.query<{ token: string }>('SELECT token FROM short_links WHERE code = $1', [code]);
    expect(await shortLinkFor(database.db, links, `${key}/l/enforcement`, `${PUBLIC_URL}/u/${token}`)).toBe(`${PUBLIC_URL}/l/${code}`);

    // Opened: a redirect (not kept by any cache) to the unit's link, which opens the task.
    const opened = await app.inject({ method: 'GET', url: `/l/${code}` });
    expect(opened.statusCode).toBe(302);
    expect(opened.headers['cache-control']).toBe('no-store');
    expect(opened.headers.location).toBe(`/u/${token}`);
    const portal = await app.inject({ method: 'GET', url: String(opened.headers.location) });
    expect(portal.statusCode).toBe(200);
    expect(portal.body).toContain('整治任务lanes');

    // An unknown code: a plain page in Chinese.
    const unknown = await app.inject({ method: 'GET', url: '/l/AAAAAAAAAA' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('text/html');
    expect(unknown.body).toContain('短信中的链接不存在或已过期');
    expect((await app.inject({ method: 'GET', url: '/l/not-a-code' })).statusCode).toBe(404);

    // The office withdraws the unit's links: the code still redirects, and the link it leads to is refused.
    await revokeUnitLinks(database.db, { campaignId: def.id, unitId: 'enforcement', reason: '联系人变更' });
    const after = await app.inject({ method: 'GET', url: `/l/${code}` });
    const refused = await app.inject({ method: 'GET', url: String(after.headers.location) });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('该链接已被收回');
    expect(refused.body).not.toContain('整治任务lanes”');

    // Past the link's own expiry (30 days after the deadline) the code is gone.
    now = new Date('2035-03-01T00:00:00Z');
    expect((await app.inject({ method: 'GET', url: `/l/${code}` })).statusCode).toBe(404);
  });
});
