// CampaignWorkflow: one campaign (创建活动) for a year or more. Registers it, starts one
// RectificationWorkflow per task, enters its phases, keeps one timer per cadence (每周一检查,
// 每月一通报, 调度, 每季一调度, 半年一小结, 每月报送, 每两月测评), takes new tasks and complaints
// while it runs, and at its end closes out open tasks and sends a closing summary.
// Deterministic: dates come from calendar activities; it continues as new before its history grows large.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { DEFAULT_CONSEQUENCE_DEDUCTIONS, type Consequence } from '../domain/assessment.js';
import type { Cadences, DispatchAudience, Frequency } from '../domain/cadences.js';
import type { CampaignDefinition, Task } from '../domain/definition.js';
import { taskWorkflowId } from '../domain/ids.js';
import { AssessmentWorkflow } from './assessment.js';
import {
  addComplaintUpdate,
  addTaskUpdate,
  campaignStateQuery,
  endCampaignUpdate,
  type CampaignState,
  type ComplaintTaskInput,
} from './messages.js';
import { RectificationWorkflow, type ComplaintInput } from './rectification.js';

export interface CampaignInput {
  definition: CampaignDefinition;
  /** What an earlier run handed over when it continued as new. */
  carried?: CampaignCarry;
  /** Continue as new past this many history events (default HISTORY_LIMIT); tests set it low to exercise the hand-over. */
  historyLimit?: number;
}

export interface CampaignCarry {
  taskIds: string[];
  /** Next instant of each cadence, and the instant it last fired (the start of the period it reports). */
  next: Record<string, string>;
  last: Record<string, string>;
  phasesEntered: number;
  assessmentRounds: number;
  lastPlaceStreaks: Record<string, number>;
  /** 每月报送 checks due after their grace period. */
  materialsChecks: MaterialsCheck[];
  /** Where the next month's materials start to count: the last check's instant. */
  materialsCountFrom?: string;
}

