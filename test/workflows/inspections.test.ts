// An inspection's points as an office follows them, for three units: imported and sent in one 交办
// per unit, each listing its points with the unit's points link; one point fixed on time, one
// returned at its re-check and then fixed, and points lapsing on one day going out in one numbered
// 逾期通报 per unit listing them (another unit's kept apart), then climbing to a 督办函. And a 交办
// whose points have photos shows them inside the mail, the same mail again on a retried send.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday; 2035-01-08 is a Monday).
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dispatchInspection, pointsChanged } from '../../client/inspections.js';
import { insertCampaign } from '../../db/campaigns.js';
import { startSimulation } from '../../stack/simulation.js';
import { importInspection } from '../../services/inspections.js';
import { answerPoint, recheckPoint } from '../../services/point-actions.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { civil, mailTo, terminateLeftovers } from './helpers.js';
import sharp from 'sharp';

const database = await createTestDatabase();
const sim = await startSimulation({ db: database.db, links: { publicUrl: 'http://127.0.0.1:1', secret: 'inspection-test-secret-of-32-bytes!!!!' } });
afterEach(terminateLeftovers);
afterAll(async () => {
  await sim.stop();
  await database.drop();
});

const at = (iso: string) => Date.parse(iso);

async function list(rows: (string | number)[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('问题清单');
  sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限']);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('an inspection’s points', () => {
  it('are sent once per unit, fixed, returned and fixed, or lapse into one 逾期通报 per unit and day', { timeout: 180_000 }, async () => {
    const def = testDefinition({ start: '2035-01-01', end: '2035-06-30', tasks: [] });
    await insertCampaign(database.db, def);
    const notices = async (kind: string) =>
      (
        await database.db.query<{ unit_id: string; document_number: string; title: string; body: string }>(
          'SELECT unit_id, document_number, title, body FROM notices WHERE campaign_id = $1 AND kind = $2 ORDER BY id',
          [def.id, kind],
        )
      ).rows;

    await sim.withWorker(async () => {
      await sim.env.sleep(at('2035-01-08T02:00:00Z') - (await sim.env.currentTimeMs()));
      const now = new Date(await sim.env.currentTimeMs());
      const { inspectionId } = await importInspection(database.db, {
        campaignId: def.id,
        kind: 'selfCheck',
        heldOn: '2035-01-07',
        title: '1月抽查',
        createdBy: '赵明',
        now,
        list: {
          fileName: '1月抽查.xlsx',
          data: await list([
            [1, '北海大道东段', '乱停车', '公共场所秩序', '区综合执法分局', '一般'],
            [2, '云南路口', '占道经营', '公共场所秩序', '区综合执法分局', '一般'],
            [3, '四川路背街小巷', '垃圾堆积', '背街小巷', '区综合执法分局', '一般'],
            [4, '海滨公园', '公益广告破损', '公益广告', '区综合执法分局', '立行立改'],
            [5, '长青路农贸市场', '排水沟堵塞', '农贸市场', '区公用事业局', '复杂'],
            [6, '和平路街心公园', '绿化带垃圾', '环境卫生', '区公用事业局', '一般'],
            [7, '服务中心门前', '乱贴小广告', '公共场所秩序', '北海服务中心', '一般'],
          ]),
        },
      });
      await dispatchInspection(sim.env.client, def.id, inspectionId);
      await waitFor(async () => (await notices('pointDispatch')).length === 3, 'every unit sent its points');
      const idOf = async (n: number) => (await database.db.query<{ id: number }>('SELECT id::int FROM inspection_points WHERE inspection_id = $1 AND number = $2', [inspectionId, n])).rows[0].id;
      const photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#3c3' } }).jpeg().toBuffer();
      const simNow = async () => new Date(await sim.env.currentTimeMs());
      const answer = async (unitId: string, n: number) =>
        answerPoint(database.db, { campaignId: def.id, unitId, pointId: await idOf(n), by: '联络员', text: '已整改', photos: [{ fileName: 'after.jpg', data: photo }], now: await simNow() });
      const recheck = async (n: number, pass: boolean) =>
        recheckPoint(database.db, { campaignId: def.id, pointId: await idOf(n), by: '赵明', pass, reason: pass ? undefined : '广告未清除干净', now: await simNow() });

      // Point 7 is answered on Tuesday, returned at its re-check (new deadline Friday), answered again and passed.
      await sim.env.sleep(at('2035-01-09T02:00:00Z') - (await sim.env.currentTimeMs()));
      await answer('service', 7);
      await recheck(7, false);
      await pointsChanged(sim.env.client, def.id, inspectionId);
      // Point 3 is answered on Wednesday with its after-photo, and point 7 again; the office re-checks later.
      await sim.env.sleep(at('2035-01-10T02:00:00Z') - (await sim.env.currentTimeMs()));
      await answer('enforcement', 3);
      await answer('service', 7);
      await recheck(7, true);
      const point3 = await idOf(3);

      // Point 4 (立行立改, due Monday) lapses Tuesday 00:00; points 1 and 2 (一般, due Thursday) Friday 00:00.
      await sim.env.sleep(at('2035-01-13T02:00:00Z') - (await sim.env.currentTimeMs()));
      await recheckPoint(database.db, { campaignId: def.id, pointId: point3, by: '赵明', pass: true, now: new Date(await sim.env.currentTimeMs()) });
    });

    const dispatched = await notices('pointDispatch');
    expect(dispatched.map((n) => [n.unit_id, n.document_number, n.title])).toEqual([
      ['enforcement', '测试创城交办〔2035〕1号', '关于交办1月抽查发现问题的通知'],
      ['service', '测试创城交办〔2035〕2号', '关于交办1月抽查发现问题的通知'],
      ['utilities', '测试创城交办〔2035〕3号', '关于交办1月抽查发现问题的通知'],
    ]);
    expect(dispatched[0].body).toContain('你单位负责整改的问题点位4个');
    expect(dispatched[0].body).toContain('4. 海滨公园：公益广告破损（公益广告），立行立改，整改时限2035年1月8日。');
    expect(dispatched[2].body).toContain('你单位负责整改的问题点位2个');
    expect(dispatched[2].body).toContain('5. 长青路农贸市场：排水沟堵塞（农贸市场），复杂，整改时限2035年1月29日。');

    const overdue = await notices('overdue');
    // Friday 00:00 two units' points lapse: each unit its own notice, its own number.
    expect(overdue.map((n) => [n.unit_id, n.document_number, n.title])).toEqual([
      ['enforcement', '测试创城通报〔2035〕1号', '关于区综合执法分局问题点位逾期未整改的通报'],
      ['enforcement', '测试创城通报〔2035〕2号', '关于区综合执法分局问题点位逾期未整改的通报'],
      ['utilities', '测试创城通报〔2035〕3号', '关于区公用事业局问题点位逾期未整改的通报'],
    ]);
    expect(overdue[2].body).toContain('以下1个问题点位');
    expect(overdue[2].body).toContain('6. 和平路街心公园');
    expect(overdue[2].body).not.toContain('北海大道东段');
    expect(overdue[0].body).toContain('以下1个问题点位');
    expect(overdue[0].body).toContain('4. 海滨公园');
    expect(overdue[1].body).toContain('以下2个问题点位');
    expect(overdue[1].body).toContain('1. 北海大道东段');
    expect(overdue[1].body).toContain('2. 云南路口');
    // The answered point waits for its re-check: it is in no 逾期通报, and passed it is closed.
    expect(overdue.some((n) => n.body.includes('四川路背街小巷'))).toBe(false);
    const { rows: points } = await database.db.query<{ number: number; status: string; rung: number }>(
      'SELECT number, status, rung FROM inspection_points WHERE campaign_id = $1 ORDER BY number',
      [def.id],
    );
    expect(points.map((p) => [p.number, p.status, p.rung])).toEqual([
      [1, 'open', 1],
      [2, 'open', 1],
      [3, 'closed', 0],
      [4, 'open', 2],
      [5, 'open', 0],
      [6, 'open', 1],
      [7, 'closed', 0],
    ]);
    const { rows: seven } = await database.db.query('SELECT returns FROM inspection_points WHERE campaign_id = $1 AND number = 7', [def.id]);
    expect(seven[0].returns).toBe(1);
    // Point 4's 督办函 came three working days after its 逾期通报 (Friday 24:00), with its own 限期整改
    // of five working days from the day it was issued (Saturday): Friday the 19th.
    const letters = await notices('supervisionLetter');
    expect(letters.map((n) => [n.unit_id, n.document_number, n.title])).toEqual([
      ['enforcement', '测试创城督办〔2035〕1号', '关于区综合执法分局问题点位逾期未整改的督办函'],
    ]);
    expect(letters[0].body).toContain('现予督办，请于2035年1月19日前整改到位');
    const { rows: four } = await database.db.query<{ d: string }>("SELECT to_char(deadline, 'YYYY-MM-DD') AS d FROM inspection_points WHERE campaign_id = $1 AND number = 4", [def.id]);
    expect(four[0].d).toBe('2035-01-19');

    // The unit's people (contact and principal, as the ladder addresses them) got four mails, one
    // per notice, every one with the unit's points link.
    const mails = new Map((await Promise.all(['zf@test.example.org', 'zf-principal@test.example.org'].map((a) => mailTo(database.db, a, def)))).flat().map((m) => [m.message_id, m]));
    expect([...mails.values()].sort((a, b) => a.id - b.id).map((m) => m.subject.replace(/^【[^】]+】/, ''))).toEqual([
      '关于交办1月抽查发现问题的通知',
      '关于区综合执法分局问题点位逾期未整改的通报',
      '关于区综合执法分局问题点位逾期未整改的通报',
      '关于区综合执法分局问题点位逾期未整改的督办函',
    ]);
    for (const m of mails.values()) expect(m.text_body).toMatch(/问题点位整改链接[^\n]*\n?\s*http:\/\/127\.0\.0\.1:1\/u\/[\w-]+\.[\w-]+/);
    expect([...mails.values()].every((m) => m.deliveries === 1)).toBe(true);
  });

  it('sends each unit its points’ photos inside the 交办, the same mail again when the first send fails', { timeout: 120_000 }, async () => {
    const def = testDefinition({ start: '2035-01-01', end: '2035-06-30', tasks: [] });
    await insertCampaign(database.db, def);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('问题清单');
    sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限', '照片文件名']);
    sheet.addRow([1, '海景大道', '乱停车', '公共场所秩序', '区综合执法分局', '一般', '1.jpg']);
    sheet.addRow([2, '银滩路', '垃圾堆积', '环境卫生', '区综合执法分局', '一般', '']);
    sheet.addRow([3, '银滩路口', '占道经营', '公共场所秩序', '区综合执法分局', '一般', '3.jpg']);
    const photo = async (colour: string) => new Uint8Array(await sharp({ create: { width: 800, height: 600, channels: 3, background: colour } }).jpeg().toBuffer());
    const archive = Buffer.from(zipSync({ '1.jpg': await photo('#36c'), '3.jpg': await photo('#c63') }));
    const sent = async () =>
      (
        await database.db.query<{ id: number; status: string; attempts: number }>(
          'SELECT n.id::int, o.status, o.attempts FROM outbox o JOIN notices n ON n.id = o.notice_id WHERE n.campaign_id = $1',
          [def.id],
        )
      ).rows;

    await sim.withWorker(async () => {
      const now = new Date(await sim.env.currentTimeMs());
      const { inspectionId } = await importInspection(database.db, {
        campaignId: def.id,
        kind: 'patrol',
        heldOn: civil(now),
        title: '海滨巡查',
        createdBy: '赵明',
        now,
        list: { fileName: '海滨巡查.xlsx', data: Buffer.from(await book.xlsx.writeBuffer()) },
        photos: { buffer: archive, fileName: '照片.zip' },
      });
      // The mail server takes the 交办 and then answers with an error: the activity sends it again.
      sim.sink.failAfterStoring(1);
      await dispatchInspection(sim.env.client, def.id, inspectionId);
      await waitFor(async () => (await sent()).some((m) => m.status === 'sent'), 'the 交办 sent again');
    });

    const outbox = await sent();
    expect(outbox.map((m) => [m.status, m.attempts])).toEqual([['sent', 2]]);
    const mail = (await mailTo(database.db, 'zf@test.example.org', def)).find((m) => m.subject.includes('关于交办海滨巡查发现问题的通知'))!;
    expect(mail.deliveries).toBe(2);
    // Its pictures are the ones stored with the notice when it was numbered: the same on every send.
    const { rows: stored } = await database.db.query<{ name: string; content_id: string; size: number }>(
      'SELECT name, content_id, length(content)::int AS size FROM notice_attachments WHERE notice_id = $1 ORDER BY id',
      [outbox[0].id],
    );
    expect(stored.map((a) => a.name)).toEqual(['问题点位1.jpg', '问题点位3.jpg']);
    const cids = [...mail.html_body.matchAll(/<img src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids).toEqual(stored.map((a) => a.content_id));
    expect(mail.parts.map((p) => [p.contentType, p.contentId, p.size, p.inline])).toEqual(stored.map((a) => ['image/jpeg', a.content_id, a.size, true]));
    expect(mail.text_body).toContain('2. 银滩路：垃圾堆积（环境卫生），一般');
  });
});
