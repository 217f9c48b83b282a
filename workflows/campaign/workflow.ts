// CampaignWorkflow: one campaign (创建活动) for a year or more. Registers it, starts one
// RectificationWorkflow per task, enters its phases, keeps one timer per cadence its definition
// names (每周一检查, 每月一通报, 每月抽查, 日常巡查, 调度, 每季一调度, 半年一小结, 年终总结, 每月报送,
// 每两月测评), takes new tasks and complaints
// while it runs, and at its end closes out open tasks and sends a closing summary.
// Deterministic: dates come from calendar activities; it continues as new before its history grows large.
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import type { Cadences } from '../../domain/cadences.js';
import { taskWorkflowId } from '../../domain/ids.js';
import { WORKDAY_START } from '../../domain/instants.js';
import type { CampaignInput, CampaignState } from '../messages.js';
import { registerHandlers } from './handlers.js';
import { HAND_OVER_BETWEEN_ROUNDS, PLAN_RULES, UNIT_REMINDERS } from './patches.js';
import { activities, CampaignRun } from './run.js';

/** Past this many events the campaign hands its state to a fresh run. */
const HISTORY_LIMIT = 10_000;
const MATERIALS_LATE_DEDUCTION = 0.5;

export async function CampaignWorkflow(input: CampaignInput): Promise<CampaignState> {
  const { definition, carried, historyLimit = HISTORY_LIMIT } = input;
  // Loaded here, not imported above: every workflow evaluates the bundle's modules anew, and this
  // one brings zod, which only a campaign needs (a task workflow would pay for it in memory and time).
  const { storedCadencesSchema, DEFAULT_CADENCES } = await import(/* webpackMode: "eager" */ '../../domain/cadences.js');
  const planRules = carried ? carried.planRules === true : patched(PLAN_RULES);
  const unitReminders = carried ? carried.unitReminders === true : patched(UNIT_REMINDERS);
  const cadences = (definition.cadences ? storedCadencesSchema.parse(definition.cadences) : planRules ? {} : DEFAULT_CADENCES) as Cadences;
  const run = new CampaignRun(input, cadences, { planRules, unitReminders });
  const { campaignId, zone, keyBase, carry, queued, started, cadenceKeys } = run;
  registerHandlers(run);

  // ---- start-up (first run only) ----
  if (!carried) {
    await activities.registerCampaign(definition);
    queued.push(...definition.tasks.map((task) => ({ task })));
  }
  const endsAt = await activities.deadlineInstant({ timeZone: zone, date: definition.end });
  run.endsAt = endsAt;
  run.startsAt = await activities.instantOf({ timeZone: zone, date: definition.start, time: '00:00' });

  for (const key of cadenceKeys) {
    if (!carry.next[key]) carry.next[key] = await run.nextOf(key, key === 'assessment' ? await run.firstRoundAfter() : run.firstInstantOf(key));
  }
  const phaseStarts = await Promise.all(
    definition.phases.map((p) => activities.instantOf({ timeZone: zone, date: p.start, time: WORKDAY_START })),
  );

  // ---- the campaign's year ----
  for (;;) {
    await run.startQueued();
    const timers = [
      endsAt,
      ...Object.values(carry.next),
      ...carry.materialsChecks.map((c) => c.at),
      ...(carry.phasesEntered < phaseStarts.length ? [phaseStarts[carry.phasesEntered]] : []),
    ].map((t) => Date.parse(t));
    const wakeAt = Math.min(...timers);
    await condition(() => queued.length > 0 || run.endRequest !== undefined, Math.max(wakeAt - Date.now(), 1));
    if (queued.length > 0) continue;
    const now = Date.now();
    if (run.endRequest || now >= Date.parse(endsAt)) break;

    while (carry.phasesEntered < phaseStarts.length && now >= Date.parse(phaseStarts[carry.phasesEntered])) {
      const phase = definition.phases[carry.phasesEntered];
      await activities.issuePhaseNotice({ key: `${keyBase}/phase/${carry.phasesEntered}`, campaignId, issuedAt: phaseStarts[carry.phasesEntered], phase });
      carry.phasesEntered++;
    }
    for (const key of cadenceKeys) {
      if (now >= Date.parse(carry.next[key])) await run.fire(key, carry.next[key]);
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
        if (run.roundsInFlight === 0 && queued.length === 0 && !run.endRequest && allHandlersFinished()) await handOver();
      } else {
        await Promise.all(run.assessments);
        await condition(allHandlersFinished);
        if (queued.length === 0 && !run.endRequest) await handOver();
      }
    }
  }

  // ---- the end ----
  await Promise.all(run.assessments);
  const reason = run.endRequest?.reason ?? '活动期满';
  const at = new Date().toISOString();
  const stillOpen = await activities.closeCampaign({ campaignId, at, reason });
  for (const taskId of stillOpen) {
    // Its record already says why it ended; a workflow that finished meanwhile has nothing to cancel.
    await getExternalWorkflowHandle(taskWorkflowId(campaignId, taskId))
      .cancel()
      .catch(() => undefined);
  }
  await activities.issueClosingSummary({ key: `${keyBase}/closing`, campaignId, issuedAt: at, reason });
  run.ended = { at, reason };
  await condition(allHandlersFinished);
  return run.state();
}
