// 通讯录 pages: everyone with an account reads the directory (leaders see units' contacts on the
// campaign pages already); only administrators change it, by form or by uploading the workbook.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { directoryRobotProblem, maskedDirectoryRobots } from '../../domain/channels.js';
import {
  civilDateOf,
  columnHeader,
  DIRECTORY_POST_NAMES,
  DIRECTORY_POSTS,
  DIRECTORY_UNIT_KIND_NAMES,
  DIRECTORY_UNIT_KINDS,
  nameProblem,
  normaliseEmail,
  normaliseMobile,
  postOf,
  postProblem,
  splitNames,
  unitKindOf,
  unitKindProblem,
  type DirectoryEntryKind,
} from '../../domain/directory.js';
import {
  applyDirectoryChanges,
  DirectoryRefused,
  readDirectory,
  type DirectoryChanges,
  type DirectoryProblem,
  type PersonSet,
  type PostSet,
  type UnitSet,
} from '../../services/directory.js';
import {
  describeDirectoryChanges,
  DirectoryImportError,
  directoryTemplate,
  directoryWorkbook,
  importDirectoryWorkbook,
  XLSX_TYPE,
} from '../../services/directory-workbook.js';
import { formatSheetProblem } from '../../services/spreadsheet.js';
import { HttpProblem } from '../api/problems.js';
import { requireAdmin, requireUser } from './auth.js';
import { attachment } from './download.js';
import { formValue } from './pages.js';
import { withUploads } from './uploads.js';
import { page } from './views.js';

/** The path segment of each kind of entry. */
const KINDS: Record<string, DirectoryEntryKind> = { units: 'unit', people: 'person', posts: 'post' };
const KIND_WORDS: Record<DirectoryEntryKind, string> = { unit: '单位', person: '人员', post: '领导职务' };
const DONE: Record<string, string> = {
  created: '已新增',
  updated: '已保存',
  retired: '已停用（条目保留，可恢复）',
  restored: '已恢复为在用',
};

type Params = Record<string, string>;

function kindOf(request: FastifyRequest): DirectoryEntryKind {
  const kind = KINDS[(request.params as Params).kind];
  if (!kind) throw new HttpProblem(404, 'NotFound', '页面不存在');
  return kind;
}

function idOf(request: FastifyRequest): number {
  const text = (request.params as Params).id;
  if (!/^\d{1,15}$/.test(text)) throw new HttpProblem(404, 'NotFound', '条目不存在');
  return Number(text);
}

const formValues = (body: unknown, key: string): string[] => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

/** A form's fields as a change: every field of the form is set; field problems reported as the import's are. */
function changeFromForm(kind: DirectoryEntryKind, body: unknown, problems: DirectoryProblem[]): DirectoryChanges {
  const report = (field: string, message: string) => problems.push({ entry: kind, row: 0, field, message });
  const text = (field: string) => formValue(body, field).trim();
  const name = (field: string, required = false) => {
    const value = text(field);
    const problem = nameProblem(value, { required });
    if (problem) report(field, problem);
    return value;
  };
  const email = (field: string) => {
    const value = normaliseEmail(text(field));
    if ('problem' in value) report(field, value.problem);
    return 'value' in value ? value.value : '';
  };
  const mobile = (field: string) => {
    const value = normaliseMobile(text(field));
    if ('problem' in value) report(field, value.problem);
    return 'value' in value ? value.value : '';
  };
  const unitRef = (field: string) => (/^\d+$/.test(text(field)) ? { id: Number(text(field)) } : null);
  if (kind === 'unit') {
    const kindText = text('kind');
    const unitKind = unitKindOf(kindText);
    if (!unitKind) report('kind', kindText ? unitKindProblem(kindText) : '请选择类别');
    const shortNames = splitNames(text('shortNames'));
    for (const s of shortNames) {
      const problem = nameProblem(s);
      if (problem) report('shortNames', `简称「${s}」${problem}`);
    }
    const set: Partial<UnitSet> = { name: name('name', true), shortNames, kind: unitKind ?? 'other', parent: unitRef('parent') };
    for (const which of ['principal', 'contact'] as const) {
      set[`${which}.name`] = name(`${which}.name`);
      set[`${which}.post`] = name(`${which}.post`);
      set[`${which}.email`] = email(`${which}.email`);
      set[`${which}.mobile`] = mobile(`${which}.mobile`);
    }
    for (const field of ['wecom', 'dingtalk', 'dingtalkSecret'] as const) {
      const value = text(`robots.${field}`);
      const problem = directoryRobotProblem(field, value);
      if (problem) report(`robots.${field}`, problem);
      set[`robots.${field}`] = value;
    }
    return { units: [{ row: 0, set }] };
  }
  if (kind === 'person') {
    const set: Partial<PersonSet> = { name: name('name', true), post: name('post'), unit: unitRef('unit'), email: email('email'), mobile: mobile('mobile') };
    return { people: [{ row: 0, set }] };
  }
  const roleText = text('role');
  const role = postOf(roleText);
  if (!role) report('role', roleText ? postProblem(roleText) : '请选择领导职务');
  const set: Partial<PostSet> = {
    role: role ?? 'groupLeader',
    // None chosen: a new post is refused for it, an edited one keeps its person.
    ...(/^\d+$/.test(text('person')) ? { person: { id: Number(text('person')) } } : {}),
    units: formValues(body, 'units').filter((v) => /^\d+$/.test(v)).map((v) => ({ id: Number(v) })),
  };
  return { posts: [{ row: 0, set }] };
}

