// The corpus of real plans in test/plan/corpus (and the .docx/.xlsx/.pdf and encoding variants built from
// them): the share of actions found and of lead units right must not fall below what was measured
// (docs/import.md has the table; `npm run eval:import` prints it).
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateCorpus, table, totals, type PlanScore } from '../../eval/recall.js';

/**
 * Measured over 69 files: 100 % of actions (212/212), 100 % of lead units (136/136), 100 % of the actions without a
 * unit kept (76/76); the floor leaves room for a plan added that is read less well.
 */
const FLOOR = { actions: 0.98, leads: 0.98, unnamedKept: 0.95 };

describe('recall over the corpus of real plans', () => {
  let scores: PlanScore[];
  beforeAll(async () => {
    scores = await evaluateCorpus();
  }, 120_000);

  it('reads every file of the corpus without refusing it', () => {
    expect(scores.length).toBeGreaterThanOrEqual(65);
    expect(scores.filter((s) => s.error).map((s) => `${s.name}: ${s.error}`)).toEqual([]);
  });

  it(`finds at least ${FLOOR.actions * 100} % of the actions and ${FLOOR.leads * 100} % of the lead units`, () => {
    const t = totals(scores);
    const report = `\n${table(scores)}\n${scores.flatMap((s) => s.misses.map((m) => `${s.name}: ${m}`)).join('\n')}`;
    expect(t.found / t.actions, report).toBeGreaterThanOrEqual(FLOOR.actions);
    expect(t.leadsRight / t.leads, report).toBeGreaterThanOrEqual(FLOOR.leads);
    expect(t.unnamedKept / t.unnamed, report).toBeGreaterThanOrEqual(FLOOR.unnamedKept);
  });

  it('reads the issuing body from the plan’s own text', () => {
    const t = totals(scores);
    expect(t.issuingRight).toBe(t.issuing);
  });
});
