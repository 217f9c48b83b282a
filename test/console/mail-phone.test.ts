// The mails as a unit's contact reads them on a phone (390 px, touch, real Chromium): the link is a
// button large enough to tap, and nothing — not the 200-character address kept for copying, not a
// long title — runs off the screen.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { renderEmail } from '../../services/documents.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const PHONE = { width: 390, height: 844 };
/** A signed portal link as mails carry them: some 200 characters without a place to break. */
const LINK = `https://chuangwen.beihai.gov.cn/u/${'eyJhbGciOiJIUzI1NiJ9'.repeat(8)}.${'Qm9keVNpZ25hdHVyZQ'.repeat(2)}`;

let browser: Browser;

describe.skipIf(!HAVE_CHROMIUM)('mails on a phone', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string) {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN', deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.setContent(`<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1">${html}`);
    return { page, close: () => context.close() };
  }

  it('shows a 交办 mail’s link as a button, and wraps its address', async () => {
    const mail = renderEmail('北海创城交办〔2026〕12号', {
      title: '关于交办“北海大道与云南路交叉口共享单车乱停放及占用盲道问题集中整治”任务的通知',
      addressees: '区综合执法分局：',
      paragraphs: ['根据《北海市创建全国文明城市实施方案》，现将以下任务交由你单位牵头办理。'],
      signature: '北海市创建全国文明城市工作领导小组办公室',
      dateWritten: '2026年12月3日',
    }, { actionUrl: LINK });
    const { page, close } = await open(mail.html);
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const button = page.getByRole('link', { name: '打开办理链接' });
      expect(await button.getAttribute('href')).toBe(LINK);
      const box = (await button.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(40);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      await button.tap();
    } finally {
      await close();
    }
  });

  it('gives each task of a weekly 催办 its own button', async () => {
    const mail = renderEmail('北海创城催办〔2026〕3号', {
      title: '关于督促报送2项整治任务工作进展的催办通知',
      addressees: '区综合执法分局：',
      paragraphs: ['你单位牵头的以下2项整治任务未报送工作进展。'],
      signature: '北海市创城办',
      dateWritten: '2026年12月7日',
    }, { links: [{ label: '“背街小巷”办理链接', url: `${LINK}a` }, { label: '“农贸市场”办理链接', url: `${LINK}b` }] });
    const { page, close } = await open(mail.html);
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      expect(await page.getByRole('link', { name: '打开“农贸市场”办理链接' }).getAttribute('href')).toBe(`${LINK}b`);
    } finally {
      await close();
    }
  });

  it('shows a 交办’s point photos small under their lines, none wider than the screen', async () => {
    const points = Array.from({ length: 30 }, (_, i) => `${i + 1}. 北海大道与云南路交叉口东北角第${i + 1}处：共享单车乱停放（公共场所秩序），一般，整改时限2026年12月8日。`);
    const mail = renderEmail('北海创城交办〔2026〕13号', {
      title: '关于交办12月实地测评发现问题的通知',
      addressees: '区综合执法分局：',
      paragraphs: ['12月实地测评发现你单位负责整改的问题点位31个，现交办如下：', ...points, '请按时限整改到位。'],
      signature: '北海市创城办',
      dateWritten: '2026年12月3日',
    }, {
      actionUrl: LINK,
      figures: points.map((p, i) => ({ cid: `point-photo-${i + 1}@chuangwen.notice`, alt: p.slice(0, 12), after: i + 1 })),
      figuresNote: '（邮件中仅附前 30 个问题点位的照片，其余见链接。）',
    });
    // As a mail client shows an inline part: the cid: address replaced by the picture (a 320×240 thumbnail).
    const thumbnail = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c33' } }).jpeg({ quality: 70 }).toBuffer();
    const { page, close } = await open(mail.html.replace(/cid:[^"]+/g, `data:image/jpeg;base64,${thumbnail.toString('base64')}`));
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const boxes = await page.locator('img').evaluateAll((images) => images.map((i) => { const r = i.getBoundingClientRect(); return { width: r.width, height: r.height, right: r.right }; }));
      expect(boxes).toHaveLength(30);
      // 160 px wide, its proportions kept, with a 1 px frame.
      for (const box of boxes) expect(box).toEqual({ width: 162, height: 122, right: expect.any(Number) });
      expect(Math.max(...boxes.map((b) => b.right))).toBeLessThanOrEqual(PHONE.width);
      expect(await page.getByText('其余见链接').count()).toBe(1);
    } finally {
      await close();
    }
  });
});
