// The console end to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// an administrator logs in, previews an imported plan, starts a campaign from a pasted definition;
// the unit opens the link of the email the SMTP sink received, acknowledges and uploads evidence;
// the administrator verifies; the dashboard shows the task closed; a task is added mid-way. Screenshots of the main pages go
// to test-results/screenshots/ (phone and desktop widths) for review.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { listMailbox } from '../../db/mailbox.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { addUser, PASSWORD, startHarness, type Harness } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`[console e2e] 跳过浏览器测试：${CHROMIUM} 不存在（apt-get install -y chromium 后即可运行）`);
}

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** A 1×1 PNG, the photo the unit uploads. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

let h: Harness;
let browser: Browser;

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

async function newContext(viewport = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
  context.setDefaultTimeout(20_000);
  return context;
}

async function login(page: Page, name: string): Promise<void> {
  await page.goto(`${h.url}/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'console in headless Chromium' : `console in headless Chromium (skipped: ${CHROMIUM} is absent)`, () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    h = await startHarness({ listen: true });
    await addUser(h, 'zhaoming', 'admin', '赵明');
    await addUser(h, 'wangzu', 'leader', '王组长');
    // launch() runs Chromium on a fresh temporary profile (its own --user-data-dir), removed on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('takes a campaign from a pasted definition to a verified task', async () => {
    try {
      await wholeStory();
    } catch (error) {
      // What each page showed when it failed, for the report.
      let i = 0;
      for (const context of browser.contexts()) for (const p of context.pages()) await shot(p, `failure-${++i}`).catch(() => undefined);
      throw error;
    }
  });
});

async function wholeStory(): Promise<void> {
    const today = await h.sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 120),
      tasks: [
        { id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) },
        { id: 'markets', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 5), leadUnit: 'utilities', cooperatingUnits: ['service'] },
      ],
    });
    const yaml = stringify({
      ...def,
      title: '测试园区2024年创建文明城市专项整治行动',
      phases: [
        { name: '规划部署启动', start: shanghaiDate(today, -10), end: shanghaiDate(today, 10) },
        { name: '深入推进攻坚克难', start: shanghaiDate(today, 11), end: shanghaiDate(today, 80) },
        { name: '巩固成果积极备检', start: shanghaiDate(today, 81), end: shanghaiDate(today, 120) },
      ],
    });

    const adminContext = await newContext();
    const admin = await adminContext.newPage();

    // Not logged in: the login page, readable on a phone.
    await admin.setViewportSize(PHONE);
    await admin.goto(`${h.url}/`);
    await expect.poll(() => new URL(admin.url()).pathname).toBe('/login');
    await shot(admin, 'login-phone');
    await admin.fill('input[name=name]', 'zhaoming');
    await admin.fill('input[name=password]', 'wrong password');
    await admin.click('button[type=submit]');
    await admin.getByText('用户名或密码不正确').waitFor();
    await admin.setViewportSize(DESKTOP);
    await login(admin, 'zhaoming');
    await admin.getByText('还没有创建活动').waitFor();

    // Import a plan: the preview shows the generated definition and what still needs filling in.
    await admin.goto(`${h.url}/import`);
    await admin.fill('textarea[name=text]', [
      '东湖园区2024年创建文明城市工作实施方案',
      '一、组织领导',
      '组长：王建华（园区党工委书记）',
      '二、重点任务',
      '（一）背街小巷环境整治行动',
      '清理乱堆乱放，路灯亮灯率≥96%。',
      '责任单位：园区综合执法局',
      '配合单位：园区公用事业局',
      '完成时限：2024年6月30日',
    ].join('\n'));
    await Promise.all([admin.waitForURL((u) => u.pathname === '/import/plan'), admin.click('text=生成定义并预览')]);
    await admin.getByRole('heading', { name: '审核创建活动定义' }).waitFor();
    expect(await admin.inputValue('textarea[name=yaml]')).toContain('背街小巷');
    await shot(admin, 'import-preview');

    // Paste a definition with a mistake: the problem shows with its line; then the right one starts.
    await admin.goto(`${h.url}/import`);
    await admin.fill('textarea[name=yaml]', yaml.replace('leadUnit: utilities', 'leadUnit: nowhere'));
    admin.on('console', (m) => console.log('[browser]', m.text()));
    await Promise.all([admin.waitForURL((u) => u.pathname === '/campaigns'), admin.click('button[value=start]')]);
    await admin.getByText('未知单位：nowhere').waitFor();
    await admin.fill('textarea[name=yaml]', yaml);
    await Promise.all([admin.waitForURL(/\/campaigns\/test-[0-9a-f]+\?started=1/), admin.click('button[value=start]')]);
    await admin.getByText('已启动创建活动').waitFor();

    // The assignment mail reaches the lead unit through the SMTP sink.
    const mail = await waitFor(async () => (await listMailbox(h.database.db, { to: 'zf@test.example.org' })).find((m) => m.subject.includes('交办')), 'assignment mail', 30_000);
    expect(mail.subject).toContain('交办');
    const link = mail.text_body.match(/https?:\/\/\S+\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/)?.[0] ?? '';
    expect(link, 'the assignment mail carries the unit link').not.toBe('');
    expect(mail.html_body).toContain(`href="${link}"`);

    await admin.reload();
    await admin.getByRole('link', { name: '整治任务lanes' }).first().waitFor();
    await shot(admin, 'campaign-desktop');

    // The unit, on a phone, without an account.
    const unitContext = await newContext(PHONE);
    const unit = await unitContext.newPage();
    await unit.goto(link);
    await unit.getByText('办理单位：').waitFor();
    await unit.getByText('区综合执法分局').first().waitFor();
    await shot(unit, 'portal-phone');
    await unit.fill('#acknowledge input[name=by]', '郑丽');
    await unit.click('text=确认签收');
    await unit.getByText('已签收。请按时报送工作进展。').waitFor();

    // A refusal of the workflow shows on the page, with what was typed kept.
    await unit.fill('#progress textarea[name=text]', '   ');
    await unit.click('#progress button[type=submit]');
    await unit.getByText('进展内容不能为空').waitFor();
    await unit.fill('#progress textarea[name=text]', '已清理背街小巷12处，拆除违章搭建3处。');
    await unit.click('#progress button[type=submit]');
    await unit.getByText('进展已报送。').waitFor();

    await unit.check('#evidence input[value=photo]');
    await unit.setInputFiles('#evidence input[name=files]', { name: '整治后.png', mimeType: 'image/png', buffer: PNG });
    await unit.fill('#evidence textarea[name=text]', '整治后现场照片');
    await unit.click('text=提交佐证材料');
    await unit.getByText('佐证材料已提交，等待创建办核查。').waitFor();
    await unit.getByRole('link', { name: '整治后.png' }).waitFor();
    await shot(unit, 'portal-after-evidence-phone');

    // The administrator verifies; the task closes.
    await admin.goto(`${h.url}/campaigns/${def.id}/tasks/lanes`);
    await admin.getByText('待核查').first().waitFor();
    await admin.getByText('整治后现场照片').first().waitFor();
    await shot(admin, 'task-evidence-submitted');
    await admin.check('input[name=decision][value=pass]');
    await admin.fill('#verify textarea[name=comment]', '现场核查合格');
    await admin.click('text=提交核查结论');
    await admin.getByText('核查结论已记录').waitFor();
    await admin.getByText('已销号').first().waitFor();
    await admin.getByText('任务已销号，不再计时').waitFor();
    await shot(admin, 'task-closed');

    // The dashboard: one closed, one due soon (yellow unit), nothing overdue.
    await admin.goto(`${h.url}/?campaign=${def.id}`);
    const closedStat = admin.locator('.stat.ok .num');
    await expect.poll(() => closedStat.textContent()).toBe('1');
    expect(await admin.locator('.stat.bad').count()).toBe(0);
    expect(await admin.locator('.unit.mark-yellow').count()).toBe(1);
    await admin.getByText('临近时限（14 日内）').waitFor();
    await shot(admin, 'dashboard-desktop');
    await admin.setViewportSize(PHONE);
    await admin.reload();
    await shot(admin, 'dashboard-phone');
    await admin.setViewportSize(DESKTOP);

    // Notice register, the printable 公文, the mailbox, the ranking page, the ledger.
    await admin.goto(`${h.url}/campaigns/${def.id}/notices`);
    await admin.locator('td', { hasText: '交办通知' }).first().waitFor();
    await shot(admin, 'notices');
    await Promise.all([admin.waitForURL(/\/notices\/\d+$/), admin.locator('a.docno').first().click()]);
    await admin.locator('.gw-title').waitFor();
    expect(await admin.locator('.gw-issuer').textContent()).toBe('测试园区创城办');
    await shot(admin, 'notice-gongwen');
    const docx = await admin.request.get(`${admin.url()}/docx`);
    expect(docx.status()).toBe(200);
    expect((await docx.body()).subarray(0, 2).toString()).toBe('PK');
    await admin.goto(`${h.url}/mailbox`);
    await admin.getByText('交办').first().waitFor();
    await shot(admin, 'mailbox');
    await admin.goto(`${h.url}/campaigns/${def.id}/assessments`);
    await admin.getByText('暂无测评结果').waitFor();
    await shot(admin, 'assessments-empty');
    const ledger = await admin.request.get(`${h.url}/campaigns/${def.id}/ledger.xlsx`);
    expect(ledger.status()).toBe(200);
    expect(ledger.headers()['content-type']).toContain('spreadsheetml');

    // A task added while the campaign runs: the form, then the new task's page.
    await admin.goto(`${h.url}/campaigns/${def.id}`);
    await Promise.all([admin.waitForURL(/\/tasks\/new$/), admin.getByRole('link', { name: '新增任务' }).click()]);
    await admin.fill('#task-new input[name=title]', '整治农贸市场周边占道经营');
    await admin.selectOption('#task-new select[name=leadUnit]', 'service');
    await admin.check('#task-new input[name=cooperatingUnits][value=utilities]');
    await admin.fill('#task-new input[name=deadline]', shanghaiDate(today, 40));
    await shot(admin, 'task-new');
    await Promise.all([admin.waitForURL(/\/tasks\/task-[0-9a-f]{6}\?done=added$/), admin.click('text=新增并交办')]);
    await admin.getByText('任务已新增，将于开始日期交办责任单位').waitFor();
    await admin.getByRole('heading', { name: '整治农贸市场周边占道经营' }).waitFor();

    // A leader reads everything and acts on nothing.
    const leaderContext = await newContext(PHONE);
    const leader = await leaderContext.newPage();
    await login(leader, 'wangzu');
    await leader.goto(`${h.url}/campaigns/${def.id}/tasks/markets`);
    await leader.getByText('整治任务markets').first().waitFor();
    expect(await leader.locator('form[action$="/verify"], form[action$="/reassign"]').count()).toBe(0);
    await shot(leader, 'task-leader-phone');
    const forbidden = await leader.goto(`${h.url}/import`);
    expect(forbidden?.status()).toBe(403);
    await leader.getByText('领导账号只能查看，不能执行此操作').waitFor();

    // An altered link is refused with a reason the unit understands.
    const at = link.length - 10;
    const altered = `${link.slice(0, at)}${link[at] === 'x' ? 'y' : 'x'}${link.slice(at + 1)}`;
    const refused = await unit.goto(altered);
    expect(refused?.status()).toBe(403);
    await unit.getByText('链接无效（签名不符），请使用邮件中的原始链接').waitFor();
    await shot(unit, 'portal-link-refused-phone');

    await Promise.all([adminContext.close(), unitContext.close(), leaderContext.close()]);
}
