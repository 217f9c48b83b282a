// How a refusal becomes an HTTP answer: one status and one Chinese reason per kind of refusal,
// the same for the console's pages, the JSON API and the portal.
import { WorkflowNotFoundError } from '@temporalio/client';
import { DefinitionError, type DefinitionProblem } from '../../domain/definition-yaml.js';
import { ActionRejected, CampaignAlreadyStarted } from '../campaigns.js';

/** An answer other than success, with its HTTP status and a reason in Chinese. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: DefinitionProblem[],
  ) {
    super(message);
  }
}

/** Refusals that say the task is not in a state for the action (409); every other refusal is bad input (422). */
const STATE_REASONS = new Set(['InvalidState', 'ExtensionLimit']);

export function problemFrom(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ActionRejected) {
    // The task's reports for today are used up (MAX_REPORTS_PER_DAY): try again tomorrow.
    if (error.reason === 'DailyLimit') return new HttpProblem(429, error.reason, error.message);
    const state = error.reason !== undefined && STATE_REASONS.has(error.reason);
    return new HttpProblem(state ? 409 : 422, error.reason ?? 'Rejected', error.message);
  }
  if (error instanceof WorkflowNotFoundError) return new HttpProblem(404, 'NotFound', '未找到该任务的工作流（任务不存在或尚未开始）');
  if (error instanceof CampaignAlreadyStarted) return new HttpProblem(409, 'AlreadyStarted', error.message);
  if (error instanceof DefinitionError) {
    return new HttpProblem(422, 'InvalidDefinition', `定义有 ${error.problems.length} 处错误`, error.problems);
  }
  return undefined;
}

/** Runs an action; known refusals become HttpProblem. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw problemFrom(error) ?? error;
  }
}

