// What the console and the HTTP API do to workflows (a refusal becomes an answer in problems.ts).
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Db } from '../../db/pool.js';
import { DefinitionError, parseDefinition, type DefinitionProblem } from '../../domain/definition-yaml.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import { assessmentWorkflowId } from '../../domain/ids.js';
import { catchUpCount, checkStartDates, civilDateIn, describePastStart, pastStartRefusal, startingToday } from '../../domain/start-dates.js';
import { COMPLAINT_SOURCES, type ComplaintSource } from '../../domain/notices.js';
import { EVIDENCE_FORMS, MAX_EVIDENCE_FILE_BYTES, MAX_EVIDENCE_FILES, type EvidenceForm, type TaskState } from '../../domain/task-state.js';
import {
  acknowledgeUpdate,
  addComplaintUpdate,
  addTaskUpdate,
  decideExtensionUpdate,
  delegateUpdate,
  endCampaignUpdate,
  enterScoresUpdate,
  reassignUpdate,
  recordRefusalUpdate,
  reportDelegationUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
  type AssessmentScoreInput,
  type CampaignState,
  type ComplaintTaskInput,
  type DelegateInput,
  type DelegationReportInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type NewTaskInput,
  type ReassignInput,
  type RefusalInput,
  type TaskUpdateResult,
  type VerifyInput,
  type WithdrawInput,
} from '../../workflows/messages.js';
import { MAX_NAME_CHARS, MAX_TEXT_CHARS, tooLong } from '../../domain/limits.js';
import { campaignHandle, runUpdate, startCampaign, taskHandle, UpdateStillRunning } from '../campaigns.js';
import { submitEvidence as submitEvidenceToWorkflow, submitMaterials as recordMaterials } from '../evidence.js';
import { guarded, HttpProblem, problemFrom } from './problems.js';
import { campaignEnding, findCampaign, type CampaignEnding } from './read-model.js';

/**
 * parseDefinition, with the YAML library's own refusals turned into a problem report too: an alias
 * bomb (a few lines of &anchors and *references that expand to billions of nodes) makes it throw a
 * ReferenceError, and input that is not a definition must never become a 500.
 */
export function readDefinition(yaml: string, fileName: string) {
  try {
    // The robots' secret references must be set here too: checked before the campaign starts.
    return parseDefinition(yaml, fileName, { env: process.env });
  } catch (error) {
    if (error instanceof DefinitionError) throw error;
    const message =
      error instanceof Error && /alias/i.test(error.message)
        ? 'YAML 别名（&锚点 / *引用）展开后过大，疑似恶意构造的文件，已拒绝；请直接写出内容，不要层层引用'
        : `无法读取定义：${error instanceof Error ? error.message : String(error)}`;
    throw new DefinitionError([{ file: fileName, line: 1, message }]);
  }
}

export interface StartOptions {
  /** Issue at once the notices whose dates have passed, and start lapsed tasks as overdue. */
  catchUp?: boolean;
  /** Today in the definition's zone; the clock's date when absent. */
  today?: string;
}

/**
 * What starts: checked against today before anything starts (domain/start-dates.ts). An ended
 * period is refused (422 PeriodEnded); a period begun before today starts as of today (cadences
 * from today on), or as written with `catchUp`; tasks already past their deadline are refused
 * without `catchUp` (422 DeadlinesLapsed).
 */
export function prepareStart(definition: CampaignDefinition, options: StartOptions = {}) {
  const today = options.today ?? civilDateIn(definition.timeZone);
  const check = checkStartDates(definition, today);
  if (check.status === 'ended') throw new HttpProblem(422, 'PeriodEnded', check.message);
  if (check.status === 'current') return { definition, check, notes: [] as string[] };
  if (options.catchUp) {
    return { definition, check, notes: [...describePastStart(check), '已选择补发：上列通知启动后立即发出。'] };
  }
  const refusal = pastStartRefusal(check);
  if (refusal) throw new HttpProblem(422, 'DeadlinesLapsed', refusal);
  return {
    definition: startingToday(definition, today),
    check,
    notes: [
      ...describePastStart(check),
      check.catchUp.length
        ? `未选择补发：活动自今天（${today}）起施行，上列 ${catchUpCount(check.catchUp)} 份通知不发，例行工作从下一个日期起；如需补发，加 --catch-up。`
        : `活动自今天（${today}）起施行。`,
    ],
  };
}

