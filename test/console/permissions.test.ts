// Who may do what: every route of the console, the API and the unit portal, read from the server
// itself, tried as nobody, a leader, an administrator, a disabled account, without the CSRF token,
// and with each kind of unit link (the lead unit's, a cooperating unit's, a former lead's after a
// reassignment, an expired one, another campaign's, a made-up one, a materials link, a sub-unit's
// link to the part of a task handed to it). A route
// without a row here fails the test. Then the rest of what keeps the console safe: cookies and
// headers, where a login may lead, the login and portal limits, uploads refused before they are
// read, sessions, and the ledger's cells.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { addPoint, createInspection } from '../../services/inspections.js';
import { signUnitLink } from '../../services/unit-links.js';
import { delegate } from '../../client/api/actions.js';
import { consoleRoutes, createConsoleServer, type ConsoleServerOptions } from '../../client/server.js';
import { hashPassword } from '../../client/web/auth.js';
import { setUserPassword } from '../../db/users.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { addUser, apiLogin, cookieHeader, LINK_SECRET, multipart, PASSWORD, SESSION_SECRET, startHarness, type ApiSession, type Harness } from './support.js';

let h: Harness;
let admin: ApiSession;
let leader: ApiSession;
let disabled: ApiSession;
let campaignId: string;
let noticeId: number;
let mailId: number;
let fileId: string;
let inspectionId: number;
let pointPhotoId: string;
/** An anonymous visitor's CSRF cookie and token, as the portal page gives them. */
let portalCsrf: { cookie: string; token: string };
const tokens: Record<string, string> = {};

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const FORMULA_TITLE = '=HYPERLINK("http://evil.example/","点此查看")';
const FORMULA_PROGRESS = '+SUM(1,2)*cmd|" /C calc"!A0';

