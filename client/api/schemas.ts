// JSON Schemas of the API: they validate requests, shape responses, and make the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASONS, MAX_TEXT_CHARS } from '../../domain/limits.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const date = { type: 'string', format: 'date' } as const;
const strings = { type: 'array', items: str } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
/** The free texts, names and ids of task actions: the limits the task workflow enforces (domain/limits.ts). */
export const textField = { type: 'string', maxLength: MAX_TEXT_CHARS } as const;
export const nameField = { type: 'string', maxLength: MAX_NAME_CHARS } as const;
export const idField = { type: 'string', maxLength: MAX_ID_CHARS } as const;
export const reasonsField = { type: 'array', items: textField, maxItems: MAX_REASONS } as const;

function object(properties: Record<string, unknown>, required: string[] = Object.keys(properties), extra: Record<string, unknown> = {}) {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}
const ref = (id: string) => ({ $ref: `${id}#` });
const arrayOf = (id: string) => ({ type: 'array', items: ref(id) });
const evidenceForm = { type: 'string', enum: ['document', 'photo', 'report', 'dataTable'] } as const;
const evidenceFile = object({ id: str, fileName: str, contentType: str, sizeBytes: int, sha256: str });

const TASK_PROPERTIES = {
  campaignId: str,
  id: str,
  title: str,
  leadUnit: str,
  leadUnitName: str,
  cooperatingUnits: strings,
  start: date,
  deadline: date,
  status: str,
  statusName: str,
  rung: int,
  rungName: str,
  overdue: bool,
  deadlineAt: dateTime,
  lastProgressAt: dateTime,
  nextEscalationAt: dateTime,
  updatedAt: dateTime,
};
const TASK_REQUIRED = ['campaignId', 'id', 'title', 'leadUnit', 'leadUnitName', 'cooperatingUnits', 'start', 'deadline', 'status', 'statusName', 'rung', 'rungName', 'overdue', 'updatedAt'];