export async function startCampaignFromYaml(temporal: Client, yaml: string, fileName = '粘贴的定义.yaml', options: StartOptions = {}) {
  return guarded(async () => {
    const prepared = prepareStart(readDefinition(yaml, fileName), options);
    const { definition } = prepared;
    const handle = await startCampaign(temporal, definition);
    return {
      id: definition.id,
      title: definition.title,
      workflowId: handle.workflowId,
      taskCount: definition.tasks.length,
      unitCount: definition.units.length,
      start: definition.start,
      notes: prepared.notes,
    };
  });
}

/** Validates a definition without starting it. */
export function validateDefinitionYaml(yaml: string, fileName = '粘贴的定义.yaml') {
  try {
    const definition = readDefinition(yaml, fileName);
    return { valid: true as const, problems: [] as DefinitionProblem[], definition };
  } catch (error) {
    if (error instanceof DefinitionError) return { valid: false as const, problems: error.problems };
    throw error;
  }
}

/** The task's state as its workflow holds it, or undefined when the workflow cannot answer in time. */
export async function liveTaskState(
  temporal: Client,
  campaignId: string,
  taskId: string,
  timeoutMs = 3000,
): Promise<TaskState | undefined> {
  try {
    return await temporal.withDeadline(Date.now() + timeoutMs, () => taskHandle(temporal, campaignId, taskId).query(taskStateQuery));
  } catch {
    return undefined;
  }
}

/**
 * Runs an update; a workflow that has finished answers `finished` (a state refusal, 409) and one
 * that never existed `missing` (404), since the update alone cannot tell them apart.
 */
async function updateOn<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  input: Arg,
  finished: HttpProblem,
  missing?: HttpProblem,
  options: { waitMs?: number } = {},
): Promise<Ret> {
  try {
    return await runUpdate(handle, update, input, options);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      const closed = await handle
        .describe()
        .then((d) => d.status.name !== 'RUNNING')
        .catch(() => false);
      if (closed) throw finished;
      if (missing) throw missing;
    }
    throw problemFrom(error) ?? error;
  }
}

/** Runs an update on a task; a task whose workflow has finished (销号 or 撤销) answers 409, not 404. */
function taskUpdate<Ret, Arg>(
  temporal: Client,
  campaignId: string,
  taskId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  input: Arg,
): Promise<Ret> {
  return updateOn(
    taskHandle(temporal, campaignId, taskId),
    update,
    input,
    new HttpProblem(409, 'InvalidState', '任务已办结（销号或撤销），不能再办理'),
  );
}

export function acknowledge(temporal: Client, campaignId: string, taskId: string, input: { unitId: string; by?: string }) {
  return taskUpdate(temporal, campaignId, taskId, acknowledgeUpdate, input);
}

export function reportProgress(
  temporal: Client,
  campaignId: string,
  taskId: string,
  input: { unitId: string; text: string; by?: string },
) {
  return taskUpdate(temporal, campaignId, taskId, reportProgressUpdate, input);
}

export function verify(temporal: Client, campaignId: string, taskId: string, input: VerifyInput) {
  return taskUpdate(temporal, campaignId, taskId, verifyUpdate, input);
}

export function requestExtension(temporal: Client, campaignId: string, taskId: string, input: ExtensionRequestInput) {
  return taskUpdate(temporal, campaignId, taskId, requestExtensionUpdate, input);
}

export function decideExtension(temporal: Client, campaignId: string, taskId: string, input: ExtensionDecisionInput) {
  return taskUpdate(temporal, campaignId, taskId, decideExtensionUpdate, input);
}

