// Importing a plan for review, the same for the console's page and the JSON API: the definition
// the importer proposes and every problem `plan validate` would list in it.
import { importPlan, PlanInputError } from '../../plan/index.js';
import { validateDefinitionYaml } from './actions.js';
import { HttpProblem } from './problems.js';

type ImportedPlan = Awaited<ReturnType<typeof importPlan>>;

export type PlanForReview = Pick<ImportedPlan, 'id' | 'yaml' | 'summary' | 'warnings' | 'unplaced' | 'placeholderEmails'> & {
  problems: ReturnType<typeof validateDefinitionYaml>['problems'];
};

/** The plan's definition and its problems; an unreadable plan is a 422 that names the file. */
export async function importPlanForReview(input: { buffer: Buffer; fileName: string }): Promise<PlanForReview> {
  try {
    const result = await importPlan(input.buffer, input.fileName);
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
