// The workflows a worker runs. Deterministic code only: no I/O, no Node modules.
export { CampaignWorkflow } from './campaign.js';
export { RectificationWorkflow } from './rectification.js';
export { AssessmentWorkflow } from './assessment.js';
export { InspectionWorkflow } from './inspection.js';
