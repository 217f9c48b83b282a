// The campaign editor through HTTP, as an administrator's browser uses it without JavaScript: drafts
// created from nothing and from a reviewed import, listed, saved field by field (only the edited line
// of the YAML changes), a validation message beside the field it is about, rows added and removed, a
// unit taken from the 通讯录, the YAML exported as saved, and a campaign started from a draft.
import type { LightMyRequestResponse } from 'fastify';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { listMailbox } from '../../db/mailbox.js';
import { importDirectoryWorkbook } from '../../services/directory-workbook.js';
import { seedDirectoryWorkbook } from '../plan/directory-fixture.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { consoleForFile, cookieHeader, type ApiSession } from './support.js';

const { h, admin } = await consoleForFile();

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

async function open(url: string, as: ApiSession = admin): Promise<{ response: LightMyRequestResponse; cookie: string; csrf: string }> {
  const response = await h.app.inject({ method: 'GET', url, headers: { cookie: as.cookie } });
  return { response, cookie: cookieHeader(response, as.cookie), csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? '' };
}

async function submit(page: { cookie: string; csrf: string }, url: string, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams({ _csrf: page.csrf });
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
  return h.app.inject({ method: 'POST', url, headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
}

const draftRow = async (id: number) => (await h.database.db.query('SELECT * FROM campaign_drafts WHERE id = $1', [id])).rows[0];
const draftIdFrom = (response: LightMyRequestResponse) => Number(/^\/drafts\/(\d+)\?done=created$/.exec(String(response.headers.location))![1]);
/** The field's block on the editor page: its input and the problems written beside it. */
const fieldBlock = (html: string, name: string) => new RegExp(`data-field="${name.replace(/[[\].]/g, '\\$&')}">([\\s\\S]*?)</label>`).exec(html)?.[1] ?? '';

describe('the campaign editor in the console', () => {
  let today: Date;
  let yaml: string;
  let draftId: number;

  it('creates a draft from nothing and lists it', async () => {
    const list = await open('/drafts');
    expect(list.response.statusCode).toBe(200);
    expect(textOf(list.response.body)).toContain('还没有草稿');
    const created = await submit(list, '/drafts', {});
    expect(created.statusCode).toBe(303);
    const id = draftIdFrom(created);
    const row = await draftRow(id);
    expect(row.created_by).toBe('赵明');
    expect(row.source_file_name).toBe('');
    expect(parse(row.yaml)).toMatchObject({ timeZone: 'Asia/Shanghai', units: [], tasks: [] });

    // The empty skeleton is not yet a definition: its problems show beside the fields.
    const editor = await open(`/drafts/${id}`);
    expect(editor.response.statusCode).toBe(200);
    expect(textOf(fieldBlock(editor.response.body, 'office.name'))).toContain('不能为空');
    expect(textOf(editor.response.body)).toContain('至少需要一个责任单位');
    expect(textOf((await open('/drafts')).response.body)).toContain('空白新建');
  });

  it('takes the reviewed YAML of an import as a draft, and saves a field by changing exactly its line', async () => {
    today = await h.sim.now();
    // Begun yesterday: the task is assigned when the campaign starts, whatever the time of day (a task
    // starting today would wait for 09:00).
    const def = testDefinition({ start: shanghaiDate(today, -1), end: shanghaiDate(today, 90), tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 30) }] });
    yaml = `# 东湖园区实施方案（审核后）\n${stringify({ ...def, title: '东湖园区创建文明城市专项行动' })}`.replace('title: 整治任务lanes', 'title: 整治任务lanes # 方案第12行');
    const review = await open('/import');
    const created = await submit(review, '/drafts', { yaml, fileName: 'donghu.yaml', source: '东湖园区实施方案.docx' });
    draftId = draftIdFrom(created);
    expect(await draftRow(draftId)).toMatchObject({ title: '东湖园区创建文明城市专项行动', source_file_name: '东湖园区实施方案.docx', yaml });
    expect(textOf((await open('/drafts')).response.body)).toContain('东湖园区创建文明城市专项行动 东湖园区实施方案.docx');

    const editor = await open(`/drafts/${draftId}`);
    expect(fieldBlock(editor.response.body, 'units[1].contact.email')).toContain('value="gy@test.example.org"');
    const saved = await submit(editor, `/drafts/${draftId}`, { action: 'save', 'f:units[1].contact.email': 'bad@', 'f:units[0].name': '区综合执法分局' });
    expect(saved.statusCode).toBe(303);
    const after = (await draftRow(draftId)).yaml as string;
    const changed = after.split('\n').filter((line, i) => line !== yaml.split('\n')[i]);
    expect(changed).toEqual(['      email: bad@']);
    expect(after).toContain('# 方案第12行');

    // The message is beside that unit's field, and on no other row.
    const page = (await open(`/drafts/${draftId}`)).response.body;
    expect(textOf(fieldBlock(page, 'units[1].contact.email'))).toContain('邮箱地址无效');
    expect(textOf(fieldBlock(page, 'units[0].contact.email'))).not.toContain('邮箱地址无效');
    expect(textOf(fieldBlock(page, 'units[2].contact.email'))).not.toContain('邮箱地址无效');
    expect(textOf(page)).toContain('校验问题（1 处）');

    // 校验 says so too, and keeps what was saved.
    const checked = await submit(editor, `/drafts/${draftId}`, { action: 'validate' });
    expect(checked.statusCode).toBe(422);
    expect(textOf(checked.body)).toContain('定义有 1 处错误');
  });

  it('exports the YAML exactly as saved', async () => {
    const exported = await h.app.inject({ method: 'GET', url: `/drafts/${draftId}/export.yaml`, headers: { cookie: admin.cookie } });
    expect(exported.statusCode).toBe(200);
    expect(String(exported.headers['content-disposition'])).toContain('attachment');
    expect(exported.body).toBe((await draftRow(draftId)).yaml);
  });

  it('adds and removes rows, and adds a unit from the 通讯录 with its people and addresses', async () => {
    const editor = await open(`/drafts/${draftId}`);
    const added = await submit(editor, `/drafts/${draftId}`, { action: 'add:tasks', 'f:tasks[0].title': '整治背街小巷' });
    expect(added.statusCode).toBe(303);
    let def = parse((await draftRow(draftId)).yaml);
    expect(def.tasks.map((t: { id: string; title: string }) => [t.id, t.title])).toEqual([['lanes', '整治背街小巷'], ['task-2', '']]);
    expect(textOf(fieldBlock((await open(`/drafts/${draftId}`)).response.body, 'tasks[1].title'))).toContain('不能为空');

    await submit(editor, `/drafts/${draftId}`, { action: 'remove:tasks[1]' });
    def = parse((await draftRow(draftId)).yaml);
    expect(def.tasks.map((t: { id: string }) => t.id)).toEqual(['lanes']);

    await importDirectoryWorkbook(h.database.db, await seedDirectoryWorkbook(), shanghaiDate(today));
    const withDirectory = await open(`/drafts/${draftId}`);
    const entry = /<option value="(\d+)">区公用事业局（分局）（mali@beihai\.gov\.cn）<\/option>/.exec(withDirectory.response.body);
    expect(entry, 'the picker offers the directory unit').not.toBeNull();
    await submit(withDirectory, `/drafts/${draftId}`, { action: 'pick', directoryUnit: entry![1] });
    def = parse((await draftRow(draftId)).yaml);
    expect(def.units.at(-1)).toEqual({
      id: 'gongyongshiyejufenju',
      name: '区公用事业局（分局）',
      kind: 'department',
      principal: { name: '郭勇', title: '局长', email: 'guoyong@beihai.gov.cn' },
      contact: { name: '马丽', title: '办公室主任', email: 'mali@beihai.gov.cn' },
      directoryId: Number(entry![1]),
    });
  });

  it('saves the whole YAML from its tab as typed, and shows where a text that is not YAML goes wrong', async () => {
    const before = (await draftRow(draftId)).yaml as string;
    const tab = await open(`/drafts/${draftId}?tab=yaml`);
    expect(tab.response.body).toContain('name="yaml"');
    const edited = before.replace('# 东湖园区实施方案（审核后）', '# 东湖园区实施方案（审核后，2 人核对）');
    const saved = await submit(tab, `/drafts/${draftId}`, { action: 'yaml', yaml: edited });
    expect(saved.headers.location).toBe(`/drafts/${draftId}?tab=yaml&done=saved`);
    expect((await draftRow(draftId)).yaml).toBe(edited);

    await submit(tab, `/drafts/${draftId}`, { action: 'yaml', yaml: `${edited}tasks: [unclosed\n` });
    const broken = await open(`/drafts/${draftId}`);
    expect(textOf(broken.response.body)).toContain('YAML 无法读取，请在下方改正');
    expect(textOf(broken.response.body)).toMatch(/草稿\d+\.yaml:\d+:\d+: YAML 语法错误/);
    await submit(tab, `/drafts/${draftId}`, { action: 'yaml', yaml: edited });
  });

  it('starts the campaign from the draft: its units get their assignment, the draft says which campaign it became', async () => {
    const editor = await open(`/drafts/${draftId}`);
    const refused = await submit(editor, `/drafts/${draftId}`, { action: 'start' });
    expect(refused.statusCode).toBe(422);
    expect(textOf(refused.body)).toContain('请修改后再启动');

    const started = await submit(editor, `/drafts/${draftId}`, { action: 'start', 'f:units[1].contact.email': 'gy-new@test.example.org' });
    const id = parse((await draftRow(draftId)).yaml).id as string;
    expect(started.statusCode, started.body.slice(0, 500)).toBe(303);
    expect(started.headers.location).toBe(`/campaigns/${id}?started=1`);
    expect(await draftRow(draftId)).toMatchObject({ started_campaign_id: id });
    const mail = await waitFor(async () => (await listMailbox(h.database.db, { to: 'zf@test.example.org' })).find((m) => m.subject.includes('交办')), 'assignment mail', 30_000);
    expect(mail.subject).toContain('整治背街小巷');
    expect(textOf((await open('/drafts')).response.body)).toContain(`已启动： ${id}`);
  });
});
