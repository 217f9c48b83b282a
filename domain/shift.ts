// Moves every date of a definition by the same number of days, e.g. to rehearse a past plan from today.
import { addDays, daysBetween } from './calendar.js';
import type { CampaignDefinition } from './definition.js';

export function shiftDefinition(def: CampaignDefinition, newStart: string): CampaignDefinition {
  const days = daysBetween(def.start, newStart);
  const move = (date: string) => addDays(date, days);
  return {
    ...def,
    start: move(def.start),
    end: move(def.end),
    tasks: def.tasks.map((t) => ({ ...t, start: move(t.start), deadline: move(t.deadline) })),
    phases: def.phases.map((p) => ({ ...p, start: move(p.start), end: move(p.end) })),
  };
}
