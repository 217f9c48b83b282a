import { describe, expect, it } from 'vitest';
import {
  computedScore,
  DEFAULT_SCORE_FORMULA,
  lastPlaceConsequences,
  nextLastStreaks,
  rankUnits,
  type UnitMetrics,
} from '../../domain/assessment.js';

const metrics = (m: Partial<UnitMetrics>): UnitMetrics => ({
  unitId: 'u',
  tasksDue: 0,
  tasksClosedOnTime: 0,
  overdueDays: 0,
  rungsReached: 0,
  materialsDue: 0,
  materialsOnTime: 0,
  ...m,
});

describe('computed score', () => {
  it('is 100 for a unit that did everything on time, or had nothing due', () => {
    expect(computedScore(metrics({ tasksDue: 3, tasksClosedOnTime: 3, materialsDue: 2, materialsOnTime: 2 }))).toBe(100);
    expect(computedScore(metrics({}))).toBe(100);
  });

  it('takes off for late tasks, overdue days, rungs and late materials, as documented', () => {
    // 1 of 2 tasks late: −20; 12 overdue days: −6; rungs 1+2: −15; 1 of 4 materials late: −5.
    const m = metrics({ tasksDue: 2, tasksClosedOnTime: 1, overdueDays: 12, rungsReached: 3, materialsDue: 4, materialsOnTime: 3 });
    expect(computedScore(m)).toBe(54);
  });

  it('caps overdue days and rungs, and never goes below 0', () => {
    const m = metrics({ tasksDue: 1, overdueDays: 400, rungsReached: 40, materialsDue: 1 });
    expect(computedScore(m)).toBe(0);
    expect(computedScore(m, { ...DEFAULT_SCORE_FORMULA, lateTaskPenalty: 0, lateMaterialsPenalty: 0 })).toBe(60);
  });
});

describe('computed score of a campaign that scores its problem points (点位测评)', () => {
  const pointBased = { ...DEFAULT_SCORE_FORMULA, latePointPenalty: 30, returnedPointPenalty: 1, returnedPointCap: 10 };
  it('takes off for points not fixed on time and for points returned on re-check, up to the cap', () => {
    // 3 of 10 points late: −9; 4 returned: −4.
    expect(computedScore(metrics({ pointsDue: 10, pointsFixedOnTime: 7, pointsReturned: 4 }), pointBased)).toBe(87);
    expect(computedScore(metrics({ pointsDue: 10, pointsFixedOnTime: 10, pointsReturned: 40 }), pointBased)).toBe(90);
  });
  it('leaves points out where the campaign does not score them', () => {
    expect(computedScore(metrics({ pointsDue: 10, pointsFixedOnTime: 0, pointsReturned: 4 }))).toBe(100);
  });
});

describe('ranking', () => {
  it('gives equal scores the same rank and skips the next (1, 2, 2, 4)', () => {
    const ranked = rankUnits([
      { unitId: 'c', score: 80 },
      { unitId: 'a', score: 92.5 },
      { unitId: 'd', score: 71 },
      { unitId: 'b', score: 80 },
    ]);
    expect(ranked.map((r) => [r.unitId, r.rank, r.last])).toEqual([
      ['a', 1, false],
      ['b', 2, false],
      ['c', 2, false],
      ['d', 4, true],
    ]);
  });

  it('makes every unit tied at the bottom last, and nobody last when all are tied', () => {
    expect(rankUnits([{ unitId: 'a', score: 90 }, { unitId: 'b', score: 60 }, { unitId: 'c', score: 60 }]).filter((r) => r.last).map((r) => r.unitId)).toEqual(['b', 'c']);
    expect(rankUnits([{ unitId: 'a', score: 70 }, { unitId: 'b', score: 70 }]).some((r) => r.last)).toBe(false);
  });
});

describe('last-place rule', () => {
  it('criticises once, interviews on the second round in a row, refers for accountability after that', () => {
    const round = rankUnits([{ unitId: 'good', score: 95 }, { unitId: 'weak', score: 50 }]);
    let streaks: Record<string, number> = {};
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(...lastPlaceConsequences(round, streaks).map((c) => c.consequence));
      streaks = nextLastStreaks(round, streaks);
    }
    expect(seen).toEqual(['criticism', 'interview', 'accountability']);
  });

  it('starts over for a unit that left last place', () => {
    const streaks = nextLastStreaks(rankUnits([{ unitId: 'a', score: 40 }, { unitId: 'b', score: 90 }]), { b: 2 });
    expect(streaks).toEqual({ a: 1 });
  });
});
