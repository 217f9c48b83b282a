// The HTTP API on the time-skipping simulation: every answer checked against /api/openapi.json,
// every permission path tried (no login, leader, admin without CSRF, unit links altered, expired,
// for another task or another unit), and the task's life from assignment to 销号 through the API.
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createConsoleServer } from '../../client/server.js';
import { signUnitLink, verifyUnitLink } from '../../services/unit-links.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { apiLogin, LINK_SECRET, PASSWORD, SESSION_SECRET, callApi, multipart, type ApiCall, consoleForFile } from './support.js';

const { h, spec, admin, leader } = await consoleForFile();

/** A group of steps (the worker runs all along). */
const step = (fn: () => Promise<void>) => fn();

/** One API call, checked against the OpenAPI document. */
const api = (method: 'GET' | 'POST' | 'DELETE', url: string, options: ApiCall = {}) => callApi(h, spec, method, url, options);


const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);

describe('console API', () => {
  let campaignId: string;
  let yaml: string;
  let leadToken: string;
  let today: Date;

  it('refuses callers without an account, and logs in only with the right password', async () => {
    expect((await api('GET', '/api/campaigns')).statusCode).toBe(401);
    expect((await api('GET', '/api/session')).statusCode).toBe(401);
    const wrong = await api('POST', '/api/session', { body: { name: 'zhaoming', password: 'wrong password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toBe('用户名或密码不正确');
    expect((await api('POST', '/api/session', { body: { name: 'nobody', password: PASSWORD } })).statusCode).toBe(401);
    // A cross-site form cannot log anyone in: the API takes JSON only.
    const form = await api('POST', '/api/session', {
      payload: Buffer.from(`name=zhaoming&password=${encodeURIComponent(PASSWORD)}`),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.statusCode).toBe(415);
    const me = await api('GET', '/api/session', { as: leader });
    expect(me.json().user).toEqual({ name: 'wangzu', displayName: '王组长', role: 'leader' });
  });

  it('validates a definition and reports each problem with its line, then starts the campaign once', async () => {
    today = await h.sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 90),
      tasks: [
        { id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) },
        { id: 'parks', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 30), leadUnit: 'utilities', cooperatingUnits: ['service'] },
      ],
    });
    campaignId = def.id;
    yaml = stringify(def);

    const broken = yaml.replace('leadUnit: utilities', 'leadUnit: nowhere');
    const check = await api('POST', '/api/definitions/validate', { as: admin, body: { yaml: broken, fileName: 'test.yaml' } });
    expect(check.statusCode).toBe(200);
    expect(check.json().valid).toBe(false);
    const problem = check.json().problems.find((p: { field?: string }) => p.field === 'tasks[1].leadUnit');
    expect(problem).toMatchObject({ file: 'test.yaml', message: '未知单位：nowhere' });
    expect(problem.line).toBe(broken.split('\n').findIndex((l) => l.includes('leadUnit: nowhere')) + 1);

    const refused = await api('POST', '/api/campaigns', { as: admin, body: { yaml: broken } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: 'InvalidDefinition' });
    expect(refused.json().problems.length).toBeGreaterThan(0);

    // Dates checked before anything starts: an ended period, tasks already past their deadline.
    const ended = stringify({ ...def, id: `${def.id}-ended`, start: '2016-03-01', end: '2016-12-31', tasks: [] });
    const tooLate = await api('POST', '/api/campaigns', { as: admin, body: { yaml: ended } });
    expect(tooLate.statusCode).toBe(422);
    expect(tooLate.json()).toMatchObject({ error: 'PeriodEnded' });
    expect(tooLate.json().message).toContain('活动期 2016-03-01 至 2016-12-31 已经结束');
    expect(tooLate.json().message).toContain('--shift-to YYYY-MM-DD');
    const lapsed = stringify({ ...def, id: `${def.id}-lapsed`, tasks: [{ ...def.tasks[0], deadline: shanghaiDate(today, -1) }] });
    const refusedLapsed = await api('POST', '/api/campaigns', { as: admin, body: { yaml: lapsed } });
    expect(refusedLapsed.statusCode).toBe(422);
    expect(refusedLapsed.json()).toMatchObject({ error: 'DeadlinesLapsed' });
    expect(refusedLapsed.json().message).toContain(`lanes 整治任务lanes：${shanghaiDate(today, -1)} 截止，已过 1 天`);
    const { rows: none } = await h.database.db.query('SELECT id FROM campaigns WHERE id LIKE $1', [`${def.id}-%`]);
    expect(none).toEqual([]);

    // Leaders read; they do not start campaigns. Without the CSRF token an administrator cannot either.
    expect((await api('POST', '/api/campaigns', { as: leader, body: { yaml } })).statusCode).toBe(403);
    expect((await api('POST', '/api/campaigns', { as: admin, body: { yaml }, csrf: false })).statusCode).toBe(403);

    const started = await api('POST', '/api/campaigns', { as: admin, body: { yaml, fileName: 'test.yaml' } });
    expect(started.statusCode).toBe(201);
    expect(started.json()).toMatchObject({ id: campaignId, taskCount: 2, unitCount: 3, workflowId: `campaign/${campaignId}` });
    const again = await api('POST', '/api/campaigns', { as: admin, body: { yaml } });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('已经启动过');
  });

  it('shows the campaign, its dashboard, tasks, notices and mail', async () => {
    await step(async () => {
      await waitFor(async () => {
        const r = await h.app.inject({ method: 'GET', url: `/api/campaigns/${campaignId}/tasks`, headers: { cookie: admin.cookie } });
        return r.statusCode === 200 && r.json().tasks.length === 2 && r.json().tasks.every((t: { status: string }) => t.status === 'assigned');
      }, 'both tasks assigned');
    });
    const campaign = await api('GET', `/api/campaigns/${campaignId}`, { as: leader, route: '/api/campaigns/:campaignId' });
    expect(campaign.statusCode).toBe(200);
    expect(campaign.json().campaign).toMatchObject({ id: campaignId, taskCount: 2 });
    // The definition names no cadence: only each task's own weekly 催办 runs, and the ladder's rules.
    expect(campaign.json().cadences).toEqual([expect.objectContaining({ key: 'taskReminder', name: '任务催办', source: 'tasks' })]);
    expect(campaign.json().rules.map((r: { name: string }) => r.name)).toEqual(['第1级 逾期通报', '第2级 督办函', '第3级 约谈', '第4级 追责']);
    expect(campaign.json().dashboard.byStatus.find((s: { status: string }) => s.status === 'assigned').count).toBe(2);
    expect(campaign.json().dashboard.units.map((u: { mark: string }) => u.mark)).not.toContain('red');

    const board = await api('GET', `/api/dashboard?campaign=${campaignId}`, { as: leader });
    expect(board.json().totals).toEqual({ tasks: 2, open: 2, closed: 0, overdue: 0 });
    expect((await api('GET', '/api/dashboard?campaign=nowhere', { as: leader })).statusCode).toBe(404);

    const filtered = await api('GET', `/api/campaigns/${campaignId}/tasks?unit=utilities&limit=10`, { as: leader, route: '/api/campaigns/:campaignId/tasks' });
    expect(filtered.json().tasks.map((t: { id: string }) => t.id).sort()).toEqual(['lanes', 'parks']);
    const lead = await api('GET', `/api/campaigns/${campaignId}/tasks?q=lanes`, { as: leader, route: '/api/campaigns/:campaignId/tasks' });
    expect(lead.json()).toMatchObject({ total: 1, limit: 100, offset: 0 });
    expect((await api('GET', `/api/campaigns/${campaignId}/tasks?status=bogus`, { as: leader, route: '/api/campaigns/:campaignId/tasks' })).statusCode).toBe(400);

    const detail = await api('GET', `/api/campaigns/${campaignId}/tasks/lanes`, { as: leader, route: '/api/campaigns/:campaignId/tasks/:taskId' });
    expect(detail.statusCode).toBe(200);
    const body = detail.json();
    expect(body.task).toMatchObject({ id: 'lanes', status: 'assigned', leadUnitName: '区综合执法分局' });
    expect(body.clock).toMatchObject({ kind: 'deadline', overdue: false });
    expect(body.clock.text).toMatch(/^距完成时限还有 \d+天/);
    expect(body.timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['notice.assignment', 'assigned', 'planned.deadline']));
    expect((await api('GET', `/api/campaigns/${campaignId}/tasks/nowhere`, { as: leader, route: '/api/campaigns/:campaignId/tasks/:taskId' })).statusCode).toBe(404);

    const notices = await api('GET', `/api/notices?campaign=${campaignId}`, { as: leader });
    expect(notices.json().total).toBe(2);
    const assignment = notices.json().notices[0];
    expect(assignment.documentNumber).toMatch(/^测试创城交办〔\d{4}〕[12]号$/);
    const notice = await api('GET', `/api/notices/${assignment.id}`, { as: leader, route: '/api/notices/:noticeId' });
    expect(notice.json()).toMatchObject({ signature: '测试园区创城办', docxAvailable: true });
    expect(notice.json().paragraphs.length).toBeGreaterThan(1);

    // The mailbox is the administrator's: the links in it act for units.
    expect((await api('GET', '/api/mailbox', { as: leader })).statusCode).toBe(403);
    const mail = await api('GET', '/api/mailbox?to=zf@test.example.org', { as: admin });
    expect(mail.json().total).toBe(1);
    const message = await api('GET', `/api/mailbox/${mail.json().messages[0].id}`, { as: admin, route: '/api/mailbox/:mailId' });
    expect(message.json().message.subject).toContain('交办');
  });

  it('lets a unit act on its own task through its link, and nothing else', async () => {
    const now = await h.sim.now();
    const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
    leadToken = signUnitLink({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt }, LINK_SECRET);
    expect(verifyUnitLink(leadToken, LINK_SECRET, now)).toMatchObject({ ok: true, link: { campaignId, taskId: 'lanes', unitId: 'enforcement' } });
    const route = '/api/portal/:token';

    const view = await api('GET', `/api/portal/${leadToken}`, { route });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ unit: { id: 'enforcement', role: 'lead' }, task: { id: 'lanes' }, actions: { acknowledge: true, submitEvidence: false } });
    expect(JSON.stringify(view.json().timeline)).not.toContain('@test.example.org');

    // Altered: another task in the payload, the same signature.
    const [payload, signature] = leadToken.split('.');
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString());
    fields[2] = 'parks';
    const forged = `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${signature}`;
    const refusedForged = await api('GET', `/api/portal/${forged}`, { route });
    expect(refusedForged.statusCode).toBe(403);
    expect(refusedForged.json().error).toBe('LinkInvalid');
    expect((await api('POST', `/api/portal/${forged}/acknowledge`, { route: `${route}/acknowledge`, body: {} })).statusCode).toBe(403);
    // Signed with another secret, or truncated.
    const otherSecret = signUnitLink({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt }, 'another-secret-0123456789-0123456789');
    expect((await api('GET', `/api/portal/${otherSecret}`, { route })).json().error).toBe('LinkInvalid');
    expect((await api('GET', `/api/portal/${leadToken.slice(0, -2)}`, { route })).statusCode).toBe(403);
    // Expired (by the simulation's clock).
    const expired = signUnitLink({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt: new Date(now.getTime() - 1000) }, LINK_SECRET);
    const refusedExpired = await api('GET', `/api/portal/${expired}`, { route });
    expect(refusedExpired.statusCode).toBe(403);
    expect(refusedExpired.json()).toMatchObject({ error: 'LinkExpired', message: '链接已过期，请联系创建办重新发送' });

    // A cooperating unit's link shows the task but cannot act on it.
    const cooperating = signUnitLink({ campaignId, taskId: 'lanes', unitId: 'utilities', expiresAt }, LINK_SECRET);
    expect((await api('GET', `/api/portal/${cooperating}`, { route })).json()).toMatchObject({ unit: { role: 'cooperating' }, actions: { acknowledge: false } });
    const notLead = await api('POST', `/api/portal/${cooperating}/acknowledge`, { route: `${route}/acknowledge`, body: {} });
    expect(notLead.statusCode).toBe(403);
    expect(notLead.json().error).toBe('WrongUnit');

    await step(async () => {
      // Evidence before acknowledging: the workflow refuses (wrong state) and no file is kept.
      const early = multipart({ form: 'photo', text: '整治前后对比照片' }, [{ field: 'files', name: '现场.png', type: 'image/png', data: PNG }]);
      const tooEarly = await api('POST', `/api/portal/${leadToken}/evidence`, { route: `${route}/evidence`, ...early });
      expect(tooEarly.statusCode).toBe(409);
      expect(tooEarly.json().message).toContain('请先签收');
      expect((await h.database.db.query('SELECT count(*)::int AS n FROM evidence_files')).rows[0].n).toBe(0);

      const ack = await api('POST', `/api/portal/${leadToken}/acknowledge`, { route: `${route}/acknowledge`, body: { by: '郑丽' } });
      expect(ack.statusCode).toBe(200);
      expect(ack.json().task).toMatchObject({ status: 'acknowledged', statusName: '已签收' });
      const twice = await api('POST', `/api/portal/${leadToken}/acknowledge`, { route: `${route}/acknowledge`, body: {} });
      expect(twice.statusCode).toBe(409);
      expect(twice.json()).toMatchObject({ error: 'InvalidState', message: '任务当前状态为“已签收”，不能签收' });

      const blank = await api('POST', `/api/portal/${leadToken}/progress`, { route: `${route}/progress`, body: { text: '   ' } });
      expect(blank.statusCode).toBe(422);
      expect(blank.json().message).toBe('进展内容不能为空');
      const progress = await api('POST', `/api/portal/${leadToken}/progress`, { route: `${route}/progress`, body: { text: '已清理背街小巷12处。', by: '郑丽' } });
      expect(progress.json().task.status).toBe('inProgress');

      // 延期申请, then the office decides.
      const until = shanghaiDate(today, 35);
      const extension = await api('POST', `/api/portal/${leadToken}/extension`, { route: `${route}/extension`, body: { until, reason: '雨季施工受阻' } });
      expect(extension.statusCode).toBe(200);
      expect(extension.json().task.extensions[0]).toMatchObject({ status: 'pending', requestedDeadline: until });
      const again = await api('POST', `/api/portal/${leadToken}/extension`, { route: `${route}/extension`, body: { until, reason: '再次申请' } });
      expect(again.statusCode).toBe(409);
      expect((await api('POST', `/api/campaigns/${campaignId}/tasks/lanes/extension-decision`, { as: leader, route: '/api/campaigns/:campaignId/tasks/:taskId/extension-decision', body: { approved: true } })).statusCode).toBe(403);
      const decided = await api('POST', `/api/campaigns/${campaignId}/tasks/lanes/extension-decision`, {
        as: admin,
        route: '/api/campaigns/:campaignId/tasks/:taskId/extension-decision',
        body: { approved: true, comment: '同意' },
      });
      expect(decided.statusCode).toBe(200);
      expect(decided.json().task).toMatchObject({ deadline: until });

      // Files of the wrong kind, or renamed, are refused with the reason.
      const exe = multipart({ form: 'photo' }, [{ field: 'files', name: 'virus.exe', type: 'application/octet-stream', data: Buffer.from('MZ') }]);
      const wrongType = await api('POST', `/api/portal/${leadToken}/evidence`, { route: `${route}/evidence`, ...exe });
      expect(wrongType.statusCode).toBe(422);
      expect(wrongType.json().message).toContain('类型不符合图片资料的要求');
      const renamed = multipart({ form: 'photo' }, [{ field: 'files', name: 'photo.png', type: 'image/png', data: Buffer.from('<svg onload=alert(1)>') }]);
      expect((await api('POST', `/api/portal/${leadToken}/evidence`, { route: `${route}/evidence`, ...renamed })).json().message).toContain('内容与扩展名 .png 不符');

      const good = multipart({ form: 'photo', text: '整治后照片', by: '郑丽' }, [{ field: 'files', name: '整治后.png', type: 'image/png', data: PNG }]);
      const submitted = await api('POST', `/api/portal/${leadToken}/evidence`, { route: `${route}/evidence`, ...good });
      expect(submitted.statusCode, submitted.body).toBe(200);
      expect(submitted.json().task.status).toBe('evidenceSubmitted');

      // The file is reachable through this task's link only.
      const { rows: files } = await h.database.db.query<{ id: string }>('SELECT id FROM evidence_files');
      expect(files).toHaveLength(1);
      const own = await h.app.inject({ method: 'GET', url: `/u/${leadToken}/evidence/${files[0].id}` });
      expect(own.statusCode).toBe(200);
      expect(own.headers['content-type']).toBe('image/png');
      expect(own.rawPayload.equals(PNG)).toBe(true);
      const parksToken = signUnitLink({ campaignId, taskId: 'parks', unitId: 'utilities', expiresAt }, LINK_SECRET);
      expect((await h.app.inject({ method: 'GET', url: `/u/${parksToken}/evidence/${files[0].id}` })).statusCode).toBe(404);

      // Verification: refused without reasons, a leader cannot, the CSRF token is required.
      const verifyRoute = '/api/campaigns/:campaignId/tasks/:taskId/verify';
      const verifyUrl = `/api/campaigns/${campaignId}/tasks/lanes/verify`;
      expect((await api('POST', verifyUrl, { as: leader, route: verifyRoute, body: { passed: true } })).statusCode).toBe(403);
      expect((await api('POST', verifyUrl, { as: admin, route: verifyRoute, body: { passed: true }, csrf: false })).statusCode).toBe(403);
      const noReason = await api('POST', verifyUrl, { as: admin, route: verifyRoute, body: { passed: false } });
      expect(noReason.statusCode).toBe(422);
      expect(noReason.json().message).toBe('核查不通过时必须写明原因');
      const failed = await api('POST', verifyUrl, { as: admin, route: verifyRoute, body: { passed: false, reasons: ['照片未显示整改后全貌'] } });
      expect(failed.json().task.status).toBe('inProgress');
      const report = multipart({ form: 'report', text: '补充整改说明：已全部清理。' }, []);
      expect((await api('POST', `/api/portal/${leadToken}/evidence`, { route: `${route}/evidence`, ...report })).json().task.status).toBe('evidenceSubmitted');
      const passed = await api('POST', verifyUrl, { as: admin, route: verifyRoute, body: { passed: true, comment: '现场核查合格' } });
      expect(passed.json().task).toMatchObject({ status: 'closed', statusName: '已销号' });
      const late = await api('POST', verifyUrl, { as: admin, route: verifyRoute, body: { passed: true } });
      expect(late.statusCode, late.body).toBe(409);
      // Closed: the link still shows the task, and offers nothing to do.
      expect((await api('GET', `/api/portal/${leadToken}`, { route })).json().actions).toEqual({
        acknowledge: false,
        reportProgress: false,
        submitEvidence: false,
        requestExtension: false,
      });
    });

    const detail = await api('GET', `/api/campaigns/${campaignId}/tasks/lanes`, { as: leader, route: '/api/campaigns/:campaignId/tasks/:taskId' });
    expect(detail.json().evidence.map((e: { form: string }) => e.form)).toEqual(['photo', 'report']);
    expect(detail.json().clock).toMatchObject({ kind: 'none', text: '任务已销号，不再计时' });
    const kinds = detail.json().timeline.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['acknowledged', 'progress', 'extensionRequested', 'extensionApproved', 'evidence', 'verificationFailed', 'verified']));
  });

  it('administers tasks: reassign and withdraw', async () => {
    await step(async () => {
      const route = '/api/campaigns/:campaignId/tasks/:taskId/reassign';
      const bad = await api('POST', `/api/campaigns/${campaignId}/tasks/parks/reassign`, { as: admin, route, body: { unitId: 'utilities', reason: '调整' } });
      expect(bad.statusCode).toBe(422);
      const moved = await api('POST', `/api/campaigns/${campaignId}/tasks/parks/reassign`, { as: admin, route, body: { unitId: 'service', reason: '职责调整' } });
      expect(moved.json().task).toMatchObject({ leadUnit: 'service' });
      const withdrawn = await api('POST', `/api/campaigns/${campaignId}/tasks/parks/withdraw`, {
        as: admin,
        route: '/api/campaigns/:campaignId/tasks/:taskId/withdraw',
        body: { reason: '并入其他任务' },
      });
      expect(withdrawn.json().task.status).toBe('withdrawn');
    });
  });

  it('adds a task to the running campaign: recorded, listed and assigned by mail', async () => {
    const route = '/api/campaigns/:campaignId/tasks';
    const now = await h.sim.now();
    const added = await api('POST', `/api/campaigns/${campaignId}/tasks`, {
      as: admin,
      route,
      // Started yesterday, so it is assigned at once rather than at 09:00 of its start day.
      body: {
        kind: 'task',
        id: 'night-market',
        title: '整治夜市占道经营',
        description: '夜市摊点越线经营，油烟扰民。',
        leadUnit: 'utilities',
        cooperatingUnits: ['service'],
        start: shanghaiDate(now, -1),
        deadline: shanghaiDate(now, 25),
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ id: 'night-market', title: '整治夜市占道经营', leadUnit: 'utilities', leadUnitName: '区公用事业局', cooperatingUnits: ['service'] });
    const { rows } = await h.database.db.query('SELECT title, lead_unit, deadline FROM tasks WHERE campaign_id = $1 AND id = $2', [campaignId, 'night-market']);
    expect(rows).toEqual([{ title: '整治夜市占道经营', lead_unit: 'utilities', deadline: shanghaiDate(now, 25) }]);

    const assignment = await waitFor(async () => {
      const r = await api('GET', `/api/notices?campaign=${campaignId}&task=night-market`, { as: leader });
      return r.json().notices.find((n: { kind: string }) => n.kind === 'assignment') as { documentNumber: string } | undefined;
    }, 'the new task assigned');
    const mail = await waitFor(async () => {
      const r = await api('GET', '/api/mailbox?to=gy@test.example.org', { as: admin });
      return r.json().messages.find((m: { subject: string }) => m.subject.includes(assignment.documentNumber)) as { subject: string } | undefined;
    }, 'the assignment mail in the sink');
    expect(mail.subject).toContain('交办');
    const list = await api('GET', `/api/campaigns/${campaignId}/tasks?q=night-market`, { as: leader, route });
    expect(list.json().tasks).toMatchObject([{ id: 'night-market', status: 'assigned' }]);

    // The same id again, an unknown unit, no deadline: refused with the reason, nothing added.
    const twice = await api('POST', `/api/campaigns/${campaignId}/tasks`, { as: admin, route, body: { kind: 'task', id: 'night-market', title: '重复', leadUnit: 'utilities', deadline: shanghaiDate(now, 25) } });
    expect(twice.statusCode).toBe(422);
    expect(twice.json().message).toBe('任务编号重复：night-market');
    const unknown = await api('POST', `/api/campaigns/${campaignId}/tasks`, { as: admin, route, body: { kind: 'task', title: '未知单位的任务', leadUnit: 'nowhere', deadline: shanghaiDate(now, 25) } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ error: 'InvalidInput', message: '未知单位：nowhere' });
    const noDeadline = await api('POST', `/api/campaigns/${campaignId}/tasks`, { as: admin, route, body: { kind: 'task', title: '没有时限', leadUnit: 'utilities' } });
    expect(noDeadline.statusCode).toBe(422);
    expect((await api('POST', `/api/campaigns/nowhere/tasks`, { as: admin, route, body: { kind: 'task', title: '无此活动', leadUnit: 'utilities', deadline: shanghaiDate(now, 25) } })).statusCode).toBe(404);
    expect((await h.database.db.query('SELECT count(*)::int AS n FROM tasks WHERE campaign_id = $1', [campaignId])).rows[0].n).toBe(3);
  });

  it('registers a complaint, which starts at the 督办函', async () => {
    const route = '/api/campaigns/:campaignId/tasks';
    const unknown = await api('POST', `/api/campaigns/${campaignId}/tasks`, {
      as: admin,
      route,
      body: { kind: 'complaint', title: '群众反映夜市油烟扰民', leadUnit: 'nowhere', source: 'citizen' },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toBe('未知单位：nowhere');

    const added = await api('POST', `/api/campaigns/${campaignId}/tasks`, {
      as: admin,
      route,
      body: {
        kind: 'complaint',
        id: 'hotline-1',
        title: '群众反映夜市油烟扰民',
        description: '夜间油烟和噪声影响周边居民休息。',
        leadUnit: 'enforcement',
        source: 'citizen',
        reference: '12345热线工单 0001',
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ id: 'hotline-1', title: '群众反映夜市油烟扰民', leadUnit: 'enforcement' });

    // Its letter goes out at 09:00 (campaign time) of the day it was registered.
    const nine = DateTime.fromJSDate(await h.sim.now()).setZone('Asia/Shanghai').set({ hour: 9, minute: 1, second: 0, millisecond: 0 });
    const wait = nine.toMillis() - (await h.sim.env.currentTimeMs());
    if (wait > 0) await h.sim.env.sleep(wait);
    const first = await waitFor(async () => {
      const r = await api('GET', `/api/notices?campaign=${campaignId}&task=hotline-1`, { as: leader });
      const notices = r.json().notices as { kind: string }[];
      return notices.length > 0 ? notices[notices.length - 1] : undefined;
    }, 'the complaint\'s first notice');
    expect(first.kind).toBe('supervisionLetter');
    const detail = await waitFor(async () => {
      const r = await api('GET', `/api/campaigns/${campaignId}/tasks/hotline-1`, { as: leader, route: '/api/campaigns/:campaignId/tasks/:taskId' });
      return r.json().task.rungName === '督办函' && r;
    }, 'the complaint at the 督办函 rung');
    expect(detail.json().timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['complaint', 'notice.supervisionLetter']));
  });

  it('lets only administrators add tasks, register complaints and enter scores', async () => {
    const tasks = `/api/campaigns/${campaignId}/tasks`;
    const route = '/api/campaigns/:campaignId/tasks';
    const task = { kind: 'task', title: '领导新增的任务', leadUnit: 'utilities', deadline: shanghaiDate(today, 30) };
    const complaint = { kind: 'complaint', title: '领导登记的投诉', leadUnit: 'utilities', source: 'media' };
    const scores = { round: 1, scores: [{ unitId: 'enforcement', item: '实地测评', score: 90 }] };
    const scoresRoute = '/api/campaigns/:campaignId/assessments/scores';
    for (const [url, r, body] of [
      [tasks, route, task],
      [tasks, route, complaint],
      [`/api/campaigns/${campaignId}/assessments/scores`, scoresRoute, scores],
    ] as const) {
      const refused = await api('POST', url, { as: leader, route: r, body });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().message).toBe('领导账号只能查看，不能执行此操作');
      // An administrator without the CSRF token is refused too.
      expect((await api('POST', url, { as: admin, route: r, body, csrf: false })).statusCode).toBe(403);
    }
    expect((await h.database.db.query('SELECT count(*)::int AS n FROM tasks WHERE campaign_id = $1', [campaignId])).rows[0].n).toBe(4);

    // No round has opened in this campaign: nothing to score, nothing published.
    const none = await api('POST', `/api/campaigns/${campaignId}/assessments/scores`, { as: admin, route: scoresRoute, body: scores });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toBe('第1轮测评尚未开始或不存在');
    const assessments = await api('GET', `/api/campaigns/${campaignId}/assessments`, { as: leader, route: '/api/campaigns/:campaignId/assessments' });
    expect(assessments.statusCode).toBe(200);
    expect(assessments.json()).toMatchObject({ rounds: [], units: [{ id: 'enforcement' }, { id: 'service' }, { id: 'utilities' }] });
  });

  it('exports the ledger (台账) as an Excel workbook', async () => {
    const response = await api('GET', `/api/campaigns/${campaignId}/ledger.xlsx`, { as: leader, route: '/api/campaigns/:campaignId/ledger.xlsx' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toContain("filename*=UTF-8''");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('整治任务台账')!;
    expect(sheet.getRow(2).getCell(3).value).toBe('任务名称');
    const rows = Array.from({ length: sheet.rowCount - 2 }, (_, i) => sheet.getRow(i + 3));
    const lanes = rows.find((r) => r.getCell(2).value === 'lanes')!;
    expect(lanes.getCell(9).value).toBe('已销号');
    expect(String(lanes.getCell(16).value)).toMatch(/^测试创城交办〔\d{4}〕\d号$/);
    expect(lanes.getCell(18).value).toBe(2);
    expect(rows.find((r) => r.getCell(2).value === 'parks')!.getCell(9).value).toBe('已撤销');
    expect(book.getWorksheet('通知登记')!.rowCount).toBeGreaterThan(2);
  });

  it('imports a plan into a definition to review', async () => {
    const text = [
      '东湖园区2024年创建文明城市工作实施方案',
      '',
      '一、组织领导',
      '成立园区创建文明城市工作领导小组。',
      '组长：王建华（园区党工委书记）',
      '',
      '二、工作步骤',
      '（一）规划部署启动阶段（2024年3月1日—3月31日）',
      '（二）深入推进攻坚克难阶段（2024年4月1日—9月30日）',
      '',
      '三、重点任务',
      '（一）背街小巷环境整治行动',
      '清理乱堆乱放、乱贴乱画，路灯亮灯率≥96%。',
      '责任单位：园区综合执法局',
      '配合单位：园区公用事业局',
      '完成时限：2024年6月30日',
    ].join('\n');
    const response = await api('POST', '/api/plans/import', { as: admin, body: { text, fileName: 'donghu.txt' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().yaml).toContain('背街小巷');
    expect(response.json().summary).toContain('实施方案');
    const empty = await api('POST', '/api/plans/import', { as: admin, body: { text: '  ' } });
    expect(empty.statusCode).toBe(422);
    expect((await api('POST', '/api/plans/import', { as: leader, body: { text } })).statusCode).toBe(403);
  });

  it('previews a definition on request: the months’ notices before the start button; a past start asks for the catch-up', async () => {
    const now = await h.sim.now();
    const form = (url: string, fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    const def = testDefinition({ start: shanghaiDate(now, 1), end: shanghaiDate(now, 40), tasks: [{ id: 'lanes', start: shanghaiDate(now, 1), deadline: shanghaiDate(now, 10) }] });
    const mails = (await h.database.db.query('SELECT id FROM mailbox')).rowCount;

    // The review page offers the preview; it runs only when asked.
    const review = await form('/campaigns', { yaml: stringify(def), fileName: 'p.yaml', action: 'validate' });
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('formaction="/campaigns/preview?_csrf=');
    expect(review.body).not.toContain('id="simulation"');

    const preview = await form('/campaigns/preview', { yaml: stringify(def), fileName: 'p.yaml' });
    expect(preview.statusCode, preview.body.slice(0, 2000)).toBe(200);
    const [year, month] = def.start.split('-').map(Number);
    expect(preview.body).toContain('id="simulation"');
    expect(preview.body).toContain(`${year}年${month}月（`);
    expect(preview.body).toContain(`测试创城交办〔${year}〕1号`);
    expect(preview.body).toContain('区综合执法分局（联系人 区综合执法分局联络员）');
    expect(preview.body).toMatch(/逾期通报 1 份/);
    // The table comes before the start button, and nothing was started or sent.
    expect(preview.body.indexOf('id="simulation"')).toBeLessThan(preview.body.indexOf('value="start"'));
    expect((await h.database.db.query('SELECT id FROM campaigns WHERE id = $1', [def.id])).rowCount).toBe(0);
    expect((await h.database.db.query('SELECT id FROM mailbox')).rowCount).toBe(mails);

    // A start that began last month: the catch-up list and its checkbox on the form.
    const past = testDefinition({ start: shanghaiDate(now, -20), end: shanghaiDate(now, 40), cadences: { weeklyCheck: {} } });
    const pastReview = await form('/campaigns', { yaml: stringify(past), fileName: 'past.yaml', action: 'validate' });
    expect(pastReview.body).toContain('id="catch-up"');
    expect(pastReview.body).toContain('name="catchUp" value="yes"');
    expect(pastReview.body).toMatch(/已过日期的例行通知共 \d 份（每周检查情况 \d 份；/);
    // An ended period: 422 with the same message as the command line.
    const ended = testDefinition({ start: '2016-03-01', end: '2016-12-31', tasks: [] });
    const refused = await form('/campaigns', { yaml: stringify(ended), fileName: 'old.yaml', action: 'start' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('已经结束');
    expect(refused.body).toContain('--shift-to YYYY-MM-DD');
  });

  it('ends a campaign: administrators only, with a reason, once; and from the campaign page', async () => {
    /** A campaign of its own with one task, assigned. */
    const startOne = async () => {
      const now = await h.sim.now();
      const def = testDefinition({
        start: shanghaiDate(now, -1),
        end: shanghaiDate(now, 60),
        tasks: [{ id: 'lanes', start: shanghaiDate(now, -1), deadline: shanghaiDate(now, 20) }],
      });
      expect((await api('POST', '/api/campaigns', { as: admin, body: { yaml: stringify(def) } })).statusCode).toBe(201);
      await waitFor(async () => {
        const { rows } = await h.database.db.query(`SELECT status FROM tasks WHERE campaign_id = $1`, [def.id]);
        return rows[0]?.status === 'assigned';
      }, 'the task assigned');
      return def.id;
    };
    const status = async (id: string) =>
      (await h.database.db.query<{ status: string }>('SELECT status FROM tasks WHERE campaign_id = $1', [id])).rows[0].status;

    const id = await startOne();
    const url = `/api/campaigns/${id}/end`;
    const route = '/api/campaigns/:campaignId/end';
    const forLeader = await api('POST', url, { as: leader, route, body: { reason: '领导想结束' } });
    expect(forLeader.statusCode).toBe(403);
    expect(forLeader.json().message).toBe('领导账号只能查看，不能执行此操作');
    expect((await api('POST', url, { as: admin, route, body: { reason: '没有令牌' }, csrf: false })).statusCode).toBe(403);
    for (const body of [{}, { reason: '   ' }]) {
      const noReason = await api('POST', url, { as: admin, route, body });
      expect(noReason.statusCode).toBe(422);
      expect(noReason.json()).toMatchObject({ error: 'EmptyInput', message: '请写明结束原因' });
    }
    expect((await api('POST', '/api/campaigns/nowhere/end', { as: admin, route, body: { reason: '无此活动' } })).statusCode).toBe(404);
    expect(await status(id)).toBe('assigned');

    const ended = await api('POST', url, { as: admin, route, body: { reason: '专项行动提前完成' } });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({
      campaignId: id,
      status: 'ended',
      reason: '专项行动提前完成',
      closedOutTasks: [{ id: 'lanes', title: '整治任务lanes' }],
      closingSummary: { kind: 'closingSummary', documentNumber: expect.stringMatching(/^测试创城总结〔\d{4}〕\d+号$/) },
    });
    expect(await status(id)).toBe('withdrawn');
    const again = await api('POST', url, { as: admin, route, body: { reason: '再结束一次' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      error: 'CampaignEnded',
      message: `创建活动已结束（已印发总结 ${ended.json().closingSummary.documentNumber}），不能再次结束`,
    });
    // Nothing more can be added to it.
    const late = await api('POST', `/api/campaigns/${id}/tasks`, {
      as: admin,
      route: '/api/campaigns/:campaignId/tasks',
      body: { kind: 'complaint', title: '结束后的投诉', leadUnit: 'enforcement', source: 'media' },
    });
    expect(late.statusCode).toBe(409);

    // The page: the form asks for a reason and a ticked confirmation, then says what the end did.
    const other = await startOne();
    const form = (fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: `/campaigns/${other}/end`,
        headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: admin.csrf, ...fields }).toString(),
      });
    const page = await h.app.inject({ method: 'GET', url: `/campaigns/${other}`, headers: { cookie: admin.cookie } });
    expect(page.body).toContain(`action="/campaigns/${other}/end"`);
    const leaderPage = await h.app.inject({ method: 'GET', url: `/campaigns/${other}`, headers: { cookie: leader.cookie } });
    expect(leaderPage.body).not.toContain('/end"');
    const unconfirmed = await form({ reason: '年度工作完成' });
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('未能结束：请勾选确认');
    expect(unconfirmed.body).toContain('年度工作完成</textarea>');
    expect(await status(other)).toBe('assigned');
    const done = await form({ reason: '年度工作完成', confirm: 'yes' });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe(`/campaigns/${other}?ended=1`);
    const shown = await h.app.inject({ method: 'GET', url: done.headers.location as string, headers: { cookie: admin.cookie } });
    expect(shown.body).toMatch(/未完成的 1 项任务已撤销，不再督办：整治任务lanes（lanes）。已印发总结（测试创城总结〔\d{4}〕\d+号）/);
    expect(shown.body).toContain('活动已结束');
    expect(shown.body).not.toContain(`action="/campaigns/${other}/end"`);
    const twice = await form({ reason: '年度工作完成', confirm: 'yes' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('未能结束：创建活动已结束（已印发总结 测试创城总结');
  });

  it('answers health checks', async () => {
    const response = await api('GET', '/healthz');
    expect([200, 503]).toContain(response.statusCode);
    expect(response.json().database).toBe(true);
  });

  it('serves an OpenAPI document that covers the whole API', () => {
    const paths = Object.keys(spec.document.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/campaigns', '/api/portal/{token}/evidence', '/api/campaigns/{campaignId}/ledger.xlsx']));
    expect(paths.every((p) => p.startsWith('/api/') || p === '/healthz')).toBe(true);
    expect(spec.checked).toBeGreaterThan(60);
  });

  it('limits login attempts per address', async () => {
    const limited = createConsoleServer({
      db: h.database.db,
      temporal: h.sim.env.client,
      publicUrl: 'http://127.0.0.1:3000',
      linkSecret: LINK_SECRET,
      sessionSecret: SESSION_SECRET,
      mailboxEnabled: false,
      loginRateLimit: { max: 3, timeWindowMs: 60_000 },
      logger: false,
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await limited.inject({ method: 'POST', url: '/api/session', payload: { name: 'zhaoming', password: `guess-${i}` } });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      // The right password is refused too until the window passes.
      const right = await limited.inject({ method: 'POST', url: '/api/session', payload: { name: 'zhaoming', password: PASSWORD } });
      expect(right.statusCode).toBe(429);
      expect(right.json().message).toContain('过于频繁');
      // Reading the login page is not an attempt.
      expect((await limited.inject({ method: 'GET', url: '/login' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('ends a session on logout, and a disabled account loses its session', async () => {
    const session = await apiLogin(h, 'zhaoming');
    expect((await api('DELETE', '/api/session', { as: session })).statusCode).toBe(204);
    expect((await api('GET', '/api/campaigns', { as: session })).statusCode).toBe(401);
    const other = await apiLogin(h, 'wangzu');
    await h.database.db.query(`UPDATE users SET disabled = true WHERE name = 'wangzu'`);
    expect((await api('GET', '/api/campaigns', { as: other })).statusCode).toBe(401);
    await h.database.db.query(`UPDATE users SET disabled = false WHERE name = 'wangzu'`);
  });
});
