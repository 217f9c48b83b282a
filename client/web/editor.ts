// 草稿 and the campaign editor (administrators only): a definition written from nothing or taken
// from the review page after an import, edited as tables of fields or as its YAML, saved in the
// database, exported, previewed and started. The YAML text is the draft: every form post edits it
// in place (services/definition-editor.ts), so what the form does not show is kept as it was.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadDirectorySnapshot } from '../../db/directory.js';
import { findDraft, insertDraft, listDrafts, markDraftStarted, updateDraft, type DraftRow } from '../../db/drafts.js';
import { DefinitionError, formatProblem, readYaml, type DefinitionProblem } from '../../domain/definition-yaml.js';
import { civilDateIn } from '../../domain/start-dates.js';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { applyDefinitionEdits, maskDefinitionSecrets, parseFieldPath, shiftDates, unmaskDefinitionSecrets, type DefinitionEdit } from '../../services/definition-editor.js';
import { validateDefinitionYaml } from '../api/actions.js';
import { HttpProblem, problemFrom } from '../api/problems.js';
import { requireAdmin } from './auth.js';
import { attachment } from './download.js';
import { editorForm, editsFromForm, newRow, skeletonYaml, unitFromDirectory } from './editor-form.js';
import { formValue } from './pages.js';
import { previewDefinition, startDatesView, startDefinition } from './start-flow.js';
import { page } from './views.js';

type Flash = { kind: 'ok' | 'error' | 'info'; text: string };
type Params = Record<string, string>;

const DONE: Record<string, string> = {
  created: '草稿已创建',
  saved: '草稿已保存',
  added: '已添加一行，请填写',
  removed: '已删除该行',
  picked: '已从通讯录添加单位',
  shifted: '全部日期已整体平移',
};

function draftIdOf(request: FastifyRequest): number {
  const text = (request.params as Params).draftId;
  if (!/^\d{1,15}$/.test(text)) throw new HttpProblem(404, 'NotFound', '草稿不存在');
  return Number(text);
}

const fileNameOf = (draft: Pick<DraftRow, 'id' | 'yaml'>) => `草稿${draft.id}.yaml`;
const titleOf = (yaml: string) => {
  try {
    const title = (readYaml(yaml, '草稿.yaml').data as { title?: unknown } | null)?.title;
    return typeof title === 'string' ? title.trim() : '';
  } catch {
    return '';
  }
};

/** A form field's value(s) as posted, undefined when the form did not carry it. */
function posted(body: unknown, name: string): string | string[] | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

