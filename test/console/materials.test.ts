// 每月定时报送 without a task: a campaign in 2035 (no holiday schedule: Monday–Friday) whose only
// cadence is the monthly materials (due the 25th at 17:00, three working days of grace, four forms).
// 北海服务中心 leads no task and cooperates on none: it receives the 催报 with its materials link,
// opens it, sends two forms through the portal, and the campaign's check then records those two on
// time and the other two late (ledger rows). Links altered, of another unit, of a unit that does not
// exist, expired or of the wrong scope are refused; a file of the wrong type is refused in Chinese.
// Its own file: the skip moves the clock years.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { signUnitLink, verifyUnitLink } from '../../services/unit-links.js';
import { definitionSchema } from '../../domain/definition.js';
import { testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { cookieHeader, LINK_SECRET, callApi, multipart, type ApiCall, consoleForFile } from './support.js';

const { h, spec, admin } = await consoleForFile();

/** One API call, checked against the OpenAPI document under `route`. */
const api = (method: 'GET' | 'POST', url: string, route: string, options: ApiCall = {}) => callApi(h, spec, method, url, { ...options, route });


const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);

const skipTo = async (iso: string) => {
  const ms = Date.parse(iso) - (await h.sim.env.currentTimeMs());
  if (ms > 0) await h.sim.env.sleep(ms);
};

