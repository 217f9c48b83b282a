// 问题点位 in the console, as an office uses it through HTTP: a problem list with its photo archive
// uploaded and shown unit by unit with thumbnails; a bad list refused with every row's problem and
// nothing written; a patrol entered point by point from a phone's camera; each unit's 交办 mail with
// its points' thumbnails inline; a point's photos through the JSON API; the points in the 台账;
// leaders read only.
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { insertCampaign } from '../../db/campaigns.js';
import { listPoints, markPointsDispatched } from '../../db/inspections.js';
import { listMailbox } from '../../db/mailbox.js';
import { readPointList } from '../../services/inspection-workbook.js';
import { enterInspection } from '../../services/inspections.js';
import { answerPoint, disputePoint, recheckPoint } from '../../services/point-actions.js';
import { waitFor } from '../support/wait.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { consoleForFile, cookieHeader, multipart, type ApiSession } from './support.js';

const { h, spec, admin, leader } = await consoleForFile();
const today = shanghaiDate(await h.sim.now());
const campaign = testDefinition({ start: shanghaiDate(await h.sim.now(), -10), end: shanghaiDate(await h.sim.now(), 200) });
await insertCampaign(h.database.db, campaign);
const base = `/campaigns/${campaign.id}/inspections`;

const chinese = (date: string) => date.replace(/^(\d+)-0?(\d+)-0?(\d+)$/, '$1年$2月$3日');
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

async function open(url: string, as: ApiSession) {
  const response = await h.app.inject({ method: 'GET', url, headers: { cookie: as.cookie } });
  return { response, cookie: cookieHeader(response, as.cookie), csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? '' };
}

async function upload(page: { cookie: string; csrf: string }, url: string, fields: Record<string, string>, files: { field: string; name: string; type: string; data: Buffer }[]) {
  const body = multipart(fields, files);
  return h.app.inject({ method: 'POST', url: `${url}?_csrf=${encodeURIComponent(page.csrf)}`, headers: { ...body.headers, cookie: page.cookie }, payload: body.payload });
}

