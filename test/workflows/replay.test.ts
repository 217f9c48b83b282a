// Replays every recorded history in test/histories/ (written by test/histories/record.ts) against
// the current workflow bundle: a change that would break a running workflow (nondeterminism)
// fails here. test/histories/v1/ holds histories recorded before the `local-lookups-and-events-with-notices`
// patch: workflows that started then must go on replaying (the patch's old branch).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '../histories/json.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installRuntime } from '../../stack/runtime.js';
import { bundleWorkflows } from '../../worker/bundle.js';

const DIR = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();
let bundle: WorkflowBundle;

beforeAll(async () => {
  installRuntime();
  bundle = await bundleWorkflows();
});

describe('workflow replay', () => {
  it('has a recorded history of every path', () => {
    const paths = [
      'lifecycle-closed',
      'acknowledgement-lapse',
      'ladder-full',
      'ladder-waits-for-verification',
      'extensions',
      'reassignment',
      'withdrawal',
      'enterprise-refusal',
      'complaint',
      'smtp-failure',
      'campaign-campaign',
      'campaign-task',
    ];
    // Recorded with the patches of 2026-12-03 (one action at a time, reports per day, continue as new).
    const since20261203 = ['one-action-at-a-time', 'reports-per-day', 'continued-as-new-run1', 'continued-as-new-run2'];
    // Rung notices gathered per unit and day: the task that opened and sent each batch, and the one that joined it.
    const perUnitDay = ['rung-notices-per-unit-day-lanes', 'rung-notices-per-unit-day-signs'];
    const names = files.map((f) => f.replace(/\.json$/, ''));
    // A task that handed parts to a sub-unit (转办, patch delegation-to-sub-units).
    const delegation = ['delegation'];
    // An inspection's clock (InspectionWorkflow): its points sent, one lapse, all closed.
    const inspection = ['inspection'];
    // Two reports that leave the wake time where it was: the task keeps its timer (patch one-timer-per-wake).
    const oneTimer = ['one-timer-per-wake'];
    expect(names).toEqual(expect.arrayContaining([...paths, ...paths.map((p) => `v1/${p}`), ...since20261203, ...perUnitDay, ...delegation, ...inspection, ...oneTimer]));
  });

  it('replays every recorded history without nondeterminism', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(DIR + file, 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'chuangwen-replay' }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
