// The editor end to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// an administrator imports the 通讯录 from an .xlsx workbook, uploads a seed plan saved as .docx, sees
// on the review page which units the directory filled in, opens the definition in the editor, fills
// the one address still missing, moves the old plan's dates to today, previews and starts it; the
// first assignment mails reach the directory's addresses through the SMTP sink. Screenshots of the
// editor at desktop and phone widths go to test-results/screenshots/.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailbox } from '../../db/mailbox.js';
import { havePlans, makeDocx, plansDir } from '../plan/support.js';
import { shanghaiDate } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { addUser, PASSWORD, startHarness, type Harness } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const PLAN = path.join(plansDir, '4-longling-2016.txt');

/**
 * The park's 通讯录 for the 龙岭 plan: every unit it names, its office and the body it reports to,
 * and the leaders by name, each with an address. 纪检监察室 is not in it (plan import never fills it).
 */
const UNITS: [string, string, string][] = [
  ['社会事务办', '部门', 'shehui'],
  ['龙岭城管执法大队', '部门', 'chengguan'],
  ['拆违大队', '部门', 'chaiwei'],
  ['各社区', '社区', 'shequ'],
  ['党政综合办', '部门', 'dangzheng'],
  ['团工委', '部门', 'tuanwei'],
  ['综治办', '部门', 'zongzhi'],
  ['工会', '部门', 'gonghui'],
  ['龙岭工业集中区文明创建办公室', '部门', 'chuangjianban'],
  ['市、区创建领导小组', '其他', 'shangji'],
];
const LEADERS = '谭正祥 高志荣 王超民 雷桂和 杨应武 金辉 薛兴华 曹建明 蔡文明 刘坤 邹大可 曾世祥 李建明 游容初 段学文 瞿立夏 曹震 刘洋 叶安辉 李建华 文斌'.split(' ');
const contactOf = (mailbox: string) => `${mailbox}@longling.example.org`;

async function directoryWorkbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const units = book.addWorksheet('单位');
  units.addRow(['全称', '类别', '主要负责人', '主要负责人职务', '主要负责人邮箱', '联系人', '联系人邮箱']);
  UNITS.forEach(([name, kind, mailbox], i) => units.addRow([name, kind, `负责人${i + 1}`, '主任', `${mailbox}.head@longling.example.org`, `联络员${i + 1}`, contactOf(mailbox)]));
  const people = book.addWorksheet('人员');
  people.addRow(['姓名', '职务', '电子邮箱']);
  LEADERS.forEach((name, i) => people.addRow([name, '', `leader${i + 1}@longling.example.org`]));
  return Buffer.from(await book.xlsx.writeBuffer());
}

let h: Harness;
let browser: Browser;
let files: string;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const ready = HAVE_CHROMIUM && havePlans;
describe.skipIf(!ready)(ready ? 'the campaign editor in headless Chromium' : `the campaign editor in headless Chromium (skipped: ${HAVE_CHROMIUM ? plansDir : CHROMIUM} is absent)`, () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    files = path.join(tmpdir(), `chuangwen-editor-${process.pid}`);
    await mkdir(files, { recursive: true });
    h = await startHarness({ listen: true });
    await addUser(h, 'zhaoming', 'admin', '赵明');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('imports the directory and a .docx plan, fills the missing address in the editor, previews and starts it', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
    context.setDefaultTimeout(30_000);
    const admin = await context.newPage();
    try {
      await story(admin);
    } catch (error) {
      await shot(admin, 'editor-failure').catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  }, 600_000);
});

