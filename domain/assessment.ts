// 每两月实地测评: scores, ranking with ties, and the last-place rule of the plans
// (2-beihai-2021: 排名最后一位的部门通报批评；连续两次排名最后一名的，约谈部门主要领导；
// 仍然整改不得力的，追究相关人员责任). Pure: workflows and activities both use it.

/** What the record says about a unit over one assessment period. */
export interface UnitMetrics {
  unitId: string;
  /** Tasks whose deadline fell in the period. */
  tasksDue: number;
  /** Of those, closed (销号) on or before their deadline. */
  tasksClosedOnTime: number;
  /** Days past the deadline, summed over the unit's overdue tasks. */
  overdueDays: number;
  /** Escalation rungs reached in the period, summed over tasks (逾期通报 = 1 … 追责 = 4). */
  rungsReached: number;
  /** Monthly materials (每月报送) requested in the period, and delivered on time. */
  materialsDue: number;
  materialsOnTime: number;
  /** 问题点位 whose deadline fell in the period, and of those answered by their deadline and closed (counted where the round counts points). */
  pointsDue?: number;
  pointsFixedOnTime?: number;
  /** Times a re-check returned one of the unit's points in the period. */
  pointsReturned?: number;
}

/** How a score is computed from the record when assessors enter none. All penalties in points. */
export interface ScoreFormula {
  /** Taken off in proportion to the share of due tasks not closed on time. */
  lateTaskPenalty: number;
  /** Per overdue day, up to overdueCap. */
  overdueDayPenalty: number;
  overdueCap: number;
  /** Per rung reached, up to rungCap. */
  rungPenalty: number;
  rungCap: number;
  /** Taken off in proportion to the share of materials not delivered on time. */
  lateMaterialsPenalty: number;
  /** 点位测评 (definition `inspections.scoring`): off in proportion to the share of points not fixed on time… */
  latePointPenalty?: number;
  /** …and per point returned on re-check, up to returnedPointCap. */
  returnedPointPenalty?: number;
  returnedPointCap?: number;
}

export const DEFAULT_SCORE_FORMULA: ScoreFormula = {
  lateTaskPenalty: 40,
  overdueDayPenalty: 0.5,
  overdueCap: 20,
  rungPenalty: 5,
  rungCap: 20,
  lateMaterialsPenalty: 20,
};

/**
 * 100, less the penalties; clamped to 0–100 and rounded to one decimal.
 * A unit with nothing due loses nothing for lateness.
 */
export function computedScore(m: UnitMetrics, f: ScoreFormula = DEFAULT_SCORE_FORMULA): number {
  const lateShare = m.tasksDue > 0 ? 1 - m.tasksClosedOnTime / m.tasksDue : 0;
  const lateMaterials = m.materialsDue > 0 ? 1 - m.materialsOnTime / m.materialsDue : 0;
  const latePoints = m.pointsDue ? 1 - (m.pointsFixedOnTime ?? 0) / m.pointsDue : 0;
  const score =
    100 -
    f.lateTaskPenalty * lateShare -
    Math.min(f.overdueDayPenalty * m.overdueDays, f.overdueCap) -
    Math.min(f.rungPenalty * m.rungsReached, f.rungCap) -
    f.lateMaterialsPenalty * lateMaterials -
    (f.latePointPenalty ?? 0) * latePoints -
    Math.min((f.returnedPointPenalty ?? 0) * (m.pointsReturned ?? 0), f.returnedPointCap ?? 0);
  return Math.round(Math.min(100, Math.max(0, score)) * 10) / 10;
}

export interface RankedUnit {
  unitId: string;
  score: number;
  /** Competition ranking: equal scores share a rank, the next rank skips (1, 2, 2, 4). */
  rank: number;
  /** Every unit sharing the lowest rank is last: a tie at the bottom spares no one. */
  last: boolean;
}

/** Ranks by score, best first; ties keep the order of unit ids so the table reads the same every time. */
export function rankUnits(scores: { unitId: string; score: number }[]): RankedUnit[] {
  const sorted = [...scores].sort((a, b) => b.score - a.score || a.unitId.localeCompare(b.unitId));
  const ranked = sorted.map((s) => ({ ...s, rank: 0, last: false }));
  ranked.forEach((r, i) => {
    r.rank = i > 0 && r.score === ranked[i - 1].score ? ranked[i - 1].rank : i + 1;
  });
  const lowest = ranked.length > 1 ? ranked[ranked.length - 1].rank : 0;
  // With one unit, or all tied, nobody is "last" among peers.
  const allTied = ranked.every((r) => r.rank === 1);
  for (const r of ranked) r.last = !allTied && r.rank === lowest;
  return ranked;
}

