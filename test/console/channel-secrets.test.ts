// A robot's secret written out in a definition is never shown whole by the console: not on the
// campaign's page or in GET /api/campaigns/{id}, and the editor's YAML shows the webhook's key and
// the 加签 secret by their last 4 characters (a reference env:NAME as it is), and saving that text
// keeps the secrets; the 通讯录 page shows a unit's robots masked too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { insertCampaign } from '../../db/campaigns.js';
import { findDraft, insertDraft } from '../../db/drafts.js';
import { applyDirectoryChanges, readDirectory } from '../../services/directory.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { testDefinition } from '../support/definitions.js';
import { cookieHeader, startConsole, type ApiSession, type Harness } from './support.js';

const unescapeHtml = (html: string) =>
  html.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);

const WECOM_KEY = '693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa';
const DINGTALK_TOKEN = '6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c';
const SECRET = 'SEC6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a';

let h: Harness;
let admin: ApiSession;
let campaignId: string;
let definition: CampaignDefinition;

beforeAll(async () => {
  ({ h, admin } = await startConsole());
  const base = testDefinition({ start: '2035-01-02', end: '2035-02-28' });
  const def = definitionSchema.parse({
    ...base,
    units: base.units.map((u, i) =>
      i === 0
        ? {
            ...u,
            robots: {
              wecom: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`,
              dingtalk: { webhook: `https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}`, secret: SECRET },
            },
          }
        : i === 1
          ? { ...u, robots: { wecom: 'env:BEIHAI_WECOM_HOOK' } }
          : u,
    ),
    delivery: { wecom: ['assignment'], dingtalk: ['assignment'] },
  });
  campaignId = def.id;
  definition = def;
  await insertCampaign(h.database.db, def);
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe('robot secrets in the console', () => {
  it('never shows a written secret on the campaign’s page or in its API answer', async () => {
    const api = await h.app.inject({ method: 'GET', url: `/api/campaigns/${campaignId}`, headers: { cookie: admin.cookie } });
    expect(api.statusCode).toBe(200);
    const page = await h.app.inject({ method: 'GET', url: `/campaigns/${campaignId}`, headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    for (const body of [api.body, page.body]) {
      expect(body).not.toContain(WECOM_KEY);
      expect(body).not.toContain(DINGTALK_TOKEN);
      expect(body).not.toContain(SECRET);
    }
  });

  it('shows the 通讯录’s robots masked', async () => {
    await applyDirectoryChanges(h.database.db, {
      units: [
        {
          row: 0,
          set: {
            name: '区机器人测试局',
            kind: 'department',
            'robots.wecom': `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`,
            'robots.dingtalk': `https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}`,
            'robots.dingtalkSecret': SECRET,
          },
        },
      ],
    });
    const page = await h.app.inject({ method: 'GET', url: '/directory', headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    for (const secret of [WECOM_KEY, DINGTALK_TOKEN, SECRET]) expect(page.body).not.toContain(secret);
    expect(page.body).toContain('企业微信：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa');
    expect(page.body).toContain('（加签 ****7f8a）');

    // The unit's form shows them masked too; saved as shown (another field changed), they are kept.
    const entry = (await readDirectory(h.database.db)).units.find((u) => u.name === '区机器人测试局')!;
    const form = await h.app.inject({ method: 'GET', url: `/directory/units/${entry.id}`, headers: { cookie: admin.cookie } });
    expect(form.statusCode).toBe(200);
    for (const secret of [WECOM_KEY, DINGTALK_TOKEN, SECRET]) expect(form.body).not.toContain(secret);
    const field = (name: string) => unescapeHtml(new RegExp(`name="${name.replace('.', '\\.')}"[^>]*value="([^"]*)"`).exec(form.body)![1]);
    expect(field('robots.dingtalkSecret')).toBe('****7f8a');
    const fields: [string, string][] = [['name', entry.name], ['kind', entry.kind], ...['robots.wecom', 'robots.dingtalk', 'robots.dingtalkSecret'].map((name): [string, string] => [name, field(name)])];
    const saved = await h.app.inject({
      method: 'POST',
      url: `/directory/units/${entry.id}`,
      headers: { cookie: cookieHeader(form, admin.cookie), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', /name="_csrf" value="([^"]+)"/.exec(form.body)![1]], ...fields, ['shortNames', '机器人局']]).toString(),
    });
    expect(saved.statusCode, saved.body.slice(0, 400)).toBe(303);
    const after = (await readDirectory(h.database.db)).units.find((u) => u.id === entry.id)!;
    expect(after.shortNames).toEqual(['机器人局']);
    expect(after.robots).toEqual(entry.robots);
  });

  it('shows a draft’s YAML with written secrets masked, and keeps them when the masked text is saved', async () => {
    const def = definition;
    const yaml = stringify(def);
    expect(yaml).toContain(SECRET);
    const draftId = await insertDraft(h.database.db, { title: '机器人草稿', yaml, sourceFileName: '', by: '赵明' });
    const tab = await h.app.inject({ method: 'GET', url: `/drafts/${draftId}?tab=yaml`, headers: { cookie: admin.cookie } });
    expect(tab.statusCode).toBe(200);
    for (const secret of [WECOM_KEY, DINGTALK_TOKEN, SECRET]) expect(tab.body).not.toContain(secret);
    const shown = unescapeHtml(/<textarea name="yaml"[^>]*>([\s\S]*?)<\/textarea>/.exec(tab.body)![1]);
    expect(shown).toContain('secret: "****7f8a"');
    expect(shown).toContain('wecom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa"');
    expect(shown).toContain('wecom: env:BEIHAI_WECOM_HOOK');

    // Saved as shown, with the title changed: the secrets are the ones written before.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(tab.body)![1];
    const form = new URLSearchParams({ _csrf: csrf, action: 'yaml', yaml: shown.replace(def.title, '改过标题') });
    const saved = await h.app.inject({
      method: 'POST',
      url: `/drafts/${draftId}`,
      headers: { cookie: cookieHeader(tab, admin.cookie), 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    expect(saved.statusCode, saved.body.slice(0, 300)).toBe(303);
    const stored = (await findDraft(h.database.db, draftId))!.yaml;
    expect(stored).toContain('改过标题');
    expect(parse(stored).units[0].robots).toEqual(def.units[0].robots);
  });
});