async function story(admin: Page): Promise<void> {
  const workbook = path.join(files, '通讯录.xlsx');
  await writeFile(workbook, await directoryWorkbook());
  const docx = path.join(files, '龙岭实施方案.docx');
  await writeFile(docx, makeDocx((await readFile(PLAN, 'utf8')).replace(/\r\n/g, '\n')));

  await admin.goto(`${h.url}/login`);
  await admin.fill('input[name=name]', 'zhaoming');
  await admin.fill('input[name=password]', PASSWORD);
  await Promise.all([admin.waitForURL((u) => !u.pathname.startsWith('/login')), admin.click('button[type=submit]')]);

  // 通讯录 from Excel.
  await admin.goto(`${h.url}/directory`);
  await admin.setInputFiles('form[action^="/directory/import"] input[name=file]', workbook);
  await admin.click('text=检查并导入');
  await admin.getByText('已导入「通讯录.xlsx」').waitFor();

  // The plan as Word: the review page says which units the directory filled in.
  await admin.goto(`${h.url}/import`);
  await admin.setInputFiles('form[action^="/import/plan"] input[name=file]', docx);
  await Promise.all([admin.waitForURL((u) => u.pathname === '/import/plan'), admin.click('text=生成定义并预览')]);
  await admin.getByRole('heading', { name: '审核创建活动定义' }).waitFor();
  const report = await admin.locator('pre.report').first().textContent();
  for (const [name] of UNITS.slice(0, 8)) expect(report).toContain(`单位「${name}」→「${name}」（精确）`);
  expect(report).toContain('已填写单位 8 个、领导 21 人');
  await shot(admin, 'editor-import-review');

  // Into the editor: the one address still missing is named beside its field.
  await Promise.all([admin.waitForURL(/\/drafts\/\d+\?done=created$/), admin.click('text=在编辑器中修改')]);
  const draftUrl = admin.url().split('?')[0];
  const discipline = admin.locator('[data-field="office.discipline.email"]');
  await discipline.getByText('待填写：这是导入时生成的占位邮箱').waitFor();
  expect(await admin.locator('.field.has-problem').count()).toBe(1);
  expect(await admin.inputValue('[name="f:units[0].contact.email"]')).toBe(contactOf('shehui'));
  expect(await admin.inputValue('[name="f:units[0].directoryId"]')).toMatch(/^\d+$/);
  await shot(admin, 'editor-desktop');
  await admin.setViewportSize(PHONE);
  await shot(admin, 'editor-phone');
  await admin.setViewportSize(DESKTOP);

  // The address saved, the definition is valid, but the plan's year is long past: its dates move to today.
  await admin.fill('[name="f:office.discipline.email"]', 'jijian@longling.example.org');
  await Promise.all([admin.waitForURL(/done=saved/), admin.click('.sticky-actions button[value=save]')]);
  await admin.getByText('草稿已保存').waitFor();
  await admin.locator('#dates').getByText('活动期已结束').waitFor();
  const today = shanghaiDate(await h.sim.now());
  expect(await admin.inputValue('input[name=shiftTo]')).toBe(today);
  await Promise.all([admin.waitForURL(/done=shifted/), admin.click('button[value=shift]')]);
  await admin.getByText('全部日期已整体平移').waitFor();
  expect(await admin.locator('.field.has-problem').count()).toBe(0);
  expect(await admin.inputValue('[name="f:start"]')).toBe(today);
  expect(await admin.locator('#problems').count()).toBe(0);

  // 预览: a year in the sandbox, nothing sent.
  // The click waits for the page it posts to: the sandbox year takes some seconds to a minute.
  await admin.click('button[value=preview]', { timeout: 300_000 });
  await admin.getByText('预览完成').waitFor({ timeout: 300_000 });
  await admin.locator('#simulation').getByText('交办通知').first().waitFor();
  expect(await listMailbox(h.database.db, {})).toHaveLength(0);
  await shot(admin, 'editor-preview');

  // 启动: the campaign page, the draft marked as started, the assignments in the sink.
  await Promise.all([admin.waitForURL(/\/campaigns\/longling-2016\?started=1$/, { timeout: 60_000 }), admin.click('button[value=start]', { timeout: 60_000 })]);
  await admin.getByText('已启动创建活动').waitFor();
  const draft = (await h.database.db.query('SELECT started_campaign_id, yaml FROM campaign_drafts')).rows[0];
  expect(draft.started_campaign_id).toBe('longling-2016');
  expect(parse(draft.yaml).office.discipline.email).toBe('jijian@longling.example.org');
  await admin.goto(`${draftUrl.replace(/\/drafts\/\d+$/, '/drafts')}`);
  await admin.getByText('已启动：').waitFor();

  // The tasks begin today, assigned at 09:00 local: started earlier in the day, the clock moves to it.
  const nine = DateTime.fromJSDate(await h.sim.now()).setZone('Asia/Shanghai').set({ hour: 9, minute: 1, second: 0, millisecond: 0 });
  const untilNine = nine.toMillis() - (await h.sim.now()).getTime();
  if (untilNine > 0) await h.sim.env.sleep(untilNine);

  // The lead units of the five tasks, at the addresses the 通讯录 gave them.
  for (const mailbox of ['shehui', 'shequ', 'dangzheng', 'zongzhi']) {
    const mail = await waitFor(
      async () => (await listMailbox(h.database.db, { to: contactOf(mailbox) })).find((m) => m.subject.includes('交办')),
      `assignment mail to ${contactOf(mailbox)}`,
      60_000,
    );
    expect(mail.subject).toContain('交办');
  }
}
