// Refusing an update: the reason is shown to the user in Chinese and nothing has changed. Every
// workflow refuses the same way, so the console maps each type to one HTTP answer
// (client/api/problems.ts): a refusal because of the state (InvalidState) is 409, bad input 422.
import { ApplicationFailure } from '@temporalio/workflow';

export function reject(message: string, type = 'InvalidInput'): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** Refuses if a check found a reason (a pure `check*` returns one, or nothing). */
export function refuseIf(verdict: { message: string; type: string } | undefined): void {
  if (verdict) reject(verdict.message, verdict.type);
}