export function reassign(temporal: Client, campaignId: string, taskId: string, input: ReassignInput) {
  return taskUpdate(temporal, campaignId, taskId, reassignUpdate, input);
}

export function withdraw(temporal: Client, campaignId: string, taskId: string, input: WithdrawInput) {
  return taskUpdate(temporal, campaignId, taskId, withdrawUpdate, input);
}

export function recordRefusal(temporal: Client, campaignId: string, taskId: string, input: RefusalInput) {
  return taskUpdate(temporal, campaignId, taskId, recordRefusalUpdate, input);
}

/** 转办: the lead unit hands part of its task to a sub-unit. */
export function delegate(temporal: Client, campaignId: string, taskId: string, input: DelegateInput) {
  return taskUpdate(temporal, campaignId, taskId, delegateUpdate, input);
}

/** The sub-unit reports on what it was handed (progress, or done). */
export function reportDelegation(temporal: Client, campaignId: string, taskId: string, input: DelegationReportInput) {
  return taskUpdate(temporal, campaignId, taskId, reportDelegationUpdate, input);
}

// ---------------------------------------------------------------------------------------------
// The campaign: tasks and complaints added while it runs; assessment scores

const campaignEnded = () => new HttpProblem(409, 'CampaignEnded', '创建活动已结束，不能再添加任务或登记投诉');
const campaignMissing = (campaignId: string) => new HttpProblem(404, 'NotFound', `未找到创建活动的工作流：${campaignId}`);

