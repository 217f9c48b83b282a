// 问题清单 with its photo archive: a good list imported (units found however written, deadlines in
// working days by severity, photos kept with their camera time and place); bad lists and archives
// refused whole, every problem named by sheet, row and column, and nothing written.
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCampaign } from '../../db/campaigns.js';
import { listInspections, listPoints, markPointsDispatched, pointMetrics } from '../../db/inspections.js';
import { definitionSchema } from '../../domain/definition.js';
import { fixTermOf } from '../../domain/inspections.js';
import { pointListTemplate, readPointList } from '../../services/inspection-workbook.js';
import { answerPoint, disputePoint, recheckPoint } from '../../services/point-actions.js';
import { importInspection, InspectionImportError, type InspectionImport } from '../../services/inspections.js';
import { formatSheetProblem } from '../../services/spreadsheet.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';

let database: TestDatabase;
const campaign = testDefinition({ start: '2026-11-01', end: '2027-06-30' });
/** Thursday 3 December 2026, 10:00 in Shanghai. */
const NOW = new Date('2026-12-03T02:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  await insertCampaign(database.db, campaign);
});
afterAll(async () => {
  await database?.drop();
});

const HEADER = ['序号', '点位', '问题描述', '类别', '责任单位', '整改时限', '照片文件名', '备注'];

async function list(rows: (string | number)[][], header = HEADER, sheetName = '问题清单'): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName);
  sheet.addRow(header);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A small street photo; with the camera's time and place when `exif` is set. */
async function photo(colour: string, exif = false): Promise<Buffer> {
  const image = sharp({ create: { width: 800, height: 600, channels: 3, background: colour } }).jpeg();
  if (!exif) return image.toBuffer();
  return image
    .withExif({
      IFD0: { Make: 'Phone' },
      IFD2: { DateTimeOriginal: '2026:12:01 10:30:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '21/1 28/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '109/1 7/1 900/100' },
    })
    .toBuffer();
}

function zip(files: Record<string, Buffer>): Buffer {
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, data]) => [name, new Uint8Array(data)]))));
}

function request(listData: Buffer, photos?: Buffer, extra: Partial<InspectionImport> = {}): InspectionImport {
  return {
    campaignId: campaign.id,
    kind: 'unannounced',
    heldOn: '2026-12-01',
    createdBy: 'zhaoming',
    now: NOW,
    list: { data: listData, fileName: '12月暗访问题清单.xlsx' },
    ...(photos ? { photos: { buffer: photos, fileName: '照片.zip' } } : {}),
    ...extra,
  };
}