interface MaterialsCheck {
  at: string;
  from: string;
  dueAt: string;
  month: string;
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Children started at once; more would only queue on the server. */
const START_BATCH = 100;
/**
 * Tasks are started by an activity with the Temporal client, many side by side, instead of as child
 * workflows, which the server starts one after another (activities/task-starts.ts). Campaigns that
 * started before this change go on starting children.
 */
const TASKS_FROM_ACTIVITY = 'start-tasks-from-activity';
/** Tasks per start activity. */
const ACTIVITY_START_BATCH = 500;
/**
 * 2026-11: a bulletin, dispatch or period report due within a day of the campaign's start (e.g. the
 * 1st at 09:00 of a campaign starting on the 1st) reported on an empty period, dated backwards; it is
 * skipped, and the next one covers the time from the start.
 */
const NO_EMPTY_REPORTS = 'no-report-of-an-empty-period';
const REPORTS_OF_A_PERIOD = ['monthlyBulletin', 'dispatch.', 'quarterlyDispatch', 'halfYearSummary'];
const DAY_MS = 86_400_000;
/** Past this many events the campaign hands its state to a fresh run. */
const HISTORY_LIMIT = 10_000;
/**
 * 2026-11: the hand-over no longer waits for a round in flight and for running updates: waiting held
 * every cadence for the round's scoring window, and an added task or the campaign's end, whose update
 * waits for the loop, was never answered (and the wait never ended). Now the campaign hands over only
 * between rounds and updates, and otherwise tries again at its next wake-up.
 */
const HAND_OVER_BETWEEN_ROUNDS = 'hand-over-between-rounds';
const WORKDAY_START = '09:00';
const MATERIALS_LATE_DEDUCTION = 0.5;

export async function CampaignWorkflow({ definition, carried, historyLimit = HISTORY_LIMIT }: CampaignInput): Promise<CampaignState> {
  const info = workflowInfo();
  const keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
  const zone = definition.timeZone;
  const campaignId = definition.id;
  // Loaded here, not imported above: every workflow evaluates the bundle's modules anew, and this
  // one brings zod, which only a campaign needs (a task workflow would pay for it in memory and time).
  const { cadencesSchema, DEFAULT_CADENCES } = await import(/* webpackMode: "eager" */ '../domain/cadences.js');
  const cadences: Cadences = definition.cadences ? cadencesSchema.parse(definition.cadences) : DEFAULT_CADENCES;
  const deductions: Record<Consequence, number> = {
    ...DEFAULT_CONSEQUENCE_DEDUCTIONS,
    ...((definition.assessment?.deductions as Partial<Record<Consequence, number>> | undefined) ?? {}),
  };

  const carry: CampaignCarry = carried ?? {
    taskIds: [],
    next: {},
    last: {},
    phasesEntered: 0,
    assessmentRounds: 0,
    lastPlaceStreaks: {},
    materialsChecks: [],
  };
  const started = new Set(carry.taskIds);
  const queued: { task: Task; complaint?: ComplaintInput }[] = [];
  let endRequest: { reason: string } | undefined;
  let ended: { at: string; reason: string } | undefined;
  let endsAt: string | undefined;
  const assessments: Promise<void>[] = [];
  /** Rounds started and not finished: their outcome (the streaks) must be in `carry` before a hand-over. */
  let roundsInFlight = 0;
  const unitIds = new Set(definition.units.map((u) => u.id));

  const state = (): CampaignState => ({
    campaignId,
    title: definition.title,
    phase: definition.phases[carry.phasesEntered - 1],
    nextCadences: { ...carry.next },
    taskIds: [...started],
    assessmentRounds: carry.assessmentRounds,
    lastPlaceStreaks: carry.lastPlaceStreaks,
    endsAt,
    ended,
  });
  setHandler(campaignStateQuery, state);

  const validateNewTask = (id: string, leadUnit: string, cooperatingUnits: string[] = []) => {
    const refuse = (message: string) => {
      throw ApplicationFailure.nonRetryable(message, 'InvalidInput');
    };
    if (ended || endRequest) throw ApplicationFailure.nonRetryable('创建活动已结束，不能再添加任务', 'InvalidState');
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id ?? '')) refuse(`任务编号无效：${id}`);
    if (started.has(id) || queued.some((q) => q.task.id === id)) refuse(`任务编号重复：${id}`);
    if (!unitIds.has(leadUnit)) refuse(`未知单位：${leadUnit}`);
    for (const unit of cooperatingUnits) if (!unitIds.has(unit)) refuse(`未知单位：${unit}`);
  };
  const enqueue = async (task: Task, complaint?: ComplaintInput) => {
    queued.push({ task, complaint });
    await condition(() => started.has(task.id));
    return { taskId: task.id, workflowId: taskWorkflowId(campaignId, task.id) };
  };

  setHandler(
    addTaskUpdate,
    async (task) => {
      await activities.registerTask({ campaignId, task });
      return enqueue(task);
    },
    {
      validator: (task) => {
        validateNewTask(task.id, task.leadUnit, task.cooperatingUnits);
        if (!task.title?.trim()) throw ApplicationFailure.nonRetryable('任务名称不能为空', 'InvalidInput');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(task.start ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(task.deadline ?? '')) {
          throw ApplicationFailure.nonRetryable('开始日期和截止日期应为 YYYY-MM-DD', 'InvalidInput');
        }
        if (task.deadline < task.start) throw ApplicationFailure.nonRetryable(`截止日期 ${task.deadline} 早于开始日期 ${task.start}`, 'InvalidInput');
      },
    },
  );

  setHandler(
    addComplaintUpdate,
    async (input: ComplaintTaskInput) => {
      const today = await activities.civilDate({ timeZone: zone, at: new Date().toISOString() });
      const task: Task = {
        id: input.id,
        title: input.title,
        description: input.description ?? input.summary ?? '',
        leadUnit: input.leadUnit,
        cooperatingUnits: input.cooperatingUnits ?? [],
        start: today,
        // The complaint's own short deadline replaces this one when its task starts.
        deadline: today,
        indicators: [],
      };
      await activities.registerTask({ campaignId, task });
      return enqueue(task, { source: input.source, summary: input.summary, reference: input.reference, receivedAt: new Date().toISOString() });
    },
    {
      validator: (input) => {
        validateNewTask(input.id, input.leadUnit, input.cooperatingUnits);
        if (!input.title?.trim()) throw ApplicationFailure.nonRetryable('投诉事项不能为空', 'InvalidInput');
        if (input.source !== 'citizen' && input.source !== 'media') {
          throw ApplicationFailure.nonRetryable('来源应为 citizen（群众来信来访）或 media（媒体曝光）', 'InvalidInput');
        }
      },
    },
  );

  setHandler(
    endCampaignUpdate,
    async ({ reason }) => {
      endRequest = { reason: reason.trim() };
      await condition(() => ended !== undefined);
      return state();
    },
    {
      validator: ({ reason }) => {
        if (ended || endRequest) throw ApplicationFailure.nonRetryable('创建活动已结束', 'InvalidState');
        if (typeof reason !== 'string' || !reason.trim()) throw ApplicationFailure.nonRetryable('请写明结束原因', 'InvalidInput');
      },
    },
  );

  // ---- start-up (first run only) ----
  if (!carried) {
    await activities.registerCampaign(definition);
    queued.push(...definition.tasks.map((task) => ({ task })));
  }
  endsAt = await activities.deadlineInstant({ timeZone: zone, date: definition.end });
  const startsAt = await activities.instantOf({ timeZone: zone, date: definition.start, time: '00:00' });

  /** The next instant of a cadence strictly after `after`. */
  async function nextOf(key: string, after: string): Promise<string> {
    const monthly = (day: number, time = WORKDAY_START, months?: number[]) =>
      activities.nextMonthlyDate({ campaignId, timeZone: zone, after, day, time, months }).then((r) => r.at);
    const weekly = (weekday: number, time = WORKDAY_START) =>
      activities.nextCheckTime({ campaignId, timeZone: zone, after, weekday, time }).then((r) => r.at);
    const byFrequency = async (frequency: Frequency, weekday: number, time: string) =>
      frequency === 'weekly'
        ? weekly(weekday, time)
        : frequency === 'monthly'
          ? monthly(1, time)
          : [await monthly(1, time), await monthly(16, time)].sort()[0];
    const c = cadences;
    switch (key) {
      case 'weeklyCheck':
        return weekly(c.weeklyCheck!.weekday, c.weeklyCheck!.time);
      case 'monthlyBulletin':
        return monthly(c.monthlyBulletin!.day, c.monthlyBulletin!.time);
      case 'quarterlyDispatch':
        return monthly(1, c.quarterlyDispatch!.time, [1, 4, 7, 10]);
      case 'halfYearSummary':
        return monthly(1, c.halfYearSummary!.time, [1, 7]);
      case 'monthlyMaterials':
        return monthly(c.monthlyMaterials!.day, c.monthlyMaterials!.time);
      case 'assessment': {
        const every = c.bimonthlyAssessment!.everyMonths;
        const startMonth = Number(definition.start.slice(5, 7));
        const months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((m) => (m - startMonth + 12) % every === 0);
        return monthly(1, WORKDAY_START, months);
      }
      default: {
        const audience = key.slice('dispatch.'.length) as DispatchAudience;
        return byFrequency(c.dispatch![audience]!, c.dispatch!.weekday, c.dispatch!.time);
      }
    }
  }

  /** The first round comes a whole period after the start: the first day of the start month plus N months. */
  async function firstRoundAfter(): Promise<string> {
    const [year, month] = definition.start.split('-').map(Number);
    const index = year * 12 + (month - 1) + cadences.bimonthlyAssessment!.everyMonths;
    const date = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
    return activities.instantOf({ timeZone: zone, date, time: '00:00' });
  }

  const cadenceKeys = [
    ...(cadences.weeklyCheck ? ['weeklyCheck'] : []),
    ...(cadences.monthlyBulletin ? ['monthlyBulletin'] : []),
    ...(['office', 'deputies', 'leaders'] as const).filter((a) => cadences.dispatch?.[a]).map((a) => `dispatch.${a}`),
    ...(cadences.quarterlyDispatch ? ['quarterlyDispatch'] : []),
    ...(cadences.halfYearSummary ? ['halfYearSummary'] : []),
    ...(cadences.monthlyMaterials ? ['monthlyMaterials'] : []),
    ...(cadences.bimonthlyAssessment ? ['assessment'] : []),
  ];
  for (const key of cadenceKeys) {
    if (!carry.next[key]) carry.next[key] = await nextOf(key, key === 'assessment' ? await firstRoundAfter() : startsAt);
  }
  const phaseStarts = await Promise.all(
    definition.phases.map((p) => activities.instantOf({ timeZone: zone, date: p.start, time: WORKDAY_START })),
  );

  async function startQueued(): Promise<void> {
    if (queued.length > 0 && patched(TASKS_FROM_ACTIVITY)) {
      while (queued.length > 0) {
        const batch = queued.splice(0, ACTIVITY_START_BATCH);
        await activities.startTaskWorkflows({ campaignId, timeZone: zone, weeklyCheck: cadences.weeklyCheck, tasks: batch });
        for (const { task } of batch) started.add(task.id);
      }
      return;
    }
    while (queued.length > 0) {
      const batch = queued.splice(0, START_BATCH);
      await Promise.all(
        batch.map(({ task, complaint }) =>
          // Abandoned on close: a task's clock and escalation outlive a continue-as-new of its campaign.
          startChild(RectificationWorkflow, {
            workflowId: taskWorkflowId(campaignId, task.id),
            args: [{ campaignId, timeZone: zone, task, weeklyCheck: cadences.weeklyCheck, complaint }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          }),
        ),
      );
      for (const { task } of batch) started.add(task.id);
    }
  }

  async function fire(key: string, at: string): Promise<void> {
    const base = { key: `${keyBase}/${key}/${at}`, campaignId, issuedAt: at };
    const period = { from: carry.last[key] ?? startsAt, to: at };
    if (REPORTS_OF_A_PERIOD.some((k) => key.startsWith(k)) && Date.parse(at) - Date.parse(period.from) < DAY_MS && patched(NO_EMPTY_REPORTS)) {
      // Nothing has happened yet (the campaign's first morning): the first report covers from the start.
      carry.next[key] = await nextOf(key, at);
      return;
    }
    switch (key) {
      case 'weeklyCheck':
        await activities.issueWeeklyCheck({ ...base, ...period });
        break;
      case 'monthlyBulletin':
        await activities.issueMonthlyBulletin({ ...base, ...period });
        break;
      case 'quarterlyDispatch':
      case 'halfYearSummary':
        await activities.issuePeriodReport({ ...base, ...period, kind: key });
        break;
      case 'monthlyMaterials': {
        const materials = cadences.monthlyMaterials!;
        // A month's materials count from the previous month's check, not its due day: what came in
        // during the grace period answered that month and must not serve this one too.
        const from = carry.materialsCountFrom ?? period.from;
        await activities.issueMaterialsReminders({ ...base, ...period, from, forms: materials.forms, dueDate: at });
        const grace = await activities.addWorkingDays({ campaignId, timeZone: zone, from: at, days: materials.graceWorkingDays });
        carry.materialsChecks.push({ at: grace.lapsesAt, from, dueAt: at, month: await activities.civilDate({ timeZone: zone, at }).then((d) => d.slice(0, 7)) });
        carry.materialsCountFrom = grace.lapsesAt;
        break;
      }
      case 'assessment': {
        const round = ++carry.assessmentRounds;
        const streaks = carry.lastPlaceStreaks;
        const child: Promise<ChildWorkflowHandle<typeof AssessmentWorkflow>> = startChild(AssessmentWorkflow, {
          workflowId: `${info.workflowId}/assessment/${round}`,
          args: [
            {
              campaignId,
              timeZone: zone,
              round,
              periodFrom: period.from,
              periodTo: at,
              unitIds: [...unitIds],
              windowWorkingDays: cadences.bimonthlyAssessment!.windowWorkingDays,
              previousLastStreaks: streaks,
              deductions,
            },
          ],
        });
        roundsInFlight++;
        assessments.push(
          child
            .then((handle) => handle.result())
            .then((outcome) => {
              carry.lastPlaceStreaks = outcome.lastPlaceStreaks;
            })
            .finally(() => roundsInFlight--),
        );
        break;
      }
      default:
        await activities.issueDispatch({ ...base, ...period, audience: key.slice('dispatch.'.length) as DispatchAudience });
    }
    carry.last[key] = at;
    carry.next[key] = await nextOf(key, at);
  }

  // ---- the campaign's year ----
  for (;;) {
    await startQueued();
    const timers = [
      endsAt,
      ...Object.values(carry.next),
      ...carry.materialsChecks.map((c) => c.at),
      ...(carry.phasesEntered < phaseStarts.length ? [phaseStarts[carry.phasesEntered]] : []),
    ].map((t) => Date.parse(t));
    const wakeAt = Math.min(...timers);
    await condition(() => queued.length > 0 || endRequest !== undefined, Math.max(wakeAt - Date.now(), 1));
    if (queued.length > 0) continue;
    const now = Date.now();
    if (endRequest || now >= Date.parse(endsAt)) break;

    while (carry.phasesEntered < phaseStarts.length && now >= Date.parse(phaseStarts[carry.phasesEntered])) {
      const phase = definition.phases[carry.phasesEntered];
      await activities.issuePhaseNotice({ key: `${keyBase}/phase/${carry.phasesEntered}`, campaignId, issuedAt: phaseStarts[carry.phasesEntered], phase });
      carry.phasesEntered++;
    }
    for (const key of cadenceKeys) {
      if (now >= Date.parse(carry.next[key])) await fire(key, carry.next[key]);
    }
    for (const check of carry.materialsChecks.filter((c) => now >= Date.parse(c.at))) {
      await activities.recordMaterials({
        key: `${keyBase}/materials/${check.dueAt}`,
        campaignId,
        issuedAt: check.at,
        from: check.from,
        to: check.at,
        month: check.month,
        forms: cadences.monthlyMaterials!.forms,
        dueDate: check.dueAt,
        deduction: MATERIALS_LATE_DEDUCTION,
      });
      carry.materialsChecks = carry.materialsChecks.filter((c) => c !== check);
    }

    if (workflowInfo().historyLength > historyLimit || workflowInfo().continueAsNewSuggested) {
      const handOver = () => continueAsNew<typeof CampaignWorkflow>({ definition, carried: { ...carry, taskIds: [...started] }, historyLimit });
      if (patched(HAND_OVER_BETWEEN_ROUNDS)) {
        // Between rounds and updates, so that their outcomes travel in `carry`; else at the next wake-up.
        if (roundsInFlight === 0 && queued.length === 0 && !endRequest && allHandlersFinished()) await handOver();
      } else {
        await Promise.all(assessments);
        await condition(allHandlersFinished);
        if (queued.length === 0 && !endRequest) await handOver();
      }
    }
  }

  // ---- the end ----
  await Promise.all(assessments);
  const reason = endRequest?.reason ?? '活动期满';
  const at = new Date().toISOString();
  const stillOpen = await activities.closeCampaign({ campaignId, at, reason });
  for (const taskId of stillOpen) {
    // Its record already says why it ended; a workflow that finished meanwhile has nothing to cancel.
    await getExternalWorkflowHandle(taskWorkflowId(campaignId, taskId))
      .cancel()
      .catch(() => undefined);
  }
  await activities.issueClosingSummary({ key: `${keyBase}/closing`, campaignId, issuedAt: at, reason });
  ended = { at, reason };
  await condition(allHandlersFinished);
  return state();
}
