// InspectionWorkflow: the clock of one inspection's problem points. The points themselves (thousands,
// each a few days' life) are rows in PostgreSQL; this workflow sends the units their points (交办,
// one notice per unit per dispatch), sleeps until the next point's rung is due, issues the rungs due
// (one notice per unit, day and rung), and ends when every point is closed or the campaign ends.
// A dispatch of points entered later, or a re-check that gives a point a new deadline, wakes it.
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { dispatchPointsSignal, pointsChangedSignal, type InspectionInput } from './messages.js';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Steps after which the workflow continues as new (each a handful of events). */
const STEPS_PER_RUN = 500;

export async function InspectionWorkflow(input: InspectionInput): Promise<void> {
  const { campaignId, inspectionId } = input;
  // The import's points are dispatched at once; later ones when the office asks.
  let dispatchWanted = input.dispatches === undefined || input.dispatchPending === true;
  let changed = false;
  let dispatches = input.dispatches ?? 0;
  setHandler(dispatchPointsSignal, () => {
    dispatchWanted = true;
  });
  setHandler(pointsChangedSignal, () => {
    changed = true;
  });

  const key = workflowInfo().workflowId;
  for (let step = 0; step < STEPS_PER_RUN; step++) {
    if (dispatchWanted) {
      dispatchWanted = false;
      dispatches++;
      await activities.dispatchInspectionPoints({ key: `${key}/dispatch/${dispatches}`, campaignId, inspectionId, at: new Date().toISOString() });
    }
    const wake = await activities.inspectionWake({ campaignId, inspectionId });
    if (wake.ended || (wake.open === 0 && wake.undispatched === 0)) return;
    changed = false;
    const wakes = () => changed || dispatchWanted;
    if (wake.wakeAt === undefined) {
      await condition(wakes);
      continue;
    }
    if (await condition(wakes, Math.max(Date.parse(wake.wakeAt) - Date.now(), 1))) continue;
    await activities.escalateInspectionPoints({ key: `${key}/rung`, campaignId, inspectionId, at: new Date().toISOString() });
  }
  await continueAsNew<typeof InspectionWorkflow>({ campaignId, inspectionId, dispatches, dispatchPending: dispatchWanted });
}
