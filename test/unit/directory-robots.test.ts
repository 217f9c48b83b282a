// A unit's group robots in the 通讯录: the 单位 sheet's columns 企业微信机器人, 钉钉机器人 and 钉钉加签密钥
// (a webhook or secret written out, or env:NAME) import with the definition's own checks, a bad one
// refused with its sheet, row and column; the export shows them masked and imports again
// unchanged; and a campaign unit that stands for the entry gets its robot messages there.
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mailer.js';
import { insertCampaign } from '../../db/campaigns.js';
import { listChannelInbox } from '../../db/channels.js';
import { definitionSchema } from '../../domain/definition.js';
import { readDirectory } from '../../services/directory.js';
import { DirectoryImportError, directoryWorkbook, importDirectoryWorkbook } from '../../services/directory-workbook.js';
import { cellText, formatSheetProblem } from '../../services/spreadsheet.js';
import { channelFakesEnv, startChannelFakes } from '../../stack/channel-fakes.js';
import { startSmtpSink } from '../../stack/smtp-sink.js';
import { loadChannelConfig } from '../../worker/config.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';

const TODAY = '2035-01-02';
const WECOM_KEY = '5b7c2d1e-8f3a-4b6c-9d0e-1f2a3b4c5d6e';
const DING_TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
const DING_SECRET = 'SECa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0';
const SMS_ACCOUNT = { accessKeyId: 'LTAI-directory-robots', accessKeySecret: 'directory-robots-secret-of-the-fake' };
const HEADER = ['全称', '类别', '联系人', '联系人邮箱', '联系人手机', '企业微信机器人', '钉钉机器人', '钉钉加签密钥'];

const database = await createTestDatabase();
const fakes = await startChannelFakes(database.db, { sms: SMS_ACCOUNT, dingtalkSecrets: { [DING_TOKEN]: DING_SECRET } });
const channels = loadChannelConfig(channelFakesEnv(fakes, SMS_ACCOUNT));
afterAll(async () => {
  delete process.env.DIRECTORY_ROBOTS_DING_SEC;
  await fakes.stop();
  await database.drop();
});

async function workbook(rows: string[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('单位');
  for (const row of [HEADER, ...rows]) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('group robots in the 通讯录', () => {
  it('refuses a bad webhook or secret with its sheet, row and column; nothing written', async () => {
    const error = await importDirectoryWorkbook(
      database.db,
      await workbook([
        ['区综合执法分局', '部门', '郑丽', 'zl@test.example.org', '13812345679', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc', '', ''],
        ['区公用事业局', '部门', '孙工', 'gy@test.example.org', '', '', `https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}`, 'abc'],
        ['区市场监管局', '部门', '钱工', 'sc@test.example.org', '', '', `https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}`, ''],
        ['区住建局', '部门', '周工', 'zj@test.example.org', '', 'env:bad-name', '', ''],
        // A masked secret (as an export shows it) that is not this directory's own.
        ['区统计局', '部门', '吴工', 'tj@test.example.org', '', '', '', '****7f8a'],
      ]),
      TODAY,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DirectoryImportError);
    expect((error as DirectoryImportError).problems.map(formatSheetProblem)).toEqual([
      '「单位」表第 2 行「企业微信机器人」列：企业微信机器人 Webhook 应只带参数 key=<机器人密钥，UUID 格式>：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc',
      '「单位」表第 3 行「钉钉加签密钥」列：钉钉机器人加签密钥应以 SEC 开头，后接字母数字（机器人安全设置中“加签”一栏）',
      '「单位」表第 4 行「钉钉加签密钥」列：填写了钉钉机器人，却没有钉钉加签密钥',
      '「单位」表第 5 行「企业微信机器人」列：环境变量引用无效：env:bad-name（应如 env:BEIHAI_WECOM_HOOK，变量名为大写字母、数字和下划线）',
      '「单位」表第 6 行「钉钉加签密钥」列：这是导出时隐藏了的密钥（****），与通讯录中已有的不符：请填写完整的值，或 env:变量名',
    ]);
    expect((await readDirectory(database.db)).units).toEqual([]);
  });

  it('imports the robots, exports them masked, imports the export unchanged, and sends a directory unit’s notice to its robots', { timeout: 60_000 }, async () => {
    const wecom = fakes.wecomWebhook(WECOM_KEY);
    const dingtalk = fakes.dingtalkWebhook(DING_TOKEN, DING_SECRET);
    const summary = await importDirectoryWorkbook(
      database.db,
      await workbook([['区综合执法分局', '部门', '郑丽', 'zl@test.example.org', '13812345679', wecom, dingtalk, 'env:DIRECTORY_ROBOTS_DING_SEC']]),
      TODAY,
    );
    expect(summary.units).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const dir = await readDirectory(database.db);
    const entry = dir.units[0];
    expect(entry.robots).toEqual({ wecom, dingtalk, dingtalkSecret: 'env:DIRECTORY_ROBOTS_DING_SEC' });

    // The export shows the keys by their last 4 characters; imported as it is, nothing changes.
    const exported = await directoryWorkbook(dir);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(exported as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('单位')!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const cell = (name: string) => cellText(sheet.getRow(2).getCell(header.indexOf(name)));
    expect(cell('企业微信机器人')).toBe(`${fakes.url}/cgi-bin/webhook/send?key=****5d6e`);
    expect(cell('钉钉机器人')).toBe(`${fakes.url}/robot/send?access_token=****c5d6`);
    expect(cell('钉钉加签密钥')).toBe('env:DIRECTORY_ROBOTS_DING_SEC');
    expect((await importDirectoryWorkbook(database.db, exported, TODAY)).units).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect((await readDirectory(database.db)).units[0].robots).toEqual(entry.robots);

    // A campaign whose unit stands for the entry, with no robots of its own: its 交办通知 reaches the directory's robots.
    const base = testDefinition({ start: TODAY, end: '2035-02-28', tasks: [{ id: 'lanes', start: TODAY, deadline: '2035-01-10', cooperatingUnits: [] }] });
    const def = definitionSchema.parse({
      ...base,
      units: base.units.map((u) => (u.id === 'enforcement' ? { ...u, directoryId: entry.id, contact: { ...u.contact, email: 'zl@test.example.org' } } : u)),
      delivery: { wecom: ['assignment'], dingtalk: ['assignment'] },
    });
    await insertCampaign(database.db, def);
    // The 加签 secret is read from the worker's environment when the message is sent.
    process.env.DIRECTORY_ROBOTS_DING_SEC = DING_SECRET;
    const sink = await startSmtpSink(database.db);
    const mailer = createMailer(sink.url);
    try {
      const { issueNotice } = createActivities({ db: database.db, mailer, channels });
      await issueNotice({
        key: `directory-robots/${def.id}/lanes/assignment`,
        campaignId: def.id,
        taskId: 'lanes',
        kind: 'assignment',
        issuedAt: '2035-01-02T01:00:00.000Z',
        recipients: { to: ['leadUnit.contact'], cc: [] },
      });
    } finally {
      mailer.close();
      await sink.stop();
    }
    const inbox = await listChannelInbox(database.db);
    expect(inbox.map((r) => [r.channel, r.deliveries])).toEqual([
      ['wecom', 1],
      ['dingtalk', 1],
    ]);
    expect(inbox[0].body).toContain('整治任务lanes');
    expect(inbox[0].mentions).toEqual(['13812345679']);
    expect(inbox[1].body).toContain('整治任务lanes');
  });
});
