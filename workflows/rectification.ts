// RectificationWorkflow lives in workflows/rectification/; this path is where the worker's bundle
// (workflows/index.ts), activities/task-starts.ts, the benchmarks and tests import it from.
export { RectificationWorkflow, TASK_HISTORY_LIMIT } from './rectification/workflow.js';
export type { RectificationInput } from './messages.js';