async function counts() {
  const n = async (table: string) => (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  return { inspections: await n('inspections'), points: await n('inspection_points'), photos: await n('point_photos') };
}

async function refused(input: InspectionImport): Promise<string[]> {
  const before = await counts();
  const error = await importInspection(database.db, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InspectionImportError);
  expect(await counts()).toEqual(before);
  return (error as InspectionImportError).problems.map(formatSheetProblem);
}

describe('a problem list and its photos', () => {
  it('imports every point with its unit, deadline and photos', async () => {
    const listData = await list([
      [1, '北海大道与云南路交叉口东北角', '共享单车乱停放，占用盲道', '公共场所秩序', '区综合执法分局', '立行立改', 'IMG_0001.jpg', ''],
      [2, '长青路农贸市场东门', '占道经营', '农贸市场', '區公用事業局', '', 'IMG_0002.JPG、IMG_0003.jpg', '繁体单位名'],
      [3, '海滨公园公益广告牌', '公益广告破损', '公益广告', 'service', '复杂', '', ''],
      [4, '四川路背街小巷', '垃圾堆积', '背街小巷', '区综合执法分局', '5个工作日', 'IMG_0001.jpg', '同一张照片'],
    ]);
    const photos = zip({ '暗访照片/IMG_0001.jpg': await photo('#c33', true), 'img_0002.jpg': await photo('#3c3'), 'IMG_0003.jpg': await photo('#33c'), 'unused.jpg': await photo('#999') });
    const result = await importInspection(database.db, request(listData, photos));
    expect(result.points).toBe(4);
    expect(result.photos).toBe(4);
    expect(Object.fromEntries(result.units)).toEqual({ enforcement: 2, utilities: 1, service: 1 });

    const [inspection] = await listInspections(database.db, campaign.id);
    expect(inspection).toMatchObject({ kind: 'unannounced', held_on: '2026-12-01', title: '2026-12-01 暗访', source_file: '12月暗访问题清单.xlsx', points: 4, open_points: 4 });
    const points = await listPoints(database.db, inspection.id);
    // Working days from Thursday 3 December: 一般 3 → Tuesday 8, 复杂 15 → 24 December, 5 → Thursday 10.
    expect(points.map((p) => [p.number, p.unit_id, p.severity, p.deadline, p.photos.length])).toEqual([
      [1, 'enforcement', 'immediate', '2026-12-03', 1],
      [2, 'utilities', 'general', '2026-12-08', 2],
      [3, 'service', 'complex', '2026-12-24', 0],
      [4, 'enforcement', 'general', '2026-12-10', 1],
    ]);
    expect(points[0].photos[0]).toMatchObject({ stage: 'before', file_name: 'IMG_0001.jpg', taken_at: '2026-12-01T02:30:00+00:00', latitude: 21.473333, longitude: 109.119167 });
    expect(points[1].photos[0]).toMatchObject({ file_name: 'img_0002.jpg', taken_at: null, latitude: null });

    const { rows } = await database.db.query<{ width: number; height: number; thumbnail: Buffer; content: Buffer }>(
      'SELECT width, height, thumbnail, content FROM point_photos ORDER BY id LIMIT 1',
    );
    expect([rows[0].width, rows[0].height]).toEqual([800, 600]);
    const thumb = await sharp(rows[0].thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 320, 240]);
  });

  it('reads an office’s own sheet name and the 整改时限 forms offices write', async () => {
    const units = [{ id: 'enforcement', name: '区综合执法分局', shortNames: ['执法分局'] }];
    const { sheet, points, problems } = await readPointList(await list([[7, '某路口', '乱停车', '', '执法分局', '3', '', '']], HEADER, 'Sheet1'), units);
    expect(problems).toEqual([]);
    expect(sheet).toBe('Sheet1');
    expect(points[0]).toMatchObject({ number: 7, unitId: 'enforcement', term: { workingDays: 3 } });
    expect(fixTermOf('当日')).toEqual({ workingDays: 0 });
    expect(fixTermOf('2027年1月5日')).toEqual({ date: '2027-01-05' });
    expect(fixTermOf('尽快')).toBeUndefined();
  });

  it('gives a point without 责任单位 to the unit the office’s area rules name', async () => {
    const units = campaign.units.map((u) => ({ id: u.id, name: u.name, shortNames: [] }));
    const rules = [
      { area: '长青路', category: '农贸市场', unit: 'utilities' },
      { area: '北海大道', unit: 'enforcement' },
    ];
    const { points, problems } = await readPointList(
      await list([
        [1, '长青路农贸市场东门', '占道经营', '农贸市场', '', '', '', ''],
        [2, '北海大道与云南路交叉口', '乱停车', '公共场所秩序', '', '', '', ''],
        [3, '长青路口', '乱停车', '公共场所秩序', '', '', '', ''],
      ]),
      units,
      rules,
    );
    expect(points.map((p) => [p.number, p.unitId])).toEqual([
      [1, 'utilities'],
      [2, 'enforcement'],
    ]);
    expect(problems.map(formatSheetProblem)).toEqual(['「问题清单」表第 4 行「责任单位」列：未填责任单位，且点位不在创建活动的责任区域划分中']);
    const bad = definitionSchema.safeParse({ ...campaign, inspections: { unitRules: [{ area: '长青路', unit: 'market-bureau' }] } });
    expect(bad.success ? [] : bad.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['inspections.unitRules.0.unit: 未知单位：market-bureau']);
  });

  it('hands out a template the import reads back', async () => {
    const template = await pointListTemplate();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(template as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['填写说明', '问题清单']);
    const { problems } = await readPointList(template, []);
    expect(problems.map(formatSheetProblem)).toEqual(['「问题清单」表第 0 行：问题清单中没有任何问题点位']);
  });
});