/** A change of one entry, by 编号 or new. */
function withTarget(changes: DirectoryChanges, target: { id: number } | { create: true }): DirectoryChanges {
  const entries = [...(changes.units ?? []), ...(changes.people ?? []), ...(changes.posts ?? [])];
  for (const e of entries) Object.assign(e, target);
  return changes;
}

/** A refusal as the form shows it: the field's label and the reason. */
const formProblem = (p: DirectoryProblem) => (p.field ? `「${columnHeader(p.entry, p.field)}」：${p.message}` : p.message);

export function registerDirectoryRoutes(app: FastifyInstance): void {
  const ctx = app.console;
  const user = { preHandler: requireUser };
  const adminRead = { preHandler: requireAdmin };
  const admin = { preHandler: [requireAdmin, app.csrfProtection] };
  /** Uploads: the same checks before the body is read (the CSRF token rides in the form action's query). */
  const adminUpload = { onRequest: [requireAdmin, app.csrfProtection] };
  const today = async () => DateTime.fromJSDate(await ctx.now()).setZone(DEFAULT_TIME_ZONE).toISODate()!;

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { flash?: { kind: 'ok' | 'error' | 'info'; text: string }; problems?: string[] } = {},
  ) => {
    const all = (request.query as Record<string, string | undefined>).retired === '1';
    const directory = await readDirectory(ctx.db);
    const shown = <T extends { retiredOn: string | null }>(list: T[]) => (all ? list : list.filter((e) => !e.retiredOn));
    const retiredCount = [...directory.units, ...directory.people, ...directory.posts].filter((e) => e.retiredOn).length;
    const done = DONE[(request.query as Record<string, string | undefined>).done ?? ''];
    return page(app, request, reply, 'directory', { title: '通讯录', nav: 'directory', flash: extra.flash ?? (done ? { kind: 'ok', text: done } : undefined) }, {
      // The robots' secrets written out are shown masked.
      units: shown(directory.units).map((u) => ({ ...u, robots: maskedDirectoryRobots(u.robots) })),
      people: shown(directory.people),
      posts: shown(directory.posts),
      all,
      retiredCount,
      problems: extra.problems ?? [],
    });
  };

  app.get('/directory', user, async (request, reply) => listPage(request, reply));

  app.get('/directory/export.xlsx', user, async (request, reply) => {
    const day = DateTime.fromJSDate(await ctx.now()).setZone(DEFAULT_TIME_ZONE).toFormat('yyyyMMdd');
    return attachment(reply, `通讯录-${day}.xlsx`, XLSX_TYPE, await directoryWorkbook(await readDirectory(ctx.db)));
  });

  app.get('/directory/template.xlsx', user, async (_request, reply) => attachment(reply, '通讯录导入模板.xlsx', XLSX_TYPE, await directoryTemplate()));

  withUploads(app, (uploads) =>
    uploads.post('/directory/import', adminUpload, async (request, reply) => {
      const file = (request.body as Record<string, unknown> | undefined)?.file as { data?: Buffer; fileName?: string } | undefined;
      if (!file?.data || file.data.length === 0) {
        reply.code(422);
        return listPage(request, reply, { flash: { kind: 'error', text: '请选择要导入的通讯录文件（.xlsx）' } });
      }
      try {
        const summary = await importDirectoryWorkbook(ctx.db, file.data, await today());
        return listPage(request, reply, { flash: { kind: 'ok', text: `已导入${file.fileName ? `「${file.fileName}」` : ''}。${describeDirectoryChanges(summary)}` } });
      } catch (error) {
        if (!(error instanceof DirectoryImportError)) throw error;
        reply.code(422);
        const text = error.problems.length === 1 && !error.problems[0].sheet ? error.message : `文件有 ${error.problems.length} 处错误，未导入任何内容：`;
        return listPage(request, reply, { flash: { kind: 'error', text }, problems: error.problems.filter((p) => p.sheet).map(formatSheetProblem) });
      }
    }),
  );

  /** The form of one entry: new (no entry) or an existing one, with what was typed and the problems after a refusal. */
  const formPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: DirectoryEntryKind,
    id: number | undefined,
    extra: { form?: Record<string, unknown>; problems?: string[] } = {},
  ) => {
    const directory = await readDirectory(ctx.db);
    const list = kind === 'unit' ? directory.units : kind === 'person' ? directory.people : directory.posts;
    const entry = id === undefined ? undefined : list.find((e) => e.id === id);
    if (id !== undefined && !entry) throw new HttpProblem(404, 'NotFound', `没有编号为 ${id} 的${KIND_WORDS[kind]}`);
    // A unit's parent cannot be itself or a unit under it.
    const below = new Set<number>(id !== undefined && kind === 'unit' ? [id] : []);
    for (const u of directory.units) if (u.parentId !== null && below.has(u.parentId)) below.add(u.id);
    const segment = Object.keys(KINDS).find((k) => KINDS[k] === kind)!;
    const done = DONE[(request.query as Record<string, string | undefined>).done ?? ''];
    const problems = extra.problems ?? [];
    return page(
      app,
      request,
      reply,
      'directory-form',
      {
        title: entry ? `编辑${KIND_WORDS[kind]}` : `新增${KIND_WORDS[kind]}`,
        nav: 'directory',
        flash: problems.length ? { kind: 'error', text: `未保存：有 ${problems.length} 处问题` } : done ? { kind: 'ok', text: done } : undefined,
      },
      {
        kind,
        kindWord: KIND_WORDS[kind],
        action: entry ? `/directory/${segment}/${entry.id}` : `/directory/${segment}`,
        base: entry ? `/directory/${segment}/${entry.id}` : '',
        entry,
        form: extra.form ?? formOf(kind, entry),
        problems,
        parents: directory.units.filter((u) => !below.has(u.id)),
        units: directory.units,
        people: directory.people,
        kinds: DIRECTORY_UNIT_KINDS.map((k) => ({ value: k, name: DIRECTORY_UNIT_KIND_NAMES[k] })),
        roles: DIRECTORY_POSTS.map((p) => ({ value: p, name: DIRECTORY_POST_NAMES[p] })),
        today: await today(),
      },
    );
  };

  app.get('/directory/:kind/new', adminRead, async (request, reply) => formPage(request, reply, kindOf(request), undefined));
  app.get('/directory/:kind/:id', adminRead, async (request, reply) => formPage(request, reply, kindOf(request), idOf(request)));

  /** Saves a form (new entry, or the entry of the path): done → the entry's form; refused → the form again with every problem. */
  const save = async (request: FastifyRequest, reply: FastifyReply, kind: DirectoryEntryKind, id: number | undefined) => {
    const segment = (request.params as Params).kind;
    if (id !== undefined) await requireEntry(kind, id);
    const fieldProblems: DirectoryProblem[] = [];
    const changes = withTarget(changeFromForm(kind, request.body, fieldProblems), id === undefined ? { create: true } : { id });
    try {
      const summary = await applyDirectoryChanges(ctx.db, changes, fieldProblems);
      const saved = [...summary.ids.units, ...summary.ids.people, ...summary.ids.posts][0];
      return reply.redirect(`/directory/${segment}/${saved}?done=${id === undefined ? 'created' : 'updated'}`, 303);
    } catch (error) {
      if (!(error instanceof DirectoryRefused)) throw error;
      reply.code(422);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const form = Object.fromEntries(Object.keys(body).map((k) => [k, k === 'units' ? formValues(body, k) : formValue(body, k)]));
      return formPage(request, reply, kind, id, { form, problems: error.problems.map(formProblem) });
    }
  };

  const requireEntry = async (kind: DirectoryEntryKind, id: number) => {
    const directory = await readDirectory(ctx.db);
    const list = kind === 'unit' ? directory.units : kind === 'person' ? directory.people : directory.posts;
    if (!list.some((e) => e.id === id)) throw new HttpProblem(404, 'NotFound', `没有编号为 ${id} 的${KIND_WORDS[kind]}`);
  };

  app.post('/directory/:kind', admin, async (request, reply) => save(request, reply, kindOf(request), undefined));
  app.post('/directory/:kind/:id', admin, async (request, reply) => save(request, reply, kindOf(request), idOf(request)));

  /** 停用 (on a date, today unless given) and 恢复: the entry is kept either way. */
  const setRetired = async (request: FastifyRequest, reply: FastifyReply, retire: boolean) => {
    const kind = kindOf(request);
    const id = idOf(request);
    await requireEntry(kind, id);
    const segment = (request.params as Params).kind;
    let retiredOn: string | null = null;
    if (retire) {
      const typed = formValue(request.body, 'retiredOn').trim();
      retiredOn = typed ? (civilDateOf(typed) ?? null) : await today();
      if (!retiredOn) {
        reply.code(422);
        return formPage(request, reply, kind, id, { problems: [`「停用日期」：日期无效：${typed}（应为 YYYY-MM-DD）`] });
      }
    }
    const target = { row: 0, id, set: { retiredOn } };
    try {
      await applyDirectoryChanges(ctx.db, kind === 'unit' ? { units: [target] } : kind === 'person' ? { people: [target] } : { posts: [target] });
    } catch (error) {
      // Restoring a unit whose short name another unit took meanwhile, say.
      if (!(error instanceof DirectoryRefused)) throw error;
      reply.code(422);
      return formPage(request, reply, kind, id, { problems: error.problems.map(formProblem) });
    }
    return reply.redirect(`/directory/${segment}/${id}?done=${retire ? 'retired' : 'restored'}`, 303);
  };
  app.post('/directory/:kind/:id/retire', admin, async (request, reply) => setRetired(request, reply, true));
  app.post('/directory/:kind/:id/restore', admin, async (request, reply) => setRetired(request, reply, false));
}

