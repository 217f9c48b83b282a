// The way from a checked definition to a preview or a running campaign, the same for the review
// page after an import and for the editor's drafts: where its dates stand today, the sandbox year,
// and the start with its date checks (an ended period refused, past notices sent only on 补发).
import { campaignExists } from '../../db/campaigns.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import { catchUpCount, checkStartDates, civilDateIn, describePastStart } from '../../domain/start-dates.js';
import { prepareStart, startCampaignFromYaml, validateDefinitionYaml } from '../api/actions.js';
import type { ConsoleContext } from '../context.js';
import { previewCampaign } from '../preview.js';

export const PREVIEW_MONTHS = 12;

/** Where the definition's dates stand today, for the start form: an ended period, or the catch-up list. */
export async function startDatesView(ctx: ConsoleContext, yaml: string, fileName: string) {
  const check = validateDefinitionYaml(yaml, fileName);
  if (!check.valid) return undefined;
  const dates = checkStartDates(check.definition, civilDateIn(check.definition.timeZone, await ctx.now()));
  if (dates.status === 'ended') return { status: 'ended' as const, message: dates.message };
  if (dates.status === 'current') return undefined;
  return { status: 'past' as const, lines: describePastStart(dates), catchUpCount: catchUpCount(dates.catchUp), lapsedCount: dates.lapsedTasks.length, today: dates.today };
}

/** 预览: the definition run in a sandbox for a year as if no unit answered (some seconds). */
export async function previewDefinition(ctx: ConsoleContext, definition: CampaignDefinition, catchUp: boolean) {
  const today = civilDateIn(definition.timeZone, await ctx.now());
  const prepared = prepareStart(definition, { catchUp, today });
  const simulation = await previewCampaign(prepared.definition, { months: PREVIEW_MONTHS });
  return { simulation, simulationNotes: prepared.notes };
}

/** Starts the campaign (refusals are HttpProblems); resolves with its id once the database knows it. */
export async function startDefinition(ctx: ConsoleContext, yaml: string, fileName: string, definition: CampaignDefinition, catchUp: boolean): Promise<string> {
  const today = civilDateIn(definition.timeZone, await ctx.now());
  const started = await startCampaignFromYaml(ctx.temporal, yaml, fileName, { catchUp, today });
  // The campaign's workflow registers it in the database in its first step; wait for that briefly.
  for (let i = 0; i < 100 && !(await campaignExists(ctx.db, started.id)); i++) await new Promise((r) => setTimeout(r, 100));
  return started.id;
}