/** An id for a task added from the console, where nobody types one: the prefix and six hex digits. */
export function newTaskId(prefix: 'task' | 'complaint'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** 运行中新增整治任务: answers once the task's workflow has started (its assignment follows on its start day). */
export function addTask(temporal: Client, campaignId: string, task: NewTaskInput) {
  return updateOn(campaignHandle(temporal, campaignId), addTaskUpdate, task, campaignEnded(), campaignMissing(campaignId));
}

/** 登记群众来信来访、媒体曝光: an urgent task that starts at the ladder's complaint rung (督办函). */
export function addComplaint(temporal: Client, campaignId: string, complaint: ComplaintTaskInput) {
  return updateOn(campaignHandle(temporal, campaignId), addComplaintUpdate, complaint, campaignEnded(), campaignMissing(campaignId));
}

/** A complaint as a person enters it (console form, API, command line): text as typed, the source unchecked. */
export interface ComplaintEntry {
  /** Generated when absent. */
  id?: string;
  title: string;
  /** 来信或报道的内容摘要 */
  description?: string;
  leadUnit: string;
  cooperatingUnits?: string[];
  source?: string;
  /** 来信编号或报道出处 */
  reference?: string;
}

/** 登记投诉 from what a person entered: the source checked, text trimmed, the lead unit not also a cooperating one. */
export function registerComplaint(temporal: Client, campaignId: string, entry: ComplaintEntry) {
  const source = entry.source?.trim() ?? '';
  if (!source) throw new HttpProblem(422, 'EmptyInput', '请选择投诉来源（群众来信来访或媒体曝光）');
  if (!Object.hasOwn(COMPLAINT_SOURCES, source)) {
    const known = Object.entries(COMPLAINT_SOURCES).map(([k, v]) => `${k}（${v}）`).join('、');
    throw new HttpProblem(422, 'InvalidInput', `投诉来源应为 ${known} 之一：${source}`);
  }
  const leadUnit = entry.leadUnit.trim();
  const summary = entry.description?.trim();
  const reference = entry.reference?.trim();
  return addComplaint(temporal, campaignId, {
    id: entry.id?.trim() || newTaskId('complaint'),
    title: entry.title.trim(),
    leadUnit,
    cooperatingUnits: (entry.cooperatingUnits ?? []).map((u) => u.trim()).filter((u) => u && u !== leadUnit),
    source: source as ComplaintSource,
    ...(summary ? { summary } : {}),
    ...(reference ? { reference } : {}),
  });
}

/** How long a person waits for a campaign to end before being told it is under way. */
export const END_WAIT_MS = 30_000;

export type CampaignEnd = CampaignEnding & {
  campaignId: string;
  title: string;
  /** ended: closed out and summed up; ending: accepted, the campaign finishes what it is in the middle of first. */
  status: 'ended' | 'ending';
  reason: string;
  endedAt?: string;
};

/**
 * 结束创建活动: tasks still open are closed out (撤销) and the closing summary (总结) goes to every
 * unit and leader. A campaign that has ended, or is ending, answers 409. The campaign first lets a
 * running assessment round finish (its scoring window may last days): past `waitMs` the answer is
 * `ending`, and the rest follows by itself.
 */
export async function endCampaign(
  db: Db,
  temporal: Client,
  campaignId: string,
  input: { reason?: string; by?: string },
  options: { waitMs?: number } = {},
): Promise<CampaignEnd> {
  const reason = input.reason?.trim() ?? '';
  if (!reason) throw new HttpProblem(422, 'EmptyInput', '请写明结束原因');
  let state: CampaignState;
  try {
    state = await updateOn(
      campaignHandle(temporal, campaignId),
      endCampaignUpdate,
      { reason, ...(input.by ? { by: input.by } : {}) },
      new HttpProblem(409, 'CampaignEnded', '创建活动已结束'),
      campaignMissing(campaignId),
      { waitMs: options.waitMs ?? END_WAIT_MS },
    );
  } catch (error) {
    if (error instanceof UpdateStillRunning) {
      const title = (await findCampaign(db, campaignId))?.title ?? '';
      return { campaignId, title, status: 'ending', reason, closedOutTasks: [] };
    }
    if (error instanceof HttpProblem && error.statusCode === 409) throw await alreadyEnded(db, campaignId);
    throw error;
  }
  const ending = await campaignEnding(db, campaignId);
  return {
    campaignId,
    title: state.title,
    status: 'ended',
    reason: state.ended?.reason ?? reason,
    ...(state.ended ? { endedAt: state.ended.at } : {}),
    ...ending,
  };
}

/** The refusal of a second end, saying where the first one stands. */
async function alreadyEnded(db: Db, campaignId: string): Promise<HttpProblem> {
  const { closingSummary } = await campaignEnding(db, campaignId);
  return closingSummary
    ? new HttpProblem(409, 'CampaignEnded', `创建活动已结束（已印发总结 ${closingSummary.documentNumber}），不能再次结束`)
    : new HttpProblem(409, 'CampaignEnded', '创建活动已在结束中，不能重复提交');
}

/** What an end did, in a sentence or two for the person who asked for it. */
export function describeEnd(end: CampaignEnd): string[] {
  if (end.status === 'ending') {
    return [
      `已受理结束创建活动 ${end.campaignId}（${end.reason}）。`,
      '活动正在收尾：进行中的测评轮次须待评分窗口关闭；随后撤销未完成的任务，向各责任单位和领导印发总结。',
    ];
  }
  const tasks = end.closedOutTasks;
  return [
    `已结束创建活动「${end.title}」（${end.campaignId}）${end.reason ? `，原因：${end.reason}` : ''}。`,
    tasks.length
      ? `未完成的 ${tasks.length} 项任务已撤销，不再督办：${tasks.map((t) => `${t.title}（${t.id}）`).join('、')}。`
      : '没有未完成的任务需要撤销。',
    end.closingSummary
      ? `已印发总结（${end.closingSummary.documentNumber}）：${end.closingSummary.title}，发往各责任单位和领导。`
      : '总结尚未印发。',
  ];
}

/** 录入测评分数 into a round whose scoring window is open; the round's workflow checks units, items and 0–100. */
export function enterScores(temporal: Client, campaignId: string, round: number, input: AssessmentScoreInput) {
  return updateOn(
    temporal.workflow.getHandle(assessmentWorkflowId(campaignId, round)),
    enterScoresUpdate,
    input,
    new HttpProblem(409, 'AlreadyPublished', `第${round}轮测评结果已公布，不能再录入分数`),
    new HttpProblem(404, 'NotFound', `第${round}轮测评尚未开始或不存在`),
  );
}

// ---------------------------------------------------------------------------------------------
// Evidence (佐证材料)

export interface UploadedFile {
  fileName: string;
  data: Buffer;
}

export { MAX_EVIDENCE_FILE_BYTES };
/** Files in one submission through the portal (the workflow takes more; a phone form needs fewer). */

/** What each form accepts: extension → content type. Nothing that a browser would run (no HTML, no SVG). */
const TYPES = {
  pdf: 'application/pdf',
  ofd: 'application/ofd',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  wps: 'application/vnd.ms-works',
  txt: 'text/plain; charset=utf-8',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  et: 'application/vnd.ms-excel',
  csv: 'text/csv; charset=utf-8',
} as const;
type Extension = keyof typeof TYPES;

export const EVIDENCE_EXTENSIONS: Record<EvidenceForm, Extension[]> = {
  document: ['pdf', 'ofd', 'doc', 'docx', 'wps', 'jpg', 'jpeg', 'png'],
  photo: ['jpg', 'jpeg', 'png', 'webp', 'gif'],
  report: ['pdf', 'ofd', 'doc', 'docx', 'wps', 'txt'],
  dataTable: ['xlsx', 'xls', 'et', 'csv'],
};

/** Images a browser may show inline. */
export const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** Magic numbers of the binary formats, so a renamed file is refused. */
function looksLike(ext: Extension, data: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b);
  switch (ext) {
    case 'pdf':
      return starts(0x25, 0x50, 0x44, 0x46); // %PDF
    case 'jpg':
    case 'jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'png':
      return starts(0x89, 0x50, 0x4e, 0x47);
    case 'gif':
      return starts(0x47, 0x49, 0x46, 0x38);
    case 'webp':
      return starts(0x52, 0x49, 0x46, 0x46) && data.subarray(8, 12).toString('latin1') === 'WEBP';
    case 'docx':
    case 'xlsx':
    case 'ofd':
      return starts(0x50, 0x4b, 0x03, 0x04); // zip
    case 'doc':
    case 'xls':
    case 'wps':
    case 'et':
      return starts(0xd0, 0xcf, 0x11, 0xe0); // OLE compound file
    case 'txt':
    case 'csv':
      return !data.subarray(0, 4096).includes(0);
  }
}

