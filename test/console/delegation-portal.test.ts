// A sub-unit's link (转办), over HTTP against the console, the time-skipping simulation, PostgreSQL
// and the SMTP sink: the 街道 hands parts of its task to two 社区 from its task page (one its sub-unit
// by the definition, one by the 通讯录); each 社区's mail carries its own link, which shows its own
// part only, takes its reports, and opens neither the 街道's task page nor the other 社区's part.
// The 街道's link cannot report as a 社区. The office can withdraw a 社区's link; after a 改派 every
// 社区 link to the task stops working.
import type { LightMyRequestResponse } from 'fastify';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { insertDirectoryUnit } from '../../db/directory.js';
import { listMailbox } from '../../db/mailbox.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { consoleForFile, cookieHeader } from './support.js';

const { h, admin } = await consoleForFile();

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

/** A link's page as a browser opens it: the answer, its cookie and its forms' CSRF token. */
async function open(url: string): Promise<{ response: LightMyRequestResponse; cookie: string; csrf: string }> {
  const response = await h.app.inject({ method: 'GET', url });
  return { response, cookie: cookieHeader(response), csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? '' };
}

/** Posts a form of the page as the browser does. */
function submit(page: { cookie: string; csrf: string }, url: string, fields: Record<string, string>) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: page.csrf, ...fields }).toString(),
  });
}

/** The one link in the newest mail to an address whose subject has these words. */
async function linkMailedTo(address: string, subjectPart: string): Promise<string> {
  return waitFor(async () => {
    const mail = (await listMailbox(h.database.db, { to: address })).find((m) => m.subject.includes(subjectPart));
    return mail ? /\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(mail.text_body)?.[1] : undefined;
  }, `${subjectPart} to ${address}`, 30_000);
}