export function registerEditorRoutes(app: FastifyInstance): void {
  const ctx = app.console;
  const adminRead = { preHandler: requireAdmin };
  const admin = { preHandler: [requireAdmin, app.csrfProtection] };
  const by = (request: FastifyRequest) => request.user!.displayName || request.user!.name;

  const requireDraft = async (request: FastifyRequest) => {
    const draft = await findDraft(ctx.db, draftIdOf(request));
    if (!draft) throw new HttpProblem(404, 'NotFound', '草稿不存在');
    return draft;
  };

  app.get('/drafts', adminRead, async (request, reply) =>
    page(app, request, reply, 'drafts', { title: '草稿', nav: 'drafts' }, { drafts: await listDrafts(ctx.db) }),
  );

  /** A new draft: the YAML the review page posts (with the plan's file name), or the skeleton. */
  app.post('/drafts', admin, async (request, reply) => {
    const body = request.body;
    const today = civilDateIn(DEFAULT_TIME_ZONE, await ctx.now());
    const yaml = formValue(body, 'yaml').trim() ? formValue(body, 'yaml') : skeletonYaml(today);
    const id = await insertDraft(ctx.db, { title: titleOf(yaml), yaml, sourceFileName: formValue(body, 'source').trim(), by: by(request) });
    return reply.redirect(`/drafts/${id}?done=created`, 303);
  });

  /** The editor page: the form (or the YAML tab), the problems beside their fields, the start's date check. */
  const editorPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    draft: DraftRow,
    extra: { flash?: Flash; tab?: 'form' | 'yaml'; catchUp?: boolean; simulation?: unknown; simulationNotes?: string[]; yamlProblems?: DefinitionProblem[] } = {},
  ) => {
    const fileName = fileNameOf(draft);
    let data: unknown;
    let unreadable: DefinitionProblem[] = extra.yamlProblems ?? [];
    try {
      data = readYaml(draft.yaml, fileName).data;
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      unreadable = error.problems;
    }
    const check = unreadable.length ? undefined : validateDefinitionYaml(draft.yaml, fileName);
    const problems = check?.problems ?? [];
    const form = data !== undefined && !unreadable.length ? editorForm(data, problems) : undefined;
    const directory = form ? (await loadDirectorySnapshot(ctx.db)).units.filter((u) => u.retiredOn === null) : [];
    const inDefinition = new Set((((data ?? {}) as { units?: { directoryId?: unknown }[] }).units ?? []).map((u) => u?.directoryId));
    return page(app, request, reply, 'editor', { title: draft.title || `草稿 ${draft.id}`, nav: 'drafts', flash: extra.flash }, {
      // The robots' secrets written out are shown masked; saving the YAML puts them back.
      draft: { ...draft, yaml: maskDefinitionSecrets(draft.yaml) },
      fileName,
      tab: form ? (extra.tab ?? 'form') : 'yaml',
      form,
      problemCount: problems.length,
      unreadable: unreadable.map(formatProblem),
      directory: directory.filter((u) => !inDefinition.has(u.id)).map((u) => ({ id: u.id, name: u.name, email: u.contact.email })),
      dates: check?.valid ? await startDatesView(ctx, draft.yaml, fileName) : undefined,
      catchUp: extra.catchUp ?? false,
      // 整体平移 offers today, in the definition's zone: what a past plan is rehearsed from.
      today: civilDateIn(check?.valid ? check.definition.timeZone : DEFAULT_TIME_ZONE, await ctx.now()),
      simulation: extra.simulation,
      simulationNotes: extra.simulationNotes ?? [],
    });
  };

  app.get('/drafts/:draftId', adminRead, async (request, reply) => {
    const draft = await requireDraft(request);
    const q = request.query as Record<string, string | undefined>;
    const done = DONE[q.done ?? ''];
    return editorPage(request, reply, draft, { tab: q.tab === 'yaml' ? 'yaml' : 'form', flash: done ? { kind: 'ok', text: done } : undefined });
  });

  app.get('/drafts/:draftId/export.yaml', adminRead, async (request, reply) => {
    const draft = await requireDraft(request);
    return attachment(reply, `${titleOf(draft.yaml) || `草稿${draft.id}`}.yaml`, 'application/yaml; charset=utf-8', Buffer.from(draft.yaml, 'utf8'));
  });

  /**
   * Every button of the editor posts here with its `action`: the form's fields are applied first
   * (so nothing typed is lost), then the action: 保存, 校验, a row added or removed, a unit taken
   * from the 通讯录, the dates moved, the whole YAML replaced, 预览 or 启动.
   */
  app.post('/drafts/:draftId', admin, async (request, reply) => {
    const draft = await requireDraft(request);
    const body = request.body;
    const action = formValue(body, 'action');
    const fileName = fileNameOf(draft);
    const save = async (yaml: string) => {
      await updateDraft(ctx.db, draft.id, { title: titleOf(yaml), yaml, by: by(request) });
      draft.yaml = yaml;
      draft.title = titleOf(yaml);
    };

    if (action === 'yaml') {
      const yaml = unmaskDefinitionSecrets(formValue(body, 'yaml').replace(/\r\n/g, '\n'), draft.yaml);
      if (!yaml.trim()) {
        reply.code(422);
        return editorPage(request, reply, draft, { tab: 'yaml', flash: { kind: 'error', text: '定义不能为空；要删除整个草稿以外的内容，请在表格中逐项修改' } });
      }
      await save(yaml);
      return reply.redirect(`/drafts/${draft.id}?tab=yaml&done=saved`, 303);
    }

    let edited: string;
    try {
      const { data } = readYaml(draft.yaml, fileName);
      const edits: DefinitionEdit[] = editsFromForm(editorForm(data, []), (name) => posted(body, `f:${name}`));
      let done = 'saved';
      if (action.startsWith('add:')) {
        const list = action.slice('add:'.length);
        const row = newRow(list, data);
        if (row === undefined) throw new HttpProblem(422, 'BadRequest', `不能在「${list}」添加行`);
        edits.push({ add: parseFieldPath(list), value: row });
        done = 'added';
      } else if (action.startsWith('remove:')) {
        edits.push({ remove: parseFieldPath(action.slice('remove:'.length)) });
        done = 'removed';
      } else if (action === 'pick') {
        const id = Number(formValue(body, 'directoryUnit'));
        const entry = (await loadDirectorySnapshot(ctx.db)).units.find((u) => u.id === id && u.retiredOn === null);
        if (!entry) throw new HttpProblem(422, 'EmptyInput', '请选择通讯录中的单位');
        edits.push({ add: ['units'], value: unitFromDirectory(entry, data) });
        done = 'picked';
      }
      edited = applyDefinitionEdits(draft.yaml, edits, fileName);
      if (action === 'shift') {
        const to = formValue(body, 'shiftTo').trim();
        if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) throw new HttpProblem(422, 'EmptyInput', '请填写新的开始日期（YYYY-MM-DD）');
        edited = shiftDates(edited, to, fileName);
        done = 'shifted';
      }
      await save(edited);
      if (action !== 'validate' && action !== 'preview' && action !== 'start') {
        // Back to the section the row was in.
        const list = action.startsWith('add:') || action.startsWith('remove:') ? action.slice(action.indexOf(':') + 1) : '';
        const anchor = list ? `#${list.startsWith('escalation') ? 'ladder' : list.split(/[.[]/)[0]}` : '';
        return reply.redirect(`/drafts/${draft.id}?done=${done}${anchor}`, 303);
      }
    } catch (error) {
      const problem = problemFrom(error);
      if (error instanceof DefinitionError) {
        reply.code(422);
        return editorPage(request, reply, draft, { flash: { kind: 'error', text: `未保存：${error.problems.map(formatProblem).join('；')}` } });
      }
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      return editorPage(request, reply, draft, { flash: { kind: 'error', text: `未保存：${problem.message}` } });
    }

    const check = validateDefinitionYaml(edited, fileName);
    if (!check.valid) {
      reply.code(422);
      const verb = action === 'preview' ? '预览' : action === 'start' ? '启动' : '';
      return editorPage(request, reply, draft, { flash: { kind: 'error', text: `已保存。定义有 ${check.problems.length} 处错误${verb ? `，请修改后再${verb}` : ''}：见各项旁的说明` } });
    }
    if (action === 'validate') {
      const def = check.definition;
      return editorPage(request, reply, draft, { flash: { kind: 'ok', text: `已保存，校验通过：「${def.title}」，${def.tasks.length} 项任务，${def.units.length} 个单位` } });
    }
    const catchUp = formValue(body, 'catchUp') === 'yes';
    try {
      if (action === 'preview') {
        const { simulation, simulationNotes } = await previewDefinition(ctx, check.definition, catchUp);
        const text = `预览完成：${simulation.period.months} 个月内共 ${simulation.counts.total} 份通知（未发送任何邮件）`;
        return editorPage(request, reply, draft, { flash: { kind: 'ok', text }, catchUp, simulation, simulationNotes });
      }
      const campaignId = await startDefinition(ctx, edited, fileName, check.definition, catchUp);
      await markDraftStarted(ctx.db, draft.id, campaignId);
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}?started=1`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem) throw error;
      reply.code(problem.statusCode);
      return editorPage(request, reply, draft, { flash: { kind: 'error', text: problem.message }, catchUp });
    }
  });
}
