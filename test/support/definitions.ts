// Small campaign definitions for tests, dated relative to the simulated "today".
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { DEFAULT_CADENCES } from '../../domain/cadences.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { DefinitionError, parseDefinition, type DefinitionProblem } from '../../domain/definition-yaml.js';

export const ZONE = 'Asia/Shanghai';

/** The civil date in Shanghai of an instant, shifted by whole days. */
export function shanghaiDate(at: Date, plusDays = 0): string {
  return DateTime.fromJSDate(at).setZone(ZONE).plus({ days: plusDays }).toISODate()!;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The last-place rules of the Beihai plan: 末位通报批评；连续两次末位约谈；仍整改不力追责. */
export const BEIHAI_LAST_PLACE_RULES = {
  lastPlace: { action: 'criticismNotice' },
  consecutiveLastPlace: { times: 2, action: 'interview' },
  stillFailing: { action: 'accountabilityReferral' },
} as const;

/** The seven cadences the seed plans together prescribe, each with its defaults. */
export const SEED_CADENCES = DEFAULT_CADENCES;

/** One office, two leaders, three units and the given tasks (default: one task). */
export function testDefinition(options: {
  start: string;
  end: string;
  tasks?: { id: string; start: string; deadline: string; leadUnit?: string; cooperatingUnits?: string[] }[];
  calendar?: unknown;
  /** The campaign's cadences; default none, so that a test about tasks sees only task mail. */
  cadences?: Record<string, unknown>;
  /** The campaign's assessment rules (last place and the rest). */
  assessment?: Record<string, unknown>;
}): CampaignDefinition {
  const tasks = options.tasks ?? [{ id: 'lanes', start: options.start, deadline: options.end }];
  return definitionSchema.parse({
    id: uniqueId('test'),
    title: '测试园区创建文明城市实施方案',
    office: { name: '测试园区创城办', documentPrefix: '测试创城', email: 'office@test.example.org' },
    start: options.start,
    end: options.end,
    leaders: [
      { id: 'chief', role: 'groupLeader', name: '王组长', email: 'chief@test.example.org' },
      { id: 'deputy', role: 'executiveDeputy', name: '李常务', email: 'deputy@test.example.org' },
      { id: 'urban', role: 'responsibleLeader', name: '张副主任', email: 'urban@test.example.org' },
    ],
    units: [
      unit('enforcement', '区综合执法分局', 'zf'),
      unit('utilities', '区公用事业局', 'gy'),
      unit('service', '北海服务中心', 'fw'),
    ],
    tasks: tasks.map((t) => ({
      title: `整治任务${t.id}`,
      description: '整治背街小巷乱堆乱放。',
      leadUnit: 'enforcement',
      cooperatingUnits: ['utilities', 'service'],
      ...t,
    })),
    cadences: options.cadences ?? {},
    ...(options.assessment ? { assessment: options.assessment } : {}),
    ...(options.calendar ? { calendar: options.calendar } : {}),
  });
}

function unit(id: string, name: string, mailbox: string) {
  return {
    id,
    name,
    principal: { name: `${name}局长`, email: `${mailbox}-principal@test.example.org` },
    contact: { name: `${name}联络员`, email: `${mailbox}@test.example.org` },
    responsibleLeader: 'urban',
  };
}

/** The problems parseDefinition finds in a definition's text (none: []); `env` checks its secret references too. */
export function definitionProblems(text: string, env?: Record<string, string>): DefinitionProblem[] {
  try {
    parseDefinition(text, 'campaign.yaml', env ? { env } : {});
    return [];
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems;
    throw error;
  }
}
