// Bad input, from files and from people: the corpus in test/fixtures/bad/ (malformed, injected,
// mis-encoded definitions and plans), a 20 MB definition made here, and wrong actions on a
// running task. Each is refused with a Chinese reason (with file, line and field where there is
// one), nothing is half-written (no campaign row, no workflow, no event), nothing reaches a mail
// header, and pages show every text escaped.
import { readdirSync, readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUnitLink } from '../../services/unit-links.js';
import { readDefinition } from '../../client/api/actions.js';
import { campaignHandle, startCampaign } from '../../client/campaigns.js';
import { listMailbox, type MailboxRow } from '../../db/mailbox.js';
import { DefinitionError, type DefinitionProblem } from '../../domain/definition-yaml.js';
import { MAX_DEFINITION_BYTES, type CampaignDefinition } from '../../domain/definition.js';
import { MAX_TEXT_CHARS } from '../../domain/limits.js';
import { importPlan, PlanInputError } from '../../plan/index.js';
import { addUser, apiLogin, LINK_SECRET, callApi, multipart, SpecChecker, startHarness, type ApiCall, type ApiSession, type Harness } from '../console/support.js';
import { localDate, until } from './support.js';

const FIXTURES = new URL('../fixtures/bad/', import.meta.url);
const fixture = (path: string) => readFileSync(new URL(path, FIXTURES));
const CHINESE = /[\u4e00-\u9fff]/;

/** What each refused definition must say: the fields named (in order of appearance) and a phrase. */
const REFUSED: Record<string, { fields?: (string | undefined)[]; says: RegExp }> = {
  'yaml-syntax.yaml': { says: /^YAML 语法错误/ },
  'duplicate-key.yaml': { fields: [undefined], says: /^YAML 语法错误/ },
  'not-a-mapping.yaml': { fields: [undefined], says: /应为 YAML 映射/ },
  'empty.yaml': { fields: [undefined], says: /应为 YAML 映射/ },
  'wrong-types.yaml': {
    fields: ['timeZone', 'start', 'leaders[0].role', 'tasks[0].cooperatingUnits', 'tasks[0].deadline'],
    says: /未知时区|日期格式应为 YYYY-MM-DD|应为 adviser、groupLeader|应为列表，实际是文字/,
  },
  'unknown-references.yaml': { fields: ['units[0].responsibleLeader', 'tasks[0].leadUnit'], says: /未知领导：ghost|未知单位：nobody/ },
  'header-injection-names.yaml': {
    fields: ['office.name', 'leaders[0].name', 'units[0].name', 'units[0].contact.name'],
    says: /不能包含换行符或其他控制字符|不能包含尖括号/,
  },
  'header-injection-emails.yaml': {
    fields: ['office.email', 'leaders[0].email', 'units[0].principal.email', 'units[0].contact.email'],
    says: /^邮箱地址无效$/,
  },
  'header-injection-title.yaml': { fields: ['tasks[0].title'], says: /不能包含换行符/ },
  'control-characters.yaml': { fields: ['tasks[0].description'], says: /不能包含控制字符/ },
  'alias-bomb.yaml': { fields: [undefined], says: /别名.*展开后过大/ },
  'gbk-encoded.yaml': { says: /不是 UTF-8 编码/ },
  'utf16-encoded.yaml': { fields: [undefined], says: /应为 YAML 映射/ },
};
/** Accepted: HTML and script in titles and texts are text, escaped wherever shown. */
const ACCEPTED = ['script-in-texts.yaml'];

