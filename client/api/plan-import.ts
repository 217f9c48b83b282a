// Importing a plan for review, the same for the console's page and the JSON API: the definition
// the importer proposes, its units and leaders filled in from the 通讯录, and every problem
// `plan validate` would list in it.
import { loadDirectorySnapshot } from '../../db/directory.js';
import type { Queryable } from '../../db/pool.js';
import { importPlan, PlanInputError } from '../../plan/index.js';
import { validateDefinitionYaml } from './actions.js';
import { HttpProblem } from './problems.js';

type ImportedPlan = Awaited<ReturnType<typeof importPlan>>;

export type PlanForReview = Pick<ImportedPlan, 'id' | 'yaml' | 'summary' | 'warnings' | 'unplaced' | 'placeholderEmails'> & {
  problems: ReturnType<typeof validateDefinitionYaml>['problems'];
};

/** The plan's definition (filled in from the 通讯录) and its problems; an unreadable plan is a 422 that names the file. */
export async function importPlanForReview(db: Queryable, input: { buffer: Buffer; fileName: string }): Promise<PlanForReview> {
  const directory = await loadDirectorySnapshot(db);
  try {
    const result = await importPlan(input.buffer, input.fileName, { directory });
    const check = validateDefinitionYaml(result.yaml, `${result.id}.yaml`);
    return {
      id: result.id,
      yaml: result.yaml,
      summary: result.summary,
      warnings: result.warnings,
      unplaced: result.unplaced,
      problems: check.problems,
      placeholderEmails: result.placeholderEmails,
    };
  } catch (error) {
    if (error instanceof PlanInputError) throw new HttpProblem(422, 'PlanUnreadable', error.message);
    throw error;
  }
}
