// What a unit's link reaches, on the time-skipping simulation with real PostgreSQL and the SMTP
// sink: a notice whose mail carries the lead unit's link goes to the lead unit alone, cooperating
// units get their own read-only link, leaders and the office none; the portal shows a unit only the
// listed fields; a cooperating unit cannot act or read the lead's files; a reassignment withdraws
// the former lead's links; an office withdraws a unit's links by the API or the CLI, and the links
// issued after work. The actor of a portal action is the unit; `by` is a label of at most 40.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { signUnitLink } from '../../services/unit-links.js';
import { insertEvidenceFile, insertSubmission } from '../../db/evidence.js';
import { listMailbox, type MailboxRow } from '../../db/mailbox.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { callApi, LINK_SECRET, multipart, type ApiCall, consoleForFile } from './support.js';

const { h, spec, admin, leader } = await consoleForFile();

const api = (method: 'GET' | 'POST', url: string, route: string, options: ApiCall = {}) => callApi(h, spec, method, url, { ...options, route });
const PORTAL = '/api/portal/:token';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);

/** The unit links in a mail's text, with the unit each names. */
function linksIn(mail: MailboxRow): { token: string; unitId: string; taskId: string | null }[] {
  return [...mail.text_body.matchAll(/\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map(([, token]) => {
    const fields = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as [number, string, string | null, string];
    return { token, unitId: fields[3], taskId: fields[2] };
  });
}

/** The mails of a notice (by the words of its subject), each with its envelope and links. */
async function mailsOf(subjectPart: string) {
  return (await listMailbox(h.database.db)).filter((m) => m.subject.includes(subjectPart));
}

/** `chuangwen link revoke …` as a process against the test database. */
function cli(args: string[]): Promise<{ code: number; out: string }> {
  const program = `
import { Command } from 'commander';
import { registerLinkCommands } from './client/commands/link.ts';
const program = new Command('chuangwen').exitOverride();
registerLinkCommands(program);
try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }
catch (error) { console.error(error.message); process.exitCode = 2; }
`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', program, '--', ...args],
      { env: { ...process.env, DATABASE_URL: h.database.url }, cwd: process.cwd() },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** The lead unit's current link as the console's task page offers it to an administrator. */
async function linkFromTaskPage(campaignId: string, taskId: string): Promise<string> {
  const page = await h.app.inject({ method: 'GET', url: `/campaigns/${campaignId}/tasks/${taskId}`, headers: { cookie: admin.cookie } });
  expect(page.statusCode).toBe(200);
  const token = /\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(page.body)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

describe('unit links: who gets which link, and what it reaches', () => {
  let campaignId: string;
  let leadToken: string;
  let cooperatingToken: string;
  let newLeadToken: string;
  let fileId: string;

  it('sends the lead unit its link alone; cooperating units their own read-only link; leaders and the office none', async () => {
    const today = await h.sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -2),
      end: shanghaiDate(today, 60),
      // Lapsed yesterday: the 交办通知 and the 逾期通报 go out at once.
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -2), deadline: shanghaiDate(today, -1), cooperatingUnits: ['utilities', 'service'] }],
    });
    campaignId = def.id;
    // The 逾期通报 to the lead unit, copied to the cooperating units, the group leader and the office.
    const yaml = stringify({
      ...def,
      escalation: {
        ladder: [
          {
            rung: 'overdueNotice',
            graceDays: 0,
            recipients: { to: ['leadUnit.principal', 'leadUnit.contact'], cc: ['cooperatingUnits.contact', 'leaders.groupLeader', 'office'] },
          },
        ],
      },
    });
    // Lapsed on purpose: the catch-up is asked for (without it the start is refused).
    const started = await api('POST', '/api/campaigns', '/api/campaigns', { as: admin, body: { yaml, catchUp: true } });
    expect(started.statusCode, started.body).toBe(201);

    const assignment = await waitFor(async () => {
      const mails = await mailsOf('交办');
      return mails.length === 3 && mails;
    }, '交办通知：责任单位一封，两个配合单位各一封', 30_000);
    const overdue = await waitFor(async () => {
      const mails = await mailsOf('逾期');
      return mails.length === 4 && mails;
    }, '逾期通报：责任单位一封，两个配合单位各一封，领导和创建办一封', 30_000);

    for (const mails of [assignment, overdue]) {
      // Each address gets the notice once.
      const addresses = mails.flatMap((m) => m.envelope_to);
      expect(new Set(addresses).size).toBe(addresses.length);
      const number = /【(.+?)】/.exec(mails[0].subject)![1];
      expect(mails.every((m) => m.subject.includes(number))).toBe(true);

      const lead = mails.filter((m) => m.envelope_to.some((a) => a.startsWith('zf')));
      expect(lead).toHaveLength(1);
      expect(lead[0].envelope_to.every((a) => /^zf(-principal)?@/.test(a)), lead[0].envelope_to.join()).toBe(true);
      expect(linksIn(lead[0]).map((l) => l.unitId)).toEqual(['enforcement']);
      for (const [prefix, unitId] of [['gy@', 'utilities'], ['fw@', 'service']]) {
        const own = mails.filter((m) => m.envelope_to.some((a) => a.startsWith(prefix)));
        expect(own).toHaveLength(1);
        expect(own[0].envelope_to).toEqual([`${prefix}test.example.org`]);
        expect(linksIn(own[0]).map((l) => l.unitId), `${unitId} 的邮件只含它自己的链接`).toEqual([unitId]);
        expect(own[0].text_body).toContain('任务查看链接');
        expect(own[0].text_body).not.toContain(linksIn(lead[0])[0].token);
      }
    }
    const rest = overdue.find((m) => m.envelope_to.includes('chief@test.example.org'))!;
    expect(rest.envelope_to.sort()).toEqual(['chief@test.example.org', 'office@test.example.org']);
    expect(linksIn(rest)).toEqual([]);
    expect(rest.text_body).not.toContain('/u/');

    // The notice keeps the document's 主送 and 抄送 as one record.
    const notices = await api('GET', `/api/notices?campaign=${campaignId}`, '/api/notices', { as: leader });
    const overdueNotice = notices.json().notices.find((n: { kind: string }) => n.kind === 'overdue');
    expect(overdueNotice.to.sort()).toEqual(['zf-principal@test.example.org', 'zf@test.example.org']);
    expect(overdueNotice.cc.sort()).toEqual(['chief@test.example.org', 'fw@test.example.org', 'gy@test.example.org', 'office@test.example.org']);

    leadToken = linksIn(assignment.find((m) => m.envelope_to.includes('zf@test.example.org'))!)[0].token;
    cooperatingToken = linksIn(assignment.find((m) => m.envelope_to.includes('gy@test.example.org'))!)[0].token;
  });

  it('shows a unit only the listed fields; a cooperating unit reads, and is refused when it acts', async () => {
    const lead = await api('GET', `/api/portal/${leadToken}`, PORTAL);
    expect(lead.statusCode).toBe(200);
    expect(Object.keys(lead.json()).sort()).toEqual(
      ['actions', 'campaignId', 'campaignTitle', 'clock', 'description', 'evidence', 'expiresAt', 'extensions', 'officeName', 'task', 'timeline', 'unit'].sort(),
    );
    expect(Object.keys(lead.json().task).sort()).toEqual(
      ['cooperatingUnitNames', 'deadline', 'deadlineAt', 'id', 'leadUnitName', 'overdue', 'rung', 'rungName', 'start', 'status', 'statusName', 'title'].sort(),
    );
    expect(lead.json()).toMatchObject({ unit: { id: 'enforcement', role: 'lead' }, task: { rungName: '逾期通报' }, actions: { acknowledge: true } });
    expect(lead.body).not.toContain('@test.example.org');
    for (const item of lead.json().timeline) expect(item.detail).toEqual({});

    const cooperating = await api('GET', `/api/portal/${cooperatingToken}`, PORTAL);
    expect(cooperating.json()).toMatchObject({
      unit: { id: 'utilities', role: 'cooperating' },
      actions: { acknowledge: false, reportProgress: false, submitEvidence: false, requestExtension: false },
      extensions: [],
    });
    expect(cooperating.body).not.toContain('@test.example.org');
    const page = await h.app.inject({ method: 'GET', url: `/u/${cooperatingToken}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('（配合单位，仅可查看）');
    expect(page.body).not.toContain(`action="/u/${cooperatingToken}/acknowledge`);

    for (const [action, options] of [
      ['acknowledge', { body: {} }],
      ['progress', { body: { text: '配合单位冒充责任单位报送' } }],
      ['extension', { body: { workingDays: 5, reason: '冒充申请延期' } }],
      ['evidence', multipart({ form: 'photo' }, [{ name: 'x.png', type: 'image/png', data: PNG }])],
    ] as const) {
      const refused = await api('POST', `/api/portal/${cooperatingToken}/${action}`, `${PORTAL}/${action}`, options as ApiCall);
      expect(refused.statusCode, `${action}: ${refused.body}`).toBe(403);
      expect(refused.json().error).toBe('WrongUnit');
    }
    const { rows } = await h.database.db.query(`SELECT kind FROM task_events WHERE campaign_id = $1 AND kind IN ('acknowledged', 'progress', 'evidence', 'extensionRequested')`, [campaignId]);
    expect(rows).toEqual([]);
  });

  it('records the unit as the actor, takes `by` as a label of at most 40 characters', async () => {
    const long = '郑'.repeat(41);
    const tooLong = await api('POST', `/api/portal/${leadToken}/acknowledge`, `${PORTAL}/acknowledge`, { body: { by: long } });
    expect(tooLong.statusCode).toBe(400);
    const ack = await api('POST', `/api/portal/${leadToken}/acknowledge`, `${PORTAL}/acknowledge`, { body: { by: '创建办' } });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(Object.keys(ack.json().task)).not.toContain('timeline');
    const { rows } = await h.database.db.query<{ actor: string; detail: { by?: string } }>(
      `SELECT actor, detail FROM task_events WHERE campaign_id = $1 AND kind = 'acknowledged'`,
      [campaignId],
    );
    expect(rows).toEqual([{ actor: 'enforcement', detail: { by: '创建办' } }]);
    const view = await api('GET', `/api/portal/${leadToken}`, PORTAL);
    expect(view.json().timeline.find((e: { kind: string }) => e.kind === 'acknowledged').actor).toBe('区综合执法分局（创建办）');

    // The same limit in a multipart upload (no schema there): refused by the handler, nothing kept.
    const upload = multipart({ form: 'photo', by: long }, [{ name: '现场.png', type: 'image/png', data: PNG }]);
    const refused = await api('POST', `/api/portal/${leadToken}/evidence`, `${PORTAL}/evidence`, upload);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().message).toContain('不能超过 40 个字');
    expect((await h.database.db.query('SELECT count(*)::int AS n FROM evidence_files')).rows[0].n).toBe(0);
  });

  it("keeps the lead unit's files from a cooperating unit", async () => {
    const upload = multipart({ form: 'photo', text: '整治后照片', interim: '1', by: '郑丽' }, [{ name: '整治后.png', type: 'image/png', data: PNG }]);
    const sent = await api('POST', `/api/portal/${leadToken}/evidence`, `${PORTAL}/evidence`, upload);
    expect(sent.statusCode, sent.body).toBe(200);
    fileId = (await h.database.db.query<{ id: string }>('SELECT id FROM evidence_files')).rows[0].id;
    const own = await h.app.inject({ method: 'GET', url: `/u/${leadToken}/evidence/${fileId}` });
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(PNG)).toBe(true);
    const other = await h.app.inject({ method: 'GET', url: `/u/${cooperatingToken}/evidence/${fileId}` });
    expect(other.statusCode).toBe(404);
    expect(other.rawPayload.includes(PNG)).toBe(false);
    // Nor does its view list them.
    expect((await api('GET', `/api/portal/${cooperatingToken}`, PORTAL)).json().evidence).toEqual([]);
  });

  it("withdraws the former lead unit's links on reassignment; the new lead's link works", async () => {
    const moved = await api('POST', `/api/campaigns/${campaignId}/tasks/lanes/reassign`, '/api/campaigns/:campaignId/tasks/:taskId/reassign', {
      as: admin,
      body: { unitId: 'service', reason: '职责调整', deadline: shanghaiDate(await h.sim.now(), 20) },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const reassignment = await waitFor(async () => {
      const mails = await mailsOf('改派');
      return mails.length >= 3 && mails;
    }, '改派通知', 30_000);
    const newLead = reassignment.find((m) => m.envelope_to.includes('fw@test.example.org'))!;
    expect(linksIn(newLead).map((l) => l.unitId)).toEqual(['service']);
    newLeadToken = linksIn(newLead)[0].token;
    const office = reassignment.find((m) => m.envelope_to.includes('office@test.example.org'))!;
    expect(linksIn(office)).toEqual([]);

    const former = await api('GET', `/api/portal/${leadToken}`, PORTAL);
    expect(former.statusCode).toBe(403);
    expect(former.json()).toMatchObject({ error: 'LinkRevoked' });
    expect(former.json().message).toContain('已被收回');
    const formerPage = await h.app.inject({ method: 'GET', url: `/u/${leadToken}` });
    expect(formerPage.statusCode).toBe(403);
    expect(formerPage.body).toContain('已被收回');
    expect((await h.app.inject({ method: 'GET', url: `/u/${leadToken}/evidence/${fileId}` })).statusCode).toBe(403);
    expect((await api('POST', `/api/portal/${leadToken}/progress`, `${PORTAL}/progress`, { body: { text: '改派后仍想报送' } })).statusCode).toBe(403);

    const current = await api('GET', `/api/portal/${newLeadToken}`, PORTAL);
    expect(current.json()).toMatchObject({ unit: { id: 'service', role: 'lead' }, actions: { acknowledge: true } });
    // The task's current lead unit reads the task's evidence, whoever sent it.
    expect((await h.app.inject({ method: 'GET', url: `/u/${newLeadToken}/evidence/${fileId}` })).statusCode).toBe(200);
  });

  it('withdraws a unit’s links through the API and the CLI; the link issued after works', async () => {
    const route = '/api/campaigns/:campaignId/units/:unitId/links/revoke';
    const url = `/api/campaigns/${campaignId}/units/service/links/revoke`;
    expect((await api('POST', url, route, { body: {} })).statusCode).toBe(401);
    expect((await api('POST', url, route, { as: leader, body: {} })).statusCode).toBe(403);
    expect((await api('POST', url, route, { as: admin, body: {}, csrf: false })).statusCode).toBe(403);
    expect((await api('GET', `/api/portal/${newLeadToken}`, PORTAL)).statusCode).toBe(200);
    const unknown = await api('POST', `/api/campaigns/${campaignId}/units/nobody/links/revoke`, route, { as: admin, body: {} });
    expect(unknown.statusCode).toBe(404);

    // The unit's materials link (its 催报 link) goes too.
    const materials = signUnitLink({ scope: 'materials', campaignId, unitId: 'service', expiresAt: new Date((await h.sim.now()).getTime() + 86_400_000) }, LINK_SECRET);
    expect((await api('GET', `/api/portal/${materials}/materials`, `${PORTAL}/materials`)).statusCode).toBe(200);
    const revoked = await api('POST', url, route, { as: admin, body: { reason: '联系人变更' } });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toEqual({ campaignId, unitId: 'service', tasks: ['lanes'], materials: true });
    expect((await api('GET', `/api/portal/${materials}/materials`, `${PORTAL}/materials`)).json().error).toBe('LinkRevoked');
    const old = await api('GET', `/api/portal/${newLeadToken}`, PORTAL);
    expect(old.statusCode).toBe(403);
    expect(old.json().error).toBe('LinkRevoked');

    const fresh = await linkFromTaskPage(campaignId, 'lanes');
    expect(fresh).not.toBe(newLeadToken);
    const opened = await api('GET', `/api/portal/${fresh}`, PORTAL);
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json().unit).toMatchObject({ id: 'service', role: 'lead' });
    // The cooperating unit's link is not touched by another unit's withdrawal.
    expect((await api('GET', `/api/portal/${cooperatingToken}`, PORTAL)).statusCode).toBe(200);

    const bad = await cli(['link', 'revoke', campaignId, '--unit', 'nobody']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('没有单位 nobody');
    const done = await cli(['link', 'revoke', campaignId, '--unit', 'service', '--task', 'lanes']);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain('已收回单位 service 的1 项任务（lanes）的链接');
    expect((await api('GET', `/api/portal/${fresh}`, PORTAL)).json().error).toBe('LinkRevoked');
    const after = await linkFromTaskPage(campaignId, 'lanes');
    const ack = await api('POST', `/api/portal/${after}/acknowledge`, `${PORTAL}/acknowledge`, { body: { by: '王芳' } });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json().task).toMatchObject({ status: 'acknowledged' });

    // A link of the first layout (no version, mailed before versions existed) works until withdrawn.
    const payload = Buffer.from(JSON.stringify([1, campaignId, 'lanes', 'utilities', Math.floor(Date.parse('2099-01-01') / 1000)])).toString('base64url');
    const legacy = `${payload}.${createHmac('sha256', LINK_SECRET).update(`chuangwen/unit-link/v1.${payload}`).digest('base64url')}`;
    expect((await api('GET', `/api/portal/${legacy}`, PORTAL)).json().unit).toMatchObject({ id: 'utilities', role: 'cooperating' });
    expect((await cli(['link', 'revoke', campaignId, '--unit', 'utilities'])).code).toBe(0);
    expect((await api('GET', `/api/portal/${legacy}`, PORTAL)).json().error).toBe('LinkRevoked');
  });
});

