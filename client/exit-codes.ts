/** Exit codes of every chuangwen command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** An error caused by what the user gave us; reported without a stack trace, exit code 2. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}