/** The form's fields of an entry as it is kept (what an edit form starts with). */
function formOf(kind: DirectoryEntryKind, entry: unknown): Record<string, unknown> {
  if (!entry) return {};
  if (kind === 'unit') {
    const u = entry as Awaited<ReturnType<typeof readDirectory>>['units'][number];
    const form: Record<string, unknown> = { name: u.name, shortNames: u.shortNames.join('、'), kind: u.kind, parent: u.parentId === null ? '' : String(u.parentId) };
    for (const which of ['principal', 'contact'] as const) for (const [k, v] of Object.entries(u[which])) form[`${which}.${k}`] = v;
    // Secrets written out are shown masked; saved unchanged, they are kept (services/directory.ts).
    for (const [k, v] of Object.entries(maskedDirectoryRobots(u.robots))) form[`robots.${k}`] = v;
    return form;
  }
  if (kind === 'person') {
    const p = entry as Awaited<ReturnType<typeof readDirectory>>['people'][number];
    return { name: p.name, post: p.post, unit: p.unitId === null ? '' : String(p.unitId), email: p.email, mobile: p.mobile };
  }
  const p = entry as Awaited<ReturnType<typeof readDirectory>>['posts'][number];
  return { role: p.role, person: String(p.personId), units: p.unitIds.map(String) };
}