export const SCHEMAS = [
  {
    $id: 'DefinitionProblem',
    ...object({ file: str, line: int, column: int, field: str, message: str }, ['file', 'message']),
  },
  {
    $id: 'Problem',
    description: '失败时的回答：error 为机器可读的代码，message 为中文原因',
    ...object({ error: str, message: str, problems: arrayOf('DefinitionProblem') }, ['error', 'message']),
  },
  { $id: 'User', ...object({ name: str, displayName: str, role: { type: 'string', enum: ['admin', 'leader'] } }) },
  { $id: 'SessionInfo', ...object({ user: ref('User'), csrfToken: str }) },
  { $id: 'Health', ...object({ status: { type: 'string', enum: ['ok', 'degraded'] }, database: bool, temporal: bool }) },
  {
    $id: 'CampaignSummary',
    ...object({
      id: str,
      title: str,
      timeZone: str,
      start: date,
      end: date,
      status: str,
      createdAt: dateTime,
      taskCount: int,
      closedCount: int,
      overdueCount: int,
    }),
  },
  { $id: 'CampaignList', ...object({ campaigns: arrayOf('CampaignSummary') }) },
  {
    $id: 'Phase',
    ...object({ name: str, start: date, end: date, state: { type: 'string', enum: ['past', 'current', 'future'] } }),
  },
  {
    $id: 'Cadence',
    ...object(
      { key: str, name: str, rule: str, next: { type: 'array', items: date }, source: { type: 'string', enum: ['plan', 'proposed', 'set', 'tasks'] }, line: int },
      ['key', 'name', 'rule', 'next', 'source'],
    ),
  },
  {
    $id: 'Rule',
    ...object({ group: { type: 'string', enum: ['ladder', 'assessment', 'manual'] }, name: str, rule: str, automated: { type: 'boolean' }, line: int }, ['group', 'name', 'rule', 'automated']),
  },
  {
    $id: 'Unit',
    ...object({ id: str, name: str, kind: str, contactName: str, contactEmail: str, principalName: str }),
  },
  {
    $id: 'TaskSummary',
    ...object(TASK_PROPERTIES, TASK_REQUIRED),
  },
  {
    $id: 'Task',
    ...object({ ...TASK_PROPERTIES, description: str }, [...TASK_REQUIRED, 'description']),
  },
  {
    $id: 'UnitMark',
    ...object({
      campaignId: str,
      unitId: str,
      unitName: str,
      mark: { type: 'string', enum: ['red', 'yellow', 'green'] },
      openTasks: int,
      overdueTasks: int,
      dueSoonTasks: int,
      closedTasks: int,
      unacknowledged: int,
      maxRung: int,
    }),
  },
  {
    $id: 'Dashboard',
    ...object({
      today: date,
      totals: object({ tasks: int, open: int, closed: int, overdue: int }),
      byStatus: { type: 'array', items: object({ status: str, name: str, count: int }) },
      byRung: { type: 'array', items: object({ rung: int, name: str, count: int }) },
      overdue: arrayOf('TaskSummary'),
      upcoming: arrayOf('TaskSummary'),
      units: arrayOf('UnitMark'),
    }),
  },
  {
    $id: 'Campaign',
    ...object(
      {
        campaign: ref('CampaignSummary'),
        phases: arrayOf('Phase'),
        cadences: arrayOf('Cadence'),
        rules: arrayOf('Rule'),
        units: arrayOf('Unit'),
        dashboard: ref('Dashboard'),
        workflowStatus: str,
        materials: ref('CampaignMaterials'),
      },
      ['campaign', 'phases', 'cadences', 'rules', 'units', 'dashboard'],
    ),
  },
  { $id: 'TaskList', ...object({ total: int, limit: int, offset: int, tasks: arrayOf('TaskSummary') }) },
  {
    $id: 'TimelineItem',
    ...object(
      {
        at: dateTime,
        kind: str,
        label: str,
        actor: str,
        text: str,
        documentNumber: str,
        noticeId: int,
        planned: bool,
        detail: anyObject,
      },
      ['at', 'kind', 'label', 'detail'],
    ),
  },
  {
    $id: 'EvidenceSubmission',
    description: '一次报送的佐证材料：形式、说明与文件',
    ...object({
      id: int,
      unitId: str,
      form: { type: 'string', enum: ['document', 'photo', 'report', 'dataTable'] },
      formName: str,
      text: str,
      interim: bool,
      by: str,
      submittedAt: dateTime,
      files: {
        type: 'array',
        items: object({ id: str, fileName: str, contentType: str, sizeBytes: int, sha256: str }),
      },
    }),
  },
  {
    $id: 'Extension',
    ...object(
      {
        seq: int,
        requestedAt: dateTime,
        requestedDeadline: date,
        reason: str,
        status: { type: 'string', enum: ['pending', 'approved', 'refused'] },
        decidedAt: dateTime,
        comment: str,
        newDeadline: date,
      },
      ['seq', 'requestedAt', 'requestedDeadline', 'reason', 'status'],
    ),
  },
  {
    $id: 'TaskState',
    description: '任务工作流当前持有的状态',
    ...object(
      {
        campaignId: str,
        taskId: str,
        status: str,
        statusName: str,
        rung: int,
        rungName: str,
        deadlineAt: dateTime,
        leadUnit: str,
        deadline: date,
        nextEscalationAt: dateTime,
        nextRungName: str,
        acknowledgeBy: dateTime,
        nextCheckAt: dateTime,
        acknowledgedAt: dateTime,
        lastProgressAt: dateTime,
        closedAt: dateTime,
        withdrawnAt: dateTime,
        evidence: { type: 'array', items: { type: 'object', additionalProperties: true } },
        extensions: { type: 'array', items: { type: 'object', additionalProperties: true } },
        timeline: { type: 'array', items: { type: 'object', additionalProperties: true } },
        events: {
          type: 'array',
          items: { type: 'object', additionalProperties: true },
          description: '操作的回答：本次操作新增的记录（回答不含材料、通知和全部经过）',
        },
      },
      ['campaignId', 'taskId', 'status', 'statusName', 'rung', 'rungName'],
      { additionalProperties: true },
    ),
  },
  {
    $id: 'Clock',
    description: '距下一个时限的时间',
    ...object(
      {
        kind: { type: 'string', enum: ['deadline', 'check', 'none'] },
        label: str,
        at: dateTime,
        remainingMs: int,
        overdue: bool,
        workingDaysLeft: int,
        text: str,
      },
      ['kind', 'label', 'overdue', 'text'],
    ),
  },
  {
    $id: 'TaskDetail',
    ...object(
      {
        task: ref('Task'),
        live: ref('TaskState'),
        clock: ref('Clock'),
        timeline: arrayOf('TimelineItem'),
        evidence: arrayOf('EvidenceSubmission'),
      },
      ['task', 'clock', 'timeline', 'evidence'],
    ),
  },
  { $id: 'ActionResult', ...object({ task: ref('TaskState') }) },
  {
    $id: 'NoticeSummary',
    ...object(
      {
        id: int,
        campaignId: str,
        taskId: str,
        unitId: str,
        kind: str,
        kindName: str,
        documentNumber: str,
        title: str,
        issuedAt: dateTime,
        to: strings,
        cc: strings,
      },
      ['id', 'campaignId', 'kind', 'kindName', 'documentNumber', 'title', 'issuedAt', 'to', 'cc'],
    ),
  },
  { $id: 'NoticeList', ...object({ total: int, notices: arrayOf('NoticeSummary') }) },
  {
    $id: 'Notice',
    ...object(
      {
        notice: ref('NoticeSummary'),
        addressees: str,
        paragraphs: strings,
        signature: str,
        dateWritten: str,
        campaignTitle: str,
        docxAvailable: bool,
      },
    ),
  },
  {
    $id: 'AssessmentRound',
    ...object(
      {
        round: int,
        label: str,
        periodStart: date,
        periodEnd: date,
        windowCloses: dateTime,
        publishedAt: dateTime,
        status: { type: 'string', enum: ['open', 'closed', 'published'], description: 'open 评分中；closed 评分已截止、待公布；published 已公布' },
        ranking: {
          type: 'array',
          items: object(
            {
              unitId: str,
              unitName: str,
              score: num,
              rank: int,
              last: bool,
              consequence: { type: 'string', enum: ['criticism', 'interview', 'accountability'] },
              consequenceName: str,
            },
            ['unitId', 'unitName', 'score', 'rank', 'last'],
          ),
        },
        items: strings,
        scores: {
          type: 'array',
          items: object(
            {
              unitId: str,
              unitName: str,
              item: str,
              score: num,
              source: { type: 'string', enum: ['entered', 'computed'] },
              assessor: str,
              enteredAt: dateTime,
            },
            ['unitId', 'unitName', 'item', 'score', 'source', 'enteredAt'],
          ),
        },
      },
      ['round', 'label', 'periodStart', 'periodEnd', 'windowCloses', 'status', 'ranking', 'items', 'scores'],
    ),
  },
  {
    $id: 'Assessments',
    ...object({
      rounds: arrayOf('AssessmentRound'),
      units: { type: 'array', items: object({ id: str, name: str }) },
      ledger: {
        type: 'array',
        items: object({ unitId: str, unitName: str, year: int, points: num, reason: str, occurredAt: dateTime }),
      },
    }),
  },
  {
    $id: 'AssessmentEntry',
    description: '录入后该轮已录入的分数：单位 → 测评项目 → 分数',
    ...object(
      {
        round: int,
        label: str,
        windowClosesAt: dateTime,
        entered: { type: 'object', additionalProperties: { type: 'object', additionalProperties: num } },
      },
      ['round', 'label', 'entered'],
    ),
  },
  {
    $id: 'MailSummary',
    ...object({
      id: int,
      messageId: str,
      from: str,
      to: str,
      cc: str,
      envelopeTo: strings,
      subject: str,
      receivedAt: dateTime,
      deliveries: int,
    }),
  },
  { $id: 'MailList', ...object({ total: int, messages: arrayOf('MailSummary') }) },
  { $id: 'Mail', ...object({ message: ref('MailSummary'), text: str, html: str, links: strings }) },
  {
    $id: 'Note',
    ...object({ line: int, message: str }, ['message']),
  },
  {
    $id: 'PlanImport',
    ...object(
      {
        id: str,
        yaml: str,
        summary: str,
        warnings: arrayOf('Note'),
        unplaced: arrayOf('Note'),
        problems: arrayOf('DefinitionProblem'),
        placeholderEmails: int,
      },
      ['id', 'yaml', 'summary', 'warnings', 'unplaced', 'problems', 'placeholderEmails'],
    ),
  },
  {
    $id: 'DefinitionCheck',
    ...object(
      {
        valid: bool,
        problems: arrayOf('DefinitionProblem'),
        id: str,
        title: str,
        taskCount: int,
        unitCount: int,
      },
      ['valid', 'problems'],
    ),
  },
  {
    $id: 'CampaignEnd',
    description: '结束创建活动的结果：status 为 ended（已结束）或 ending（已受理，收尾中）',
    ...object(
      {
        campaignId: str,
        title: str,
        status: { type: 'string', enum: ['ended', 'ending'] },
        reason: str,
        endedAt: dateTime,
        closedOutTasks: { type: 'array', description: '因活动结束而撤销的未完成任务', items: object({ id: str, title: str }) },
        closingSummary: ref('NoticeSummary'),
      },
      ['campaignId', 'title', 'status', 'reason', 'closedOutTasks'],
    ),
  },
  {
    $id: 'MaterialsMonth',
    description: '每月定时报送：当前所报的月份、截止与认定时间、要求的材料形式',
    ...object({
      month: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: '所报月份 YYYY-MM（认定记录中的月份）' },
      label: str,
      from: { ...dateTime, description: '自此时起报送的材料计入本月' },
      dueAt: { ...dateTime, description: '报送截止（此时向未报齐的单位发催报通知）' },
      dueDate: date,
      checkAt: { ...dateTime, description: '认定时间：此后未报的材料记为逾期' },
      lastDay: { ...date, description: '仍算按时的最后一天' },
      forms: { type: 'array', items: evidenceForm },
    }),
  },
  {
    $id: 'MaterialsSubmission',
    description: '一次报送：每月材料（无任务），或某项整治任务的佐证材料（同样计入每月报送）',
    ...object(
      {
        id: int,
        form: evidenceForm,
        formName: str,
        text: str,
        by: str,
        submittedAt: dateTime,
        taskId: str,
        taskTitle: str,
        files: { type: 'array', items: evidenceFile },
      },
      ['id', 'form', 'formName', 'text', 'by', 'submittedAt', 'files'],
    ),
  },
  {
    $id: 'UnitMaterials',
    ...object({
      unitId: str,
      unitName: str,
      submitted: { type: 'array', items: evidenceForm, description: '本月已报送的材料形式' },
      missing: { type: 'array', items: evidenceForm, description: '本月尚未报送的材料形式' },
      submissions: arrayOf('MaterialsSubmission'),
    }),
  },
  {
    $id: 'CampaignMaterials',
    description: '各单位本月的每月报送情况；活动不要求每月报送或已结束时没有此项',
    ...object({ month: ref('MaterialsMonth'), units: arrayOf('UnitMaterials') }),
  },
  {
    $id: 'MaterialsPortalView',
    description: '责任单位通过报送链接看到的本月材料',
    ...object(
      {
        campaignId: str,
        campaignTitle: str,
        officeName: str,
        unit: object({ id: str, name: str }),
        expiresAt: dateTime,
        month: ref('MaterialsMonth'),
        forms: {
          type: 'array',
          items: object({ form: evidenceForm, formName: str, submitted: bool, fileTypes: strings }),
        },
        submissions: arrayOf('MaterialsSubmission'),
        canSubmit: { ...bool, description: 'false：活动已结束或不要求每月报送' },
      },
      ['campaignId', 'campaignTitle', 'officeName', 'unit', 'expiresAt', 'forms', 'submissions', 'canSubmit'],
    ),
  },
  {
    $id: 'StartedCampaign',
    ...object(
      { id: str, title: str, workflowId: str, taskCount: int, unitCount: int, start: date, notes: strings },
      ['id', 'title', 'workflowId', 'taskCount', 'unitCount'],
    ),
  },
  {
    $id: 'PortalTask',
    description: '单位链接可见的任务信息',
    ...object(
      {
        id: str,
        title: str,
        leadUnitName: str,
        cooperatingUnitNames: strings,
        start: date,
        deadline: date,
        status: str,
        statusName: str,
        rung: int,
        rungName: str,
        overdue: bool,
        deadlineAt: dateTime,
      },
      ['id', 'title', 'leadUnitName', 'cooperatingUnitNames', 'start', 'deadline', 'status', 'statusName', 'rung', 'rungName', 'overdue'],
    ),
  },
  {
    $id: 'PortalTimelineItem',
    description: '单位链接可见的任务记录：步骤、文号与标题，不含收件人；责任单位另见文字与办理人',
    ...object(
      { at: dateTime, kind: str, label: str, actor: str, text: str, documentNumber: str, planned: bool, detail: object({}, []) },
      ['at', 'kind', 'label', 'detail'],
    ),
  },
  {
    $id: 'PortalView',
    description: '责任单位通过签名链接看到的任务（仅列出的字段；配合单位只读，不见延期申请与他人材料）',
    ...object(
      {
        campaignId: str,
        campaignTitle: str,
        officeName: str,
        unit: object({ id: str, name: str, role: { type: 'string', enum: ['lead', 'cooperating', 'other'] } }),
        expiresAt: dateTime,
        task: ref('PortalTask'),
        description: str,
        clock: ref('Clock'),
        timeline: arrayOf('PortalTimelineItem'),
        evidence: arrayOf('EvidenceSubmission'),
        extensions: arrayOf('Extension'),
        actions: object({ acknowledge: bool, reportProgress: bool, submitEvidence: bool, requestExtension: bool }),
      },
      ['campaignId', 'campaignTitle', 'officeName', 'unit', 'expiresAt', 'task', 'description', 'clock', 'timeline', 'evidence', 'extensions', 'actions'],
    ),
  },
  {
    $id: 'PortalTaskState',
    description: '责任单位办理后任务的状态',
    ...object(
      {
        taskId: str,
        status: str,
        statusName: str,
        rung: int,
        rungName: str,
        deadline: date,
        deadlineAt: dateTime,
        acknowledgedAt: dateTime,
        lastProgressAt: dateTime,
        closedAt: dateTime,
        extensions: arrayOf('Extension'),
      },
      ['taskId', 'status', 'statusName', 'rung', 'rungName', 'extensions'],
    ),
  },
  { $id: 'PortalActionResult', ...object({ task: ref('PortalTaskState') }) },
  {
    $id: 'PointPhotos',
    description: '已保存的问题点位照片（转为 JPEG，长边不超过 1920 像素），url 可读回照片',
    ...object({ photos: { type: 'array', items: object({ id: int, url: str }) } }),
  },
  {
    $id: 'RevokedLinks',
    description: '已收回的单位链接：此前发出的链接失效，此后邮件中的新链接有效',
    ...object({ campaignId: str, unitId: str, tasks: strings, materials: bool }),
  },
] as const;