export type Consequence = 'criticism' | 'interview' | 'accountability';

/** Points off the year-end performance (年终绩效) for each consequence of last place. */
export const DEFAULT_CONSEQUENCE_DEDUCTIONS: Record<Consequence, number> = {
  criticism: 1,
  interview: 2,
  accountability: 3,
};

export const CONSEQUENCE_NAMES: Record<Consequence, string> = {
  criticism: '通报批评',
  interview: '约谈主要负责人',
  accountability: '追究责任',
};

/**
 * The consequence for each unit that is last this round, given how many rounds in a row it had
 * been last before: once → 通报批评; twice in a row → 约谈; three or more → 追责.
 */
export function lastPlaceConsequences(
  ranking: RankedUnit[],
  previousLastStreak: Record<string, number>,
): { unitId: string; streak: number; consequence: Consequence }[] {
  return ranking
    .filter((r) => r.last)
    .map((r) => {
      const streak = (previousLastStreak[r.unitId] ?? 0) + 1;
      const consequence: Consequence = streak >= 3 ? 'accountability' : streak === 2 ? 'interview' : 'criticism';
      return { unitId: r.unitId, streak, consequence };
    });
}

/**
 * The last-place rules a plan states, as a round applies them: what a first last place brings, what
 * the Nth in a row brings, and what comes after that. A rule the plan does not state brings nothing.
 */
export interface LastPlaceRules {
  first?: Consequence;
  repeated?: { times: number; consequence: Consequence };
  beyond?: Consequence;
}

const CONSEQUENCE_OF_ACTION: Record<string, Consequence> = {
  criticismNotice: 'criticism',
  interview: 'interview',
  accountabilityReferral: 'accountability',
};

/** The rules in a definition's `assessment:` (already checked), read without its schema. */
export function lastPlaceRulesOf(assessment: Record<string, unknown> | undefined): LastPlaceRules {
  const actionOf = (key: string) => {
    const rule = assessment?.[key] as { action?: string; times?: number } | undefined;
    return rule?.action ? { consequence: CONSEQUENCE_OF_ACTION[rule.action], times: rule.times ?? 2 } : undefined;
  };
  const first = actionOf('lastPlace');
  const repeated = actionOf('consecutiveLastPlace');
  const beyond = actionOf('stillFailing');
  return {
    ...(first ? { first: first.consequence } : {}),
    ...(repeated ? { repeated } : {}),
    ...(beyond ? { beyond: beyond.consequence } : {}),
  };
}

/** Consequences for the units last this round under the plan's own rules; units with none are left out. */
export function consequencesByRules(
  ranking: RankedUnit[],
  previousLastStreak: Record<string, number>,
  rules: LastPlaceRules,
): { unitId: string; streak: number; consequence: Consequence }[] {
  return ranking
    .filter((r) => r.last)
    .map((r) => {
      const streak = (previousLastStreak[r.unitId] ?? 0) + 1;
      const { repeated } = rules;
      const consequence = repeated && streak > repeated.times ? (rules.beyond ?? repeated.consequence) : repeated && streak === repeated.times ? repeated.consequence : rules.first;
      return { unitId: r.unitId, streak, consequence };
    })
    .filter((c): c is { unitId: string; streak: number; consequence: Consequence } => c.consequence !== undefined);
}

/** Streaks after this round: units last again add one, every other unit starts over. */
export function nextLastStreaks(ranking: RankedUnit[], previous: Record<string, number>): Record<string, number> {
  return Object.fromEntries(ranking.filter((r) => r.last).map((r) => [r.unitId, (previous[r.unitId] ?? 0) + 1]));
}

/**
 * A round's period by its name in the results notice, from its first and last civil dates:
 * 2035年1月, 2035年1—2月, 2035年12月—2036年1月.
 */
export function periodLabel(start: string, end: string): string {
  const [sy, sm] = start.split('-').map(Number);
  const [ey, em] = end.split('-').map(Number);
  if (sy === ey && sm === em) return `${sy}年${sm}月`;
  return sy === ey ? `${sy}年${sm}—${em}月` : `${sy}年${sm}月—${ey}年${em}月`;
}