/** Plans: the supported encodings read the same two tasks; everything else is refused, saying why. */
const PLAN_READ = ['plan-utf8.txt', 'plan-gbk.txt', 'plan-utf16le-bom.txt'];
const PLAN_REFUSED: Record<string, RegExp> = {
  'plan-shift-jis.txt': /没有找到实施方案的结构/,
  'plan-euc-kr.txt': /没有找到实施方案的结构/,
  'plan-utf32le-bom.txt': /没有找到实施方案的结构/,
  'plan-mojibake.txt': /没有找到实施方案的结构/,
  'plan-windows-1252.txt': /没有找到实施方案的结构|无法识别文字编码/,
  'plan-utf16be-no-bom.txt': /空字符（0x00）/,
  'plan-utf8-then-gbk.txt': /无法识别文字编码.*请另存为 UTF-8/,
  'plan-gbk-with-utf8-bom.txt': /按 UTF-8 解码失败，第 1 行/,
  'plan-binary.txt': /空字符（0x00），这是二进制文件/,
  'plan-not-a-docx.docx': /ZIP 压缩文件，但已损坏或不完整/,
  'plan-pdf.pdf': /PDF 文件已损坏或格式无法识别/,
  'plan-old-word.doc': /旧版 Word（\.doc）/,
  'plan-html.txt': /没有找到实施方案的结构/,
  'plan-blank.txt': /只有空白/,
  'plan-empty.txt': /输入为空/,
};

function refusal(text: string, file: string): DefinitionProblem[] {
  try {
    readDefinition(text, file);
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems;
    throw error;
  }
  throw new Error(`${file} 应被拒绝`);
}

/** A definition of roughly `bytes` bytes of YAML: the corpus's base with many tasks. */
function hugeDefinition(bytes: number): string {
  const base = fixture('definitions/script-in-texts.yaml').toString('utf8');
  const head = base.slice(0, base.indexOf('tasks:') + 'tasks:'.length);
  const parts = [head, '\n'];
  let size = Buffer.byteLength(head) + 1;
  for (let i = 0; size < bytes; i++) {
    const task =
      `  - id: t${i}\n    title: 开展第${i}片区背街小巷整治行动\n    leadUnit: enforcement\n` +
      `    start: 2026-03-01\n    deadline: 2026-06-30\n    description: ${'整治背街小巷乱堆乱放、乱贴乱画、乱拉乱挂。'.repeat(8)}\n`;
    parts.push(task);
    size += Buffer.byteLength(task);
  }
  return parts.join('').slice(0, bytes);
}

// ---------------------------------------------------------------------------------------------