/** The portal page as a browser opens it: its session cookie and the form's CSRF token. */
async function openPage(url: string): Promise<{ response: LightMyRequestResponse; cookie: string; csrf: string }> {
  const response = await h.app.inject({ method: 'GET', url });
  return { response, cookie: cookieHeader(response), csrf: decodeURIComponent(/[?&]_csrf=([^"&]+)"/.exec(response.body)?.[1] ?? '') };
}

/** A materials form as the browser posts it (multipart, with the page's CSRF token in the form's action unless told otherwise). */
function postMaterials(token: string, page: { cookie: string; csrf: string }, fields: Record<string, string>, files: { name: string; type: string; data: Buffer }[]) {
  const body = multipart(fields, files);
  const url = `/u/${token}/materials${page.csrf ? `?_csrf=${encodeURIComponent(page.csrf)}` : ''}`;
  return h.app.inject({ method: 'POST', url, headers: { ...body.headers, cookie: page.cookie }, payload: body.payload });
}

/** The text of an HTML page without its tags, so that a sentence reads as one. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('monthly materials without a task', () => {
  it('reaches a unit without tasks by its 催报 link, takes two forms, and the check records the other two late', async () => {
    const def = definitionSchema.parse(
      testDefinition({
        start: '2035-01-01',
        end: '2035-02-28',
        // 区综合执法分局 leads the only task, 区公用事业局 cooperates; 北海服务中心 has none.
        tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-02-20', cooperatingUnits: ['utilities'] }],
        cadences: { monthlyMaterials: {} },
      }),
    );
    const campaignId = def.id;
    const started = await api('POST', '/api/campaigns', '/api/campaigns', { as: admin, body: { yaml: stringify(def) } });
    expect(started.statusCode, started.body).toBe(201);

    // Due Thursday 2035-01-25 17:00 (09:00Z): the 催报 goes to every unit that has sent nothing.
    await skipTo('2035-01-25T09:30:00Z');
    const reminderTo = async (address: string) => {
      const list = await api('GET', `/api/mailbox?to=${address}`, '/api/mailbox', { as: admin });
      const summary = list.json().messages.find((m: { subject: string }) => m.subject.includes('催报'));
      if (!summary) return undefined;
      const mail = (await api('GET', `/api/mailbox/${summary.id}`, '/api/mailbox/:mailId', { as: admin })).json();
      return { subject: mail.message.subject as string, text: mail.text as string, html: mail.html as string, links: mail.links as string[] };
    };
    const mail = await waitFor(() => reminderTo('fw@test.example.org'), '催报 to 北海服务中心', 60_000);
    expect(mail.subject).toContain('关于报送1月创建材料的催报通知');
    expect(mail.text).toContain('你单位本月尚未报送：正式发文、图片资料、说明报告、数据表格');
    const url = /报送链接[^：]*：(\S+)/.exec(mail.text)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(mail.html).toContain(`href="${url}"`);
    expect(mail.links).toEqual([url]);
    const token = url!.split('/u/')[1];
    // Scoped to the unit, no task; valid 30 days from the end of the due day.
    const check = verifyUnitLink(token, LINK_SECRET, await h.sim.now());
    expect(check).toMatchObject({ ok: true, link: { scope: 'materials', campaignId, unitId: 'service' } });
    expect(check.ok && check.link.taskId).toBeUndefined();
    expect(check.ok && check.link.expiresAt.toISOString()).toBe('2035-02-24T16:00:00.000Z');
    // The unit leading a task gets the same kind of link in its 催报.
    const enforcementMail = await waitFor(() => reminderTo('zf@test.example.org'), '催报 to 区综合执法分局');
    const enforcementToken = /\/u\/(\S+)/.exec(enforcementMail.text)![1];
    expect(verifyUnitLink(enforcementToken, LINK_SECRET, await h.sim.now())).toMatchObject({ ok: true, link: { scope: 'materials', unitId: 'enforcement' } });

    // The link opens the unit's page: the month, and every form still missing.
    const opened = await openPage(`/u/${token}`);
    expect(opened.response.statusCode).toBe(200);
    expect(opened.response.headers['cache-control']).toBe('no-store');
    const page = textOf(opened.response.body);
    expect(page).toContain('2035年1月创建材料');
    expect(page).toContain('报送单位： 北海服务中心');
    expect(page).toContain('尚未报送：正式发文、图片资料、说明报告、数据表格');
    expect(page).toContain('报送截止：2035-01-25 17:00，宽限至2035年1月30日；届时仍未报送的材料记为逾期');
    expect(opened.csrf).not.toBe('');

    const route = '/api/portal/:token/materials';
    const view = await api('GET', `/api/portal/${token}/materials`, route);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      unit: { id: 'service', name: '北海服务中心' },
      month: { month: '2035-01', label: '2035年1月', dueDate: '2035-01-25', lastDay: '2035-01-30', dueAt: '2035-01-25T09:00:00.000Z', checkAt: '2035-01-30T16:00:00.000Z' },
      canSubmit: true,
      submissions: [],
    });
    expect(view.json().forms.map((f: { form: string; submitted: boolean }) => [f.form, f.submitted])).toEqual([
      ['document', false],
      ['photo', false],
      ['report', false],
      ['dataTable', false],
    ]);

    const files = async () => (await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM evidence_files WHERE campaign_id = $1', [campaignId])).rows[0].n;

    // Without the page's CSRF token nothing is taken.
    const noCsrf = await postMaterials(token, { cookie: opened.cookie, csrf: '' }, { form: 'document' }, [{ name: '通知.pdf', type: 'application/pdf', data: PDF }]);
    expect(noCsrf.statusCode).toBe(403);
    // A file of the wrong type, or renamed, is refused with the reason, and nothing is kept.
    const wrongType = await postMaterials(token, opened, { form: 'dataTable', text: '1月台账' }, [{ name: 'virus.exe', type: 'application/octet-stream', data: Buffer.from('MZ') }]);
    expect(wrongType.statusCode).toBe(422);
    expect(textOf(wrongType.body)).toContain('“virus.exe”的类型不符合数据表格的要求（可上传：xlsx、xls、et、csv）');
    expect(wrongType.body).toContain('1月台账'); // what was typed is shown again
    const renamed = await postMaterials(token, opened, { form: 'photo' }, [{ name: 'photo.png', type: 'image/png', data: Buffer.from('<svg onload=alert(1)>') }]);
    expect(renamed.statusCode).toBe(422);
    expect(renamed.body).toContain('内容与扩展名 .png 不符');
    const empty = await postMaterials(token, opened, { form: 'report', text: '   ' }, []);
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('说明报告不能为空：请上传文件或填写说明');
    expect(await files()).toBe(0);

    // Two forms: 正式发文 through the page, 图片资料 through the same link as JSON.
    const document = await postMaterials(token, opened, { form: 'document', text: '本月创建工作安排', by: '周敏' }, [{ name: '创建工作安排.pdf', type: 'application/pdf', data: PDF }]);
    expect(document.statusCode, document.body).toBe(303);
    expect(document.headers.location).toBe(`/u/${token}?done=materials`);
    const photo = await api('POST', `/api/portal/${token}/materials`, route, {
      ...multipart({ form: 'photo', by: '周敏' }, [{ name: '现场.png', type: 'image/png', data: PNG }]),
    });
    expect(photo.statusCode, photo.body).toBe(200);
    expect(photo.json().forms.filter((f: { submitted: boolean }) => f.submitted).map((f: { form: string }) => f.form)).toEqual(['document', 'photo']);
    expect(photo.json().submissions.map((s: { form: string; by: string }) => [s.form, s.by])).toEqual([
      ['document', '周敏'],
      ['photo', '周敏'],
    ]);

    // In the record: two submissions without a task, each with its file, at the campaign's time.
    const { rows: stored } = await h.database.db.query<{ form: string; task_id: string | null; interim: boolean; submitted_at: Date; file_task: string | null; file_name: string; file_id: string }>(
      `SELECT s.form, s.task_id, s.interim, s.submitted_at, f.task_id AS file_task, f.file_name, f.id AS file_id
       FROM evidence_submissions s JOIN evidence_submission_files l ON l.submission_id = s.id JOIN evidence_files f ON f.id = l.file_id
       WHERE s.campaign_id = $1 AND s.unit_id = 'service' ORDER BY s.id`,
      [campaignId],
    );
    expect(stored.map((r) => [r.form, r.task_id, r.interim, r.file_task, r.file_name])).toEqual([
      ['document', null, false, null, '创建工作安排.pdf'],
      ['photo', null, false, null, '现场.png'],
    ]);
    expect(stored[0].submitted_at.getUTCFullYear()).toBe(2035);

    const after = await h.app.inject({ method: 'GET', url: `/u/${token}?done=materials` });
    expect(after.statusCode).toBe(200);
    expect(textOf(after.body)).toContain('材料已报送，将计入本月的每月报送。');
    expect(textOf(after.body)).toContain('尚未报送：说明报告、数据表格');
    expect(after.body).toContain(`/u/${token}/evidence/${stored[0].file_id}`);
    const download = await h.app.inject({ method: 'GET', url: `/u/${token}/evidence/${stored[0].file_id}` });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(PDF)).toBe(true);

    // ---- refusals, exactly as for task links
    const now = await h.sim.now();
    const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
    const materialsLink = (unitId: string, at = expiresAt, campaign = campaignId) => signUnitLink({ scope: 'materials', campaignId: campaign, unitId, expiresAt: at }, LINK_SECRET);
    // Altered: another unit in the payload, the same signature.
    const [payload, signature] = token.split('.');
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString());
    fields[3] = 'utilities';
    const forged = `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${signature}`;
    const forgedPage = await h.app.inject({ method: 'GET', url: `/u/${forged}` });
    expect(forgedPage.statusCode).toBe(403);
    expect(forgedPage.body).toContain('链接无效（签名不符），请使用邮件中的原始链接');
    expect((await api('GET', `/api/portal/${forged}/materials`, route)).json()).toMatchObject({ error: 'LinkInvalid' });
    const forgedPost = await api('POST', `/api/portal/${forged}/materials`, route, multipart({ form: 'report', text: '冒名报送' }, []));
    expect(forgedPost.statusCode).toBe(403);
    expect((await api('GET', `/api/portal/${token.slice(0, -2)}/materials`, route)).statusCode).toBe(403);
    // Another unit's link shows that unit's own month, and reaches none of this unit's files.
    const utilities = materialsLink('utilities');
    const theirs = await api('GET', `/api/portal/${utilities}/materials`, route);
    expect(theirs.json()).toMatchObject({ unit: { id: 'utilities' }, submissions: [] });
    expect(theirs.json().forms.every((f: { submitted: boolean }) => !f.submitted)).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: `/u/${utilities}/evidence/${stored[0].file_id}` })).statusCode).toBe(404);
    // A unit that is not in the campaign, a campaign that does not exist, an expired link.
    const ghost = await api('GET', `/api/portal/${materialsLink('ghost')}/materials`, route);
    expect(ghost.statusCode).toBe(403);
    expect(ghost.json().message).toBe('该链接对应的单位不存在');
    expect((await api('GET', `/api/portal/${materialsLink('service', expiresAt, 'nowhere')}/materials`, route)).statusCode).toBe(404);
    const expired = await api('GET', `/api/portal/${materialsLink('service', new Date(now.getTime() - 1000))}/materials`, route);
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toMatchObject({ error: 'LinkExpired', message: '链接已过期，请联系创建办重新发送' });
    // The scopes do not mix: a task link sends no materials, a materials link opens no task.
    const taskLink = signUnitLink({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt }, LINK_SECRET);
    const taskAsMaterials = await api('POST', `/api/portal/${taskLink}/materials`, route, multipart({ form: 'report', text: '说明' }, []));
    expect(taskAsMaterials.statusCode).toBe(403);
    expect(taskAsMaterials.json().message).toContain('不能报送每月材料');
    expect((await api('GET', `/api/portal/${token}`, '/api/portal/:token')).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: `/api/portal/${token}/acknowledge`, payload: {} })).statusCode).toBe(403);
    // Nothing of the refused ones was kept.
    expect(await files()).toBe(2);

    // ---- the console: each unit's materials of the month
    const overview = await api('GET', `/api/campaigns/${campaignId}`, '/api/campaigns/:campaignId', { as: admin });
    const materials = overview.json().materials;
    expect(materials.month).toMatchObject({ month: '2035-01', lastDay: '2035-01-30' });
    expect(materials.units.map((u: { unitId: string; submitted: string[]; missing: string[] }) => [u.unitId, u.submitted, u.missing])).toEqual([
      ['enforcement', [], ['document', 'photo', 'report', 'dataTable']],
      ['service', ['document', 'photo'], ['report', 'dataTable']],
      ['utilities', [], ['document', 'photo', 'report', 'dataTable']],
    ]);
    const campaignPage = await h.app.inject({ method: 'GET', url: `/campaigns/${campaignId}`, headers: { cookie: admin.cookie } });
    expect(campaignPage.statusCode).toBe(200);
    const section = textOf(campaignPage.body.slice(campaignPage.body.indexOf('id="materials"')));
    expect(section).toContain('每月报送材料 2035年1月');
    const serviceRow = section.slice(section.indexOf('北海服务中心'), section.indexOf('区公用事业局'));
    expect(serviceRow).toMatch(/北海服务中心 正式发文 图片资料 说明报告 数据表格 正式发文：.*创建工作安排\.pdf.*图片资料：.*现场\.png/);
    expect(campaignPage.body).toContain(`value="${url}"`); // the administrator can pass on the very link of the 催报

    // ---- the check, after three working days of grace (Friday 26, Monday 29, Tuesday 30)
    await skipTo('2035-01-31T00:00:00Z');
    const checks = await waitFor(async () => {
      const { rows } = await h.database.db.query<{ unit_id: string; form: string; on_time: boolean; month: string }>(
        'SELECT unit_id, form, on_time, month FROM materials_checks WHERE campaign_id = $1 ORDER BY unit_id, form',
        [campaignId],
      );
      return rows.length === 12 && rows;
    }, 'materials checked', 60_000);
    expect(checks.filter((c) => c.unit_id === 'service').map((c) => [c.form, c.on_time, c.month])).toEqual([
      ['dataTable', false, '2035-01'],
      ['document', true, '2035-01'],
      ['photo', true, '2035-01'],
      ['report', false, '2035-01'],
    ]);
    expect(checks.filter((c) => c.unit_id !== 'service').every((c) => !c.on_time)).toBe(true);
    const { rows: ledger } = await h.database.db.query<{ unit_id: string; points: number; reason: string; year: number }>(
      `SELECT unit_id, points::float8 AS points, reason, year FROM performance_ledger WHERE campaign_id = $1 AND reason LIKE '%逾期未报'`,
      [campaignId],
    );
    expect(ledger.filter((l) => l.unit_id === 'service').sort((a, b) => a.reason.localeCompare(b.reason, 'en'))).toEqual(
      [
        { unit_id: 'service', points: -0.5, reason: '2035-01 月说明报告逾期未报', year: 2035 },
        { unit_id: 'service', points: -0.5, reason: '2035-01 月数据表格逾期未报', year: 2035 },
      ].sort((a, b) => a.reason.localeCompare(b.reason, 'en')),
    );
    // (区综合执法分局 also answers for its task: that is not materials.)
    expect(ledger.filter((l) => l.unit_id === 'enforcement')).toHaveLength(4);
    expect(ledger.filter((l) => l.unit_id === 'utilities')).toHaveLength(4);

    // Checked: the same link now shows February's materials (due Monday 26th: the 25th is a Sunday).
    const february = await api('GET', `/api/portal/${token}/materials`, route);
    expect(february.json().month).toMatchObject({ month: '2035-02', dueDate: '2035-02-26' });
    // What answered January's 催报 does not serve February: every form is due again.
    expect(february.json().forms.map((f: { form: string; submitted: boolean }) => [f.form, f.submitted])).toEqual([
      ['document', false],
      ['photo', false],
      ['report', false],
      ['dataTable', false],
    ]);
  });
});