describe('monthly materials: a quota per unit and month', () => {
  it('refuses a submission past the month’s count (429) or bytes (413), in Chinese, and keeps nothing', async () => {
    const today = await h.sim.now();
    const def = testDefinition({ start: shanghaiDate(today, -2), end: shanghaiDate(today, 90), cadences: { monthlyMaterials: {} } });
    const started = await api('POST', '/api/campaigns', '/api/campaigns', { as: admin, body: { yaml: stringify(def) } });
    expect(started.statusCode, started.body).toBe(201);
    const expiresAt = new Date(today.getTime() + 30 * 86_400_000);
    const token = (unitId: string) => signUnitLink({ scope: 'materials', campaignId: def.id, unitId, expiresAt }, LINK_SECRET);
    const route = '/api/portal/:token/materials';
    const send = (unitId: string, files: { name: string; type: string; data: Buffer }[] = []) =>
      api('POST', `/api/portal/${token(unitId)}/materials`, route, multipart({ form: files.length ? 'photo' : 'report', text: '本月创建工作说明' }, files));
    const count = async (unitId: string) =>
      (await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM evidence_submissions WHERE campaign_id = $1 AND unit_id = $2', [def.id, unitId])).rows[0].n;
    await waitFor(async () => (await api('GET', `/api/portal/${token('service')}/materials`, route)).json().canSubmit === true, '本月材料可报送');

    // 北海服务中心 has sent 30 times this month: the 31st is refused.
    for (let i = 0; i < 30; i++) {
      await insertSubmission(h.database.db, {
        key: `quota/${def.id}/${i}`, campaignId: def.id, taskId: null, unitId: 'service', form: 'report', text: `第 ${i + 1} 次`, interim: false,
        submittedAt: (await h.sim.now()).toISOString(), fileIds: [],
      });
    }
    const tooMany = await send('service');
    expect(tooMany.statusCode, tooMany.body).toBe(429);
    expect(tooMany.json()).toMatchObject({ error: 'MaterialsQuota' });
    expect(tooMany.json().message).toContain('已达每月 30 次的上限');
    expect(await count('service')).toBe(30);

    // 区公用事业局 has stored just under 200 MB: a file that goes past it is refused.
    const big = await insertEvidenceFile(h.database.db, {
      campaign_id: def.id, task_id: null, unit_id: 'utilities', form: 'photo', file_name: '航拍.png', content_type: 'image/png',
      size_bytes: 200 * 1024 * 1024 - 10, sha256: 'x', description: '', content: PNG,
    });
    await insertSubmission(h.database.db, {
      key: `quota/${def.id}/big`, campaignId: def.id, taskId: null, unitId: 'utilities', form: 'photo', interim: false,
      submittedAt: (await h.sim.now()).toISOString(), fileIds: [big.id],
    });
    const tooBig = await send('utilities', [{ name: '现场.png', type: 'image/png', data: PNG }]);
    expect(tooBig.statusCode, tooBig.body).toBe(413);
    expect(tooBig.json().message).toContain('超过每月 200.0 MB 的上限');
    expect(await count('utilities')).toBe(1);
    // A text without a file still fits; another unit is not affected.
    expect((await send('utilities')).statusCode).toBe(200);
    expect((await send('enforcement', [{ name: '现场.png', type: 'image/png', data: PNG }])).statusCode).toBe(200);
  });
});