describe('a sub-unit\'s link to its part of a task', () => {
  it('shows the 社区 its own part only, takes its report to the 街道, and stops after a 改派', { timeout: 120_000 }, async () => {
    // The 通讯录: 和平社区 below the 街道.
    const contact = (name: string, email: string) => ({ name, post: '', email, mobile: '' });
    const streetEntry = await insertDirectoryUnit(h.database.db, {
      name: '滨海街道办事处', shortNames: [], kind: 'street', parentId: null,
      principal: contact('滨海街道主任', 'bh-principal@test.example.org'), contact: contact('滨海街道联络员', 'bh@test.example.org'), retiredOn: null,
    });
    const hepingEntry = await insertDirectoryUnit(h.database.db, {
      name: '和平社区居委会', shortNames: [], kind: 'community', parentId: streetEntry,
      principal: contact('和平社区主任', 'hp-principal@test.example.org'), contact: contact('和平社区联络员', 'hp@test.example.org'), retiredOn: null,
    });

    const today = await h.sim.now();
    const base = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20), cooperatingUnits: [] }],
    });
    const person = (name: string, mailbox: string) => ({ name, email: `${mailbox}@test.example.org` });
    const def = {
      ...base,
      units: [
        ...base.units,
        { id: 'street', name: '滨海街道办事处', directoryId: streetEntry, principal: person('滨海街道主任', 'bh-principal'), contact: person('滨海街道联络员', 'bh') },
        { id: 'xingfu', name: '幸福社区居委会', kind: 'community', parent: 'street', principal: person('幸福社区主任', 'xf-principal'), contact: person('幸福社区联络员', 'xf') },
        { id: 'heping', name: '和平社区居委会', kind: 'community', directoryId: hepingEntry, principal: person('和平社区主任', 'hp-principal'), contact: person('和平社区联络员', 'hp') },
      ],
      tasks: base.tasks.map((t) => ({ ...t, leadUnit: 'street' })),
    };
    const started = await h.app.inject({ method: 'POST', url: '/api/campaigns', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { yaml: stringify(def) } });
    expect(started.statusCode, started.body).toBe(201);

    // The 街道 opens its task from the 交办通知, acknowledges, and sees both 社区 to hand parts to.
    const leadToken = await linkMailedTo('bh@test.example.org', '交办');
    let lead = await open(`/u/${leadToken}`);
    expect(lead.response.statusCode).toBe(200);
    expect((await submit(lead, `/u/${leadToken}/acknowledge`, { by: '周敏' })).statusCode).toBe(303);
    lead = await open(`/u/${leadToken}`);
    expect(lead.response.body).toContain('<option value="xingfu"');
    expect(lead.response.body).toContain('<option value="heping"');
    expect(lead.response.body).not.toContain('<option value="utilities"');

    // A date past the task's deadline is refused on the page, nothing handed over.
    const late = await submit(lead, `/u/${leadToken}/delegate`, { subUnitId: 'xingfu', part: '清理幸福里堆放物', due: shanghaiDate(today, 21) });
    expect(late.statusCode).toBe(422);
    expect(textOf(late.body)).toContain(`办理期限 ${shanghaiDate(today, 21)} 不能晚于本任务的完成时限 ${shanghaiDate(today, 20)}`);
    const handOver = async (subUnitId: string, part: string) => {
      const done = await submit(lead, `/u/${leadToken}/delegate`, { subUnitId, part, due: shanghaiDate(today, 7), by: '周敏' });
      expect(done.statusCode, textOf(done.body).slice(0, 300)).toBe(303);
    };
    await handOver('xingfu', '清理幸福里背街小巷堆放物');
    await handOver('heping', '拆除和平路违章搭建');

    // Each 社区 its own 转办通知 with its own link: its own part, nothing of the task's record or the other part.
    const xingfuToken = await linkMailedTo('xf@test.example.org', '转办');
    const hepingToken = await linkMailedTo('hp@test.example.org', '转办');
    const page = await open(`/u/${xingfuToken}`);
    expect(page.response.statusCode).toBe(200);
    const seen = textOf(page.response.body);
    expect(seen).toContain('清理幸福里背街小巷堆放物');
    expect(seen).toContain('由牵头单位 滨海街道办事处 转办');
    expect(seen).not.toContain('拆除和平路违章搭建');
    expect(seen).not.toContain('整治背街小巷乱堆乱放'); // the task's description
    expect(seen).not.toContain('办理记录');
    expect(textOf((await open(`/u/${hepingToken}`)).response.body)).not.toContain('清理幸福里背街小巷堆放物');

    // The 社区's link opens neither the 街道's task page (JSON or files) nor acts as the 街道.
    expect((await h.app.inject({ method: 'GET', url: `/api/portal/${xingfuToken}` })).statusCode).toBe(403);
    expect((await submit(page, `/u/${xingfuToken}/progress`, { text: '冒充街道报送' })).statusCode).toBe(403);
    // The 街道's link cannot report as a 社区.
    expect((await submit(lead, `/u/${leadToken}/delegation`, { seq: '1', text: '冒充社区报送' })).statusCode).toBe(403);
    // Nor one 社区 on the other's part.
    expect((await submit(page, `/u/${xingfuToken}/delegation`, { seq: '2', text: '报送别人的事项' })).statusCode).toBe(422);

    // The 社区 reports: on the task's record as its own act, to the 街道 by mail.
    const reported = await submit(page, `/u/${xingfuToken}/delegation`, { seq: '1', text: '已清理3号楼前堆放物', by: '陈芳' });
    expect(reported.statusCode).toBe(303);
    expect(textOf((await open(`/u/${xingfuToken}`)).response.body)).toContain('已清理3号楼前堆放物');
    await linkMailedTo('bh@test.example.org', '幸福社区居委会报送转办事项办理进展');
    const { rows: events } = await h.database.db.query<{ actor: string; detail: { text: string; by: string } }>(
      `SELECT actor, detail FROM task_events WHERE campaign_id = $1 AND task_id = 'lanes' AND kind = 'delegationProgress'`,
      [def.id],
    );
    expect(events).toEqual([{ actor: 'xingfu', detail: expect.objectContaining({ seq: 1, text: '已清理3号楼前堆放物', by: '陈芳' }) }]);
    // The 街道's page lists what it handed down.
    const listed = textOf((await open(`/u/${leadToken}`)).response.body);
    expect(listed).toContain('幸福社区居委会 ：清理幸福里背街小巷堆放物');

    // The office withdraws a 社区's links (its contact changed): its link to its part stops too.
    const revoked = await h.app.inject({
      method: 'POST',
      url: `/api/campaigns/${def.id}/units/heping/links/revoke`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { reason: '联系人变更' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/u/${hepingToken}` })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/u/${xingfuToken}` })).statusCode).toBe(200);

    // 改派: the task goes to another unit; the 社区's links stop, the delegations end.
    const moved = await h.app.inject({
      method: 'POST',
      url: `/api/campaigns/${def.id}/tasks/lanes/reassign`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { unitId: 'enforcement', reason: '职责调整' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    for (const token of [xingfuToken, hepingToken]) {
      const gone = await h.app.inject({ method: 'GET', url: `/u/${token}` });
      expect(gone.statusCode).toBe(403);
      expect(textOf(gone.body)).toContain('该链接已被收回');
    }
    const { rows } = await h.database.db.query('SELECT sub_unit, status FROM task_delegations WHERE campaign_id = $1 ORDER BY seq', [def.id]);
    expect(rows).toEqual([
      { sub_unit: 'xingfu', status: 'ended' },
      { sub_unit: 'heping', status: 'ended' },
    ]);
  });
});
