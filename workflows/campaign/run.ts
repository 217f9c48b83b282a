// One campaign as its workflow holds it: what it carries from run to run, the tasks it has started
// and queued, its end, and what each cadence does when it fires.
import { ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { DEFAULT_CONSEQUENCE_DEDUCTIONS, lastPlaceRulesOf, type Consequence } from '../../domain/assessment.js';
import type { Cadences, DispatchAudience, Frequency } from '../../domain/cadences.js';
import type { RecipientList } from '../../domain/notices.js';
import type { CampaignDefinition, Task } from '../../domain/definition.js';
import { taskWorkflowId } from '../../domain/ids.js';
import { WORKDAY_START } from '../../domain/instants.js';
import { AssessmentWorkflow } from '../assessment.js';
import type { CampaignCarry, CampaignInput, CampaignState, ComplaintInput } from '../messages.js';
import { RectificationWorkflow } from '../rectification.js';
import { NO_EMPTY_REPORTS, TASKS_FROM_ACTIVITY } from './patches.js';

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Children started at once; more would only queue on the server. */
const START_BATCH = 100;
/** Tasks per start activity. */
const ACTIVITY_START_BATCH = 500;
// The units' 催办 too: on the first morning the tasks are still being assigned (a race, and nothing to chase yet).
const REPORTS_OF_A_PERIOD = ['monthlyBulletin', 'dispatch.', 'quarterlyDispatch', 'halfYearSummary', 'monthlyCheck', 'yearEndSummary', 'unitReminders'];
const DAY_MS = 86_400_000;

export class CampaignRun {
  readonly definition: CampaignDefinition;
  readonly campaignId: string;
  readonly zone: string;
  readonly workflowId: string;
  /** Idempotency keys of the campaign's notices derive from the workflow and its first run. */
  readonly keyBase: string;
  readonly deductions: Record<Consequence, number>;
  readonly carry: CampaignCarry;
  readonly started: Set<string>;
  readonly queued: { task: Task; complaint?: ComplaintInput }[] = [];
  readonly unitIds: Set<string>;
  /** The cadences that fire, in the order they are looked at. */
  readonly cadenceKeys: string[];
  endRequest: { reason: string } | undefined;
  ended: { at: string; reason: string } | undefined;
  endsAt: string | undefined;
  /** The campaign's first instant (set at the start of every run). */
  startsAt = '';
  readonly assessments: Promise<void>[] = [];
  /** Rounds started and not finished: their outcome (the streaks) must be in `carry` before a hand-over. */
  roundsInFlight = 0;
  readonly planRules: boolean;
  readonly unitReminders: boolean;

  constructor(
    { definition, carried }: CampaignInput,
    readonly cadences: Cadences,
    behaviour: {
      /** Exactly the plan's rules (patch PLAN_RULES): its audiences, cadences and last-place rules. */
      planRules: boolean;
      /** One weekly 催办 per unit for all its silent tasks (patch UNIT_REMINDERS). */
      unitReminders: boolean;
    },
  ) {
    const { planRules, unitReminders } = behaviour;
    this.planRules = planRules;
    this.unitReminders = unitReminders;
    const info = workflowInfo();
    this.definition = definition;
    this.campaignId = definition.id;
    this.zone = definition.timeZone;
    this.workflowId = info.workflowId;
    this.keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
    this.deductions = {
      ...DEFAULT_CONSEQUENCE_DEDUCTIONS,
      ...((definition.assessment?.deductions as Partial<Record<Consequence, number>> | undefined) ?? {}),
    };
    this.carry = carried ?? {
      taskIds: [],
      next: {},
      last: {},
      phasesEntered: 0,
      assessmentRounds: 0,
      lastPlaceStreaks: {},
      materialsChecks: [],
    };
    if (planRules) this.carry.planRules = true;
    if (unitReminders) this.carry.unitReminders = true;
    this.started = new Set(this.carry.taskIds);
    this.unitIds = new Set(definition.units.map((u) => u.id));
    this.cadenceKeys = [
      ...(cadences.weeklyCheck ? ['weeklyCheck'] : []),
      ...(cadences.monthlyBulletin ? ['monthlyBulletin'] : []),
      ...(planRules && cadences.monthlyCheck ? ['monthlyCheck'] : []),
      ...(planRules && cadences.routinePatrol ? ['routinePatrol'] : []),
      ...(['office', 'deputies', 'leaders'] as const).filter((a) => cadences.dispatch?.[a]).map((a) => `dispatch.${a}`),
      ...(cadences.quarterlyDispatch ? ['quarterlyDispatch'] : []),
      ...(cadences.halfYearSummary ? ['halfYearSummary'] : []),
      ...(planRules && cadences.yearEndSummary ? ['yearEndSummary'] : []),
      ...(cadences.monthlyMaterials ? ['monthlyMaterials'] : []),
      ...(cadences.bimonthlyAssessment ? ['assessment'] : []),
      ...(unitReminders ? ['unitReminders'] : []),
    ];
  }

  state(): CampaignState {
    const { carry, definition } = this;
    return {
      campaignId: this.campaignId,
      title: definition.title,
      phase: definition.phases[carry.phasesEntered - 1],
      nextCadences: { ...carry.next },
      taskIds: [...this.started],
      assessmentRounds: carry.assessmentRounds,
      lastPlaceStreaks: carry.lastPlaceStreaks,
      endsAt: this.endsAt,
      ended: this.ended,
    };
  }

  /** The next instant of a cadence strictly after `after`. */
  async nextOf(key: string, after: string): Promise<string> {
    const { campaignId, zone: timeZone, cadences: c, definition } = this;
    const monthly = (day: number, time = WORKDAY_START, months?: number[]) =>
      activities.nextMonthlyDate({ campaignId, timeZone, after, day, time, months }).then((r) => r.at);
    const weekly = (weekday: number, time = WORKDAY_START) =>
      activities.nextCheckTime({ campaignId, timeZone, after, weekday, time }).then((r) => r.at);
    const byFrequency = async (frequency: Frequency, weekday: number, time: string) =>
      frequency === 'weekly'
        ? weekly(weekday, time)
        : frequency === 'monthly'
          ? monthly(1, time)
          : [await monthly(1, time), await monthly(16, time)].sort()[0];
    switch (key) {
      case 'weeklyCheck':
        return weekly(c.weeklyCheck!.weekday, c.weeklyCheck!.time);
      case 'unitReminders':
        // The tasks' weekly check, kept by the campaign: the weekly check's day, else Monday.
        return weekly(c.weeklyCheck?.weekday ?? 1, c.weeklyCheck?.time ?? WORKDAY_START);
      case 'monthlyBulletin':
        return monthly(c.monthlyBulletin!.day, c.monthlyBulletin!.time);
      case 'quarterlyDispatch':
        return monthly(1, c.quarterlyDispatch!.time, [1, 4, 7, 10]);
      case 'halfYearSummary':
        return monthly(1, c.halfYearSummary!.time, [1, 7]);
      case 'monthlyMaterials':
        return monthly(c.monthlyMaterials!.day, c.monthlyMaterials!.time);
      case 'monthlyCheck':
        return monthly(c.monthlyCheck!.day, c.monthlyCheck!.time);
      case 'routinePatrol': {
        const p = c.routinePatrol!;
        return p.frequency === 'weekly' ? weekly(p.weekday, p.time) : monthly(p.day, p.time);
      }
      case 'yearEndSummary':
        return monthly(c.yearEndSummary!.day, c.yearEndSummary!.time, [c.yearEndSummary!.month]);
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

  /**
   * Where a cadence starts counting: the campaign's start; for the units' 催办, not before now — a
   * campaign started with a past date chases no silence of weeks gone by.
   */
  firstInstantOf(key: string): string {
    return key === 'unitReminders' ? this.notBeforeNow(this.startsAt) : this.startsAt;
  }

  private notBeforeNow(at: string): string {
    return new Date(Math.max(Date.parse(at), Date.now())).toISOString();
  }

  /** The first round comes a whole period after the start: the first day of the start month plus N months. */
  firstRoundAfter(): Promise<string> {
    const [year, month] = this.definition.start.split('-').map(Number);
    const index = year * 12 + (month - 1) + this.cadences.bimonthlyAssessment!.everyMonths;
    const date = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
    return activities.instantOf({ timeZone: this.zone, date, time: '00:00' });
  }

  async startQueued(): Promise<void> {
    const { campaignId, zone: timeZone, queued, started, cadences } = this;
    if (queued.length > 0 && patched(TASKS_FROM_ACTIVITY)) {
      while (queued.length > 0) {
        const batch = queued.splice(0, ACTIVITY_START_BATCH);
        const reminders = this.unitReminders ? { unitReminders: true } : {};
        await activities.startTaskWorkflows({ campaignId, timeZone, weeklyCheck: cadences.weeklyCheck, ...reminders, tasks: batch });
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
            args: [{ campaignId, timeZone, task, weeklyCheck: cadences.weeklyCheck, complaint }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          }),
        ),
      );
      for (const { task } of batch) started.add(task.id);
    }
  }

  /** A cadence's turn: its notice (or round) for the period up to `at`, and its next instant. */
  async fire(key: string, at: string): Promise<void> {
    const { campaignId, zone, carry, cadences } = this;
    const base = { key: `${this.keyBase}/${key}/${at}`, campaignId, issuedAt: at };
    const period = { from: carry.last[key] ?? this.startsAt, to: at };
    if (REPORTS_OF_A_PERIOD.some((k) => key.startsWith(k)) && Date.parse(at) - Date.parse(period.from) < DAY_MS && patched(NO_EMPTY_REPORTS)) {
      // Nothing has happened yet (the campaign's first morning): the first report covers from the start.
      carry.next[key] = await this.nextOf(key, at);
      return;
    }
    // The audience the plan names for a digest (patch PLAN_RULES); else the kind's own.
    const audience = this.planRules ? (cadences as Record<string, { recipients?: RecipientList } | undefined>)[key]?.recipients : undefined;
    const to = audience ? { recipients: audience } : {};
    switch (key) {
      case 'weeklyCheck':
        await activities.issueWeeklyCheck({ ...base, ...period, ...to });
        break;
      case 'unitReminders':
        await activities.issueUnitReminders({ ...base, since: period.from });
        break;
      case 'monthlyBulletin':
        await activities.issueMonthlyBulletin({ ...base, ...period, ...to });
        break;
      case 'monthlyCheck':
        await activities.issueMonthlyCheck({ ...base, ...period, ...to, method: cadences.monthlyCheck!.method ?? '抽查' });
        break;
      case 'routinePatrol':
        await activities.issuePatrolReminder({ ...base, ...period, ...to, method: cadences.routinePatrol!.method ?? '巡查' });
        break;
      case 'quarterlyDispatch':
      case 'halfYearSummary':
      case 'yearEndSummary':
        await activities.issuePeriodReport({ ...base, ...period, ...to, kind: key });
        break;
      case 'monthlyMaterials': {
        const materials = cadences.monthlyMaterials!;
        // A month's materials count from the previous month's check, not its due day: what came in
        // during the grace period answered that month and must not serve this one too.
        const from = carry.materialsCountFrom ?? period.from;
        const recipient = this.planRules && materials.recipient ? { recipient: materials.recipient } : {};
        await activities.issueMaterialsReminders({ ...base, ...period, from, forms: materials.forms, dueDate: at, ...recipient });
        const grace = await activities.addWorkingDays({ campaignId, timeZone: zone, from: at, days: materials.graceWorkingDays });
        carry.materialsChecks.push({ at: grace.lapsesAt, from, dueAt: at, month: await activities.civilDate({ timeZone: zone, at }).then((d) => d.slice(0, 7)) });
        carry.materialsCountFrom = grace.lapsesAt;
        break;
      }
      case 'assessment':
        this.startRound(period.from, at);
        break;
      default:
        await activities.issueDispatch({ ...base, ...period, audience: key.slice('dispatch.'.length) as DispatchAudience });
    }
    carry.last[key] = at;
    // After an outage the units' 催办 goes out once, not once for every week missed.
    carry.next[key] = await this.nextOf(key, key === 'unitReminders' ? this.notBeforeNow(at) : at);
  }

  /** Starts an assessment round (a child) for the period; its outcome lands in `carry` when it ends. */
  private startRound(periodFrom: string, periodTo: string): void {
    const { carry, definition } = this;
    const round = ++carry.assessmentRounds;
    const streaks = carry.lastPlaceStreaks;
    const child: Promise<ChildWorkflowHandle<typeof AssessmentWorkflow>> = startChild(AssessmentWorkflow, {
      workflowId: `${this.workflowId}/assessment/${round}`,
      args: [
        {
          campaignId: this.campaignId,
          timeZone: this.zone,
          round,
          periodFrom,
          periodTo,
          unitIds: [...this.unitIds],
          windowWorkingDays: this.cadences.bimonthlyAssessment!.windowWorkingDays,
          previousLastStreaks: streaks,
          deductions: this.deductions,
          // The plan's own last-place rules; rounds of campaigns started before apply the seed plans'.
          ...(this.planRules
            ? { lastPlaceRules: lastPlaceRulesOf(definition.assessment), reportToSuperior: definition.assessment?.reportTo !== undefined }
            : {}),
        },
      ],
    });
    this.roundsInFlight++;
    this.assessments.push(
      child
        .then((handle) => handle.result())
        .then((outcome) => {
          carry.lastPlaceStreaks = outcome.lastPlaceStreaks;
        })
        .finally(() => this.roundsInFlight--),
    );
  }
}