describe('bad input: definition files', () => {
  it('every file of the corpus is refused with file, line, field and a Chinese reason', () => {
    const files = readdirSync(new URL('definitions/', FIXTURES)).sort();
    expect(files.sort()).toEqual([...Object.keys(REFUSED), ...ACCEPTED].sort());
    for (const file of Object.keys(REFUSED)) {
      const expected = REFUSED[file];
      const problems = refusal(fixture(`definitions/${file}`).toString('utf8'), file);
      expect(problems.length, file).toBeGreaterThan(0);
      for (const p of problems) {
        expect(p.file, file).toBe(file);
        expect(p.line, `${file} ${p.message}`).toBeGreaterThanOrEqual(1);
        expect(p.message, file).toMatch(CHINESE);
      }
      expect(problems.some((p) => expected.says.test(p.message)), `${file}: ${JSON.stringify(problems)}`).toBe(true);
      if (expected.fields) expect(problems.map((p) => p.field || undefined), file).toEqual(expected.fields);
    }
    for (const file of ACCEPTED) expect(readDefinition(fixture(`definitions/${file}`).toString('utf8'), file).tasks).toHaveLength(1);
  });

  it('a 20 MB definition is refused as too large, in seconds, before anything starts', () => {
    const text = hugeDefinition(20_000_000);
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(19_990_000);
    const started = performance.now();
    const problems = refusal(text, 'huge.yaml');
    const seconds = (performance.now() - started) / 1000;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'huge.yaml', line: expect.any(Number) });
    expect(problems[0].message).toMatch(/^定义过大：约 \d+(\.\d)? MB，一个创建活动的定义最多 1 MB/);
    expect(seconds).toBeLessThan(30);
    // Just under the limit is fine; just over is not.
    const fits = readDefinition(hugeDefinition(MAX_DEFINITION_BYTES / 4), 'fits.yaml');
    expect(fits.tasks.length).toBeGreaterThan(100);
    console.info(`[faults/bad-input] 20 MB 定义：${seconds.toFixed(1)} 秒内拒绝（${problems[0].message}）`);
  });

  it('deep nesting and over-long fields are refused, not crashed on', () => {
    const deep = refusal(`id: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 'deep.yaml');
    expect(deep[0].message).toMatch(/^YAML 语法错误|应为/);
    const base = fixture('definitions/script-in-texts.yaml').toString('utf8');
    const long = refusal(
      base.replace(/title: "<script>[^\n]*/, `title: ${'长'.repeat(201)}`).replace(/description: [^\n]*/, `description: ${'长'.repeat(10_001)}`),
      'long.yaml',
    );
    expect(long.map((p) => [p.field, p.message])).toEqual([
      ['tasks[0].title', '不能超过 200 个字符'],
      ['tasks[0].description', '不能超过 10000 个字符'],
    ]);
  });
});

describe('bad input: plans in wrong encodings', () => {
  it('reads the supported encodings alike and refuses the rest, saying why, with the file name', async () => {
    const files = readdirSync(new URL('plans/', FIXTURES)).sort();
    expect(files).toEqual([...PLAN_READ, ...Object.keys(PLAN_REFUSED)].sort());
    const titles = new Set<string>();
    for (const file of PLAN_READ) {
      const result = await importPlan(fixture(`plans/${file}`), file);
      expect(result.model.tasks.map((t) => t.title), file).toHaveLength(2);
      titles.add(JSON.stringify(result.model.tasks.map((t) => t.title)));
      expect(result.problems, file).toEqual([]);
    }
    expect(titles.size, '三种编码读出的任务相同').toBe(1);
    for (const [file, says] of Object.entries(PLAN_REFUSED)) {
      const error = await importPlan(fixture(`plans/${file}`), file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, file).toBeInstanceOf(PlanInputError);
      expect((error as Error).message, file).toMatch(says);
      expect((error as Error).message.startsWith(`${file}：`), file).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Through the console and the API, with a worker running

let h: Harness;
let spec: SpecChecker;
let admin: ApiSession;

beforeAll(async () => {
  h = await startHarness();
  await addUser(h, 'drill-admin', 'admin', '演练管理员');
  spec = await new SpecChecker().load(h.app);
  admin = await apiLogin(h, 'drill-admin');
});
afterAll(async () => {
  await h?.stop();
});

/** A call to the API (checked against the OpenAPI document) or a page. */
const api = (method: 'GET' | 'POST', url: string, options: ApiCall = {}) => callApi(h, spec, method, url, { page: !url.startsWith('/api/'), ...options });


async function campaignRows(): Promise<number> {
  const { rows } = await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM campaigns');
  return rows[0].n;
}

/** The fixture's base moved to today: started yesterday, due in a month. */
function datedFixture(file: string, today: Date, id: string): string {
  return fixture(`definitions/${file}`)
    .toString('utf8')
    .replace('id: drill-2026', `id: ${id}`)
    .replace('start: 2026-01-01', `start: ${localDate(today, -1)}`)
    .replace('end: 2026-12-31', `end: ${localDate(today, 90)}`)
    .replace('    start: 2026-03-01', `    start: ${localDate(today, -1)}`)
    .replace('    deadline: 2026-06-30', `    deadline: ${localDate(today, 30)}`)
    .concat('cadences: {}\n');
}

/** What nodemailer writes for an outbox message (the worker sends the same fields): the header block. */
async function renderedHeaders(campaignId: string): Promise<string[]> {
  const { rows } = await h.database.db.query<{ to_addresses: string[]; cc_addresses: string[]; subject: string; text_body: string; message_id: string; office: { name: string; email: string } }>(
    `SELECT o.to_addresses, o.cc_addresses, o.subject, o.text_body, o.message_id, c.office FROM outbox o
     JOIN notices n ON n.id = o.notice_id JOIN campaigns c ON c.id = n.campaign_id WHERE n.campaign_id = $1`,
    [campaignId],
  );
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const blocks: string[] = [];
  for (const m of rows) {
    const info = await transport.sendMail({
      from: `"${m.office.name.replace(/"/g, '')}" <${m.office.email}>`,
      to: m.to_addresses.map((a) => JSON.parse(a)),
      cc: m.cc_addresses.map((a) => JSON.parse(a)),
      subject: m.subject,
      text: m.text_body,
      messageId: m.message_id,
    });
    blocks.push((info.message as Buffer).toString('utf8').split('\n\n')[0]);
  }
  return blocks;
}

