// 问题点位 in the console, as an office uses it through HTTP: a problem list with its photo archive
// uploaded and shown unit by unit with thumbnails; a bad list refused with every row's problem and
// nothing written; a patrol entered point by point from a phone's camera; leaders read only.
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { insertCampaign } from '../../db/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { readPointList } from '../../services/inspection-workbook.js';
import { waitFor } from '../support/wait.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { consoleForFile, cookieHeader, multipart, type ApiSession } from './support.js';

const { h, admin, leader } = await consoleForFile();
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

const jpeg = (colour: string) => sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).jpeg().toBuffer();
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const location = (r: { rows: { inspection_id: string }[] }) => `${base}/${r.rows[0].inspection_id}`;
const count = async (table: string) => (await h.database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describe('问题点位 pages', () => {
  it('imports a problem list with its photos and shows each unit’s points with thumbnails', async () => {
    const page = await open(base, admin);
    expect(page.response.statusCode).toBe(200);
    expect(textOf(page.response.body)).toContain('导入问题清单');
    const photos = Buffer.from(zipSync({ '照片/001.jpg': new Uint8Array(await jpeg('#c33')), '照片/002.jpg': new Uint8Array(await jpeg('#3c3')) }));
    const listData = await list([
      [1, '北海大道与云南路交叉口', '共享单车乱停放', '公共场所秩序', '区综合执法分局', '立行立改', '001.jpg'],
      [2, '长青路农贸市场', '占道经营', '农贸市场', '区公用事业局', '一般', '002.jpg'],
    ]);
    const sent = await upload(page, base, { kind: 'superiorAssessment', heldOn: today, title: '11月实地测评' }, [
      { field: 'list', name: '问题清单.xlsx', type: XLSX, data: listData },
      { field: 'photos', name: '照片.zip', type: 'application/zip', data: photos },
    ]);
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

  it('lets a leader read but not import', async () => {
    const page = await open(base, leader);
    expect(page.response.statusCode).toBe(200);
    expect(textOf(page.response.body)).not.toContain('导入问题清单');
    const sent = await upload(page, base, { kind: 'patrol', heldOn: today }, [{ field: 'list', name: 'a.xlsx', type: XLSX, data: await list([]) }]);
    expect(sent.statusCode).toBe(403);
  });
});
