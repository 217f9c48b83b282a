// A unit's 问题点位 on a phone, in headless Chromium (390 px, touch): the 交办 mail's button opens
// the unit's points with the photo before; the contact picks the photo after (a 12-megapixel camera
// picture), which the page makes small before sending it over; the office then re-checks it.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCampaign } from '../../db/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { importInspection } from '../../services/inspections.js';
import { dispatchInspection } from '../../client/inspections.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { startHarness, type Harness } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };

let h: Harness;
let browser: Browser;

describe.skipIf(!HAVE_CHROMIUM)('a unit’s points on a phone', () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    h = await startHarness({ listen: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('opens from the mail, shows the photo before, and sends a photo after made small on the phone', { timeout: 120_000 }, async () => {
    const now = await h.sim.now();
    const def = testDefinition({ start: shanghaiDate(now, -5), end: shanghaiDate(now, 100), tasks: [] });
    await insertCampaign(h.database.db, def);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('问题清单');
    sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限', '照片文件名']);
    sheet.addRow([1, '北海大道与云南路交叉口', '共享单车乱停放，占用盲道', '公共场所秩序', '区综合执法分局', '一般', 'before.jpg']);
    const before = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const { inspectionId } = await importInspection(h.database.db, {
      campaignId: def.id,
      kind: 'unannounced',
      heldOn: shanghaiDate(now),
      createdBy: '赵明',
      now,
      list: { fileName: '暗访.xlsx', data: Buffer.from(await book.xlsx.writeBuffer()) },
      photos: { fileName: '照片.zip', buffer: Buffer.from(zipSync({ 'before.jpg': new Uint8Array(before) })) },
    });
    await dispatchInspection(h.sim.env.client, def.id, inspectionId);
    const mail = await waitFor(async () => (await listMailbox(h.database.db, { to: 'zf@test.example.org' })).find((m) => m.subject.includes('交办')), 'the 交办 mail');

    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN', deviceScaleFactor: 2 });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    try {
      // The mail as the contact reads it on the phone: a button, not a raw address.
      await page.setContent(mail.html_body);
      const button = page.getByRole('link', { name: '打开问题点位整改链接' });
      const href = (await button.getAttribute('href'))!;
      expect(href.startsWith(`${h.url}/u/`)).toBe(true);
      await page.goto(href);
      await page.getByRole('heading', { name: '区综合执法分局问题点位' }).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const photo = page.getByAltText('整改前');
      await expect.poll(() => photo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'points-phone.png'), fullPage: true });

      // A camera's 4000×3000 picture: the page sends it at 1600 px on its longer side.
      const camera = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#3c3' } }).jpeg({ quality: 95 }).toBuffer();
      await page.setInputFiles('input[name=photo]', { name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: camera });
      await page.fill('textarea[name=text]', '已清理共享单车，恢复盲道');
      await page.fill('input[name=by]', '张联络');
      const answer = page.getByRole('button', { name: '上传整改情况' });
      const box = (await answer.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
      await Promise.all([page.waitForURL(/done=answered/), answer.tap()]);
      await page.getByText('已上传整改情况，等待创城办复查').waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'points-phone-answered.png'), fullPage: true });
    } finally {
      await context.close();
    }

    const { rows } = await h.database.db.query<{ stage: string; width: number; height: number; status: string; actor: string }>(
      `SELECT f.stage, f.width, f.height, p.status, e.actor
         FROM point_photos f JOIN inspection_points p ON p.id = f.point_id JOIN point_events e ON e.point_id = p.id
        WHERE p.inspection_id = $1 AND f.stage = 'after'`,
      [inspectionId],
    );
    expect(rows).toEqual([{ stage: 'after', width: 1600, height: 1200, status: 'answered', actor: '张联络' }]);
  });
});