export function registerSchemas(app: FastifyInstance): void {
  for (const schema of SCHEMAS) app.addSchema(schema);
  app.setSchemaErrorFormatter((errors, dataVar) => new Error(requestProblems(errors, dataVar)));
}

/** What AJV found wrong with a request, said in Chinese: "text 不能超过 10000 个字符". */
interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}
const PLACES: Record<string, string> = { body: '请求内容', querystring: '查询参数', params: '路径参数', headers: '请求头' };
const TYPES: Record<string, string> = { string: '文字', integer: '整数', number: '数字', boolean: 'true 或 false', array: '列表', object: '对象' };

export function requestProblems(errors: SchemaError[], dataVar: string): string {
  return errors
    .slice(0, 5)
    .map((e) => {
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || PLACES[dataVar] || dataVar;
      const p = e.params;
      switch (e.keyword) {
        case 'required':
          return `缺少 ${e.instancePath ? `${field}.` : ''}${String(p.missingProperty)}`;
        case 'additionalProperties':
          return `${field} 不接受字段 ${String(p.additionalProperty)}`;
        case 'maxLength':
          return `${field} 不能超过 ${String(p.limit)} 个字符`;
        case 'minLength':
          return `${field} 至少 ${String(p.limit)} 个字符`;
        case 'maxItems':
          return `${field} 最多 ${String(p.limit)} 项`;
        case 'minItems':
          return `${field} 至少 ${String(p.limit)} 项`;
        case 'maximum':
          return `${field} 不能大于 ${String(p.limit)}`;
        case 'minimum':
          return `${field} 不能小于 ${String(p.limit)}`;
        case 'type':
          return `${field} 应为${TYPES[String(p.type)] ?? String(p.type)}`;
        case 'enum':
          return `${field} 应为 ${((p.allowedValues as unknown[]) ?? []).map(String).join('、')} 之一`;
        case 'format':
          return `${field} 格式应为 ${p.format === 'date' ? 'YYYY-MM-DD 日期' : String(p.format)}`;
        case 'pattern':
          return `${field} 格式不对`;
        default:
          return `${field} 不符合要求（${e.keyword}）`;
      }
    })
    .join('；');
}

/** Responses every route may give besides success. */
export function problems(...codes: number[]): Record<number, unknown> {
  return Object.fromEntries(codes.map((c) => [c, ref('Problem')]));
}

export { ref, arrayOf, object, str, int, bool, date, dateTime };