async function list(rows: (string | number)[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('问题清单');
  sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限', '照片文件名']);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A problem list and its photo archive (each photo a plain colour), imported from the inspections page. */
async function importList(page: { cookie: string; csrf: string }, fields: Record<string, string>, rows: (string | number)[][], photos: Record<string, string>) {
  const archive = zipSync(Object.fromEntries(await Promise.all(Object.entries(photos).map(async ([name, colour]) => [name, new Uint8Array(await jpeg(colour))]))));
  return upload(page, base, fields, [
    { field: 'list', name: '问题清单.xlsx', type: XLSX, data: await list(rows) },
    { field: 'photos', name: '照片.zip', type: 'application/zip', data: Buffer.from(archive) },
  ]);
}

/** The 交办 an inspection's points came to at one address, and the Content-IDs its HTML shows. */
async function dispatchMail(address: string, inspection: string) {
  const title = `关于交办${inspection}发现问题的通知`;
  const mail = await waitFor(async () => (await listMailbox(h.database.db, { to: address })).find((m) => m.subject.includes(title)), `${title} to ${address}`);
  return { mail, cids: [...mail.html_body.matchAll(/<img src="cid:([^"]+)"/g)].map((m) => m[1]) };
}

const jpeg = (colour: string) => sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).jpeg().toBuffer();
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const location = (r: { rows: { inspection_id: string }[] }) => `${base}/${r.rows[0].inspection_id}`;
const count = async (table: string) => (await h.database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describe('问题点位 pages', () => {
  it('imports a problem list with its photos and shows each unit’s points with thumbnails', async () => {
    const page = await open(base, admin);
    expect(page.response.statusCode).toBe(200);
    expect(textOf(page.response.body)).toContain('导入问题清单');
    const sent = await importList(
      page,
      { kind: 'superiorAssessment', heldOn: today, title: '11月实地测评' },
      [
        [1, '北海大道与云南路交叉口', '共享单车乱停放', '公共场所秩序', '区综合执法分局', '立行立改', '001.jpg'],
        [2, '长青路农贸市场', '占道经营', '农贸市场', '区公用事业局', '一般', '002.jpg'],
      ],
      { '照片/001.jpg': '#c33', '照片/002.jpg': '#3c3' },
    );
    expect(sent.statusCode, sent.body).toBe(303);
    const location = String(sent.headers.location);
    expect(location).toMatch(new RegExp(`^${base}/\\d+\\?imported=2$`));

    const shown = await open(location, admin);
    const text = textOf(shown.response.body);
    expect(text).toContain('已导入 2 个问题点位');
    expect(text).toContain('区综合执法分局（1 个）');
    expect(text).toContain('区公用事业局（1 个）');
    expect(text).toContain('共享单车乱停放');
    const thumbs = [...shown.response.body.matchAll(/src="(\/point-photos\/\d+\/thumbnail)"/g)].map((m) => m[1]);
    expect(thumbs).toHaveLength(2);
    const thumb = await h.app.inject({ method: 'GET', url: thumbs[0], headers: { cookie: leader.cookie } });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(thumb.rawPayload).metadata()).width).toBe(320);

    // The 整改情况通报 with the before photos, and the list that imports again as it is.
    const docx = await h.app.inject({ method: 'GET', url: `${location.split('?')[0]}/report.docx`, headers: { cookie: leader.cookie } });
    expect(docx.statusCode).toBe(200);
    const parts = unzipSync(new Uint8Array(docx.rawPayload));
    const xml = textOf(strFromU8(parts['word/document.xml']));
    expect(xml).toContain('关于11月实地测评发现问题整改情况的通报');
    expect(xml).toContain(`共发现问题点位 2 个，涉及 2 个单位。截至${chinese(today)}，已整改销号 0 个，待复查 0 个，逾期未整改 0 个，有异议 0 个。`);
    expect(Object.keys(parts).filter((k) => k.startsWith('word/media/'))).toHaveLength(2);
    const xlsx = await h.app.inject({ method: 'GET', url: `${location.split('?')[0]}/points.xlsx`, headers: { cookie: leader.cookie } });
    const units = campaign.units.map((u) => ({ id: u.id, name: u.name, shortNames: [] }));
    const again = await readPointList(xlsx.rawPayload, units);
    expect(again.problems).toEqual([]);
    const deadlines = (await h.database.db.query<{ d: string }>("SELECT to_char(deadline, 'YYYY-MM-DD') AS d FROM inspection_points WHERE inspection_id = $1 ORDER BY number", [Number(/\/(\d+)\?/.exec(location)![1])])).rows.map((r) => r.d);
    expect(deadlines[0]).toBe(today);
    expect(again.points.map((p) => [p.number, p.unitId, p.severity, p.term, p.photos])).toEqual([
      [1, 'enforcement', 'immediate', { date: deadlines[0] }, ['001.jpg']],
      [2, 'utilities', 'general', { date: deadlines[1] }, ['002.jpg']],
    ]);

    const index = textOf((await open(base, leader)).response.body);
    expect(index).toContain('11月实地测评');
    expect(index).toContain('上级测评');
  });

  it('sends each unit its 交办 with its points’ thumbnails inside the mail', async () => {
    const page = await open(base, admin);
    const sent = await importList(
      page,
      { kind: 'unannounced', heldOn: today, title: '12月暗访' },
      [
        [1, '人民路口', '乱堆物料', '环境卫生', '北海服务中心', '一般', 'a.jpg'],
        [2, '人民路公交站', '公益广告破损', '公益广告', '北海服务中心', '一般', ''],
        [3, '人民路菜场', '占道经营', '农贸市场', '北海服务中心', '一般', 'b.jpg'],
      ],
      { 'a.jpg': '#36c', 'b.jpg': '#c63' },
    );
    expect(sent.statusCode, sent.body).toBe(303);
    const { mail, cids } = await dispatchMail('fw@test.example.org', '12月暗访');
    // One inline JPEG per point with a photo, each named by its Content-ID in the HTML, under its point's line.
    expect(cids).toHaveLength(2);
    expect(mail.parts.map((p) => [p.contentType, p.contentId, p.inline])).toEqual(cids.map((cid) => ['image/jpeg', cid, true]));
    const at = (text: string) => mail.html_body.indexOf(text);
    expect(at('1. 人民路口')).toBeLessThan(at(cids[0]));
    expect(at(cids[0])).toBeLessThan(at('2. 人民路公交站'));
    expect(at('3. 人民路菜场')).toBeLessThan(at(cids[1]));
    // The parts are the stored 320 px thumbnails, and the mail stays small.
    const { rows: thumbs } = await h.database.db.query<{ n: number }>(
      `SELECT length(f.thumbnail)::int AS n FROM point_photos f JOIN inspection_points p ON p.id = f.point_id JOIN inspections i ON i.id = p.inspection_id
        WHERE i.title = '12月暗访' ORDER BY p.number`,
    );
    expect(mail.parts.map((p) => p.size)).toEqual(thumbs.map((t) => t.n));
    expect(mail.parts.reduce((n, p) => n + p.size, 0)).toBeLessThan(200_000);
    // The text and the notice's .docx list the points as before.
    expect(mail.text_body).toContain('1. 人民路口：乱堆物料（环境卫生），一般');
    expect(mail.text_body).toContain('3. 人民路菜场：占道经营（农贸市场），一般');
    expect(mail.text_body).not.toContain('cid:');
    const { rows: notices } = await h.database.db.query<{ id: number }>("SELECT id::int FROM notices WHERE title = '关于交办12月暗访发现问题的通知'");
    const docx = await h.app.inject({ method: 'GET', url: `/notices/${notices[0].id}/docx`, headers: { cookie: leader.cookie } });
    expect(docx.statusCode).toBe(200);
    expect(textOf(strFromU8(unzipSync(new Uint8Array(docx.rawPayload))['word/document.xml']))).toContain('2. 人民路公交站：公益广告破损（公益广告）');
  });

  it('shows the photos of a unit’s first 30 points in its mail, and says the rest are behind the link', async () => {
    const rows = Array.from({ length: 32 }, (_, i) => [i + 1, `海滨路第${i + 1}处`, '垃圾堆积', '环境卫生', '区公用事业局', '一般', `${i + 1}.jpg`]);
    const photos = Object.fromEntries(rows.map((_, i) => [`${i + 1}.jpg`, `#${(100 + i * 7).toString(16).padStart(3, '0')}`]));
    const sent = await importList(await open(base, admin), { kind: 'selfCheck', heldOn: today, title: '12月复查' }, rows, photos);
    expect(sent.statusCode, sent.body).toBe(303);
    const { mail, cids } = await dispatchMail('gy@test.example.org', '12月复查');
    expect(cids).toHaveLength(30);
    expect(mail.parts.map((p) => p.contentId)).toEqual(cids);
    expect(mail.html_body.indexOf(cids[29])).toBeLessThan(mail.html_body.indexOf('31. 海滨路第31处'));
    expect(textOf(mail.html_body)).toContain('（邮件中仅附前 30 个问题点位的照片，其余见链接。）');
    expect(mail.text_body).toContain('32. 海滨路第32处：垃圾堆积');
  });

  it('refuses a bad list with every row’s problem and writes nothing', async () => {
    const before = [await count('inspections'), await count('inspection_points')];
    const page = await open(base, admin);
    const sent = await upload(page, base, { kind: 'unannounced', heldOn: today }, [
      { field: 'list', name: '问题清单.xlsx', type: XLSX, data: await list([[1, '某路口', '', '', '区交通局', '', ''], [1, '某市场', '占道经营', '', '区公用事业局', '', ''], [2, '某小区', '飞线充电', '', '区公用事业局', '', 'x.jpg']]) },
    ]);
    expect(sent.statusCode).toBe(422);
    const text = textOf(sent.body);
    expect(text).toContain('问题清单有 4 处错误，未导入任何内容');
    expect(text).toContain('「问题清单」表第 2 行「问题描述」列：未填问题描述');
    expect(text).toContain('「问题清单」表第 2 行「责任单位」列：责任单位“区交通局”不是本创建活动的单位');
    expect(text).toContain('「问题清单」表第 3 行「序号」列：序号 1 与第 2 行重复');
    expect(text).toContain('「问题清单」表第 4 行「照片文件名」列：清单写了照片文件名，但没有提供照片包（.zip）');
    expect([await count('inspections'), await count('inspection_points')]).toEqual(before);
  });

  it('takes a patrol’s points one at a time from a phone, numbering them', async () => {
    const page = await open(base, admin);
    const started = await h.app.inject({
      method: 'POST',
      url: `${base}/new`,
      headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: page.csrf, kind: 'patrol', heldOn: today, inspectors: '创城办督查组' }).toString(),
    });
    expect(started.statusCode).toBe(303);
    const formUrl = String(started.headers.location);
    expect(formUrl).toMatch(/\/points\/new$/);
    const form = await open(formUrl, admin);
    expect(form.response.body).toContain('capture="environment"');
    const action = formUrl.replace(/\/new$/, '');

    const missing = await upload(form, action, { description: '垃圾堆积', unit: 'service' }, [{ field: 'photo', name: 'IMG_1.jpg', type: 'image/jpeg', data: await jpeg('#999') }]);
    expect(missing.statusCode).toBe(422);
    expect(textOf(missing.body)).toContain('「点位」：未填点位');

    for (const [i, place] of ['海滨公园东门', '四川路背街小巷'].entries()) {
      const sent = await upload(form, action, { location: place, description: '垃圾堆积', unit: 'service', severity: 'general', next: 'yes', latitude: '21.4733', longitude: '109.1192' }, [
        { field: 'photo', name: `IMG_${i}.jpg`, type: 'image/jpeg', data: await jpeg('#999') },
      ]);
      expect(sent.statusCode, sent.body).toBe(303);
      expect(String(sent.headers.location)).toBe(`${formUrl}?added=${i + 1}`);
    }
    const points = await h.database.db.query('SELECT number, location, unit_id, latitude FROM inspection_points WHERE inspection_id = $1 ORDER BY number', [
      Number(/inspections\/(\d+)\//.exec(formUrl)![1]),
    ]);
    expect(points.rows).toEqual([
      { number: 1, location: '海滨公园东门', unit_id: 'service', latitude: 21.4733 },
      { number: 2, location: '四川路背街小巷', unit_id: 'service', latitude: 21.4733 },
    ]);
  });

  it('lets a unit answer and dispute its points from the mail’s link, and the office re-check and decide', async () => {
    // The first test's import was sent to the units: one 交办 each, with the unit's points link.
    const linkIn = async (address: string) => {
      const mail = await waitFor(async () => (await listMailbox(h.database.db, { to: address })).find((m) => m.subject.includes('关于交办11月实地测评发现问题的通知')), `交办 to ${address}`);
      return /\/u\/[\w-]+\.[\w-]+/.exec(mail.text_body)![0];
    };
    const enforcement = await linkIn('zf@test.example.org');
    const opened = await h.app.inject({ method: 'GET', url: enforcement });
    expect(opened.statusCode).toBe(303);
    const pointsUrl = String(opened.headers.location);
    const portal = await h.app.inject({ method: 'GET', url: pointsUrl });
    expect(portal.statusCode).toBe(200);
    const text = textOf(portal.body);
    expect(text).toContain('区综合执法分局问题点位');
    expect(text).toContain('共享单车乱停放');
    expect(text).not.toContain('占道经营'); // the other unit's point
    const csrf = { cookie: cookieHeader(portal), csrf: /name="_csrf" value="([^"]+)"/.exec(portal.body)![1] };
    const pointId = Number(/points\/(\d+)\/answer/.exec(portal.body)![1]);

    // An answer without a photo is refused; with one it waits for the re-check.
    const bare = await upload(csrf, `${pointsUrl}/${pointId}/answer`, { text: '已清理', by: '张联络' }, []);
    expect(bare.statusCode).toBe(422);
    expect(textOf(bare.body)).toContain('请上传整改后照片');
    const answered = await upload(csrf, `${pointsUrl}/${pointId}/answer`, { text: '已清理，设置停车线', by: '张联络' }, [{ field: 'photo', name: 'after.jpg', type: 'image/jpeg', data: await jpeg('#3c3') }]);
    expect(answered.statusCode, answered.body).toBe(303);

    // The office returns it, with the reason; the unit sees the reason and answers again; then it passes.
    const inspectionUrl = location(await h.database.db.query<{ inspection_id: string }>('SELECT inspection_id FROM inspection_points WHERE id = $1', [pointId]));
    const office = await open(inspectionUrl, admin);
    const recheck = (fields: Record<string, string>) => h.app.inject({
      method: 'POST',
      url: `${inspectionUrl}/points/${pointId}/recheck`,
      headers: { cookie: office.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: office.csrf, ...fields }).toString(),
    });
    expect(textOf((await recheck({ decision: 'fail' })).body)).toContain('请填写复查未通过的原因');
    expect((await recheck({ decision: 'fail', reason: '盲道仍被占用' })).statusCode).toBe(303);
    const row = async () => (await h.database.db.query('SELECT status, returns FROM inspection_points WHERE id = $1', [pointId])).rows[0];
    expect(await row()).toEqual({ status: 'returned', returns: 1 });
    expect(textOf((await h.app.inject({ method: 'GET', url: pointsUrl })).body)).toMatch(/复查未通过：\s*盲道仍被占用/);
    expect((await upload(csrf, `${pointsUrl}/${pointId}/answer`, { text: '已清出盲道' }, [{ field: 'photo', name: 'again.jpg', type: 'image/jpeg', data: await jpeg('#3c3') }])).statusCode).toBe(303);
    expect((await recheck({ decision: 'pass' })).statusCode).toBe(303);
    expect(await row()).toEqual({ status: 'closed', returns: 1 });
    const late = await upload(csrf, `${pointsUrl}/${pointId}/answer`, { text: '再传一张' }, [{ field: 'photo', name: 'late.jpg', type: 'image/jpeg', data: await jpeg('#3c3') }]);
    expect(late.statusCode).toBe(422);
    expect(textOf(late.body)).toContain('该点位已销号，不能再上传整改照片');

    // The other unit disputes its point; the office sends it on to a third unit, which is sent it.
    const utilities = String((await h.app.inject({ method: 'GET', url: await linkIn('gy@test.example.org') })).headers.location);
    const theirs = await h.app.inject({ method: 'GET', url: utilities });
    const theirPoint = Number(/points\/(\d+)\/dispute/.exec(theirs.body)![1]);
    const disputed = await h.app.inject({
      method: 'POST',
      url: `${utilities}/${theirPoint}/dispute`,
      headers: { cookie: cookieHeader(theirs), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(theirs.body)![1], reason: '该市场由北海服务中心管理', by: '李联络' }).toString(),
    });
    expect(disputed.statusCode).toBe(303);
    const decided = await h.app.inject({
      method: 'POST',
      url: `${inspectionUrl}/points/${theirPoint}/dispute`,
      headers: { cookie: office.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: office.csrf, reassignTo: 'service', reason: '异议成立，改由北海服务中心整改' }).toString(),
    });
    expect(decided.statusCode).toBe(303);
    await waitFor(async () => (await listMailbox(h.database.db, { to: 'fw@test.example.org' })).some((m) => m.subject.includes('关于交办11月实地测评发现问题的通知')), '交办 to the third unit');
    const events = (await h.database.db.query('SELECT kind, actor FROM point_events WHERE point_id = ANY ($1::bigint[]) ORDER BY id', [[pointId, theirPoint]])).rows;
    expect(events).toEqual([
      { kind: 'answered', actor: '张联络' },
      { kind: 'returned', actor: '赵明' },
      { kind: 'answered', actor: '' },
      { kind: 'passed', actor: '赵明' },
      { kind: 'disputed', actor: '李联络' },
      { kind: 'disputeUpheld', actor: '赵明' },
    ]);
  });

  it('takes an inspection as JSON through the API, with the same checks', async () => {
    const post = (payload: unknown) =>
      h.app.inject({ method: 'POST', url: `/api/campaigns/${campaign.id}/inspections`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: payload as object });
    const bad = await post({ kind: '日常巡查', heldOn: today, points: [{ location: '某路口', description: '乱停车', unit: '区交通局' }, { number: 2, location: '某市场', unit: 'utilities' }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems).toEqual([
      { file: 'points', field: 'points[0].number', message: '第 1 个点位「序号」：未填序号' },
      { file: 'points', field: 'points[0].unit', message: '第 1 个点位「责任单位」：责任单位“区交通局”不是本创建活动的单位（请写单位全称、简称或编号；新单位请先加入创建活动）' },
      { file: 'points', field: 'points[1].description', message: '第 2 个点位「问题描述」：未填问题描述' },
    ]);
    const good = await post({ kind: 'patrol', heldOn: today, title: '12月巡查', points: [{ number: 1, location: '某路口', description: '乱停车', unit: '区综合执法分局', severity: '复杂' }, { number: 2, location: '某市场', description: '占道经营', unit: 'utilities' }] });
    expect(good.statusCode, good.body).toBe(201);
    expect(good.json()).toMatchObject({ points: 2, units: { enforcement: 1, utilities: 1 } });
    const listed = await h.app.inject({ method: 'GET', url: `/api/campaigns/${campaign.id}/inspections/${good.json().inspectionId}/points`, headers: { cookie: leader.cookie } });
    expect(listed.json().points.map((p: { number: number; severity: string; unit_id: string }) => [p.number, p.severity, p.unit_id])).toEqual([
      [1, 'complex', 'enforcement'],
      [2, 'general', 'utilities'],
    ]);
    await waitFor(async () => (await listMailbox(h.database.db, { to: 'gy@test.example.org' })).some((m) => m.subject.includes('关于交办12月巡查发现问题的通知')), 'the API’s points sent');
  });

  it('takes a point’s photos through the API, gives them back, and refuses what is not a photo', async () => {
    const entered = await h.app.inject({
      method: 'POST',
      url: `/api/campaigns/${campaign.id}/inspections`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      // Entered without sending: its photo first, then the 交办 (below) shows it.
      payload: { kind: 'patrol', heldOn: today, title: '12月夜查', dispatch: false, points: [{ number: 1, location: '北部湾广场', description: '夜市油烟', unit: 'enforcement' }] },
    });
    expect(entered.statusCode, entered.body).toBe(201);
    expect(entered.json().dispatched).toBe(false);
    const points = `/api/campaigns/${campaign.id}/inspections/${entered.json().inspectionId}/points`;
    const route = '/api/campaigns/:campaignId/inspections/:inspectionId/points/:number/photos';
    const send = (as: ApiSession, number: number, files: { name: string; type: string; data: Buffer }[]) => {
      const body = multipart({}, files.map((f) => ({ field: 'photo', ...f })));
      return h.app.inject({ method: 'POST', url: `${points}/${number}/photos`, headers: { ...body.headers, cookie: as.cookie, 'x-csrf-token': as.csrf }, payload: body.payload });
    };

    const sent = await send(admin, 1, [{ name: '现场.jpg', type: 'image/jpeg', data: await jpeg('#39c') }]);
    expect(sent.statusCode, sent.body).toBe(201);
    spec.check('POST', route, sent);
    const [kept] = sent.json().photos as { id: number; url: string }[];
    expect(kept.url).toBe(`${points}/1/photos/${kept.id}`);
    const photo = await h.app.inject({ method: 'GET', url: kept.url, headers: { cookie: leader.cookie } });
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    spec.check('GET', `${route}/:photoId`, photo);
    expect((await sharp(photo.rawPayload).metadata()).width).toBe(640);
    const thumbnail = await h.app.inject({ method: 'GET', url: `${kept.url}?size=thumbnail`, headers: { cookie: leader.cookie } });
    expect((await sharp(thumbnail.rawPayload).metadata()).width).toBe(320);
    const listed = await h.app.inject({ method: 'GET', url: points, headers: { cookie: leader.cookie } });
    expect(listed.json().points[0].photos).toMatchObject([{ id: kept.id, stage: 'before', file_name: '现场.jpg' }]);
    // The photo is read only under its own point.
    expect((await h.app.inject({ method: 'GET', url: `${points}/2/photos/${kept.id}`, headers: { cookie: leader.cookie } })).statusCode).toBe(404);

    // A text file among the photos: refused with its name and why, nothing kept.
    const bad = await send(admin, 1, [
      { name: '现场2.jpg', type: 'image/jpeg', data: await jpeg('#9c3') },
      { name: '说明.txt', type: 'text/plain', data: Buffer.from('不是照片') },
    ]);
    expect(bad.statusCode).toBe(400);
    spec.check('POST', route, bad);
    expect(bad.json()).toMatchObject({
      error: 'InvalidPhoto',
      problems: [{ field: 'photo', message: '「照片」：照片“说明.txt”不是图片文件（无法识别为 JPEG、PNG、WebP 或 HEIC 照片）' }],
    });
    expect((await send(admin, 1, [])).json().message).toBe('「照片」：请上传至少一张照片');
    expect((await send(admin, 9, [{ name: 'a.jpg', type: 'image/jpeg', data: await jpeg('#999') }])).statusCode).toBe(404);
    // A leader reads but does not add.
    expect((await send(leader, 1, [{ name: 'a.jpg', type: 'image/jpeg', data: await jpeg('#999') }])).statusCode).toBe(403);
    const after = await h.app.inject({ method: 'GET', url: points, headers: { cookie: leader.cookie } });
    expect(after.json().points[0].photos).toHaveLength(1);

    // Nothing was sent until the office dispatches; then the unit's 交办 carries the photo.
    expect((await listMailbox(h.database.db, { to: 'zf@test.example.org' })).filter((m) => m.subject.includes('12月夜查'))).toEqual([]);
    const dispatchRoute = '/api/campaigns/:campaignId/inspections/:inspectionId/dispatch';
    expect((await h.app.inject({ method: 'POST', url: points.replace(/points$/, 'dispatch'), headers: { cookie: leader.cookie, 'x-csrf-token': leader.csrf } })).statusCode).toBe(403);
    const dispatched = await h.app.inject({ method: 'POST', url: points.replace(/points$/, 'dispatch'), headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } });
    expect(dispatched.statusCode, dispatched.body).toBe(202);
    spec.check('POST', dispatchRoute, dispatched);
    const { mail, cids } = await dispatchMail('zf@test.example.org', '12月夜查');
    expect(cids).toHaveLength(1);
    expect(mail.parts.map((p) => [p.contentType, p.contentId])).toEqual([['image/jpeg', cids[0]]]);
    expect(mail.text_body).toContain('1. 北部湾广场：夜市油烟');
  });

  it('puts every point in the ledger (台账), and each unit’s figures as the assessment counts them', async () => {
    // A campaign of its own; its points entered twenty days ago, so that today some have lapsed (a long holiday included).
    const now = await h.sim.now();
    const then = new Date(now.getTime() - 20 * 86_400_000);
    const later = new Date(now.getTime() - 10 * 86_400_000);
    const own = testDefinition({ start: shanghaiDate(now, -30), end: shanghaiDate(now, 200) });
    await insertCampaign(h.database.db, own);
    const point = (number: number, location: string, unit: string, severity: string) => ({ number, location, description: '问题', category: '环境卫生', unit, severity });
    const { inspectionId } = await enterInspection(h.database.db, {
      campaignId: own.id,
      kind: 'selfCheck',
      heldOn: shanghaiDate(then),
      title: '月度抽查',
      createdBy: '赵明',
      now: then,
      points: [
        point(1, '甲路', 'enforcement', '立行立改'),
        point(2, '乙路', 'enforcement', '立行立改'),
        point(3, '丙路', 'enforcement', '立行立改'),
        point(4, '丁路', 'enforcement', '立行立改'),
        point(5, '戊路', 'utilities', '立行立改'),
      ],
    });
    const ids = new Map((await listPoints(h.database.db, inspectionId)).map((p) => [p.number, p.id]));
    await markPointsDispatched(h.database.db, [...ids.values()].map((id) => ({ id, nextRungAt: null })), then.toISOString());
    const photos = [{ fileName: 'after.jpg', data: await jpeg('#3c3') }];
    const act = (number: number, at: Date) => ({ campaignId: own.id, pointId: ids.get(number)!, by: '联络员', now: at });
    // 1 fixed on the day; 2 never answered; 3 fixed ten days late; 4 disputed; 5 returned at its re-check,
    // its new deadline (three working days) lapsed since.
    await answerPoint(h.database.db, { ...act(1, then), unitId: 'enforcement', photos });
    await recheckPoint(h.database.db, { ...act(1, then), pass: true });
    await answerPoint(h.database.db, { ...act(3, later), unitId: 'enforcement', photos });
    await recheckPoint(h.database.db, { ...act(3, later), pass: true });
    await disputePoint(h.database.db, { ...act(4, then), unitId: 'enforcement', reason: '不属于本单位' });
    await answerPoint(h.database.db, { ...act(5, then), unitId: 'utilities', photos });
    await recheckPoint(h.database.db, { ...act(5, then), pass: false, reason: '未清理干净' });

    const response = await h.app.inject({ method: 'GET', url: `/api/campaigns/${own.id}/ledger.xlsx`, headers: { cookie: leader.cookie } });
    expect(response.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const values = (name: string) => {
      const rows: unknown[][] = [];
      book.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return rows;
    };
    const [header, ...rows] = values('问题点位');
    expect(header).toEqual(['检查', '序号', '点位', '类别', '责任单位', '发现日期', '整改时限', '状态', '整改时间', '复查退回次数', '是否逾期', '是否申辩']);
    const day = shanghaiDate(then);
    const minute = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(d);
    expect(rows.map((r) => r.map((v) => (v === undefined ? '' : v)))).toEqual([
      ['月度抽查', 1, '甲路', '环境卫生', '区综合执法分局', day, day, '已销号', minute(then), 0, '否', '否'],
      ['月度抽查', 2, '乙路', '环境卫生', '区综合执法分局', day, day, '待整改', '', 0, '是', '否'],
      ['月度抽查', 3, '丙路', '环境卫生', '区综合执法分局', day, day, '已销号', minute(later), 0, '是', '否'],
      ['月度抽查', 4, '丁路', '环境卫生', '区综合执法分局', day, day, '有异议', '', 0, '否', '是'],
      ['月度抽查', 5, '戊路', '环境卫生', '区公用事业局', day, day, '复查未通过', '', 1, '是', '否'],
    ]);
    // Found, fixed on time and returned are pointMetrics' own figures; overdue and disputed follow the rows.
    expect(values('点位统计')).toEqual([
      ['单位', '发现问题点位', '按时整改', '逾期', '复查退回', '申辩'],
      ['区综合执法分局', 4, 1, 2, 0, 1],
      ['北海服务中心', 0, 0, 0, 0, 0],
      ['区公用事业局', 1, 0, 1, 1, 0],
    ]);
  });

  it('lets a leader read but not import', async () => {
    const page = await open(base, leader);
    expect(page.response.statusCode).toBe(200);
    expect(textOf(page.response.body)).not.toContain('导入问题清单');
    const sent = await upload(page, base, { kind: 'patrol', heldOn: today }, [{ field: 'list', name: 'a.xlsx', type: XLSX, data: await list([]) }]);
    expect(sent.statusCode).toBe(403);
  });
});