describe('what a unit and the office may do with a point', () => {
  it('refuses a dispute after the deadline, and a failed re-check without its reason', async () => {
    const [inspection] = await listInspections(database.db, campaign.id);
    const [point] = await listPoints(database.db, inspection.id);
    const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error) => `${e.name}: ${e.message}`);
    // Point 1 was 立行立改 on 3 December: on the 4th it is too late to say it is not the unit's.
    const late = { campaignId: campaign.id, unitId: 'enforcement', pointId: point.id, by: '张联络', reason: '不归我单位管', now: new Date('2026-12-04T02:00:00Z') };
    expect(await refusal(disputePoint(database.db, late))).toBe('PointRefused: 已过整改时限（2026-12-03），不能再提出异议');
    expect(await refusal(disputePoint(database.db, { ...late, unitId: 'utilities' }))).toBe('PointRefused: 问题点位不存在');
    expect(await refusal(recheckPoint(database.db, { campaignId: campaign.id, pointId: point.id, by: '赵明', pass: false, now: NOW }))).toBe('PointRefused: 请填写复查未通过的原因');
    expect(await refusal(recheckPoint(database.db, { campaignId: campaign.id, pointId: point.id, by: '赵明', pass: false, reason: '仍有车辆', now: NOW }))).toBe(
      'PointRefused: 该点位待整改，没有待复查的整改情况',
    );
    expect((await database.db.query('SELECT count(*)::int AS n FROM point_events')).rows[0].n).toBe(0);
  });
});

describe('what points feed into the ranking', () => {
  it('counts per unit the points due in a period, those fixed on time, and the returns', async () => {
    const [inspection] = await listInspections(database.db, campaign.id);
    const points = await listPoints(database.db, inspection.id);
    await markPointsDispatched(database.db, points.map((p) => ({ id: p.id, nextRungAt: null })), NOW.toISOString());
    const by = (n: number) => points.find((p) => p.number === n)!;
    const after = { fileName: 'after.jpg', data: await photo('#3c3') };
    const act = { campaignId: campaign.id, by: '张联络', now: NOW };
    // Point 1 (立行立改, due 3 Dec): answered on the day, passed. Point 4 (due 10 Dec): returned once, then passed.
    await answerPoint(database.db, { ...act, unitId: 'enforcement', pointId: by(1).id, photos: [after] });
    await recheckPoint(database.db, { ...act, pointId: by(1).id, pass: true });
    await answerPoint(database.db, { ...act, unitId: 'enforcement', pointId: by(4).id, photos: [after] });
    await recheckPoint(database.db, { ...act, pointId: by(4).id, pass: false, reason: '垃圾仍在' });
    const period = { start: '2026-12-01', end: '2027-01-31', startsAt: '2026-11-30T16:00:00Z', endsAt: '2027-01-31T16:00:00Z' };
    expect(await pointMetrics(database.db, campaign.id, period)).toEqual([
      { unit_id: 'enforcement', due: 2, fixed_on_time: 1, returned: 1 },
      { unit_id: 'service', due: 1, fixed_on_time: 0, returned: 0 },
      { unit_id: 'utilities', due: 1, fixed_on_time: 0, returned: 0 },
    ]);
  });
});