beforeAll(async () => {
  h = await startHarness();
  await addUser(h, 'zhaoming', 'admin', '赵明');
  await addUser(h, 'wangzu', 'leader', '王组长');
  await addUser(h, 'tingyong', 'admin', '停用的管理员');
  admin = await apiLogin(h, 'zhaoming');
  leader = await apiLogin(h, 'wangzu');
  disabled = await apiLogin(h, 'tingyong');
  await h.database.db.query(`UPDATE users SET disabled = true WHERE name = 'tingyong'`);

  const today = await h.sim.now();
  const def = testDefinition({
    start: shanghaiDate(today, -1),
    end: shanghaiDate(today, 90),
    tasks: [
      { id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) },
      { id: 'moved', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 30) },
    ],
  });
  (def.tasks[0] as { title: string }).title = FORMULA_TITLE;
  // A 社区 below the lead unit, to which the lead unit hands part of a task (转办).
  def.units.push({
    id: 'xingfu',
    name: '幸福社区居委会',
    kind: 'community',
    parent: 'enforcement',
    principal: { name: '幸福社区主任', email: 'xf-principal@test.example.org' },
    contact: { name: '幸福社区联络员', email: 'xf@test.example.org' },
  });
  (def.tasks[0] as { description: string }).description = '@SUM(A1:A9) 背街小巷';
  campaignId = def.id;
  const write = (url: string, payload: unknown) =>
    h.app.inject({ method: 'POST', url, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: payload as object });
  expect((await write('/api/campaigns', { yaml: stringify(def) })).statusCode).toBe(201);
  await waitFor(async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/campaigns/${campaignId}/tasks`, headers: { cookie: admin.cookie } });
    return r.statusCode === 200 && r.json().tasks.length === 2 && r.json().tasks.every((t: { status: string }) => t.status === 'assigned');
  }, 'both tasks assigned');

  const now = await h.sim.now();
  const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
  const sign = (link: Parameters<typeof signUnitLink>[0]) => signUnitLink(link, LINK_SECRET);
  tokens.lead = sign({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt });
  tokens.cooperating = sign({ campaignId, taskId: 'lanes', unitId: 'utilities', expiresAt });
  tokens.former = sign({ campaignId, taskId: 'moved', unitId: 'enforcement', expiresAt });
  tokens.expired = sign({ campaignId, taskId: 'lanes', unitId: 'enforcement', expiresAt: new Date(now.getTime() - 1000) });
  tokens.otherCampaign = sign({ campaignId: 'another-campaign-2026', taskId: 'lanes', unitId: 'enforcement', expiresAt });
  tokens.materials = sign({ scope: 'materials', campaignId, unitId: 'enforcement', expiresAt });
  tokens.points = sign({ scope: 'points', campaignId, unitId: 'enforcement', expiresAt });
  tokens.delegation = sign({ scope: 'delegation', campaignId, taskId: 'lanes', unitId: 'xingfu', expiresAt });
  tokens.madeUp = 'eyJub3QiOiJhIGxpbmsifQ.bm90LWEtc2lnbmF0dXJlLW5vdC1hLXNpZ25hdHVyZS0wMTIzNDU2Nzg5';

  // The former lead's link worked before the task was moved to another unit.
  expect((await h.app.inject({ method: 'GET', url: `/api/portal/${tokens.former}` })).statusCode).toBe(200);
  const moved = await write(`/api/campaigns/${campaignId}/tasks/moved/reassign`, { unitId: 'service', reason: '职责调整' });
  expect(moved.statusCode, moved.body).toBe(200);

  // The lead unit acknowledges, reports (a formula, for the ledger) and sends an interim photo.
  const portal = (path: string, payload: object) => h.app.inject({ method: 'POST', url: `/api/portal/${tokens.lead}/${path}`, payload });
  expect((await portal('acknowledge', { by: '郑丽' })).statusCode).toBe(200);
  expect((await portal('progress', { text: FORMULA_PROGRESS })).statusCode).toBe(200);
  await delegate(h.sim.env.client, campaignId, 'lanes', { unitId: 'enforcement', subUnitId: 'xingfu', part: '清理幸福里堆放物', due: shanghaiDate(today, 10) });
  const photo = multipart({ form: 'photo', interim: '1', text: '阶段照片' }, [{ name: '现场.png', type: 'image/png', data: PNG }]);
  const sent = await h.app.inject({ method: 'POST', url: `/api/portal/${tokens.lead}/evidence`, headers: photo.headers, payload: photo.payload });
  expect(sent.statusCode, sent.body).toBe(200);

  fileId = (await h.database.db.query<{ id: string }>('SELECT id FROM evidence_files WHERE campaign_id = $1', [campaignId])).rows[0].id;
  noticeId = (await h.app.inject({ method: 'GET', url: `/api/notices?campaign=${campaignId}`, headers: { cookie: admin.cookie } })).json().notices[0].id;
  mailId = (await h.app.inject({ method: 'GET', url: '/api/mailbox', headers: { cookie: admin.cookie } })).json().messages[0].id;

  // An inspection with one point and its photo, for the 问题点位 pages.
  inspectionId = await createInspection(h.database.db, { campaignId, kind: 'patrol', heldOn: shanghaiDate(now), createdBy: '赵明', now });
  const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } }).jpeg().toBuffer();
  const fields = { location: '北海大道路口', description: '乱停车', unit: 'enforcement' };
  await addPoint(h.database.db, { campaignId, inspectionId, fields, photos: [{ fileName: '现场.jpg', data: jpeg }], now });
  pointPhotoId = (await h.database.db.query<{ id: string }>('SELECT id FROM point_photos')).rows[0].id;

  const page = await h.app.inject({ method: 'GET', url: `/u/${tokens.lead}` });
  expect(page.statusCode).toBe(200);
  portalCsrf = { cookie: cookieHeader(page), token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1] };
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

// ---------------------------------------------------------------------------------- the matrix

type Who = 'anonymous' | 'leader' | 'admin' | 'disabled' | 'noCsrf';
type Link = 'lead' | 'cooperating' | 'former' | 'expired' | 'otherCampaign' | 'madeUp' | 'materials' | 'points' | 'delegation' | 'leadNoCsrf';
type Expect = Partial<Record<Who | Link, number>>;

interface Row {
  /** The concrete URL; :token is replaced by each link's token. */
  url: string;
  /** Form fields (url-encoded), a JSON body, or a multipart body. */
  form?: Record<string, string>;
  json?: unknown;
  multipart?: Record<string, string>;
  /** The session ends with the request (logout): a fresh login for each try. */
  fresh?: boolean;
  expect: Expect;
}

const C = () => campaignId;
const read = (url: string): Row => ({ url, expect: { anonymous: 303, leader: 200, admin: 200, disabled: 303 } });
const adminRead = (url: string): Row => ({ url, expect: { anonymous: 303, leader: 403, admin: 200, disabled: 303 } });
const apiRead = (url: string): Row => ({ url, expect: { anonymous: 401, leader: 200, admin: 200, disabled: 401 } });
const apiAdminRead = (url: string): Row => ({ url, expect: { anonymous: 401, leader: 403, admin: 200, disabled: 401 } });
/** A form an administrator posts; `admin` is what the administrator gets past the checks (nowhere: 404). */
const pageWrite = (url: string, form: Record<string, string>, admin = 404): Row => ({
  url,
  form,
  expect: { anonymous: 303, leader: 403, admin, disabled: 303, noCsrf: 403 },
});
const apiWrite = (url: string, json: unknown, admin = 404): Row => ({
  url,
  json,
  expect: { anonymous: 401, leader: 403, admin, disabled: 401, noCsrf: 403 },
});
const everyone = (url: string, status: number): Row => ({ url, expect: { anonymous: status, leader: status, admin: status, disabled: status } });
/** A unit link's route: what each kind of link gets. */
const portal = (url: string, expect: Expect, body: Pick<Row, 'form' | 'json' | 'multipart'> = {}): Row => ({ url, ...body, expect });
const linkRefusals = { former: 403, expired: 403, otherCampaign: 404, madeUp: 403 };
/** Every link that is not a unit's points link: refused before anything is read. */
const notPoints = { lead: 403, cooperating: 403, materials: 403, delegation: 403, former: 403, expired: 403, otherCampaign: 403, madeUp: 403, admin: 403 };

function rows(): Record<string, Row> {
  const task = `/api/campaigns/${C()}/tasks/lanes`;
  return {
    'GET /static/:name': everyone('/static/console.css', 200),
    'GET /favicon.ico': everyone('/favicon.ico', 204),
    'GET /login': { url: '/login', expect: { anonymous: 200, leader: 303, admin: 303, disabled: 200 } },
    'POST /login': {
      url: '/login',
      form: { name: 'nobody', password: 'wrong password' },
      // The token of a session's page is bound to its account: a disabled one's session is gone.
      expect: { anonymous: 403, leader: 401, admin: 401, disabled: 403, noCsrf: 403 },
    },
    'POST /logout': { url: '/logout', form: {}, fresh: true, expect: { anonymous: 403, leader: 303, admin: 303, disabled: 403, noCsrf: 403 } },
    'POST /api/session': { url: '/api/session', json: { name: 'nobody', password: 'wrong password' }, expect: { anonymous: 401, leader: 401, admin: 401, disabled: 401 } },
    'GET /api/session': apiRead('/api/session'),
    'DELETE /api/session': { url: '/api/session', fresh: true, expect: { anonymous: 401, leader: 204, admin: 204, disabled: 401, noCsrf: 403 } },
    'GET /': read('/'),
    'GET /campaigns': read('/campaigns'),
    'GET /campaigns/:campaignId': read(`/campaigns/${C()}`),
    'POST /campaigns/:campaignId/end': pageWrite('/campaigns/nowhere/end', { reason: '检查权限', confirm: 'yes' }),
    'GET /campaigns/:campaignId/tasks/:taskId': read(`/campaigns/${C()}/tasks/lanes`),
    'POST /campaigns/:campaignId/tasks/:taskId/verify': pageWrite('/campaigns/nowhere/tasks/nowhere/verify', { decision: 'pass' }),
    'POST /campaigns/:campaignId/tasks/:taskId/extension': pageWrite('/campaigns/nowhere/tasks/nowhere/extension', { approved: 'no' }),
    'POST /campaigns/:campaignId/tasks/:taskId/reassign': pageWrite('/campaigns/nowhere/tasks/nowhere/reassign', { unitId: 'service', reason: '检查' }),
    'POST /campaigns/:campaignId/tasks/:taskId/withdraw': pageWrite('/campaigns/nowhere/tasks/nowhere/withdraw', { reason: '检查' }),
    'POST /campaigns/:campaignId/tasks/:taskId/refusal': pageWrite('/campaigns/nowhere/tasks/nowhere/refusal', { reason: '检查' }),
    'GET /campaigns/:campaignId/tasks/new': adminRead(`/campaigns/${C()}/tasks/new`),
    'POST /campaigns/:campaignId/tasks': pageWrite('/campaigns/nowhere/tasks', { kind: 'task', title: '检查', leadUnit: 'enforcement', deadline: '2099-01-01' }),
    'GET /evidence/:fileId': read(`/evidence/${fileId}`),
    'GET /notices': read('/notices'),
    'GET /campaigns/:campaignId/notices': read(`/campaigns/${C()}/notices`),
    'GET /notices/:noticeId': read(`/notices/${noticeId}`),
    'GET /notices/:noticeId/docx': read(`/notices/${noticeId}/docx`),
    // One campaign: the ranking page is that campaign's.
    'GET /assessments': { url: '/assessments', expect: { anonymous: 303, leader: 303, admin: 303, disabled: 303 } },
    'GET /campaigns/:campaignId/assessments': read(`/campaigns/${C()}/assessments`),
    'POST /campaigns/:campaignId/assessments/scores': pageWrite('/campaigns/nowhere/assessments/scores', { round: '1' }),
    'GET /campaigns/:campaignId/ledger.xlsx': read(`/campaigns/${C()}/ledger.xlsx`),
    'GET /mailbox': adminRead('/mailbox'),
    'GET /mailbox/:mailId': adminRead(`/mailbox/${mailId}`),
    'GET /import': adminRead('/import'),
    'POST /import/plan': pageWrite('/import/plan', { text: '' }, 422),
    'POST /campaigns': pageWrite('/campaigns', { yaml: '' }, 422),
    'POST /campaigns/preview': pageWrite('/campaigns/preview', { yaml: '' }, 422),
    // 问题点位: everyone reads, administrators import and enter points.
    'GET /inspections': { url: '/inspections', expect: { anonymous: 303, leader: 303, admin: 303, disabled: 303 } },
    'GET /inspections/template.xlsx': read('/inspections/template.xlsx'),
    'GET /campaigns/:campaignId/inspections': read(`/campaigns/${C()}/inspections`),
    'POST /campaigns/:campaignId/inspections': pageWrite('/campaigns/nowhere/inspections', { kind: 'patrol', heldOn: '2026-01-01' }),
    'POST /campaigns/:campaignId/inspections/new': pageWrite('/campaigns/nowhere/inspections/new', { kind: 'patrol', heldOn: '2026-01-01' }),
    'GET /campaigns/:campaignId/inspections/:inspectionId': read(`/campaigns/${C()}/inspections/${inspectionId}`),
    'GET /campaigns/:campaignId/inspections/:inspectionId/report.docx': read(`/campaigns/${C()}/inspections/${inspectionId}/report.docx`),
    'GET /campaigns/:campaignId/inspections/:inspectionId/points.xlsx': read(`/campaigns/${C()}/inspections/${inspectionId}/points.xlsx`),
    'POST /campaigns/:campaignId/inspections/:inspectionId/dispatch': pageWrite('/campaigns/nowhere/inspections/1/dispatch', {}),
    'POST /campaigns/:campaignId/inspections/:inspectionId/points/:pointId/recheck': pageWrite('/campaigns/nowhere/inspections/1/points/1/recheck', { decision: 'pass' }),
    'POST /campaigns/:campaignId/inspections/:inspectionId/points/:pointId/dispute': pageWrite('/campaigns/nowhere/inspections/1/points/1/dispute', { reason: '检查' }),
    'GET /campaigns/:campaignId/inspections/:inspectionId/points/new': adminRead(`/campaigns/${C()}/inspections/${inspectionId}/points/new`),
    'POST /campaigns/:campaignId/inspections/:inspectionId/points': pageWrite('/campaigns/nowhere/inspections/1/points', { location: '检查权限' }),
    'GET /point-photos/:photoId': read(`/point-photos/${pointPhotoId}`),
    'GET /point-photos/:photoId/thumbnail': read(`/point-photos/${pointPhotoId}/thumbnail`),
    // 通讯录: everyone reads, administrators change; no entry 999999, so an administrator's change finds nothing.
    'GET /directory': read('/directory'),
    'GET /directory/export.xlsx': read('/directory/export.xlsx'),
    'GET /directory/template.xlsx': read('/directory/template.xlsx'),
    'POST /directory/import': pageWrite('/directory/import', {}, 422),
    'GET /directory/:kind/new': adminRead('/directory/units/new'),
    'GET /directory/:kind/:id': { url: '/directory/people/999999', expect: { anonymous: 303, leader: 403, admin: 404, disabled: 303 } },
    'POST /directory/:kind': pageWrite('/directory/units', { name: '', kind: 'department' }, 422),
    'POST /directory/:kind/:id': pageWrite('/directory/units/999999', { name: '检查权限', kind: 'department' }),
    'POST /directory/:kind/:id/retire': pageWrite('/directory/posts/999999/retire', { retiredOn: '2027-01-01' }),
    'POST /directory/:kind/:id/restore': pageWrite('/directory/units/999999/restore', {}),
    // 草稿 and the editor: administrators only; no draft 999999, so an administrator finds nothing there.
    'GET /drafts': adminRead('/drafts'),
    'POST /drafts': pageWrite('/drafts', { yaml: '' }, 303),
    'GET /drafts/:draftId': { url: '/drafts/999999', expect: { anonymous: 303, leader: 403, admin: 404, disabled: 303 } },
    'GET /drafts/:draftId/export.yaml': { url: '/drafts/999999/export.yaml', expect: { anonymous: 303, leader: 403, admin: 404, disabled: 303 } },
    'POST /drafts/:draftId': pageWrite('/drafts/999999', { action: 'save' }),

    // The unit portal: the link is the whole authority; a session adds nothing.
    // An SMS's short link: a code unknown here is a 404 for everyone (a known one redirects: short-links.test.ts).
    'GET /l/:code': everyone('/l/AAAAAAAAAA', 404),
    'GET /u/:token': portal('/u/:token', { lead: 200, cooperating: 200, materials: 200, points: 303, delegation: 200, ...linkRefusals, anonymous: 403, admin: 403 }),
    // 问题点位: the unit's points link, and no other, opens its points; a point of another unit is not found.
    'GET /u/:token/points': portal('/u/:token/points', { points: 200, ...notPoints }),
    'POST /u/:token/points/:pointId/answer': portal('/u/:token/points/1/answer', { points: 422, ...notPoints, leadNoCsrf: 403 }, { multipart: { text: '已整改' } }),
    'POST /u/:token/points/:pointId/dispute': portal('/u/:token/points/1/dispute', { points: 422, ...notPoints, leadNoCsrf: 403 }, { form: { reason: ' ' } }),
    'GET /u/:token/point-photos/:photoId': portal(`/u/:token/point-photos/${pointPhotoId}`, { points: 200, ...notPoints }),
    'POST /u/:token/acknowledge': portal(
      '/u/:token/acknowledge',
      { lead: 409, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, leadNoCsrf: 403, admin: 403 },
      { form: {} },
    ),
    'POST /u/:token/progress': portal(
      '/u/:token/progress',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, leadNoCsrf: 403, admin: 403 },
      { form: { text: ' ' } },
    ),
    'POST /u/:token/extension': portal(
      '/u/:token/extension',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, leadNoCsrf: 403, admin: 403 },
      { form: { reason: ' ' } },
    ),
    'POST /u/:token/evidence': portal(
      '/u/:token/evidence',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, leadNoCsrf: 403, admin: 403 },
      { multipart: { form: 'nonsense' } },
    ),
    'POST /u/:token/materials': portal(
      '/u/:token/materials',
      { materials: 409, delegation: 403, lead: 403, cooperating: 403, former: 403, expired: 403, otherCampaign: 403, madeUp: 403, admin: 403 },
      { multipart: { form: 'report', text: '说明' } },
    ),
    // 转办: the lead unit hands a part down; the sub-unit reports on its part, and only it.
    'POST /u/:token/delegate': portal(
      '/u/:token/delegate',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, leadNoCsrf: 403, admin: 403 },
      { form: { subUnitId: 'xingfu', part: ' ', due: '2099-01-01' } },
    ),
    'POST /u/:token/delegation': portal(
      '/u/:token/delegation',
      { delegation: 422, lead: 403, cooperating: 403, materials: 403, former: 403, expired: 403, otherCampaign: 403, madeUp: 403, leadNoCsrf: 403, admin: 403 },
      { form: { seq: '1', text: ' ' } },
    ),
    // A cooperating unit downloads only its own files; this one is the lead unit's.
    'GET /u/:token/evidence/:fileId': portal(`/u/:token/evidence/${fileId}`, {
      lead: 200,
      cooperating: 404,
      materials: 404,
      delegation: 403,
      ...linkRefusals,
      admin: 403,
    }),
    'GET /api/portal/:token': portal('/api/portal/:token', { lead: 200, cooperating: 200, materials: 403, delegation: 403, ...linkRefusals, admin: 403 }),
    'POST /api/portal/:token/acknowledge': portal(
      '/api/portal/:token/acknowledge',
      { lead: 409, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, admin: 403 },
      { json: {} },
    ),
    'POST /api/portal/:token/progress': portal(
      '/api/portal/:token/progress',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, admin: 403 },
      { json: { text: ' ' } },
    ),
    'POST /api/portal/:token/extension': portal(
      '/api/portal/:token/extension',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, admin: 403 },
      { json: { reason: ' ', workingDays: 3 } },
    ),
    'POST /api/portal/:token/evidence': portal(
      '/api/portal/:token/evidence',
      { lead: 422, cooperating: 403, materials: 403, delegation: 403, ...linkRefusals, admin: 403 },
      { multipart: { form: 'nonsense' } },
    ),
    'GET /api/portal/:token/materials': portal('/api/portal/:token/materials', {
      materials: 200,
      delegation: 403,
      lead: 403,
      cooperating: 403,
      former: 403,
      expired: 403,
      otherCampaign: 403,
      madeUp: 403,
      admin: 403,
    }),
    'POST /api/portal/:token/materials': portal(
      '/api/portal/:token/materials',
      { materials: 409, delegation: 403, lead: 403, cooperating: 403, former: 403, expired: 403, otherCampaign: 403, madeUp: 403, admin: 403 },
      { multipart: { form: 'report', text: '说明' } },
    ),

    // The JSON API.
    'GET /api/openapi.json': everyone('/api/openapi.json', 200),
    'GET /healthz': everyone('/healthz', 200),
    'GET /api/campaigns': apiRead('/api/campaigns'),
    'POST /api/campaigns': apiWrite('/api/campaigns', { yaml: 'id: x\n' }, 422),
    'POST /api/definitions/validate': apiWrite('/api/definitions/validate', { yaml: 'id: x\n' }, 200),
    'GET /api/campaigns/:campaignId': apiRead(`/api/campaigns/${C()}`),
    'GET /api/dashboard': apiRead('/api/dashboard'),
    'POST /api/campaigns/:campaignId/end': apiWrite('/api/campaigns/nowhere/end', { reason: '检查权限' }),
    'POST /api/campaigns/:campaignId/units/:unitId/links/revoke': apiWrite('/api/campaigns/nowhere/units/enforcement/links/revoke', { reason: '检查权限' }),
    'GET /api/campaigns/:campaignId/tasks': apiRead(`/api/campaigns/${C()}/tasks`),
    'GET /api/campaigns/:campaignId/tasks/:taskId': apiRead(task),
    'POST /api/campaigns/:campaignId/tasks/:taskId/verify': apiWrite('/api/campaigns/nowhere/tasks/nowhere/verify', { passed: true }),
    'POST /api/campaigns/:campaignId/tasks/:taskId/extension-decision': apiWrite('/api/campaigns/nowhere/tasks/nowhere/extension-decision', { approved: false }),
    'POST /api/campaigns/:campaignId/tasks/:taskId/reassign': apiWrite('/api/campaigns/nowhere/tasks/nowhere/reassign', { unitId: 'service', reason: '检查' }),
    'POST /api/campaigns/:campaignId/tasks/:taskId/withdraw': apiWrite('/api/campaigns/nowhere/tasks/nowhere/withdraw', { reason: '检查' }),
    'POST /api/campaigns/:campaignId/tasks/:taskId/refusal': apiWrite('/api/campaigns/nowhere/tasks/nowhere/refusal', { reason: '检查' }),
    'POST /api/campaigns/:campaignId/tasks': apiWrite('/api/campaigns/nowhere/tasks', {
      kind: 'task',
      title: '检查',
      leadUnit: 'enforcement',
      deadline: '2099-01-01',
    }),
    'GET /api/notices': apiRead('/api/notices'),
    'GET /api/notices/:noticeId': apiRead(`/api/notices/${noticeId}`),
    'GET /api/campaigns/:campaignId/inspections': apiRead(`/api/campaigns/${C()}/inspections`),
    'GET /api/campaigns/:campaignId/inspections/:inspectionId/points': apiRead(`/api/campaigns/${C()}/inspections/${inspectionId}/points`),
    'POST /api/campaigns/:campaignId/inspections': apiWrite('/api/campaigns/nowhere/inspections', { kind: 'patrol', heldOn: '2026-01-01', points: [] }),
    'POST /api/campaigns/:campaignId/inspections/:inspectionId/dispatch': apiWrite('/api/campaigns/nowhere/inspections/1/dispatch', {}),
    // A point's photos: administrators upload (multipart, checked before the body is read), everyone reads.
    'POST /api/campaigns/:campaignId/inspections/:inspectionId/points/:number/photos': {
      url: '/api/campaigns/nowhere/inspections/1/points/1/photos',
      multipart: { note: '检查权限' },
      expect: { anonymous: 401, leader: 403, admin: 404, disabled: 401, noCsrf: 403 },
    },
    'GET /api/campaigns/:campaignId/inspections/:inspectionId/points/:number/photos/:photoId': apiRead(`/api/campaigns/${C()}/inspections/${inspectionId}/points/1/photos/${pointPhotoId}`),
    'GET /api/campaigns/:campaignId/assessments': apiRead(`/api/campaigns/${C()}/assessments`),
    'POST /api/campaigns/:campaignId/assessments/scores': apiWrite('/api/campaigns/nowhere/assessments/scores', {
      round: 1,
      scores: [{ unitId: 'enforcement', item: '检查', score: 90 }],
    }),
    'GET /api/campaigns/:campaignId/ledger.xlsx': apiRead(`/api/campaigns/${C()}/ledger.xlsx`),
    'GET /api/mailbox': apiAdminRead('/api/mailbox'),
    'GET /api/mailbox/:mailId': apiAdminRead(`/api/mailbox/${mailId}`),
    'POST /api/plans/import': apiWrite('/api/plans/import', { text: '' }, 422),
  };
}

const SESSIONS: Record<string, () => ApiSession> = { leader: () => leader, admin: () => admin, disabled: () => disabled };
const NAMES: Record<string, string> = { leader: 'wangzu', admin: 'zhaoming' };

/** One try: the request a browser or API client of that kind would make. */
async function attempt(method: string, row: Row, who: Who | Link): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  let url = row.url;
  const isLink = row.url.includes(':token');
  if (isLink) {
    const token = who === 'leadNoCsrf' ? tokens.lead : (tokens[who] ?? tokens.madeUp);
    url = url.replace(':token', token);
    if (who !== 'leadNoCsrf') {
      headers.cookie = portalCsrf.cookie;
      if (method !== 'GET' && url.startsWith('/u/')) headers['x-csrf-token'] = portalCsrf.token;
    }
    if (who === 'admin') headers.cookie = `${admin.cookie}; ${portalCsrf.cookie}`;
  } else if (who !== 'anonymous') {
    const base = who === 'noCsrf' ? 'admin' : who;
    let session = SESSIONS[base]();
    if (row.fresh && NAMES[base]) session = await apiLogin(h, NAMES[base]);
    headers.cookie = session.cookie;
    if (who !== 'noCsrf' && method !== 'GET') headers['x-csrf-token'] = session.csrf;
  }
  let payload: string | Buffer | undefined;
  if (row.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(row.form).toString();
  } else if (row.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(row.json);
  } else if (row.multipart) {
    const body = multipart(row.multipart, []);
    Object.assign(headers, body.headers);
    payload = body.payload;
  }
  return h.app.inject({ method: method as 'GET', url, headers, payload });
}

function checkHeaders(route: string, response: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  const header = (name: string) => String(response.headers[name] ?? '');
  if (header('x-frame-options') !== 'DENY') problems.push(`${route}: X-Frame-Options ${header('x-frame-options')}`);
  if (header('x-content-type-options') !== 'nosniff') problems.push(`${route}: no nosniff`);
  if (header('referrer-policy') !== 'same-origin') problems.push(`${route}: Referrer-Policy ${header('referrer-policy')}`);
  // Pages: no framing, own scripts only; downloads: nothing runs at all.
  const csp = header('content-security-policy');
  if (!csp.includes("frame-ancestors 'none'") && !/default-src 'none'.*sandbox/.test(csp)) problems.push(`${route}: CSP ${csp}`);
  if (!route.startsWith('GET /static/') && !/(^|[ ,])no-store/.test(header('cache-control'))) problems.push(`${route}: Cache-Control ${header('cache-control')}`);
  if (header('strict-transport-security')) problems.push(`${route}: HSTS over http`);
  return problems;
}

describe('the permission matrix', () => {
  it('has a row for every route the server registers, and no row for a route it does not', () => {
    const registered = consoleRoutes(h.app).map((r) => `${r.method} ${r.url}`);
    expect(registered.length).toBeGreaterThan(60);
    const table = Object.keys(rows());
    expect(registered.filter((r) => !table.includes(r)), 'routes without a row').toEqual([]);
    expect(table.filter((r) => !registered.includes(r)), 'rows without a route').toEqual([]);
  });

  it('answers each kind of caller on each route as the table says, with the security headers on every answer', async () => {
    const table = rows();
    const wrong: string[] = [];
    let tries = 0;
    for (const { method, url: route } of consoleRoutes(h.app)) {
      const key = `${method} ${route}`;
      const row = table[key];
      if (!row) continue; // reported by the test above
      for (const [who, status] of Object.entries(row.expect) as [Who | Link, number][]) {
        const response = await attempt(method, row, who);
        tries++;
        if (response.statusCode !== status) wrong.push(`${key} as ${who}: ${response.statusCode}, expected ${status} ${response.body.slice(0, 160)}`);
        wrong.push(...checkHeaders(`${key} as ${who}`, response));
        // Nobody is sent anywhere but to the login page or inside the console.
        if (response.statusCode === 303) {
          const location = String(response.headers.location);
          if (['anonymous', 'disabled'].includes(who) && !location.startsWith('/login?next=')) wrong.push(`${key} as ${who}: to ${location}`);
          if (!location.startsWith('/') || location.startsWith('//')) wrong.push(`${key} as ${who}: off-site to ${location}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(tries).toBeGreaterThan(300);
  }, 120_000);
});