/** No header line but the ones a notice has; no Bcc, no injected line; recipients as addressed. */
function expectCleanHeaders(block: string, context: string): void {
  const names = block
    .split('\n')
    .filter((l) => !/^\s/.test(l))
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
  // Cc only when the message copies someone (a unit's own message copies no one).
  const cc = names.includes('cc') ? ['cc'] : [];
  expect(names.sort(), context).toEqual([...cc, 'content-transfer-encoding', 'content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to'].sort());
  expect(block, context).not.toMatch(/^(bcc|x-injected)\s*:/im);
}

/**
 * What the sink parsed: the envelope goes to the addressed recipients only, every address in To
 * and Cc is one of them (an injected name stays text inside its quoted display name), no header
 * value spans lines, and the HTML body carries no markup from the texts.
 */
function expectCleanMail(mail: MailboxRow, envelope: string[], context: string): void {
  expect([...mail.envelope_to].sort(), `${context}: 信封收件人`).toEqual([...envelope].sort());
  const addresses = [...`${mail.to_header}, ${mail.cc_header}`.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].map((m) => m[1]);
  expect(addresses.sort(), `${context}: 收件人地址`).toEqual([...envelope].sort());
  expect(mail.from_header, context).toMatch(/<office@drill\.example\.org>$/);
  for (const header of [mail.to_header, mail.cc_header, mail.from_header, mail.subject]) expect(header, context).not.toMatch(/[\r\n]/);
  expect(mail.html_body, context).not.toMatch(/<script|<img/i);
}