export function evidenceFormName(form: string): string {
  return (EVIDENCE_FORMS as Record<string, string>)[form] ?? form;
}

/** Checks one uploaded file against its form; returns the content type, or throws HttpProblem (422). */
export function checkEvidenceFile(form: EvidenceForm, file: UploadedFile): string {
  const name = file.fileName;
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  const allowed = EVIDENCE_EXTENSIONS[form];
  if (!(allowed as string[]).includes(ext)) {
    throw new HttpProblem(
      422,
      'FileType',
      `“${name}”的类型不符合${evidenceFormName(form)}的要求（可上传：${allowed.join('、')}）`,
    );
  }
  if (file.data.length === 0) throw new HttpProblem(422, 'EmptyFile', `“${name}”是空文件`);
  if (file.data.length > MAX_EVIDENCE_FILE_BYTES) {
    throw new HttpProblem(413, 'FileTooLarge', `“${name}”超过单个文件 ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MB 的上限`);
  }
  if (!looksLike(ext as Extension, file.data)) {
    throw new HttpProblem(422, 'FileContent', `“${name}”的内容与扩展名 .${ext} 不符`);
  }
  return TYPES[ext as Extension];
}

/** A file name safe to store and to send back in a header. */
export function cleanFileName(name: string): string {
  const base = [...name.replace(/^.*[\\/]/, '')]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && !'"<>|:*?'.includes(c))
    .join('')
    .trim();
  return (base || '附件').slice(0, 120);
}

