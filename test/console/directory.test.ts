// The console's 通讯录 as an administrator and a leader use it through HTTP: the list, forms to
// add, edit, retire and restore units, people and posts (with the page's CSRF token), refusals
// that name the field and write nothing, the .xlsx upload and the downloads.
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { consoleForFile, cookieHeader, multipart, type ApiSession } from './support.js';

const { h, admin, leader } = await consoleForFile();

/** The text of an HTML page without its tags, so that a sentence reads as one. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

/** A page as the browser opens it: its answer, the cookies with it, and its form's CSRF token. */
async function open(url: string, as: ApiSession): Promise<{ response: LightMyRequestResponse; cookie: string; csrf: string }> {
  const response = await h.app.inject({ method: 'GET', url, headers: { cookie: as.cookie } });
  return { response, cookie: cookieHeader(response, as.cookie), csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? '' };
}

/** Posts a form the way the page's form does: url-encoded, its CSRF token in `_csrf`. */
async function submit(page: { cookie: string; csrf: string }, url: string, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams({ _csrf: page.csrf });
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
  return h.app.inject({
    method: 'POST',
    url,
    headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

const units = async () => (await h.database.db.query('SELECT * FROM directory_units ORDER BY id')).rows;
const snapshot = async () => {
  const q = async (table: string) => (await h.database.db.query(`SELECT * FROM ${table} ORDER BY id`)).rows;
  return [await q('directory_units'), await q('directory_people'), await q('directory_posts')];
};
const idFrom = (response: LightMyRequestResponse) => Number(/\/directory\/\w+\/(\d+)\?done=/.exec(String(response.headers.location))![1]);

const UNIT = {
  name: '区综合执法分局',
  shortNames: '综合执法分局、执法分局',
  kind: 'department',
  parent: '',
  'principal.name': '王刚',
  'principal.post': '局长',
  'principal.email': 'wanggang@example.gov.cn',
  'principal.mobile': '138 1234 5678',
  'contact.name': '郑丽',
  'contact.post': '',
  'contact.email': 'zhengli@example.gov.cn',
  'contact.mobile': '',
};

describe('the directory in the console', () => {
  let district: number;
  let enforcement: number;

  it('adds units by form, refusing a bad address, a name in use and a missing name with the field named', async () => {
    const empty = await open('/directory', admin);
    expect(empty.response.statusCode).toBe(200);
    expect(textOf(empty.response.body)).toContain('还没有单位');

    const form = await open('/directory/units/new', admin);
    expect(form.response.statusCode).toBe(200);
    const top = await submit(form, '/directory/units', { ...UNIT, name: '北海区', shortNames: '', 'principal.name': '', 'principal.post': '', 'principal.email': '', 'principal.mobile': '', 'contact.name': '', 'contact.email': '' });
    expect(top.statusCode, top.body).toBe(303);
    district = idFrom(top);

    const added = await submit(form, '/directory/units', { ...UNIT, parent: String(district) });
    expect(added.statusCode, added.body).toBe(303);
    enforcement = idFrom(added);
    expect(added.headers.location).toBe(`/directory/units/${enforcement}?done=created`);
    expect((await units()).find((u) => u.id === enforcement)).toMatchObject({
      name: '区综合执法分局',
      short_names: ['综合执法分局', '执法分局'],
      kind: 'department',
      parent_id: district,
      principal_mobile: '13812345678',
      contact_email: 'zhengli@example.gov.cn',
      retired_on: null,
    });
    const saved = await open(String(added.headers.location), admin);
    expect(textOf(saved.response.body)).toContain('已新增');

    const before = await snapshot();
    const refused = await submit(form, '/directory/units', { ...UNIT, 'contact.email': 'zhengli@', 'principal.mobile': '12345' });
    expect(refused.statusCode).toBe(422);
    const text = textOf(refused.body);
    expect(text).toContain('未保存：有 5 处问题');
    expect(text).toContain('「简称」：简称「综合执法分局」已是「区综合执法分局」的简称');
    expect(text).toContain('「全称」：重复的单位：全称「区综合执法分局」与通讯录中已有单位（编号');
    expect(text).toContain('「联系人邮箱」：邮箱地址无效：zhengli@');
    expect(text).toContain('「主要负责人手机」：手机号码无效：12345');
    // What was typed is still in the form.
    expect(refused.body).toContain('value="zhengli@"');
    const nameless = await submit(form, '/directory/units', { ...UNIT, name: ' ' });
    expect(nameless.statusCode).toBe(422);
    expect(textOf(nameless.body)).toContain('「全称」：不能为空');
    expect(await snapshot()).toEqual(before);
  });

  it('edits a unit, and refuses a parent that makes a cycle', async () => {
    const form = await open(`/directory/units/${district}`, admin);
    expect(form.response.statusCode).toBe(200);
    expect(form.response.body).toContain('value="北海区"');
    const edited = await submit(form, `/directory/units/${enforcement}`, { ...UNIT, name: '区综合行政执法局', parent: String(district), 'contact.mobile': '13600000000' });
    expect(edited.statusCode, edited.body).toBe(303);
    expect(edited.headers.location).toBe(`/directory/units/${enforcement}?done=updated`);
    expect((await units()).find((u) => u.id === enforcement)).toMatchObject({ name: '区综合行政执法局', contact_mobile: '13600000000', parent_id: district });

    const before = await snapshot();
    const cycle = await submit(form, `/directory/units/${district}`, { ...UNIT, name: '北海区', shortNames: '', parent: String(enforcement) });
    expect(cycle.statusCode).toBe(422);
    expect(textOf(cycle.body)).toContain('「上级单位」：上级关系成环：北海区 → 区综合行政执法局 → 北海区');
    expect(await snapshot()).toEqual(before);
    // The form offers neither the unit itself nor a unit under it as its parent.
    const options = /<select name="parent">([\s\S]*?)<\/select>/.exec(form.response.body)![1];
    expect(options).not.toContain(`value="${district}"`);
    expect(options).not.toContain(`value="${enforcement}"`);
  });

  it('adds a person and a post with the units in charge, and retires and restores entries without deleting them', async () => {
    const personForm = await open('/directory/people/new', admin);
    const person = await submit(personForm, '/directory/people', { name: '周强', post: '副区长', unit: String(district), email: 'zhouqiang@beihai.gov.cn', mobile: '' });
    expect(person.statusCode, person.body).toBe(303);
    const personId = idFrom(person);

    const postForm = await open('/directory/posts/new', admin);
    expect(postForm.response.body).toContain('周强（北海区）');
    const post = await submit(postForm, '/directory/posts', { role: 'responsibleLeader', person: String(personId), units: [String(enforcement)] });
    expect(post.statusCode, post.body).toBe(303);
    const postId = idFrom(post);
    const twice = await submit(postForm, '/directory/posts', { role: 'responsibleLeader', person: String(personId), units: [] });
    expect(twice.statusCode).toBe(422);
    expect(textOf(twice.body)).toContain('「姓名」：重复的领导职务：「周强」任分管领导已见于通讯录中已有的领导职务');

    const list = await open('/directory', admin);
    const text = textOf(list.response.body);
    expect(text).toContain('分管领导 周强 北海区 区综合行政执法局');
    expect(text).toContain('周强 副区长 北海区 zhouqiang@beihai.gov.cn');

    // Retired on a date: kept, out of the default list, shown on asking, restored.
    const unitForm = await open(`/directory/units/${enforcement}`, admin);
    const retired = await submit(unitForm, `/directory/units/${enforcement}/retire`, { retiredOn: '2027-03-01' });
    expect(retired.statusCode, retired.body).toBe(303);
    expect(retired.headers.location).toBe(`/directory/units/${enforcement}?done=retired`);
    expect((await units()).find((u) => u.id === enforcement)!.retired_on).toBe('2027-03-01');
    const retiredPage = await open(String(retired.headers.location), admin);
    expect(retiredPage.response.statusCode).toBe(200);
    expect(textOf(retiredPage.response.body)).toContain('此条目已于 2027-03-01 停用');
    const link = `href="/directory/units/${enforcement}"`;
    expect((await open('/directory', admin)).response.body).not.toContain(link);
    const all = await open('/directory?retired=1', admin);
    expect(all.response.body).toContain(link);
    expect(textOf(all.response.body)).toContain('停用 2027-03-01');
    const badDate = await submit(unitForm, `/directory/units/${enforcement}/retire`, { retiredOn: '下周' });
    expect(badDate.statusCode).toBe(422);
    const restored = await submit(unitForm, `/directory/units/${enforcement}/restore`, {});
    expect(restored.statusCode).toBe(303);
    expect((await units()).find((u) => u.id === enforcement)!.retired_on).toBeNull();

    const postPage = await open(`/directory/posts/${postId}`, admin);
    expect((await submit(postPage, `/directory/posts/${postId}/retire`, { retiredOn: '' })).statusCode).toBe(303);
    const row = (await h.database.db.query('SELECT retired_on FROM directory_posts WHERE id = $1', [postId])).rows[0];
    expect(row.retired_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await h.database.db.query('SELECT count(*)::int AS n FROM directory_posts')).rows[0].n).toBe(1);
  });

  it('lets a leader read and download but change nothing; a form without its token is refused', async () => {
    const page = await open('/directory', leader);
    expect(page.response.statusCode).toBe(200);
    expect(page.response.body).toContain('北海区');
    expect(page.response.body).not.toContain('/directory/units/new');
    expect(page.response.body).not.toContain('/directory/import');
    expect((await open(`/directory/units/${district}`, leader)).response.statusCode).toBe(403);

    const before = await snapshot();
    const asLeader = await submit(page, `/directory/units/${district}/retire`, {});
    expect(asLeader.statusCode).toBe(403);
    const adminPage = await open(`/directory/units/${district}`, admin);
    const noToken = await submit({ cookie: adminPage.cookie, csrf: '' }, `/directory/units/${district}/retire`, {});
    expect(noToken.statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);

    for (const url of ['/directory/export.xlsx', '/directory/template.xlsx']) {
      const file = await h.app.inject({ method: 'GET', url, headers: { cookie: leader.cookie } });
      expect(file.statusCode, url).toBe(200);
      expect(file.headers['content-type']).toContain('spreadsheetml');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
      expect(book.worksheets.map((s) => s.name)).toEqual(['填写说明', '单位', '人员', '领导职务']);
    }
  });

  it('imports an uploaded workbook, or shows every bad cell and writes nothing', async () => {
    const page = await open('/directory', admin);
    const action = /action="(\/directory\/import\?_csrf=[^"]+)"/.exec(page.response.body)![1].replace(/&amp;/g, '&');
    const upload = async (sheets: Record<string, string[][]>) => {
      const book = new ExcelJS.Workbook();
      for (const [name, rows] of Object.entries(sheets)) book.addWorksheet(name).addRows(rows);
      const body = multipart({}, [{ field: 'file', name: '通讯录.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: Buffer.from(await book.xlsx.writeBuffer()) }]);
      return h.app.inject({ method: 'POST', url: action, headers: { ...body.headers, cookie: page.cookie }, payload: body.payload });
    };

    const before = await snapshot();
    const bad = await upload({
      单位: [
        ['全称', '类别', '上级单位', '联系人邮箱'],
        ['北海街道办事处', '街道', '北海县', ''],
        ['区公用事业局', '部门', '北海区', 'gy at example.gov.cn'],
      ],
    });
    expect(bad.statusCode).toBe(422);
    const text = textOf(bad.body);
    expect(text).toContain('文件有 2 处错误，未导入任何内容');
    expect(text).toContain('「单位」表第 2 行「上级单位」列：找不到上级单位「北海县」');
    expect(text).toContain('「单位」表第 3 行「联系人邮箱」列：邮箱地址无效：gy at example.gov.cn');
    expect(await snapshot()).toEqual(before);

    const good = await upload({
      单位: [
        ['全称', '类别', '上级单位', '联系人邮箱'],
        ['北海街道办事处', '街道', '北海区', ''],
        ['区公用事业局', '部门', '北海区', 'gy@example.gov.cn'],
      ],
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(textOf(good.body)).toContain('已导入「通讯录.xlsx」。单位：新增 2，更新 0，未变 0');
    expect((await units()).map((u) => u.name)).toEqual(['北海区', '区综合行政执法局', '北海街道办事处', '区公用事业局']);
  });
});
