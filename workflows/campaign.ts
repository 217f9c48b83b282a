// CampaignWorkflow lives in workflows/campaign/; this path is where the worker's bundle
// (workflows/index.ts), clients and tests import it from.
export { CampaignWorkflow } from './campaign/workflow.js';