/**
 * A unit submits evidence: each file is checked against its form (extension and content), then
 * stored and named in the task's submitEvidence update; a refused update removes the files again.
 */
export async function submitEvidence(
  db: Db,
  temporal: Client,
  campaignId: string,
  taskId: string,
  input: { unitId: string; form: EvidenceForm; text: string; interim?: boolean; by?: string; files: UploadedFile[] },
): Promise<TaskUpdateResult> {
  if (!(input.form in EVIDENCE_FORMS)) throw new HttpProblem(422, 'EvidenceForm', '请选择材料形式');
  // The workflow refuses these too; checked here first so that nothing is uploaded for a refusal.
  const long = tooLong(input.text.trim(), MAX_TEXT_CHARS, '佐证材料说明') ?? tooLong(input.by, MAX_NAME_CHARS, '经办人姓名');
  if (long) throw new HttpProblem(422, 'TooLong', long);
  if (input.files.length > MAX_EVIDENCE_FILES) throw new HttpProblem(422, 'TooManyFiles', `一次最多上传 ${MAX_EVIDENCE_FILES} 个文件`);
  const files = input.files.map((f) => {
    const fileName = cleanFileName(f.fileName);
    return { name: fileName, content: f.data, contentType: checkEvidenceFile(input.form, { fileName, data: f.data }) };
  });
  return guarded(() =>
    submitEvidenceToWorkflow(db, temporal, {
      campaignId,
      taskId,
      unitId: input.unitId,
      form: input.form,
      text: input.text.trim() || undefined,
      interim: input.interim,
      by: input.by,
      files,
    }),
  );
}

/** The longest 说明 a unit may write with its materials (the portal's form says the same). */
export const MAX_MATERIALS_TEXT = 10_000;

/**
 * 每月定时报送 without a task: a unit sends one form of its monthly materials (files, a 说明, or
 * both). Each file is checked against the form as task evidence is, then the submission is written
 * to the record directly (the campaign reads it when it checks the month). `forms` are the forms
 * the campaign asks for; `now` is when it counts as sent. Returns the submission's id.
 */
export async function submitMaterials(
  db: Db,
  input: {
    campaignId: string;
    unitId: string;
    forms: EvidenceForm[];
    form: string;
    text: string;
    by?: string;
    files: UploadedFile[];
    now: Date;
  },
): Promise<number> {
  const form = input.form as EvidenceForm;
  if (!(form in EVIDENCE_FORMS)) throw new HttpProblem(422, 'EvidenceForm', '请选择材料形式');
  if (!input.forms.includes(form)) {
    throw new HttpProblem(422, 'EvidenceForm', `本活动每月报送的材料为：${input.forms.map(evidenceFormName).join('、')}，不含${evidenceFormName(form)}`);
  }
  if (input.files.length > MAX_EVIDENCE_FILES) throw new HttpProblem(422, 'TooManyFiles', `一次最多上传 ${MAX_EVIDENCE_FILES} 个文件`);
  const text = input.text.trim();
  if (text.length > MAX_MATERIALS_TEXT) throw new HttpProblem(422, 'TextTooLong', `说明不能超过 ${MAX_MATERIALS_TEXT} 个字`);
  const by = input.by?.trim().slice(0, 100) || undefined;
  if (input.files.length === 0 && !text) throw new HttpProblem(422, 'EmptyInput', `${evidenceFormName(form)}不能为空：请上传文件或填写说明`);
  const files = input.files.map((f) => {
    const fileName = cleanFileName(f.fileName);
    return { name: fileName, content: f.data, contentType: checkEvidenceFile(form, { fileName, data: f.data }) };
  });
  return guarded(() =>
    recordMaterials(db, {
      campaignId: input.campaignId,
      unitId: input.unitId,
      form,
      text: text || undefined,
      by,
      files,
      submittedAt: input.now,
    }),
  );
}