describe('bad input is refused whole, with sheet, row and column', () => {
  it('a missing column', async () => {
    const data = await list([[1, '某路口', '乱停车', '', '']], ['序号', '点位', '问题描述', '类别', '整改时限']);
    expect(await refused(request(data))).toEqual(['「问题清单」表第 1 行「责任单位」列：缺少「责任单位」列（第 1 行为列名）']);
  });

  it('an unknown unit, a repeated 序号, a date already past, an unreadable time limit', async () => {
    const data = await list([
      [1, '某路口', '乱停车', '', '区交通局', '', '', ''],
      [2, '某小区', '飞线充电', '', '区综合执法分局', '2026-11-30', '', ''],
      [2, '某市场', '占道经营', '', '区综合执法分局', '尽快', '', ''],
    ]);
    expect(await refused(request(data))).toEqual([
      '「问题清单」表第 2 行「责任单位」列：责任单位“区交通局”不是本创建活动的单位（请写单位全称、简称或编号；新单位请先加入创建活动）',
      '「问题清单」表第 3 行「整改时限」列：整改时限 2026-11-30 早于今天（2026-12-03）',
      '「问题清单」表第 4 行「序号」列：序号 2 与第 3 行重复',
      '「问题清单」表第 4 行「整改时限」列：无法识别的整改时限：尽快（可写 立行立改、一般、复杂，工作日数如 3，或日期如 2027-03-01）',
    ]);
  });

  it('a photo absent, not an image, oversize, a zip bomb; good rows are not kept either', async () => {
    const data = await list([
      [1, '某路口', '乱停车', '', '区综合执法分局', '', 'good.jpg', ''],
      [2, '某小区', '飞线充电', '', '区综合执法分局', '', 'missing.jpg', ''],
      [3, '某市场', '占道经营', '', '区综合执法分局', '', 'notes.jpg', ''],
      [4, '某工地', '未围挡', '', '区综合执法分局', '', 'huge.jpg', ''],
      [5, '某街道', '乱贴广告', '', '区综合执法分局', '', 'bomb.jpg', ''],
    ]);
    const photos = Buffer.from(
      zipSync({
        'good.jpg': new Uint8Array(await photo('#c33')),
        'notes.jpg': new Uint8Array(Buffer.from('这不是照片，是会议记录。')),
        'huge.jpg': [new Uint8Array(randomBytes(21 * 1024 * 1024)), { level: 0 }],
        'bomb.jpg': [new Uint8Array(15 * 1024 * 1024), { level: 9 }],
      }),
    );
    expect(await refused(request(data, photos))).toEqual([
      '「问题清单」表第 3 行「照片文件名」列：照片包中没有“missing.jpg”',
      '「问题清单」表第 4 行「照片文件名」列：照片“notes.jpg”不是图片文件（无法识别为 JPEG、PNG、WebP 或 HEIC 照片）',
      '「问题清单」表第 5 行「照片文件名」列：照片“huge.jpg”：照片过大（21.0 MB，最大 20 MB）',
      expect.stringMatching(/^「问题清单」表第 6 行「照片文件名」列：照片“bomb\.jpg”：压缩比异常（\d+ 字节解压为 15728640 字节），疑似压缩炸弹，不是照片$/),
    ]);
  });

  it('photos named without an archive, and an archive that is not a zip', async () => {
    const data = await list([[1, '某路口', '乱停车', '', '区综合执法分局', '', 'a.jpg', '']]);
    expect(await refused(request(data))).toEqual(['「问题清单」表第 2 行「照片文件名」列：清单写了照片文件名，但没有提供照片包（.zip）']);
    expect(await refused(request(data, Buffer.from('not a zip')))).toEqual(['照片包不是有效的 .zip 文件']);
  });

  it('a file that is not a workbook, and an inspection dated after today', async () => {
    expect(await refused(request(Buffer.from('序号,点位\n1,某路口')))).toEqual([
      '无法读取问题清单：不是有效的 Excel 工作簿（.xlsx）。旧版 .xls 或 WPS 格式请先另存为 .xlsx',
    ]);
    const data = await list([[1, '某路口', '乱停车', '', '区综合执法分局', '', '', '']]);
    expect(await refused(request(data, undefined, { heldOn: '2026-12-04' }))).toEqual(['检查日期 2026-12-04 晚于今天（2026-12-03）']);
  });
});
