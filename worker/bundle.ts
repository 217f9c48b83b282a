// The workflow bundle: built once (at image build, or once per test suite) and reused by every worker.
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { debug() {}, info() {}, warn: console.warn, error: console.error, trace() {}, log() {} },
    webpackConfigHook: (config) => {
      // Our ESM sources import './x.js' that is really './x.ts'.
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  });
}