describe('bad input: through the console and the API', () => {
  it('refuses every bad definition over HTTP with a report, and writes nothing', async () => {
    for (const file of Object.keys(REFUSED)) {
      const yaml = fixture(`definitions/${file}`).toString('utf8');
      const check = await api('POST', '/api/definitions/validate', { as: admin, body: { yaml, fileName: file } });
      expect(check.statusCode, file).toBe(200);
      expect(check.json().valid, file).toBe(false);
      const start = await api('POST', '/api/campaigns', { as: admin, body: { yaml, fileName: file } });
      expect(start.statusCode, `${file}: ${start.body}`).toBe(422);
      expect(start.json().error).toBe('InvalidDefinition');
      expect(start.json().problems.every((p: DefinitionProblem) => p.file === file && CHINESE.test(p.message))).toBe(true);
    }
    // A definition over the API's 2 MB body limit: 413, said in Chinese.
    const big = await api('POST', '/api/campaigns', { as: admin, body: { yaml: hugeDefinition(2_500_000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(CHINESE);
    // Uploaded as a 20 MB file in the console: read, and refused as too large.
    const upload = multipart({ action: 'start' }, [
      { field: 'file', name: 'huge.yaml', type: 'application/x-yaml', data: Buffer.from(hugeDefinition(20_000_000)) },
    ]);
    const page = await api('POST', '/campaigns', { as: admin, payload: upload.payload, headers: upload.headers });
    expect(page.statusCode).toBe(422);
    expect(page.body).toContain('定义过大');
    // A GBK file uploaded in the console says it is not UTF-8; UTF-16 with its byte order mark is read.
    const gbk = multipart({ action: 'validate' }, [{ field: 'file', name: 'gbk.yaml', type: 'application/x-yaml', data: fixture('definitions/gbk-encoded.yaml') }]);
    const gbkPage = await api('POST', '/campaigns', { as: admin, payload: gbk.payload, headers: gbk.headers });
    expect(gbkPage.statusCode).toBe(422);
    expect(gbkPage.body).toContain('不是 UTF-8 编码');
    const utf16 = multipart({ action: 'validate' }, [{ field: 'file', name: 'utf16.yaml', type: 'application/x-yaml', data: fixture('definitions/utf16-encoded.yaml') }]);
    const utf16Page = await api('POST', '/campaigns', { as: admin, payload: utf16.payload, headers: utf16.headers });
    expect(utf16Page.statusCode, utf16Page.body.slice(0, 500)).toBe(200);
    expect(utf16Page.body).toContain('校验通过');

    // Nothing half-written: no campaign row, no workflow.
    expect(await campaignRows()).toBe(0);
    const described = await campaignHandle(h.sim.env.client, 'drill-2026').describe().then(() => 'started', (e: Error) => e.name);
    expect(described).toBe('WorkflowNotFoundError');
  });

  it('refuses bad plans over HTTP with the reason, and reads the good ones', async () => {
    for (const file of [...PLAN_READ, ...Object.keys(PLAN_REFUSED)]) {
      const data = fixture(`plans/${file}`);
      if (data.length === 0) continue; // an empty upload is no upload
      const form = multipart({}, [{ field: 'file', name: file, type: 'application/octet-stream', data }]);
      const response = await api('POST', '/api/plans/import', { as: admin, payload: form.payload, headers: form.headers });
      if (PLAN_READ.includes(file)) {
        expect(response.statusCode, file).toBe(200);
      } else {
        expect(response.statusCode, `${file}: ${response.body}`).toBe(422);
        expect(response.json().message, file).toMatch(PLAN_REFUSED[file]);
      }
    }
    const empty = await api('POST', '/api/plans/import', { as: admin, body: { text: '   ' } });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().message).toMatch(CHINESE);
    expect(await campaignRows()).toBe(0);
  });

  it('keeps HTML, script and header injection out of mail headers and pages', async () => {
    const today = await h.sim.now();
    // Accepted definition with HTML in titles and texts, started through the API.
    const yaml = datedFixture('script-in-texts.yaml', today, 'drill-script');
    const started = await api('POST', '/api/campaigns', { as: admin, body: { yaml, fileName: 'script-in-texts.yaml' } });
    expect(started.statusCode, started.body).toBe(201);

    // Data that never passed validation (written before it existed, or by another client):
    // CR/LF and angle brackets in names and the title. Mail must still carry no injected header.
    const legacy = structuredClone(readDefinition(datedFixture('script-in-texts.yaml', today, 'drill-legacy'), 'legacy.yaml')) as CampaignDefinition;
    legacy.office.name = '演练园区创城办\nX-Injected: yes';
    legacy.units[0].name = '区综合执法分局\r\nBcc: evil@example.org';
    legacy.units[0].contact.name = '钱联络员 <evil@example.org>';
    legacy.units[1].contact.name = '李联络员"\r\nBcc: x@y.org';
    legacy.tasks[0].title = '开展背街小巷整治行动\r\nBcc: evil@example.org';
    await startCampaign(h.sim.env.client, legacy);

    const mails = await until(
      async () => {
        const rows = await listMailbox(h.database.db);
        return rows.length >= 4 && rows;
      },
      '两份交办通知，各发责任单位和配合单位一封',
      30_000,
    );
    expect(mails).toHaveLength(4);
    // The lead unit's mail carries its link and goes to it alone; the cooperating unit gets its own.
    for (const mail of mails) {
      const own = mail.envelope_to.includes('zf@drill.example.org') ? 'zf@drill.example.org' : 'gy@drill.example.org';
      expectCleanMail(mail, [own], mail.subject);
    }
    const scripted = mails.find((m) => m.subject.includes('<script>') && m.envelope_to.includes('zf@drill.example.org'))!;
    expect(scripted.subject).toMatch(/^【演练创城交办〔\d{4}〕\d+号】.*<script>alert\('创城'\)<\/script>开展背街小巷整治行动/);
    expect(scripted.html_body).toContain('&#60;script&#62;');
    const legacyMail = mails.find((m) => !m.subject.includes('<script>'))!;
    expect(legacyMail.subject, '换行只剩空格，仍在主题之内').toMatch(/开展背街小巷整治行动\s+Bcc: evil@example\.org/);
    for (const id of ['drill-script', 'drill-legacy']) {
      for (const block of await renderedHeaders(id)) expectCleanHeaders(block, `${id}\n${block}`);
    }

    // Pages: the console's task page and the unit's portal show the texts escaped.
    const taskPage = await api('GET', '/campaigns/drill-script/tasks/back-streets', { as: admin });
    expect(taskPage.statusCode).toBe(200);
    const token = signUnitLink({ campaignId: 'drill-script', taskId: 'back-streets', unitId: 'enforcement', expiresAt: new Date(today.getTime() + 30 * 86_400_000) }, LINK_SECRET);
    const report = await api('POST', `/api/portal/${token}/progress`, {
      body: { text: '<script>alert("进展")</script>已清理 12 处 <b>小广告</b>', by: '钱联络员\r\nBcc: x@y.org' },
      route: '/api/portal/:token/progress',
    });
    expect(report.statusCode, report.body).toBe(200);
    const portal = await api('GET', `/u/${token}`);
    const afterReport = await api('GET', '/campaigns/drill-script/tasks/back-streets', { as: admin });
    for (const [name, body] of [['任务页', taskPage.body], ['单位回复页', portal.body], ['任务页（报送后）', afterReport.body]] as const) {
      expect(body, name).not.toMatch(/<script>alert|<img src=x|<b>小广告/);
      expect(body, name).toMatch(/&lt;script&gt;alert|&#60;script&#62;alert/);
    }
    expect(afterReport.body).toMatch(/&lt;script&gt;alert\(&quot;进展&quot;\)|&lt;script&gt;alert\(&#34;进展&#34;\)/);
  });

  it('refuses wrong actions on a running task with a Chinese reason, and changes nothing', async () => {
    const today = await h.sim.now();
    const expiresAt = new Date(today.getTime() + 30 * 86_400_000);
    const link = (unitId: string, taskId = 'back-streets', campaignId = 'drill-script') => signUnitLink({ campaignId, taskId, unitId, expiresAt }, LINK_SECRET);
    const lead = link('enforcement');
    const events = async () => {
      const { rows } = await h.database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM task_events WHERE campaign_id = 'drill-script'`);
      return rows[0].n;
    };
    const before = await events();
    const route = (action: string) => `/api/portal/:token/${action}`;
    const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size - 9, 0x20)]);

    const refusals: [string, Awaited<ReturnType<typeof api>>, number, RegExp][] = [
      ['核查尚未报送材料的任务', await api('POST', '/api/campaigns/drill-script/tasks/back-streets/verify', { as: admin, body: { passed: true }, route: '/api/campaigns/:campaignId/tasks/:taskId/verify' }), 409, /不能核查/],
      ['配合单位报送进展', await api('POST', `/api/portal/${link('utilities')}/progress`, { body: { text: '已完成' }, route: route('progress') }), 403, /只有责任单位/],
      ['不存在的单位', await api('POST', `/api/portal/${link('ghost')}/progress`, { body: { text: '已完成' }, route: route('progress') }), 403, /单位不存在/],
      ['改过的链接', await api('POST', `/api/portal/${lead.slice(0, -2)}xx/progress`, { body: { text: '已完成' }, route: route('progress') }), 403, /链接无效/],
      [
        '过期的链接',
        await api('POST', `/api/portal/${signUnitLink({ campaignId: 'drill-script', taskId: 'back-streets', unitId: 'enforcement', expiresAt: new Date(today.getTime() - 1000) }, LINK_SECRET)}/progress`, {
          body: { text: '已完成' },
          route: route('progress'),
        }),
        403,
        /已过期/,
      ],
      ['空白进展', await api('POST', `/api/portal/${lead}/progress`, { body: { text: '   ' }, route: route('progress') }), 422, /进展内容不能为空/],
      ['超长进展', await api('POST', `/api/portal/${lead}/progress`, { body: { text: '长'.repeat(MAX_TEXT_CHARS + 1) }, route: route('progress') }), 400, new RegExp(`text 不能超过 ${MAX_TEXT_CHARS} 个字符`)],
      ['多余字段', await api('POST', `/api/portal/${lead}/progress`, { body: { text: '好', unitId: 'utilities' }, route: route('progress') }), 400, /不接受字段 unitId/],
      [
        '延期日期和天数同时给出',
        await api('POST', `/api/portal/${lead}/extension`, { body: { reason: '雨季', until: localDate(today, 60), workingDays: 5 }, route: route('extension') }),
        422,
        /二选一/,
      ],
      ['改派给不存在的单位', await api('POST', '/api/campaigns/drill-script/tasks/back-streets/reassign', { as: admin, body: { unitId: 'ghost', reason: '调整' }, route: '/api/campaigns/:campaignId/tasks/:taskId/reassign' }), 422, /未知单位：ghost/],
      ['不存在的任务', await api('POST', '/api/campaigns/drill-script/tasks/nothing/withdraw', { as: admin, body: { reason: '重复' }, route: '/api/campaigns/:campaignId/tasks/:taskId/withdraw' }), 404, /未找到该任务/],
    ];
    // Evidence: oversized, too many, not what the name says.
    const tooBig = multipart({ form: 'report', text: '整改报告' }, [{ field: 'files', name: '整改报告.pdf', type: 'application/pdf', data: pdf(10 * 1024 * 1024 + 1) }]);
    refusals.push(['超过 10 MB 的佐证材料', await api('POST', `/api/portal/${lead}/evidence`, { ...tooBig, route: route('evidence') }), 413, /超过单个文件 10 MB/]);
    const huge = multipart({ form: 'report' }, [{ field: 'files', name: '录像.pdf', type: 'application/pdf', data: pdf(21 * 1024 * 1024) }]);
    refusals.push(['超过 20 MB 的上传', await api('POST', `/api/portal/${lead}/evidence`, { ...huge, route: route('evidence') }), 413, /文件过大/]);
    const many = multipart({ form: 'report' }, Array.from({ length: 6 }, (_, i) => ({ field: 'files', name: `报告${i}.pdf`, type: 'application/pdf', data: pdf(100) })));
    refusals.push(['一次 6 个文件', await api('POST', `/api/portal/${lead}/evidence`, { ...many, route: route('evidence') }), 413, /文件过多/]);
    const renamed = multipart({ form: 'report' }, [{ field: 'files', name: '报告.pdf', type: 'application/pdf', data: Buffer.from('MZ\x90\x00这是可执行文件') }]);
    refusals.push(['改了扩展名的文件', await api('POST', `/api/portal/${lead}/evidence`, { ...renamed, route: route('evidence') }), 422, /内容与扩展名 \.pdf 不符/]);
    const script = multipart({ form: 'photo' }, [{ field: 'files', name: '<svg onload=alert(1)>.svg', type: 'image/svg+xml', data: Buffer.from('<svg onload=alert(1)/>') }]);
    refusals.push(['SVG 脚本', await api('POST', `/api/portal/${lead}/evidence`, { ...script, route: route('evidence') }), 422, /类型不符合/]);

    for (const [what, response, status, says] of refusals) {
      expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBe(status);
      const message = response.json().message as string;
      expect(message, what).toMatch(CHINESE);
      expect(message, what).toMatch(says);
    }
    // Nothing changed: no event, the task still where it was, no evidence stored.
    expect(await events(), '被拒绝的操作不留记录').toBe(before);
    const { rows: stored } = await h.database.db.query<{ files: number; submissions: number }>(
      `SELECT (SELECT count(*)::int FROM evidence_files WHERE campaign_id = 'drill-script') AS files,
              (SELECT count(*)::int FROM evidence_submissions WHERE campaign_id = 'drill-script') AS submissions`,
    );
    expect(stored[0], '被拒绝的材料不留文件').toEqual({ files: 0, submissions: 0 });
    const detail = await api('GET', '/api/campaigns/drill-script/tasks/back-streets', { as: admin, route: '/api/campaigns/:campaignId/tasks/:taskId' });
    expect(detail.json().task.status).toBe('inProgress');
    console.info(`[faults/bad-input] ${refusals.length} 种错误操作全部被拒绝（中文原因），事件与材料无变化`);
  });
});