// ---------------------------------------------------------------------------------- cookies

describe('cookies and headers', () => {
  let https: FastifyInstance;
  beforeAll(async () => {
    https = await secondServer({ publicUrl: 'https://chuangwen.example.gov.cn', trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await https?.close();
  });

  const flags = (response: LightMyRequestResponse, name: string) => response.cookies.find((c) => c.name === name);

  it('marks the session and CSRF cookies HttpOnly and SameSite=Lax over http', async () => {
    const login = await h.app.inject({ method: 'POST', url: '/api/session', payload: { name: 'wangzu', password: PASSWORD } });
    expect(flags(login, 'chuangwen.sid')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(flags(login, 'chuangwen.sid')?.secure).toBeFalsy();
    expect(flags(login, 'chuangwen.csrf')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('adds Secure and HSTS when the public address is https (behind a trusted proxy)', async () => {
    const headers = { 'x-forwarded-proto': 'https' };
    const login = await https.inject({ method: 'POST', url: '/api/session', headers, payload: { name: 'wangzu', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(flags(login, 'chuangwen.sid')).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });
    expect(flags(login, 'chuangwen.csrf')).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });
    for (const url of ['/login', '/api/session', '/u/not-a-link', '/static/console.css']) {
      const response = await https.inject({ method: 'GET', url, headers });
      expect(response.headers['strict-transport-security'], url).toBe('max-age=31536000');
    }
    // Data pages are not cached; the stylesheet is.
    expect((await https.inject({ method: 'GET', url: '/login', headers })).headers['cache-control']).toBe('no-store');
    expect((await https.inject({ method: 'GET', url: '/static/console.css', headers })).headers['cache-control']).toBe('public, max-age=3600');
  });

  it('writes no session for an anonymous visitor: the login form and the portal keep their CSRF secret in a cookie', async () => {
    const count = async () => (await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions')).rows[0].n;
    const before = await count();
    const login = await h.app.inject({ method: 'GET', url: '/login' });
    const portalPage = await h.app.inject({ method: 'GET', url: `/u/${tokens.lead}` });
    const missing = await h.app.inject({ method: 'GET', url: '/no-such-page' });
    for (const response of [login, portalPage, missing]) {
      expect(response.cookies.map((c) => c.name)).not.toContain('chuangwen.sid');
    }
    expect(await count()).toBe(before);
    // The form still works: its token and cookie log in, and only then is a session written.
    const token = /name="_csrf" value="([^"]+)"/.exec(login.body)![1];
    const posted = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: cookieHeader(login), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, name: 'wangzu', password: PASSWORD, next: '/notices' }).toString(),
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/notices');
    expect(await count()).toBe(before + 1);
  });
});

// ---------------------------------------------------------------------------------- login

describe('login', () => {
  it('follows `next` only inside the console', async () => {
    const cases: [string, string][] = [
      ['/%09/evil.example', '/'],
      ['//evil.example', '/'],
      ['/\\evil.example', '/'],
      ['/%5Cevil.example', '/'],
      ['/%0A/evil.example', '/'],
      ['https://evil.example/', '/'],
      ['http://127.0.0.1:3000@evil.example/', '/'],
      ['/login?next=//evil.example', '/'],
      [`/campaigns/${campaignId}?page=2`, `/campaigns/${campaignId}?page=2`],
      ['/notices#top', '/notices#top'],
    ];
    for (const [next, expected] of cases) {
      const response = await h.app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent(next).replace(/%25/g, '%')}`, headers: { cookie: leader.cookie } });
      expect(response.statusCode, next).toBe(303);
      expect(response.headers.location, next).toBe(expected);
    }
    // The literal request of the report: a tab between the slashes.
    const tab = await h.app.inject({ method: 'GET', url: '/login?next=/%09/evil.example', headers: { cookie: leader.cookie } });
    expect(tab.headers.location).toBe('/');
  });

  it('limits failed attempts per account in PostgreSQL, whatever address they come from, and per address on /login and /api/session together', async () => {
    const server = await secondServer({
      trustProxy: ['127.0.0.1'],
      loginRateLimit: { max: 4, timeWindowMs: 60_000 },
      accountLoginLimit: { max: 3, timeWindowMs: 60_000 },
    });
    const other = await secondServer({ trustProxy: ['127.0.0.1'] });
    try {
      await addUser(h, 'suoding', 'leader', '被猜的账号');
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const tryApi = (app: FastifyInstance, address: string, name: string, password: string) =>
        app.inject({ method: 'POST', url: '/api/session', headers: from(address), payload: { name, password } });
      // Three wrong passwords from three addresses, two on another console process.
      expect((await tryApi(server, '203.0.113.1', 'suoding', 'guess-1')).statusCode).toBe(401);
      expect((await tryApi(other, '203.0.113.2', 'suoding', 'guess-2')).statusCode).toBe(401);
      expect((await tryApi(other, '203.0.113.3', 'suoding', 'guess-3')).statusCode).toBe(401);
      // Now the account is locked for a while, even with the right password, on every process.
      const locked = await tryApi(server, '203.0.113.4', 'suoding', PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ error: 'AccountLocked', message: expect.stringContaining('该账号登录失败次数过多') });
      // Other accounts are not.
      expect((await tryApi(server, '203.0.113.4', 'wangzu', PASSWORD)).statusCode).toBe(200);

      // Per address: the form and the API draw on one allowance of 4.
      const page = await server.inject({ method: 'GET', url: '/login', headers: from('198.51.100.7') });
      const csrfToken = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const form = () =>
        server.inject({
          method: 'POST',
          url: '/login',
          headers: { ...from('198.51.100.7'), cookie: cookieHeader(page), 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ _csrf: csrfToken, name: `nobody-${++guess}`, password: 'x' }).toString(),
        });
      let guess = 0;
      const codes = [
        (await form()).statusCode,
        (await tryApi(server, '198.51.100.7', `nobody-${++guess}`, 'x')).statusCode,
        (await form()).statusCode,
        (await tryApi(server, '198.51.100.7', `nobody-${++guess}`, 'x')).statusCode,
        (await form()).statusCode,
        (await tryApi(server, '198.51.100.7', 'zhaoming', PASSWORD)).statusCode,
      ];
      expect(codes).toEqual([401, 401, 401, 401, 429, 429]);
      // Another address is not held up by that one.
      expect((await tryApi(server, '198.51.100.8', 'zhaoming', PASSWORD)).statusCode).toBe(200);
    } finally {
      await server.close();
      await other.close();
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy: without one, a client cannot pose as many', async () => {
    const server = await secondServer({ loginRateLimit: { max: 2, timeWindowMs: 60_000 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await server.inject({ method: 'POST', url: '/api/session', headers: { 'x-forwarded-for': `192.0.2.${i}` }, payload: { name: `stranger-${i}`, password: 'x' } });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await server.close();
    }
  });

  it('ends every session of an account when its password changes', async () => {
    const first = await apiLogin(h, 'wangzu');
    const second = await apiLogin(h, 'wangzu');
    expect((await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: first.cookie } })).statusCode).toBe(200);
    await setUserPassword(h.database.db, 'wangzu', await hashPassword(PASSWORD)); // as `chuangwen user passwd` does
    for (const session of [first, second, leader]) {
      expect((await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: session.cookie } })).statusCode).toBe(401);
    }
    leader = await apiLogin(h, 'wangzu');
  });
});

// ---------------------------------------------------------------------------------- uploads

describe('uploads', () => {
  /** A multipart body of 30 MB, produced as it is read: how much was read tells whether the server read it. */
  function bigUpload(token = '') {
    const boundary = '----chuangwenPermissionTest';
    let read = 0;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    const total = 30 * 1024 * 1024;
    const stream = new Readable({
      read() {
        if (sent === 0) {
          this.push(head);
        }
        if (sent >= total) {
          this.push(Buffer.from(`\r\n--${boundary}--\r\n`));
          this.push(null);
          return;
        }
        sent += chunk.length;
        read = sent;
        this.push(chunk);
      },
    });
    return {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(token ? { 'x-csrf-token': token } : {}) },
      payload: stream,
      read: () => read,
    };
  }

  it('refuses an upload from someone not allowed before reading it, and multipart anywhere but the upload routes', async () => {
    const cases: { what: string; url: string; cookie?: string; csrf?: string; status: number }[] = [
      { what: 'nobody, plan import (API)', url: '/api/plans/import', status: 401 },
      { what: 'a leader, plan import (page)', url: '/import/plan', cookie: leader.cookie, csrf: leader.csrf, status: 403 },
      { what: 'an administrator without the CSRF token, definition upload', url: '/campaigns', cookie: admin.cookie, status: 403 },
      { what: 'a leader, directory import (page)', url: '/directory/import', cookie: leader.cookie, csrf: leader.csrf, status: 403 },
      { what: 'an administrator without the CSRF token, directory import', url: '/directory/import', cookie: admin.cookie, status: 403 },
      { what: 'a leader, point photos (API)', url: `/api/campaigns/${campaignId}/inspections/${inspectionId}/points/1/photos`, cookie: leader.cookie, csrf: leader.csrf, status: 403 },
      { what: 'a made-up link, evidence (API)', url: `/api/portal/${tokens.madeUp}/evidence`, status: 403 },
      { what: "a cooperating unit's link, evidence (page)", url: `/u/${tokens.cooperating}/evidence`, cookie: portalCsrf.cookie, csrf: portalCsrf.token, status: 403 },
      { what: "a former lead's link, evidence (API)", url: `/api/portal/${tokens.former}/evidence`, status: 403 },
      { what: 'an expired link, materials (page)', url: `/u/${tokens.expired}/materials`, cookie: portalCsrf.cookie, csrf: portalCsrf.token, status: 403 },
      { what: 'the lead unit without the CSRF token, evidence (page)', url: `/u/${tokens.lead}/evidence`, cookie: portalCsrf.cookie, status: 403 },
      { what: 'multipart to a route that takes none', url: `/api/campaigns/${campaignId}/end`, cookie: admin.cookie, csrf: admin.csrf, status: 415 },
      { what: 'multipart to a portal route that takes none', url: `/api/portal/${tokens.lead}/progress`, status: 415 },
    ];
    for (const c of cases) {
      const upload = bigUpload(c.csrf);
      const response = await h.app.inject({
        method: 'POST',
        url: c.url,
        headers: { ...upload.headers, ...(c.cookie ? { cookie: c.cookie } : {}) },
        payload: upload.payload,
      });
      expect(response.statusCode, `${c.what}: ${response.body.slice(0, 200)}`).toBe(c.status);
      expect(upload.read(), `${c.what}: bytes read`).toBeLessThan(1024 * 1024);
    }
    // The CSRF token of an upload form rides in its action, and the upload goes through.
    const page = await h.app.inject({ method: 'GET', url: '/import', headers: { cookie: admin.cookie } });
    const action = /action="(\/import\/plan\?_csrf=[^"]+)"/.exec(page.body)![1].replace(/&amp;/g, '&');
    const plan = multipart({}, [{ field: 'file', name: '方案.txt', type: 'text/plain', data: Buffer.from('关于开展创建文明城市工作的实施方案\n一、背街小巷整治\n责任单位：区综合执法分局\n') }]);
    const imported = await h.app.inject({ method: 'POST', url: action, headers: { ...plan.headers, cookie: `${admin.cookie}; ${cookieHeader(page)}` }, payload: plan.payload });
    expect([200, 422]).toContain(imported.statusCode);
    expect(imported.body).not.toContain('CSRF');
  });
});

// ---------------------------------------------------------------------------------- portal limits

describe('portal limits by address', () => {
  it('counts refused links per address and then refuses that address, also for made-up links', async () => {
    const server = await secondServer({
      trustProxy: ['127.0.0.1'],
      portalRateLimit: { failedLinks: { max: 3, timeWindowMs: 60_000 }, perAddress: { max: 8, timeWindowMs: 60_000 } },
    });
    try {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const get = (token: string, address: string) => server.inject({ method: 'GET', url: `/api/portal/${token}`, headers: from(address) });
      // Each guess is a new made-up token, so the per-link limit never sees the same key twice.
      const guesses = [];
      for (let i = 0; i < 4; i++) guesses.push((await get(`${tokens.madeUp}${i}`, '203.0.113.50')).statusCode);
      expect(guesses).toEqual([403, 403, 403, 429]);
      // The address is held up now, even with a good link; another address is not.
      const held = await get(tokens.lead, '203.0.113.50');
      expect(held.statusCode).toBe(429);
      expect(held.json().error).toBe('TooManyFailedLinks');
      expect((await get(tokens.lead, '203.0.113.51')).statusCode).toBe(200);
      // Requests per address, whatever link: 8 a minute here.
      const codes = [];
      for (let i = 0; i < 9; i++) codes.push((await get(i % 2 ? tokens.lead : tokens.cooperating, '203.0.113.52')).statusCode);
      expect(codes.slice(0, 8).every((c) => c === 200)).toBe(true);
      expect(codes[8]).toBe(429);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------- the ledger

describe('the ledger (台账)', () => {
  it('keeps texts that a spreadsheet would run as formulas as text, with a leading apostrophe', async () => {
    const response = await h.app.inject({ method: 'GET', url: `/api/campaigns/${campaignId}/ledger.xlsx`, headers: { cookie: leader.cookie } });
    expect(response.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('整治任务台账')!;
    const rowOf = (id: string) => Array.from({ length: sheet.rowCount }, (_, i) => sheet.getRow(i + 1)).find((r) => r.getCell(2).value === id)!;
    const lanes = rowOf('lanes');
    expect(lanes.getCell(3).value).toBe(`'${FORMULA_TITLE}`);
    expect(lanes.getCell(4).value).toBe("'@SUM(A1:A9) 背街小巷");
    expect(lanes.getCell(14).value).toBe(`'${FORMULA_PROGRESS}`);
    // No cell anywhere in the workbook is a formula, or a text starting like one.
    book.eachSheet((s) =>
      s.eachRow((row) =>
        row.eachCell((cell) => {
          expect(typeof cell.value === 'object' && cell.value !== null && 'formula' in cell.value).toBe(false);
          if (typeof cell.value === 'string') expect(cell.value).not.toMatch(/^[=+\-@\t\r]/);
        }),
      ),
    );
    // Other texts are as they were.
    expect(rowOf('moved').getCell(3).value).toBe('整治任务moved');
  });
});

/** Another console process on the same database and Temporal. */
async function secondServer(options: Partial<ConsoleServerOptions>): Promise<FastifyInstance> {
  const app = createConsoleServer({
    db: h.database.db,
    temporal: h.sim.env.client,
    publicUrl: 'http://127.0.0.1:3000',
    linkSecret: LINK_SECRET,
    sessionSecret: SESSION_SECRET,
    mailboxEnabled: false,
    clock: () => h.sim.now(),
    logger: false,
    ...options,
  });
  await app.ready();
  return app;
}
